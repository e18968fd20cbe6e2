/**
 * Per-call fan-out of the caller's audio to the recognisers (and anything else that listens): the media session
 * pushes each 20 ms frame once, every subscriber gets it in its own bounded queue (`ForkSubscription`), at
 * 8 kHz (160 samples) or upsampled to 16 kHz (320 samples). `push` never waits for a subscriber.
 *
 * The fork also keeps the last `historyFrames` frames so that a recogniser opened on `speech-start` can be
 * given the audio from just before it (`preRollFrames`): the VAD confirms speech 60 ms or more after it began.
 *
 * Cost: `push` runs on every frame of every call, and most of the time nobody listens. The pre-roll history is
 * then a ring of preallocated frames written in place (no allocation, no garbage); a frame is copied for the
 * subscribers only when there are some, once for all of them.
 */
import { SAMPLES_PER_FRAME, type PcmFrame } from '../media-types.js';
import { Upsampler8to16 } from '../codec/resample.js';
import { ForkSubscription, type ForkSubscriptionStats } from './fork-subscription.js';

export interface AudioForkOptions {
  /** Frames kept for pre-roll, at most what a subscriber may ask for. @default 25 (500 ms) */
  historyFrames: number;
}

export const DEFAULT_AUDIO_FORK_OPTIONS: Readonly<AudioForkOptions> = Object.freeze({ historyFrames: 25 });

export interface SubscribeOptions {
  /** Label in stats and logs. @default 'subscriber-<n>' */
  name: string;
  /** 8000 (as received) or 16000 (upsampled). @default 8000 */
  sampleRate: 8000 | 16000;
  /** Queue bound; beyond it the oldest frame is dropped. @default 50 (1 s) */
  queueFrames: number;
  /** Frames of the recent past to queue at once, up to `historyFrames`. @default 0 */
  preRollFrames: number;
}

const WIDE_FRAME = 2 * SAMPLES_PER_FRAME;

/**
 * `Upsampler8to16` held to exactly 320 samples per 20 ms frame: its first output is shorter by the filter's
 * look-ahead, so that many samples of silence are put in front once (a constant 2 ms delay).
 */
class WideFrameUpsampler {
  private readonly upsampler = new Upsampler8to16();
  private started = false;

  push(frame: Int16Array): Int16Array {
    const out = this.upsampler.push(frame);
    if (!this.started) {
      this.started = true;
      const padded = new Int16Array(WIDE_FRAME);
      padded.set(out.subarray(0, WIDE_FRAME), WIDE_FRAME - Math.min(out.length, WIDE_FRAME));
      return padded;
    }
    return out;
  }
}

/**
 * Fixed-size ring of copies of the most recent frames, in one array allocated with the first frame and then
 * overwritten in place: one store region per call instead of one typed array per slot (the history is written on
 * every frame of every call, and read only when a recogniser subscribes).
 */
class FrameHistory {
  private ring: Int16Array | undefined;
  private frameLength = 0;
  private count = 0;
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** Copies `frame` into the oldest slot; the caller keeps its frame. */
  add(frame: Int16Array): void {
    if (this.capacity === 0) {
      return;
    }
    if (this.ring === undefined || frame.length !== this.frameLength) {
      // First frame, or frames of another size from now on (not expected): start the history afresh.
      this.frameLength = frame.length;
      this.ring = new Int16Array(this.capacity * frame.length);
      this.count = 0;
      this.next = 0;
    }
    this.ring.set(frame, this.next * this.frameLength);
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Copies of the last `count` frames, oldest first (the ring itself is rewritten by later frames). */
  last(count: number): Int16Array[] {
    const ring = this.ring;
    const n = Math.min(Math.max(0, count), this.count);
    const out: Int16Array[] = [];
    if (ring === undefined) {
      return out;
    }
    for (let k = n; k > 0; k--) {
      const slot = (this.next - k + this.capacity) % this.capacity;
      out.push(ring.slice(slot * this.frameLength, (slot + 1) * this.frameLength));
    }
    return out;
  }
}

export class AudioFork {
  readonly options: Readonly<AudioForkOptions>;
  private readonly subscriptions = new Set<ForkSubscription>();
  private readonly history: FrameHistory;
  /** Created with the first 16 kHz subscriber, then fed every frame so its output stays continuous. */
  private wide: { upsampler: WideFrameUpsampler; history: FrameHistory } | undefined;
  private isClosed = false;
  private subscribed = 0;

