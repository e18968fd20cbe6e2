/**
 * Per-call RTP statistics: what we sent (for RTCP SR, RFC 3550 §6.4.1), what we received from the source we
 * follow (sequence tracking of Appendix A.1, expected/lost of A.3, interarrival jitter of A.8), what the peer
 * reports about our stream (its RR blocks) and the round trip time that LSR/DLSR give (§6.4.1).
 *
 * The clock rate is 8000 Hz (G.711 and telephone-event, RFC 3551 §4.5.14, RFC 4733 §2.1), so jitter in
 * timestamp units divided by 8 is milliseconds.
 */
import type { RtcpReportBlock } from './rtcp.js';
import { msToNtpShort, ntpShortToMs } from './ntp-time.js';
import { MAX_DROPOUT, MAX_MISORDER } from './rtp-sequence.js';

const CLOCK_RATE_PER_MS = 8;
const SEQ_MOD = 0x10000;

export interface RtpStatsSnapshot {
  packetsSent: number;
  /** Payload octets sent (the SR octet count). */
  bytesSent: number;
  /** Packets received from the followed source (duplicates included, as A.3 counts them). */
  packetsReceived: number;
  /** Payload octets received. */
  bytesReceived: number;
  /** A.3: extended highest sequence number − base + 1. */
  expected: number;
  /** A.3: expected − received; negative when duplicates outnumber losses. */
  lost: number;
  /** Loss fraction (0-1) over the last RTCP report interval. */
  fractionLost: number;
  /** A.8 interarrival jitter, ms. */
  jitterMs: number;
  /** Packets that arrived after their playout time. */
  late: number;
  duplicates: number;
  /** Datagrams dropped before the jitter buffer: malformed, unexpected payload type or source. */
  discarded: number;
  rtcpSent: number;
  rtcpReceived: number;
  /** Round trip time from the last RR/SR block about our stream carrying an LSR (RFC 3550 §6.4.1). */
  roundTripMs: number | undefined;
  /** What the peer last reported about our stream. */
  remote: { fractionLost: number; cumulativeLost: number; jitterMs: number } | undefined;
}

export class RtpStats {
  private packetsSent = 0;
  private bytesSent = 0;
  private packetsReceived = 0;
  private bytesReceived = 0;
  private late = 0;
  private duplicates = 0;
  private discarded = 0;
  private rtcpSent = 0;
  private rtcpReceived = 0;
  // A.1 state of the followed source.
  private source: number | undefined;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = SEQ_MOD + 1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private lastFraction = 0;
  // A.8 state.
  private transit: number | undefined;
  private jitter = 0;
  // RFC 3550 §6.4.1: the last SR from the source, for LSR/DLSR.
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;
  private roundTripMs: number | undefined;
  private remote: RtpStatsSnapshot['remote'];

  /** One RTP packet sent with `payloadBytes` of payload. */
  recordSent(payloadBytes: number): void {
    this.packetsSent++;
    this.bytesSent += payloadBytes;
  }

  /** SR sender info counters (RFC 3550 §6.4.1: packet and octet counts wrap at 2^32). */
  get sentPacketCount(): number {
    return this.packetsSent >>> 0;
  }

  get sentOctetCount(): number {
    return this.bytesSent >>> 0;
  }

  get hasReceived(): boolean {
    return this.source !== undefined;
  }

  /**
   * One RTP packet received from the followed source at `arrivalMs` (a monotonic clock). `jitterSample` false
   * leaves jitter alone: telephone-event packets repeat the event's start timestamp (RFC 4733 §2.5.1.2), which
   * would read as jitter. Returns false while a sequence jump awaits confirmation (A.1 `update_seq`).
   */
  recordReceived(
    ssrc: number,
    sequenceNumber: number,
    timestamp: number,
    payloadBytes: number,
    arrivalMs: number,
    jitterSample = true,
  ): boolean {
    if (ssrc !== this.source) {
      // The session decides which source to follow; a new one restarts the statistics (A.1 init_seq).
      this.source = ssrc;
      this.initSequence(sequenceNumber);
      this.transit = undefined;
      this.jitter = 0;
      this.lastSrMiddle = 0;
    } else if (!this.updateSequence(sequenceNumber)) {
      return false;
    }
    this.received++;
    this.packetsReceived++;
    this.bytesReceived += payloadBytes;
    if (jitterSample) {
      this.updateJitter(timestamp, arrivalMs);
    }
    return true;
  }

