/**
 * Minimal RTCP (RFC 3550 §6) as pure functions: build and parse sender reports (§6.4.1), receiver reports
 * (§6.4.2), SDES CNAME (§6.5.1) and BYE (§6.6), and compound packets (§6.1). Other packet types (APP, RTPFB,
 * PSFB, XR…) are kept as opaque `other` entries so a compound packet carrying them still parses.
 *
 * Every RTCP packet starts with the same 4 octets:
 * ```
 * |V=2|P|   RC/SC   |      PT       |             length            |
 * ```
 * where length counts 32-bit words minus one (§6.4.1).
 */
import { RTP_VERSION } from './rtp-packet.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** SDES item types (RFC 3550 §6.5). */
export const SDES_CNAME = 1;

/** RFC 3550 §6.4.1: the RC field is 5 bits. */
const MAX_REPORT_BLOCKS = 31;
const REPORT_BLOCK_LENGTH = 24;
const SENDER_INFO_LENGTH = 20;

/** One reception report block (RFC 3550 §6.4.1), about one source we receive. */
export interface RtcpReportBlock {
  /** SSRC of the source this block is about. */
  ssrc: number;
  /** Fraction of packets lost since the previous report, as a fixed point number ×256 (0-255). */
  fractionLost: number;
  /** Cumulative packets lost (24-bit signed: duplicates can make it negative, A.3). */
  cumulativeLost: number;
  /** Cycles (high 16 bits) and highest sequence number received (low 16 bits). */
  extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units (A.8). */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source, 0 if none. */
  lastSenderReport: number;
  /** Delay since that SR, in 1/65536 s, 0 if none. */
  delaySinceLastSenderReport: number;
}

/** Sender information of an SR (RFC 3550 §6.4.1). */
export interface RtcpSenderInfo {
  /** NTP timestamp, integer seconds since 1900 (32 bits). */
  ntpSeconds: number;
  /** NTP timestamp, fraction of a second × 2^32. */
  ntpFraction: number;
  /** The same instant in the RTP timestamp clock. */
  rtpTimestamp: number;
  /** Packets sent since the start of transmission. */
  packetCount: number;
  /** Payload octets sent since the start of transmission. */
  octetCount: number;
}

export interface RtcpSdesChunk {
  ssrc: number;
  items: { type: number; value: string }[];
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; senderInfo: RtcpSenderInfo; reports: RtcpReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: RtcpReportBlock[] }
  | { type: 'sdes'; chunks: RtcpSdesChunk[] }
  | { type: 'bye'; ssrcs: number[]; reason: string | undefined }
  | { type: 'other'; packetType: number; count: number; body: Buffer };

function writeCommonHeader(buf: Buffer, count: number, packetType: number): void {
  buf[0] = (RTP_VERSION << 6) | count;
  buf[1] = packetType;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
}

function checkReportCount(reports: readonly RtcpReportBlock[]): void {
  if (reports.length > MAX_REPORT_BLOCKS) {
    throw new RangeError(`an RTCP report carries at most ${MAX_REPORT_BLOCKS} report blocks`);
  }
}

function writeReportBlock(buf: Buffer, offset: number, block: RtcpReportBlock): void {
  buf.writeUInt32BE(block.ssrc >>> 0, offset);
  buf[offset + 4] = Math.max(0, Math.min(255, block.fractionLost));
  // 24-bit two's complement, clamped to its range (RFC 3550 A.3).
  const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost));
  buf.writeUIntBE(lost & 0xffffff, offset + 5, 3);
  buf.writeUInt32BE(block.extendedHighestSequence >>> 0, offset + 8);
  buf.writeUInt32BE(Math.max(0, Math.floor(block.jitter)) >>> 0, offset + 12);
  buf.writeUInt32BE(block.lastSenderReport >>> 0, offset + 16);
  buf.writeUInt32BE(block.delaySinceLastSenderReport >>> 0, offset + 20);
}

function readReportBlock(buf: Buffer, offset: number): RtcpReportBlock {
  return {
    ssrc: buf.readUInt32BE(offset),
    fractionLost: buf[offset + 4]!,
    cumulativeLost: buf.readIntBE(offset + 5, 3),
    extendedHighestSequence: buf.readUInt32BE(offset + 8),
    jitter: buf.readUInt32BE(offset + 12),
    lastSenderReport: buf.readUInt32BE(offset + 16),
    delaySinceLastSenderReport: buf.readUInt32BE(offset + 20),
  };
}

