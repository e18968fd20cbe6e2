/**
 * Per source IP token bucket for inbound SIP messages.
 *
 * Each source may send `burst` messages at once and `perSecond` sustained. A message beyond that is rejected
 * (the engine answers 503, RFC 3261 §21.5.4, so a well-behaved peer backs off). A source that stays over the
 * limit for more than `floodSeconds` is flooding: its excess messages are then dropped without an answer, so
 * the server stops spending bandwidth on it and gives a reflection attack nothing to amplify. Messages within
 * the rate are still accepted during a flood: a busy but legitimate trunk keeps its share.
 *
 * "Continuously over the limit" means: over-limit messages with no quiet second between them. Memory stays
 * bounded: a source whose bucket is full again and whose episode is over is forgotten (it is then
 * indistinguishable from a new one), and at most `maxSources` are tracked.
 */

export type RateDecision = 'accept' | 'reject' | 'drop';

export interface SourceRateLimiterOptions {
  /** Sustained messages per second per source. */
  perSecond: number;
  /** Bucket size. */
  burst: number;
  /** Seconds continuously over the limit after which excess messages are dropped instead of rejected. */
  floodSeconds: number;
  /** Sources tracked at most; the least recently seen are forgotten first. @default 100000 */
  maxSources?: number;
}

/** A second with no over-limit message ends an episode. */
const QUIET_MS = 1000;

interface SourceState {
  tokens: number;
  /** Last time the bucket was refilled (= last message). */
  seenMs: number;
  /** Start of the current over-limit episode, if any. */
  overSinceMs: number | undefined;
  lastOverMs: number;
}

export class SourceRateLimiter {
  private readonly perMs: number;
  private readonly burst: number;
  private readonly floodMs: number;
  private readonly maxSources: number;
  /** After this long without a message a source's state equals a fresh one. */
  private readonly idleAfterMs: number;
  /** Insertion order = least recently seen first (entries are re-inserted on every message). */
  private readonly sources = new Map<string, SourceState>();

  constructor(options: SourceRateLimiterOptions) {
    if (!(options.perSecond > 0) || !(options.burst >= 1) || !(options.floodSeconds >= 0)) {
      throw new RangeError('rate limit needs perSecond > 0, burst >= 1 and floodSeconds >= 0');
    }
    this.perMs = options.perSecond / 1000;
    this.burst = options.burst;
    this.floodMs = options.floodSeconds * 1000;
    this.maxSources = Math.max(1, options.maxSources ?? 100_000);
    this.idleAfterMs = Math.max(this.burst / this.perMs, QUIET_MS);
  }

  /** Counts one message from `address` at monotonic time `nowMs` and says what to do with it. */
  check(address: string, nowMs: number): RateDecision {
    let state = this.sources.get(address);
    if (state === undefined) {
      state = { tokens: this.burst, seenMs: nowMs, overSinceMs: undefined, lastOverMs: 0 };
    } else {
      this.sources.delete(address);
      const elapsed = Math.max(0, nowMs - state.seenMs);
      state.tokens = Math.min(this.burst, state.tokens + elapsed * this.perMs);
      state.seenMs = Math.max(state.seenMs, nowMs);
      if (state.overSinceMs !== undefined && nowMs - state.lastOverMs >= QUIET_MS) {
        state.overSinceMs = undefined;
      }
    }
    this.sources.set(address, state);
    this.forgetIdle(nowMs);

    if (state.tokens >= 1) {
      state.tokens -= 1;
      return 'accept';
    }
    state.overSinceMs ??= nowMs;
    state.lastOverMs = nowMs;
    return nowMs - state.overSinceMs > this.floodMs ? 'drop' : 'reject';
  }

  /** Sources currently tracked. */
  get size(): number {
    return this.sources.size;
  }

  private forgetIdle(nowMs: number): void {
    for (const [address, state] of this.sources) {
      const idle = nowMs - state.seenMs >= this.idleAfterMs;
      if (!idle && this.sources.size <= this.maxSources) {
        // Entries are ordered by last message: everything after this one is more recent.
        break;
      }
      this.sources.delete(address);
    }
  }
}
