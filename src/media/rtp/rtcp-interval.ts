/**
 * RTCP transmission interval (RFC 3550 §6.2 and §6.3.1, algorithm of Appendix A.7), without the timer
 * reconsideration of §6.3.3-6.3.7: a call has two participants, so membership never changes enough for it to
 * matter. What remains keeps reports at least 5 s apart (§6.2 minimum), randomised so that many calls started
 * together do not report in lockstep.
 */

/** RFC 3550 §6.2: minimum interval between reports. */
export const RTCP_MIN_INTERVAL_MS = 5000;
/** RFC 3550 §6.3.1: compensates the randomisation's effect on the mean interval (e − 3/2). */
const COMPENSATION = Math.E - 1.5;
/** RFC 3550 §6.2: RTCP gets 5 % of the session bandwidth, a quarter of it shared by the senders. */
const RTCP_BANDWIDTH_FRACTION = 0.05;
const SENDER_BANDWIDTH_FRACTION = 0.25;

export interface RtcpIntervalInput {
  /** Participants in the session, ourselves included (2 for a call). */
  members: number;
  /** Participants that sent RTP recently. */
  senders: number;
  /** Whether we sent RTP since the second-to-last report (§6.4). */
  weSent: boolean;
  /** Session bandwidth in octets/s; G.711 at 20 ms is 64 kbit/s of payload + 40 octets of IP/UDP/RTP headers. */
  sessionBandwidth: number;
  /** Average compound RTCP packet size in octets, IP and UDP headers included (§6.3.1 avg_rtcp_size). */
  averageRtcpSize: number;
  /** The first report may go out after half the minimum interval (§6.2). */
  initial: boolean;
  /** @default RTCP_MIN_INTERVAL_MS */
  minimumMs?: number;
}

/** G.711 at 20 ms: 50 packets/s × (160 payload + 12 RTP + 8 UDP + 20 IPv4) octets. */
export const G711_SESSION_BANDWIDTH = 50 * (160 + 12 + 8 + 20);

/** The delay until the next report, in ms; `random` returns a number in [0, 1). */
export function rtcpIntervalMs(input: RtcpIntervalInput, random: () => number = Math.random): number {
  let minimum = input.minimumMs ?? RTCP_MIN_INTERVAL_MS;
  if (input.initial) {
    minimum /= 2;
  }
  const rtcpBandwidth = input.sessionBandwidth * RTCP_BANDWIDTH_FRACTION;
  let n = input.members;
  let bandwidth = rtcpBandwidth;
  // A.7: when senders are at most a quarter of the members, senders and receivers share bandwidth separately.
  if (input.senders > 0 && input.senders <= input.members * SENDER_BANDWIDTH_FRACTION) {
    if (input.weSent) {
      bandwidth = rtcpBandwidth * SENDER_BANDWIDTH_FRACTION;
      n = input.senders;
    } else {
      bandwidth = rtcpBandwidth * (1 - SENDER_BANDWIDTH_FRACTION);
      n = input.members - input.senders;
    }
  }
  const deterministic = Math.max((n * input.averageRtcpSize * 1000) / bandwidth, minimum);
  // §6.3.1: uniformly in [0.5, 1.5] × the deterministic interval, divided by the compensation factor.
  return (deterministic * (0.5 + random())) / COMPENSATION;
}
