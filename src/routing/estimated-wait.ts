/**
 * Estimated wait for a call handed to a group, from figures every IVR process shares through Redis. Pure math.
 *
 * The group is modelled as an M/M/c queue (Erlang C): calls arrive at rate λ (hand-overs per minute over a
 * sliding window), agents serve them in an average handling time S, c agents are staffed. With offered load
 * A = λ·S (Erlangs) and occupancy ρ = A / c < 1, the probability that a call waits is Erlang C, C(c, A), and the
 * expected wait of a call is
 *
 *     W = C(c, A) · S / (c − A)
 *
 * Erlang C is what contact centres plan with, needs only the three figures we have, and answers sensibly for a
 * quiet group (no wait) and a busy one (a wait growing sharply as ρ → 1). It is a steady-state figure: when
 * ρ ≥ 1 the queue has no steady state (it grows without bound) and the formula is meaningless, so the estimate
 * falls back to the queue-length model from the calls in progress now: with q calls waiting ahead and all c
 * agents busy, a new call waits for q + 1 departures, one every S / c on average:
 *
 *     W = (q + 1) · S / c      (0 when fewer than c calls are in progress)
 *
 * C(c, A) is computed through the Erlang B recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), then
 * C = c·B / (c − A·(1 − B)): stable for hundreds of agents, where the textbook sum of A^k / k! overflows.
 */

/** What the estimate is computed from. */
export interface WaitInputs {
  /** Hand-overs per minute (λ), ≥ 0. */
  readonly arrivalsPerMinute: number;
  /** Average handling time (S), seconds, > 0. */
  readonly averageHandlingSeconds: number;
  /** Staffed agents (c), ≥ 0. */
  readonly agents: number;
  /** Calls handed over and not yet ended (waiting or with an agent), for the queue-length model. */
  readonly inProgress: number;
}

export interface WaitEstimate {
  /** Expected wait, seconds; null when no agent is staffed. */
  readonly seconds: number | null;
  readonly model: 'erlang-c' | 'queue-length' | null;
  /** Offered load A = λ·S, Erlangs. */
  readonly offeredErlangs: number;
  /** ρ = A / c (Infinity without agents). */
  readonly occupancy: number;
  /** C(c, A) under Erlang C; under the queue-length model 1 when every agent is busy, else 0. */
  readonly probabilityOfWaiting: number | null;
}

/** Erlang B: probability that a call finds all `agents` busy in a loss system offered `erlangs`. */
export function erlangB(agents: number, erlangs: number): number {
  let b = 1;
  for (let k = 1; k <= agents; k++) {
    b = (erlangs * b) / (k + erlangs * b);
  }
  return b;
}

/** Erlang C: probability that a call waits, for `agents` > `erlangs` (else 1: every call waits). */
export function erlangC(agents: number, erlangs: number): number {
  if (agents <= 0 || erlangs >= agents) {
    return 1;
  }
  if (erlangs <= 0) {
    return 0;
  }
  const b = erlangB(agents, erlangs);
  return (agents * b) / (agents - erlangs * (1 - b));
}

/** The expected wait of a new call; see the file comment for the models. */
export function estimateWait(inputs: WaitInputs): WaitEstimate {
  const agents = Math.max(0, Math.floor(inputs.agents));
  const service = inputs.averageHandlingSeconds;
  const offeredErlangs = (Math.max(0, inputs.arrivalsPerMinute) / 60) * service;
  if (agents === 0 || !(service > 0)) {
    return {
      seconds: null,
      model: null,
      offeredErlangs,
      occupancy: Number.POSITIVE_INFINITY,
      probabilityOfWaiting: null,
    };
  }
  const occupancy = offeredErlangs / agents;
  const inProgress = Math.max(0, Math.floor(inputs.inProgress));
  const allBusy = inProgress >= agents;
  const waiting = Math.max(0, inProgress - agents);
  if (occupancy < 1) {
    const probabilityOfWaiting = erlangC(agents, offeredErlangs);
    const steady = (probabilityOfWaiting * service) / (agents - offeredErlangs);
    // Erlang C is the steady state of the recent arrival rate; a queue that is there now (a burst the 15-minute
    // rate has not caught up with) is better evidence: the new caller waits at least for it to drain.
    const queued = allBusy ? ((waiting + 1) * service) / agents : 0;
    return queued > steady
      ? { seconds: queued, model: 'queue-length', offeredErlangs, occupancy, probabilityOfWaiting: 1 }
      : { seconds: steady, model: 'erlang-c', offeredErlangs, occupancy, probabilityOfWaiting };
  }
  return {
    seconds: allBusy ? ((waiting + 1) * service) / agents : 0,
    model: 'queue-length',
    offeredErlangs,
    occupancy,
    probabilityOfWaiting: allBusy ? 1 : 0,
  };
}
