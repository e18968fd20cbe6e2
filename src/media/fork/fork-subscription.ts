/**
 * One consumer of an `AudioFork`: a bounded queue of frames read as an async iterator.
 *
 * Why an async iterator: a recogniser client naturally pulls ("give me the next frame when I can send it"), so
 * backpressure is simply how often it calls `next()`; the fork never waits for it. When the consumer falls
 * `queueFrames` behind, the oldest frame is dropped and counted, so what it reads stays close to live (a
 * recogniser is better off with a gap than with audio that gets later and later).
 */

export interface ForkSubscriptionStats {
  readonly name: string;
  readonly sampleRate: number;
  /** Frames waiting to be read. */
  readonly queued: number;
  /** Frames dropped because the queue was full. */
  readonly dropped: number;
  /** Frames handed to the consumer. */
  readonly delivered: number;
}

export class ForkSubscription implements AsyncIterableIterator<Int16Array> {
  readonly name: string;
  /** 8000 or 16000: frames are 160 or 320 samples. */
  readonly sampleRate: number;
  readonly queueFrames: number;
  private readonly queue: Int16Array[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<Int16Array>) => void) | undefined;
  private droppedFrames = 0;
  private deliveredFrames = 0;
  /** No more frames will be enqueued (fork closed or unsubscribed). */
  private ending = false;
  private readonly detach: (subscription: ForkSubscription) => void;

  /** Created by `AudioFork.subscribe`. */
  constructor(
    name: string,
    sampleRate: number,
    queueFrames: number,
    detach: (subscription: ForkSubscription) => void,
  ) {
    if (!Number.isInteger(queueFrames) || queueFrames < 1) {
      throw new RangeError(`queueFrames must be a positive integer, got ${queueFrames}`);
    }
    this.name = name;
    this.sampleRate = sampleRate;
    this.queueFrames = queueFrames;
    this.detach = detach;
  }

  get dropped(): number {
    return this.droppedFrames;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  get delivered(): number {
    return this.deliveredFrames;
  }

  /** True once the stream is over and every queued frame was read. */
  get ended(): boolean {
    return this.ending && this.queued === 0;
  }

  stats(): ForkSubscriptionStats {
    return {
      name: this.name,
      sampleRate: this.sampleRate,
      queued: this.queued,
      dropped: this.droppedFrames,
      delivered: this.deliveredFrames,
    };
  }

  /** Called by the fork for each frame; never blocks. Frames are shared: consumers must not modify them. */
  enqueue(frame: Int16Array): void {
    if (this.ending) {
      return;
    }
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.deliveredFrames++;
      resolve({ value: frame, done: false });
      return;
    }
    if (this.queued >= this.queueFrames) {
      this.queue[this.head] = EMPTY;
      this.head++;
      this.droppedFrames++;
    }
    this.queue.push(frame);
    // Compact now and then instead of shifting on every frame.
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Called by the fork on close: the consumer still reads what is queued, then the iteration ends. */
  finish(): void {
    this.ending = true;
    if (this.waiting && this.queued === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Int16Array>> {
    if (this.queued > 0) {
      const frame = this.queue[this.head]!;
      this.queue[this.head] = EMPTY;
      this.head++;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      this.deliveredFrames++;
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.ending) {
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiting) {
      return Promise.reject(
        new Error('ForkSubscription.next() called again before the previous call settled'),
      );
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** `for await ... break` lands here: the subscription leaves the fork. */
  return(): Promise<IteratorResult<Int16Array>> {
    this.unsubscribe();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Leaves the fork at once; queued frames are discarded and a pending `next()` ends. */
  unsubscribe(): void {
    this.queue.length = 0;
    this.head = 0;
    this.finish();
    this.detach(this);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Int16Array> {
    return this;
  }
}

const EMPTY = new Int16Array(0);