/** SR, RFC 3550 §6.4.1. */
export function buildSenderReport(
  ssrc: number,
  senderInfo: RtcpSenderInfo,
  reports: readonly RtcpReportBlock[] = [],
): Buffer {
  checkReportCount(reports);
  const buf = Buffer.alloc(8 + SENDER_INFO_LENGTH + reports.length * REPORT_BLOCK_LENGTH);
  writeCommonHeader(buf, reports.length, RTCP_SR);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt32BE(senderInfo.ntpSeconds >>> 0, 8);
  buf.writeUInt32BE(senderInfo.ntpFraction >>> 0, 12);
  buf.writeUInt32BE(senderInfo.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(senderInfo.packetCount >>> 0, 20);
  buf.writeUInt32BE(senderInfo.octetCount >>> 0, 24);
  reports.forEach((block, i) => writeReportBlock(buf, 28 + i * REPORT_BLOCK_LENGTH, block));
  return buf;
}

/** RR, RFC 3550 §6.4.2. An RR with no report block is valid: it is what a participant that hears nobody sends. */
export function buildReceiverReport(ssrc: number, reports: readonly RtcpReportBlock[] = []): Buffer {
  checkReportCount(reports);
  const buf = Buffer.alloc(8 + reports.length * REPORT_BLOCK_LENGTH);
  writeCommonHeader(buf, reports.length, RTCP_RR);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  reports.forEach((block, i) => writeReportBlock(buf, 8 + i * REPORT_BLOCK_LENGTH, block));
  return buf;
}

/** SDES with one chunk holding the CNAME item (RFC 3550 §6.5.1), mandatory in every compound packet (§6.1). */
export function buildSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8');
  if (text.length > 255) {
    throw new RangeError('an SDES item holds at most 255 octets (RFC 3550 §6.5)');
  }
  // SSRC + type + length + text, then at least one null octet ending the item list, padded to 32 bits (§6.5).
  const used = 4 + 2 + text.length;
  const chunkLength = (Math.floor(used / 4) + 1) * 4;
  const buf = Buffer.alloc(4 + chunkLength);
  writeCommonHeader(buf, 1, RTCP_SDES);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf[8] = SDES_CNAME;
  buf[9] = text.length;
  text.copy(buf, 10);
  return buf;
}

/** BYE, RFC 3550 §6.6, with an optional reason. */
export function buildBye(ssrcs: readonly number[], reason?: string): Buffer {
  if (ssrcs.length > MAX_REPORT_BLOCKS) {
    throw new RangeError(`an RTCP BYE names at most ${MAX_REPORT_BLOCKS} sources`);
  }
  const text = reason === undefined ? undefined : Buffer.from(reason, 'utf8');
  if (text !== undefined && text.length > 255) {
    throw new RangeError('a BYE reason holds at most 255 octets (RFC 3550 §6.6)');
  }
  const reasonLength = text === undefined ? 0 : Math.ceil((1 + text.length) / 4) * 4;
  const buf = Buffer.alloc(4 + ssrcs.length * 4 + reasonLength);
  writeCommonHeader(buf, ssrcs.length, RTCP_BYE);
  ssrcs.forEach((ssrc, i) => buf.writeUInt32BE(ssrc >>> 0, 4 + i * 4));
  if (text !== undefined) {
    const offset = 4 + ssrcs.length * 4;
    buf[offset] = text.length;
    text.copy(buf, offset + 1);
  }
  return buf;
}

/** A compound packet (RFC 3550 §6.1) is the concatenation of its packets. */
export function buildCompound(packets: readonly Buffer[]): Buffer {
  return Buffer.concat(packets);
}

