/**
 * Public types of `RtpSession`: its options (what the SDP negotiation settled, where to bind) and its events.
 */
import type { RtpIoRing } from './rtp-io-ring.js';
import type { Clock } from '../../shared/clock.js';
import type { DtmfEvent, G711CodecName } from '../media-types.js';
import type { JitterBufferStats } from './jitter-buffer.js';
import type { RtcpPacket } from './rtcp.js';
import type { RtpPortLease } from './rtp-port-pool.js';
import type { RtpStatsSnapshot } from './rtp-stats.js';

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** Anything with pino's `warn(obj, msg)` (a per-call child logger). */
export interface RtpSessionLogger {
  warn(obj: object, msg: string): void;
}

export interface RtpSessionOptions {
  /** Negotiated codec. */
  codec: G711CodecName;
  /** Its payload type. @default the static one of RFC 3551 §6 (PCMU 0, PCMA 8) */
  payloadType?: number;
  /** RFC 4733 telephone-event payload type, when negotiated; without it DTMF can be neither sent nor received. */
  telephoneEventPayloadType?: number;
  /** The peer's RTP address from its SDP (`c=` and `m=`): where to send until we latch. */
  remote: TransportAddress;
  /** The peer's RTCP address from `a=rtcp` (RFC 3605). @default remote port + 1, or the RTP port with rtcpMux */
  remoteRtcp?: TransportAddress;
  /** RTP and RTCP share the RTP port (RFC 5761), as agreed by `a=rtcp-mux`. @default false */
  rtcpMux?: boolean;
  /**
   * Bound sockets from `RtpPortPool.allocate`. Once `open` resolves, the session owns them and releases the lease
   * on close; if `open` rejects, the lease is still the caller's to release.
   */
  lease?: RtpPortLease;
  /** Without a lease: the local address to bind. @default '0.0.0.0' */
  localAddress?: string;
  /** Without a lease: the local RTP port (RTCP binds port + 1 unless rtcpMux); 0 picks any. @default 0 */
  localPort?: number;
  /**
   * Symmetric RTP (RFC 4961 behaviour, "latching"): send to the source of the first valid packet and accept
   * only that source from then on. Needed for callers behind NAT, whose SDP address is not where their packets
   * come from. Without it, packets go to the SDP address and only come from it. @default true
   */
  symmetric?: boolean;
  /** Playout delay of the jitter buffer, ms. @default 60 */
  jitterDepthMs?: number;
  /** Delay beyond which the jitter buffer drops the oldest packets, ms. @default 3 × jitterDepthMs */
  jitterMaxDepthMs?: number;
  /**
   * Once latched, read and write the RTP socket directly (non-blocking `recv(2)`/`send(2)` through koffi) instead
   * of through dgram events: packets are then read only in `pullFrame`, which must be called every tick. Falls
   * back to dgram events where the platform has no such path. @default false
   */
  pollSockets?: boolean;
  /**
   * With `pollSockets`: the thread's io_uring (`rtp-io-ring.ts`), which sends this session's packets and reads
   * its socket in the scheduler's batch instead of `pullFrame` reading it. @default none (one syscall per packet)
   */
  ioRing?: RtpIoRing;
  /** Our RTCP CNAME (RFC 3550 §6.5.1). @default a random one */
  cname?: string;
  /** Minimum RTCP report interval, ms (RFC 3550 §6.2). @default 5000 */
  rtcpIntervalMs?: number;
  /** A DTMF event with no packet for this long ends without its end packet. @default 300 */
  dtmfEndTimeoutMs?: number;
  /** Monotonic time and timers (RTCP schedule, jitter, DTMF timeouts). @default systemClock */
  clock?: Clock;
  /** Unix ms for RTCP NTP timestamps. @default Date.now */
  wallClock?: () => number;
  logger?: RtpSessionLogger;
}

export type RtpSessionState = 'open' | 'closed';

export interface RtpSessionEvents {
  /** A DTMF digit ended (RFC 4733), with its duration. */
  dtmf: [event: DtmfEvent];
  /** A DTMF key went down: stop the prompt now, the `dtmf` event follows when the key is released. */
  dtmfStart: [digit: string];
  /** Symmetric RTP latched to the source of the first valid packet. */
  latched: [source: TransportAddress];
  /** The peer's stream moved to a new SSRC. */
  sourceChanged: [ssrc: number];
  /** The peer sent an RTCP BYE for its stream (RFC 3550 §6.6). */
  bye: [reason: string | undefined];
  /** Every valid RTCP compound packet received. */
  rtcp: [packets: RtcpPacket[]];
  close: [];
}

export interface RtpSessionStats extends RtpStatsSnapshot {
  /** Our SSRC. */
  ssrc: number;
  /** The SSRC we follow, once a packet arrived. */
  remoteSsrc: number | undefined;
  /** Where RTP goes now: the latched source, or the SDP address. */
  sendingTo: TransportAddress;
  latched: boolean;
  /** Errors the sockets reported: failed sends, ICMP port unreachable (ECONNREFUSED) from the peer. */
  socketErrors: number;
  jitterBuffer: JitterBufferStats;
}
