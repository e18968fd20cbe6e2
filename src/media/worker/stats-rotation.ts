/**
 * Which sessions' figures a media worker sends to the main thread next: a slice at a time, round the sessions, so
 * that each is refreshed once per period without one big post.
 *
 * Why: a worker used to post every session's `stats()` at once, every 2 s. At 500 sessions that took 7-15 ms of the
 * worker's thread (measured with `npm run bench:media -- --calls 1000 --workers 2`), during which no packet left:
 * one tick in a hundred came late for every call of the worker, which alone put the outbound jitter p99 above
 * 10 ms. Sliced over `slices` posts of the period, the same figures cost well under a millisecond at a time.
 */
export class StatsRotation<K> {
  private round: K[] = [];
  private next = 0;
  private slicesLeft = 0;

  /** `slices`: posts per round, each with about `1/slices` of the sessions (a positive integer). */
  constructor(private readonly slices: number) {
    if (!Number.isInteger(slices) || slices < 1) {
      throw new RangeError(`stats slices must be a positive integer, got ${slices}`);
    }
  }

  /**
   * The keys whose figures go in this slice, taken from the round started when the previous one ended (keys that
   * were current then; `current` filters out those gone since). A new round starts from `keys()`.
   */
  nextSlice(keys: () => Iterable<K>, current: (key: K) => boolean): K[] {
    if (this.slicesLeft === 0) {
      this.round = [...keys()];
      this.next = 0;
      this.slicesLeft = this.slices;
    }
    const count = Math.ceil((this.round.length - this.next) / this.slicesLeft);
    this.slicesLeft--;
    const slice = this.round.slice(this.next, this.next + count).filter(current);
    this.next += count;
    return slice;
  }
}