function parseSdes(body: Buffer, count: number): RtcpSdesChunk[] | undefined {
  const chunks: RtcpSdesChunk[] = [];
  let offset = 0;
  for (let c = 0; c < count; c++) {
    if (offset + 4 > body.length) {
      return undefined;
    }
    const chunk: RtcpSdesChunk = { ssrc: body.readUInt32BE(offset), items: [] };
    offset += 4;
    for (;;) {
      if (offset >= body.length) {
        return undefined;
      }
      const type = body[offset]!;
      if (type === 0) {
        // End of the item list: skip to the next 32-bit boundary (§6.5).
        offset = (Math.floor(offset / 4) + 1) * 4;
        break;
      }
      const length = body[offset + 1];
      if (length === undefined || offset + 2 + length > body.length) {
        return undefined;
      }
      chunk.items.push({ type, value: body.toString('utf8', offset + 2, offset + 2 + length) });
      offset += 2 + length;
    }
    chunks.push(chunk);
  }
  return chunks;
}

function parseOne(packetType: number, count: number, body: Buffer): RtcpPacket | undefined {
  switch (packetType) {
    case RTCP_SR: {
      if (body.length < 4 + SENDER_INFO_LENGTH + count * REPORT_BLOCK_LENGTH) {
        return undefined;
      }
      const senderInfo: RtcpSenderInfo = {
        ntpSeconds: body.readUInt32BE(4),
        ntpFraction: body.readUInt32BE(8),
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
      };
      const reports: RtcpReportBlock[] = [];
      for (let i = 0; i < count; i++) {
        reports.push(readReportBlock(body, 24 + i * REPORT_BLOCK_LENGTH));
      }
      return { type: 'sr', ssrc: body.readUInt32BE(0), senderInfo, reports };
    }
    case RTCP_RR: {
      if (body.length < 4 + count * REPORT_BLOCK_LENGTH) {
        return undefined;
      }
      const reports: RtcpReportBlock[] = [];
      for (let i = 0; i < count; i++) {
        reports.push(readReportBlock(body, 4 + i * REPORT_BLOCK_LENGTH));
      }
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports };
    }
    case RTCP_SDES: {
      const chunks = parseSdes(body, count);
      return chunks === undefined ? undefined : { type: 'sdes', chunks };
    }
    case RTCP_BYE: {
      if (body.length < count * 4) {
        return undefined;
      }
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) {
        ssrcs.push(body.readUInt32BE(i * 4));
      }
      let reason: string | undefined;
      const reasonAt = count * 4;
      if (body.length > reasonAt) {
        const length = body[reasonAt]!;
        if (reasonAt + 1 + length > body.length) {
          return undefined;
        }
        reason = body.toString('utf8', reasonAt + 1, reasonAt + 1 + length);
      }
      return { type: 'bye', ssrcs, reason };
    }
    default:
      return { type: 'other', packetType, count, body };
  }
}

/**
 * Parses a compound RTCP packet, or returns undefined when it is not valid RTCP (RFC 3550 A.2: version 2 in
 * every packet, lengths adding up to the datagram, padding only on the last packet). A.2 also wants SR or RR
 * first; that is not enforced, so reduced-size RTCP (RFC 5506, e.g. a lone BYE) is still read.
 */
export function parseRtcp(buf: Buffer): RtcpPacket[] | undefined {
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) {
      return undefined;
    }
    const first = buf[offset]!;
    if (first >> 6 !== RTP_VERSION) {
      return undefined;
    }
    const end = offset + (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (end > buf.length) {
      return undefined;
    }
    let bodyEnd = end;
    if ((first & 0x20) !== 0) {
      if (end !== buf.length) {
        return undefined;
      }
      const padding = buf[end - 1]!;
      if (padding === 0 || padding > end - offset - 4) {
        return undefined;
      }
      bodyEnd -= padding;
    }
    const packet = parseOne(buf[offset + 1]!, first & 0x1f, buf.subarray(offset + 4, bodyEnd));
    if (packet === undefined) {
      return undefined;
    }
    packets.push(packet);
    offset = end;
  }
  return packets.length === 0 ? undefined : packets;
}

/** The CNAME of `ssrc` in parsed SDES packets, if any. */
export function cnameOf(packets: readonly RtcpPacket[], ssrc: number): string | undefined {
  for (const packet of packets) {
    if (packet.type !== 'sdes') {
      continue;
    }
    for (const chunk of packet.chunks) {
      if (chunk.ssrc === ssrc) {
        return chunk.items.find((item) => item.type === SDES_CNAME)?.value;
      }
    }
  }
  return undefined;
}
