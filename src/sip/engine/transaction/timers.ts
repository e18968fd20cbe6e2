/**
 * The RFC 3261 §17 transaction timers (Table 4 of RFC 3261 §A), plus RFC 6026's timers L and M, named as the RFCs
 * name them. Every value is in milliseconds and derived from the configured T1/T2/T4 (`TimerSettings`).
 *
 * On a reliable transport (TCP) no request or response is retransmitted by a transaction (timers A, E and G are
 * not started) and the "wait for stray retransmissions" timers D, I, J and K are zero (§17.1.1.2, §17.1.2.2,
 * §17.2.1, §17.2.2): there is nothing left to absorb.
 */
import type { TimerSettings } from './transaction-types.js';

/** Timer B, F, H, J (unreliable), L and M all last 64·T1 (32 s with the default T1). */
function sixtyFourT1(t: TimerSettings): number {
  return 64 * t.t1;
}

/**
 * Timer A, INVITE client request retransmission (§17.1.1.2): starts at T1 and doubles after each retransmission,
 * without a cap, so a request goes out at 0, T1, 3·T1, 7·T1 … until timer B.
 */
export function timerAInitial(t: TimerSettings): number {
  return t.t1;
}

export function timerANext(previous: number): number {
  return 2 * previous;
}

/** Timer B, INVITE client transaction timeout (§17.1.1.2): 64·T1. */
export function timerB(t: TimerSettings): number {
  return sixtyFourT1(t);
}

/**
 * Timer D, wait time for response retransmissions in the INVITE client "Completed" state (§17.1.1.2): "at least
 * 32 seconds" for unreliable transports, zero for reliable ones.
 */
export function timerD(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : Math.max(32_000, sixtyFourT1(t));
}

/**
 * Timer E, non-INVITE client request retransmission (§17.1.2.2): in "Trying" it starts at T1 and doubles up to
 * T2; once a provisional response has arrived ("Proceeding") it is T2.
 */
export function timerEInitial(t: TimerSettings): number {
  return t.t1;
}

export function timerENext(previous: number, t: TimerSettings, proceeding: boolean): number {
  return proceeding ? t.t2 : Math.min(2 * previous, t.t2);
}

/** Timer F, non-INVITE client transaction timeout (§17.1.2.2): 64·T1. */
export function timerF(t: TimerSettings): number {
  return sixtyFourT1(t);
}

/**
 * Timer G, INVITE server retransmission of a non-2xx final response (§17.2.1): starts at T1, doubles up to T2.
 * The same schedule is the one RFC 3261 §13.3.1.4 prescribes for the UAS's 2xx retransmissions.
 */
export function timerGInitial(t: TimerSettings): number {
  return t.t1;
}

export function timerGNext(previous: number, t: TimerSettings): number {
  return Math.min(2 * previous, t.t2);
}

/** Timer H, wait time for the ACK of a non-2xx final response (§17.2.1): 64·T1. */
export function timerH(t: TimerSettings): number {
  return sixtyFourT1(t);
}

/** Timer I, wait time for ACK retransmissions in "Confirmed" (§17.2.1): T4 unreliable, zero reliable. */
export function timerI(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : t.t4;
}

/** Timer J, wait time for non-INVITE request retransmissions in "Completed" (§17.2.2): 64·T1 unreliable, zero reliable. */
export function timerJ(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : sixtyFourT1(t);
}

/** Timer K, wait time for non-INVITE response retransmissions in "Completed" (§17.1.2.2): T4 unreliable, zero reliable. */
export function timerK(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : t.t4;
}

/**
 * Timer L, wait time in the INVITE server "Accepted" state (RFC 6026 §8.7): 64·T1 from the first 2xx. The layer
 * also uses its expiry as the ACK deadline of RFC 3261 §13.3.1.4 ("64·T1 without receiving an ACK").
 */
export function timerL(t: TimerSettings): number {
  return sixtyFourT1(t);
}

/** Timer M, wait time in the INVITE client "Accepted" state for 2xx retransmissions (RFC 6026 §8.4): 64·T1. */
export function timerM(t: TimerSettings): number {
  return sixtyFourT1(t);
}
