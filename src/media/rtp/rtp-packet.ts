/**
 * RTP data packets (RFC 3550 §5.1) as pure functions: `parseRtp` validates and reads one datagram without
 * copying the payload; `writeRtpHeader` writes the fixed header into a caller-owned buffer so a session can reuse
 * one packet buffer for every packet it sends.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC × 32)   |
 * ```
 */

export const RTP_VERSION = 2;
/** Fixed header length (RFC 3550 §5.1), without CSRCs or extension. */
export const RTP_HEADER_LENGTH = 12;

export interface RtpHeaderExtension {
  /** "defined by profile" 16 bits (RFC 3550 §5.3.1). */
  readonly profile: number;
  /** The extension body (length × 4 octets), a view into the packet. */
  readonly data: Buffer;
}

export interface RtpPacket {
  readonly version: 2;
  readonly padding: boolean;
  readonly extension: boolean;
  readonly csrcCount: number;
  readonly marker: boolean;
  readonly payloadType: number;
  /** 16-bit. */
  readonly sequenceNumber: number;
  /** 32-bit unsigned. */
  readonly timestamp: number;
  /** 32-bit unsigned. */
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly headerExtension: RtpHeaderExtension | undefined;
  /** The payload, padding removed; a view into the datagram (no copy). */
  readonly payload: Buffer;
  /** Padding octets removed from the end (RFC 3550 §5.1 P bit), 0 without padding. */
  readonly paddingLength: number;
}

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

const NO_CSRCS: readonly number[] = Object.freeze([]);

/**
 * RFC 5761 §4: on a port shared by RTP and RTCP, the second octet tells them apart. RTCP packet types 192-223
 * (in practice SR 200 … APP 204, plus 205/206 feedback) land where an RTP marker bit plus payload type 64-95
 * would be, and RFC 3551 keeps 64-95 free for that reason. `length`: the datagram's octets at the start of `buf`.
 */
export function isRtcpPacket(buf: Uint8Array, length = buf.length): boolean {
  if (length < 2 || buf[0]! >> 6 !== RTP_VERSION) {
    return false;
  }
  const second = buf[1]!;
  return second >= 192 && second <= 223;
}

/**
 * What the receive path needs of a packet, read in place: header fields, and where the payload (padding removed)
 * lies in the datagram. One object per session is filled again for every packet (`readRtpHeader`), so receiving
 * allocates nothing.
 */
export interface RtpPacketHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcCount: number;
  /** Offset of the header extension's profile word, or -1 without extension (RFC 3550 §5.3.1). */
  extensionOffset: number;
  payloadOffset: number;
  payloadLength: number;
  /** Padding octets after the payload (RFC 3550 §5.1 P bit), 0 without padding. */
  paddingLength: number;
}

/** A blank header for `readRtpHeader` to fill. */
export function emptyRtpHeader(): RtpPacketHeader {
  return {
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    csrcCount: 0,
    extensionOffset: -1,
    payloadOffset: 0,
    payloadLength: 0,
    paddingLength: 0,
  };
}

/**
 * Reads the header of the RTP packet in the first `length` octets of `buf` into `into`; false when they are not a
 * valid packet (RFC 3550 §5.1 and the checks of Appendix A.1: version 2, CSRC list, extension and padding must fit
 * in the datagram), `into` then being partly written. The payload type is not checked here: which ones are
 * acceptable depends on the negotiation.
 */
export function readRtpHeader(buf: Uint8Array, length: number, into: RtpPacketHeader): boolean {
  if (length < RTP_HEADER_LENGTH || length > buf.length) {
    return false;
  }
  const first = buf[0]!;
  if (first >> 6 !== RTP_VERSION) {
    return false;
  }
  const csrcCount = first & 0x0f;
  let offset = RTP_HEADER_LENGTH + csrcCount * 4;
  if (offset > length) {
    return false;
  }
  let extensionOffset = -1;
  if ((first & 0x10) !== 0) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
    if (offset + 4 > length) {
      return false;
    }
    const end = offset + 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
    if (end > length) {
      return false;
    }
    extensionOffset = offset;
    offset = end;
  }
  let paddingLength = 0;
  if ((first & 0x20) !== 0) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included, so it is at least 1 and the
    // padding cannot reach into the header (A.1).
    paddingLength = buf[length - 1]!;
    if (paddingLength === 0 || paddingLength > length - offset) {
      return false;
    }
  }
  const second = buf[1]!;
  into.marker = (second & 0x80) !== 0;
  into.payloadType = second & 0x7f;
  into.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  // >>> 0: the top bit set must give a large positive number, not a negative one.
  into.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  into.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  into.csrcCount = csrcCount;
  into.extensionOffset = extensionOffset;
  into.payloadOffset = offset;
  into.payloadLength = length - offset - paddingLength;
  into.paddingLength = paddingLength;
  return true;
}