  constructor(options: Partial<AudioForkOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_AUDIO_FORK_OPTIONS, ...options });
    if (!Number.isInteger(this.options.historyFrames) || this.options.historyFrames < 0) {
      throw new RangeError(`historyFrames must be a non-negative integer, got ${this.options.historyFrames}`);
    }
    this.history = new FrameHistory(this.options.historyFrames);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /**
   * Adds a consumer. On a closed fork the subscription is returned already ended (its iteration stops at once).
   */
  subscribe(options: Partial<SubscribeOptions> = {}): ForkSubscription {
    this.subscribed++;
    const {
      name = `subscriber-${this.subscribed}`,
      sampleRate = 8000,
      queueFrames = 50,
      preRollFrames = 0,
    } = options;
    if (sampleRate !== 8000 && sampleRate !== 16000) {
      throw new RangeError(`sampleRate must be 8000 or 16000, got ${String(sampleRate)}`);
    }
    if (!Number.isInteger(preRollFrames) || preRollFrames < 0 || preRollFrames > this.options.historyFrames) {
      throw new RangeError(`preRollFrames must be an integer in [0, ${this.options.historyFrames}]`);
    }
    const subscription = new ForkSubscription(name, sampleRate, queueFrames, (s) =>
      this.subscriptions.delete(s),
    );
    if (this.isClosed) {
      subscription.finish();
      return subscription;
    }
    const past =
      sampleRate === 8000 ? this.history.last(preRollFrames) : this.wideHistory().last(preRollFrames);
    for (const frame of past) {
      subscription.enqueue(frame);
    }
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Hands one 20 ms frame (160 samples) to every subscriber. The frame is copied; the caller may reuse it. */
  push(frame: PcmFrame): void {
    if (this.isClosed) {
      return;
    }
    if (frame.length !== SAMPLES_PER_FRAME) {
      throw new RangeError(`an audio fork takes ${SAMPLES_PER_FRAME}-sample frames, got ${frame.length}`);
    }
    this.history.add(frame);
    let wideFrame: Int16Array | undefined;
    if (this.wide) {
      wideFrame = this.wide.upsampler.push(frame);
      this.wide.history.add(wideFrame);
    }
    if (this.subscriptions.size === 0) {
      return;
    }
    // One copy shared by every subscriber: queued frames must outlive the caller's buffer.
    const narrow = frame.slice();
    for (const subscription of this.subscriptions) {
      subscription.enqueue(subscription.sampleRate === 8000 ? narrow : wideFrame!);
    }
  }

  /** Ends every subscription (each still reads what it has queued). Later pushes are ignored. */
  close(): void {
    if (this.isClosed) {
      return;
    }
    this.isClosed = true;
    for (const subscription of this.subscriptions) {
      subscription.finish();
    }
    this.subscriptions.clear();
  }

  stats(): ForkSubscriptionStats[] {
    return [...this.subscriptions].map((s) => s.stats());
  }

  /** Starts the 16 kHz path on first use, primed with the 8 kHz history so pre-roll is available at once. */
  private wideHistory(): FrameHistory {
    if (!this.wide) {
      const upsampler = new WideFrameUpsampler();
      const history = new FrameHistory(this.options.historyFrames);
      for (const frame of this.history.last(this.options.historyFrames)) {
        history.add(upsampler.push(frame));
      }
      this.wide = { upsampler, history };
    }
    return this.wide.history;
  }
}
