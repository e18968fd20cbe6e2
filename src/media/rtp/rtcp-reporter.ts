/**
 * The RTCP side of one RTP session: sends a compound report (SR or RR + SDES CNAME, RFC 3550 §6.1) at the
 * randomised interval of §6.2/§6.3.1, a final BYE on close (§6.6), and reads the reports the peer sends into
 * `RtpStats` (its view of our stream, round trip time, LSR for our next report block).
 *
 * Gateways and SBCs watch RTCP (and RTP) to find dead calls; a call that only listens still sends RRs, so it
 * does not look dead. Sockets are not its business: it is given a `send` function.
 */
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { ntpFromUnixMs, ntpMiddle32 } from './ntp-time.js';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  parseRtcp,
  type RtcpPacket,
  type RtcpReportBlock,
} from './rtcp.js';
import { G711_SESSION_BANDWIDTH, rtcpIntervalMs } from './rtcp-interval.js';
import type { RtpStats } from './rtp-stats.js';

/** RFC 3550 §6.3.1: avg_rtcp_size includes the lower-layer headers (UDP 8 + IPv4 20). */
const LOWER_LAYER_HEADERS = 28;
const SAMPLES_PER_MS = 8;

export interface RtcpReporterOptions {
  stats: RtpStats;
  /** Our current SSRC. */
  localSsrc: () => number;
  /** The SSRC we follow, once known. */
  remoteSsrc: () => number | undefined;
  /** RTP timestamp and monotonic time of our last RTP packet, for the SR's RTP timestamp (§6.4.1). */
  lastSent: () => { timestamp: number; atMs: number } | undefined;
  cname: string;
  send: (packet: Buffer) => void;
  onBye: (reason: string | undefined) => void;
  onPackets?: (packets: RtcpPacket[]) => void;
  /** A periodic report failed; the schedule goes on. */
  onError?: (err: unknown) => void;
  clock: Clock;
  /** Unix ms, for NTP timestamps. */
  wallClock: () => number;
  /** Minimum report interval (RFC 3550 §6.2: 5 s). */
  minIntervalMs: number;
  random?: () => number;
}

export class RtcpReporter {
  private readonly options: RtcpReporterOptions;
  private timer: TimerHandle | undefined;
  private averageSize = 128;
  private initial = true;
  /** Packets sent at the last two reports: an SR is due if we sent since the second-to-last (§6.4). */
  private sentAtLastReport = 0;
  private sentAtPreviousReport = 0;
  private remoteSent = false;

  constructor(options: RtcpReporterOptions) {
    this.options = options;
  }

  /** Starts the report timer; the first report comes after about half the minimum interval (§6.2). */
  start(): void {
    if (this.timer === undefined) {
      this.schedule();
    }
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Sends one compound report now, with a BYE at the end when `byeReason` is given (§6.6). */
  sendReport(bye?: { reason?: string }): void {
    const { stats, clock } = this.options;
    const ssrc = this.options.localSsrc();
    const nowMs = clock.now();
    const block = stats.takeReportBlock(nowMs);
    const blocks: RtcpReportBlock[] = block === undefined ? [] : [block];
    const sent = stats.sentPacketCount;
    const weSent = sent !== this.sentAtPreviousReport;
    this.sentAtPreviousReport = this.sentAtLastReport;
    this.sentAtLastReport = sent;
    const parts: Buffer[] = [];
    if (weSent) {
      const ntp = ntpFromUnixMs(this.options.wallClock());
      const last = this.options.lastSent();
      // The RTP timestamp of "now", extrapolated from the last packet sent (§6.4.1).
      const rtpTimestamp =
        last === undefined ? 0 : (last.timestamp + Math.round((nowMs - last.atMs) * SAMPLES_PER_MS)) >>> 0;
      parts.push(
        buildSenderReport(
          ssrc,
          {
            ntpSeconds: ntp.seconds,
            ntpFraction: ntp.fraction,
            rtpTimestamp,
            packetCount: sent,
            octetCount: stats.sentOctetCount,
          },
          blocks,
        ),
      );
    } else {
      parts.push(buildReceiverReport(ssrc, blocks));
    }
    parts.push(buildSdesCname(ssrc, this.options.cname));
    if (bye !== undefined) {
      parts.push(buildBye([ssrc], bye.reason));
    }
    const packet = buildCompound(parts);
    // A.7: avg_rtcp_size = 1/16 × packet_size + 15/16 × avg_rtcp_size.
    this.averageSize += (packet.length + LOWER_LAYER_HEADERS - this.averageSize) / 16;
    this.options.send(packet);
    stats.countRtcpSent();
  }

  /** One datagram from the peer's RTCP; returns false when it is not valid RTCP. */
  receive(datagram: Buffer): boolean {
    const packets = parseRtcp(datagram);
    const { stats } = this.options;
    if (packets === undefined) {
      stats.countDiscarded();
      return false;
    }
    stats.countRtcpReceived();
    const nowMs = this.options.clock.now();
    const ourSsrc = this.options.localSsrc();
    const followed = this.options.remoteSsrc();
    for (const packet of packets) {
      if (packet.type === 'sr' || packet.type === 'rr') {
        if (packet.type === 'sr' && (followed === undefined || packet.ssrc === followed)) {
          this.remoteSent = true;
          const { ntpSeconds, ntpFraction } = packet.senderInfo;
          stats.recordSenderReport(ntpMiddle32({ seconds: ntpSeconds, fraction: ntpFraction }), nowMs);
        }
        for (const block of packet.reports) {
          if (block.ssrc === ourSsrc) {
            stats.recordRemoteReport(block, ntpMiddle32(ntpFromUnixMs(this.options.wallClock())));
          }
        }
      } else if (packet.type === 'bye' && (followed === undefined || packet.ssrcs.includes(followed))) {
        this.options.onBye(packet.reason);
      }
    }
    this.options.onPackets?.(packets);
    return true;
  }

  private schedule(): void {
    const { stats } = this.options;
    const weSent = stats.sentPacketCount !== this.sentAtLastReport;
    const delay = rtcpIntervalMs(
      {
        members: 2,
        senders: (weSent ? 1 : 0) + (this.remoteSent ? 1 : 0),
        weSent,
        sessionBandwidth: G711_SESSION_BANDWIDTH,
        averageRtcpSize: this.averageSize,
        initial: this.initial,
        minimumMs: this.options.minIntervalMs,
      },
      this.options.random,
    );
    this.initial = false;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      try {
        this.sendReport();
      } catch (err) {
        // A timer callback that throws would take the process down; one lost report does not matter.
        this.options.onError?.(err);
      }
      this.schedule();
    }, delay);
  }
}