/**
 * Reads one RTP packet, or returns undefined when it is not a valid one (see `readRtpHeader`), as an object whose
 * payload, CSRC list and extension are views into the datagram (no copy). For tools and tests; sessions use
 * `readRtpHeader`.
 */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  const header = emptyRtpHeader();
  if (!readRtpHeader(buf, buf.length, header)) {
    return undefined;
  }
  let csrcs = NO_CSRCS;
  if (header.csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < header.csrcCount; i++) {
      list.push(buf.readUInt32BE(RTP_HEADER_LENGTH + i * 4));
    }
    csrcs = list;
  }
  const at = header.extensionOffset;
  const headerExtension =
    at < 0 ? undefined : { profile: buf.readUInt16BE(at), data: buf.subarray(at + 4, header.payloadOffset) };
  return {
    version: RTP_VERSION,
    padding: header.paddingLength > 0,
    extension: at >= 0,
    csrcCount: header.csrcCount,
    marker: header.marker,
    payloadType: header.payloadType,
    sequenceNumber: header.sequenceNumber,
    timestamp: header.timestamp,
    ssrc: header.ssrc,
    csrcs,
    headerExtension,
    payload: buf.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength),
    paddingLength: header.paddingLength,
  };
}

/**
 * Writes a 12-octet RTP fixed header (no padding, extension or CSRC: what a single-source endpoint sends) at
 * `offset` in `buf` and returns the offset where the payload starts. Sequence number and timestamp are reduced
 * modulo 2^16 and 2^32, so callers may simply count up.
 */
export function writeRtpHeader(buf: Buffer, fields: RtpHeaderFields, offset = 0): number {
  if (fields.payloadType < 0 || fields.payloadType > 127) {
    throw new RangeError(`RTP payload type ${fields.payloadType} is outside 0-127`);
  }
  buf[offset] = RTP_VERSION << 6;
  buf[offset + 1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  buf.writeUInt16BE(fields.sequenceNumber & 0xffff, offset + 2);
  buf.writeUInt32BE(fields.timestamp >>> 0, offset + 4);
  buf.writeUInt32BE(fields.ssrc >>> 0, offset + 8);
  return offset + RTP_HEADER_LENGTH;
}

export interface RtpPacketInit extends RtpHeaderFields {
  payload: Buffer;
  csrcs?: readonly number[];
  headerExtension?: { profile: number; data: Buffer };
  /** Padding octets to append (1-255), e.g. for tests or block ciphers. */
  paddingLength?: number;
}

/** Builds a complete RTP packet in a new buffer (tests, tools and rare packets; the hot path uses `writeRtpHeader`). */
export function serializeRtp(init: RtpPacketInit): Buffer {
  const csrcs = init.csrcs ?? NO_CSRCS;
  if (csrcs.length > 15) {
    throw new RangeError('an RTP packet carries at most 15 CSRCs (RFC 3550 §5.1)');
  }
  const ext = init.headerExtension;
  if (ext !== undefined && ext.data.length % 4 !== 0) {
    throw new RangeError('an RTP header extension is a whole number of 32-bit words (RFC 3550 §5.3.1)');
  }
  const paddingLength = init.paddingLength ?? 0;
  if (paddingLength < 0 || paddingLength > 255) {
    throw new RangeError('RTP padding is 0-255 octets');
  }
  const headerLength = RTP_HEADER_LENGTH + csrcs.length * 4 + (ext === undefined ? 0 : 4 + ext.data.length);
  const buf = Buffer.alloc(headerLength + init.payload.length + paddingLength);
  writeRtpHeader(buf, init);
  buf[0] =
    (RTP_VERSION << 6) | (paddingLength > 0 ? 0x20 : 0) | (ext === undefined ? 0 : 0x10) | csrcs.length;
  let offset = RTP_HEADER_LENGTH;
  for (const csrc of csrcs) {
    buf.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (ext !== undefined) {
    buf.writeUInt16BE(ext.profile, offset);
    buf.writeUInt16BE(ext.data.length / 4, offset + 2);
    ext.data.copy(buf, offset + 4);
    offset += 4 + ext.data.length;
  }
  init.payload.copy(buf, offset);
  if (paddingLength > 0) {
    buf[buf.length - 1] = paddingLength;
  }
  return buf;
}