  countLate(): void {
    this.late++;
  }

  countDuplicate(): void {
    this.duplicates++;
  }

  countDiscarded(): void {
    this.discarded++;
  }

  countRtcpSent(): void {
    this.rtcpSent++;
  }

  countRtcpReceived(): void {
    this.rtcpReceived++;
  }

  /** An SR from the followed source arrived: remember it for the LSR/DLSR of our next report block. */
  recordSenderReport(ntpMiddle32: number, arrivalMs: number): void {
    this.lastSrMiddle = ntpMiddle32;
    this.lastSrArrivalMs = arrivalMs;
  }

  /**
   * A report block about our stream arrived; `nowNtpMiddle32` is the middle of our NTP clock at arrival. RFC 3550
   * §6.4.1: round trip = arrival − LSR − DLSR, when the peer had an SR of ours (LSR ≠ 0).
   */
  recordRemoteReport(block: RtcpReportBlock, nowNtpMiddle32: number): void {
    this.remote = {
      fractionLost: block.fractionLost / 256,
      cumulativeLost: block.cumulativeLost,
      jitterMs: block.jitter / CLOCK_RATE_PER_MS,
    };
    if (block.lastSenderReport !== 0) {
      const units = (nowNtpMiddle32 - block.lastSenderReport - block.delaySinceLastSenderReport) >>> 0;
      // A negative result (clock step, bogus block) wraps to a huge value: ignore anything over a minute.
      const ms = ntpShortToMs(units);
      if (ms < 60_000) {
        this.roundTripMs = ms;
      }
    }
  }

  /**
   * The reception report block for our next RR/SR (A.3), or undefined before anything was received. Moves the
   * interval used for the fraction lost forward, so call it once per report.
   */
  takeReportBlock(nowMs: number): RtcpReportBlock | undefined {
    if (this.source === undefined) {
      return undefined;
    }
    const expected = this.expected();
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    this.lastFraction = fraction / 256;
    return {
      ssrc: this.source,
      fractionLost: fraction,
      cumulativeLost: expected - this.received,
      extendedHighestSequence: (this.cycles + this.maxSeq) >>> 0,
      jitter: Math.floor(this.jitter),
      lastSenderReport: this.lastSrMiddle,
      delaySinceLastSenderReport: this.lastSrMiddle === 0 ? 0 : msToNtpShort(nowMs - this.lastSrArrivalMs),
    };
  }

  snapshot(): RtpStatsSnapshot {
    const expected = this.source === undefined ? 0 : this.expected();
    return {
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      packetsReceived: this.packetsReceived,
      bytesReceived: this.bytesReceived,
      expected,
      lost: this.source === undefined ? 0 : expected - this.received,
      fractionLost: this.lastFraction,
      jitterMs: this.jitter / CLOCK_RATE_PER_MS,
      late: this.late,
      duplicates: this.duplicates,
      discarded: this.discarded,
      rtcpSent: this.rtcpSent,
      rtcpReceived: this.rtcpReceived,
      roundTripMs: this.roundTripMs,
      remote: this.remote,
    };
  }

  private expected(): number {
    return this.cycles + this.maxSeq - this.baseSeq + 1;
  }

  /** A.1 init_seq. */
  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** A.1 update_seq, without the probation of new sources (the session has already chosen the source). */
  private updateSequence(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap.
      if (seq < this.maxSeq) {
        this.cycles += SEQ_MOD;
      }
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: the sender restarted if the next packet follows this one.
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
      this.initSequence(seq);
    }
    // Otherwise a duplicate or a reordered packet: counted, nothing else moves.
    return true;
  }

  /** A.8: J += (|D| − J) / 16, with D the change in transit time, all in timestamp units. */
  private updateJitter(timestamp: number, arrivalMs: number): void {
    const arrival = Math.floor(arrivalMs * CLOCK_RATE_PER_MS);
    // Modulo 2^32 so that the RTP timestamp wrap does not read as a jump.
    const transit = (arrival - timestamp) | 0;
    if (this.transit !== undefined) {
      const d = Math.abs((transit - this.transit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }
}
