/**
 * Ready decoders kept aside so that a call's first turn does not wait for `ps_init`.
 *
 * A session opens when a call's first listen step starts, at the caller's first word; creating its decoder then
 * (~150 ms alone, 0.4–1.5 s when several calls start at once on a busy 2-core machine, measured) would delay the
 * first answer by as much. The pool hands out a decoder created beforehand and starts the next one in the
 * background, one at a time. Each decoder still serves exactly one call and is freed when that call's session
 * closes; a spare costs the memory of one decoder (~30 MB).
 */
import type { PocketsphinxDecoder } from './pocketsphinx-decoder.js';

export class DecoderPool {
  private readonly spares: Promise<PocketsphinxDecoder>[] = [];
  private closed = false;

  /**
   * @param create makes one decoder (rejects when it cannot)
   * @param size spares to keep; 0 = create on demand only
   */
  constructor(
    private readonly create: () => Promise<PocketsphinxDecoder>,
    private readonly size: number,
  ) {}

  /** Adds an already created decoder as a spare (the one `init()` tried), then fills the pool. */
  seed(decoder: PocketsphinxDecoder): void {
    if (this.spares.length < this.size) {
      this.spares.push(Promise.resolve(decoder));
    } else {
      void decoder.free();
    }
    this.refill();
  }

  /** A spare (possibly still being created) or a new decoder; the pool refills behind it. */
  take(): Promise<PocketsphinxDecoder> {
    const decoder = this.spares.shift() ?? this.create();
    this.refill();
    return decoder;
  }

  get spareCount(): number {
    return this.spares.length;
  }

  /** Resolves once every spare asked for so far exists (or failed). */
  async ready(): Promise<void> {
    while (this.spares.length > 0) {
      const pending = [...this.spares];
      await Promise.allSettled(pending);
      if (this.closed || this.spares.length >= this.size || pending.length === this.spares.length) {
        return;
      }
    }
  }

  /** Frees the spares; `take()` still works (on demand) for sessions opened afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const spares = this.spares.splice(0);
    await Promise.all(
      spares.map((spare) =>
        spare.then(
          (decoder) => decoder.free(),
          () => undefined,
        ),
      ),
    );
  }

  private refill(): void {
    // One creation at a time: spares never compete with the calls' own decoding for the worker threads.
    if (this.closed || this.spares.length >= this.size) {
      return;
    }
    const last = this.spares[this.spares.length - 1] ?? Promise.resolve(undefined);
    const next = last.then(
      () => this.create(),
      () => this.create(),
    );
    next.catch(() => undefined);
    this.spares.push(next);
    void next.then(
      () => this.refill(),
      () => undefined, // a failing library stops refilling; take() creates on demand and reports the error
    );
  }
}
