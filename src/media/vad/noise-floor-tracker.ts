/**
 * Adaptive noise floor, one value per band, in dB: slow rise, fast fall.
 *
 * The floor is a quantile tracker: each frame above it lifts it by a small fixed step, each frame below it
 * lowers it by a larger one, so in steady noise it settles on the level that `rise / (rise + fall)` of the
 * frames fall under (a third with the defaults), about a decibel under the median. A frame far below the floor
 * (the background got quieter) pulls it down by a share of the gap at once. Speech, which only ever adds
 * power, barely moves it (and every step is slowed while in speech), while the floor still learns a louder
 * background within seconds. Two guards bound how long it can lag a louder background:
 *  - a sliding-window minimum: if a band never came down to its floor during the whole window, the background
 *    itself got louder (a car passing, the caller walking into a street) and the floor jumps to that minimum;
 *  - steadiness: speech is never steady, so when, over `steadyWindowMs`, three bands in four stayed within
 *    `steadyRangeDb` (measured over 600 ms: 3-6 dB for hiss, 17 dB and more for espeak-ng speech), what is
 *    playing is a background (a noise that just began, a hum, a tone) and the floor is lifted to it at once.
 * Alongside the floor, each band's spread (median distance of frame levels from the floor) is tracked: the
 * VAD widens its margins by it, which is what keeps other people talking in the background from reading as
 * speech.
 */
import { FRAME_MS } from '../media-types.js';

export interface NoiseFloorOptions {
  /** How fast the floor climbs towards a louder background outside speech, dB/s. @default 3 */
  riseDbPerSecond: number;
  /**
   * Factor on every step while the detector is in speech, so that the floor neither learns the speech nor
   * drifts down in the pauses between words (rise and fall are slowed alike, keeping the same quantile).
   * @default 0.15
   */
  inSpeechRate: number;
  /** How fast the floor comes down when frames are below it, dB/s. @default 6 */
  fallDbPerSecond: number;
  /** A frame this far below the floor makes it drop by `fastFallRate` of the gap at once, dB. @default 8 */
  fastFallBelowDb: number;
  /** Share of the gap closed in one frame by a fast fall (0-1]. @default 0.25 */
  fastFallRate: number;
  /** Length of the sliding minimum that bounds how far the floor may lag a louder background, ms. @default 2500 */
  minimumWindowMs: number;
  /**
   * The levels the floor learns from are first smoothed over time (one-pole, in power) with this factor per
   * frame (0 = none): brief dips between syllables of background talkers then do not drag the floor down.
   * @default 0.7
   */
  smoothing: number;
  /**
   * How fast the spread estimate (median distance of a frame's level from the floor) moves, dB/s.
   * @default 2
   */
  spreadDbPerSecond: number;
  /** Spread assumed before any frame was seen, dB. @default 3 */
  initialSpreadDb: number;
  /**
   * For this long after the first frame the floor and spread move `warmUpRate` times faster, so the detector
   * is usable within two seconds of the call's audio starting. @default 1500
   */
  warmUpMs: number;
  /** @default 4 */
  warmUpRate: number;
  /**
   * Length of the steadiness check, ms: longer than a held hesitation vowel ("euh..."), which would otherwise
   * be taken for background. @default 1000
   */
  steadyWindowMs: number;
  /** Range (max - min) under which a band counts as steady over the window, dB. @default 8 */
  steadyRangeDb: number;
  /**
   * No floor goes below this level, dBFS: digital silence must not make the faintest hiss look like speech.
   * @default -75
   */
  lowestFloorDbfs: number;
}

export const DEFAULT_NOISE_FLOOR_OPTIONS: Readonly<NoiseFloorOptions> = Object.freeze({
  riseDbPerSecond: 3,
  inSpeechRate: 0.15,
  fallDbPerSecond: 6,
  fastFallBelowDb: 8,
  fastFallRate: 0.25,
  minimumWindowMs: 2500,
  smoothing: 0.7,
  spreadDbPerSecond: 2,
  initialSpreadDb: 3,
  warmUpMs: 1500,
  warmUpRate: 4,
  steadyWindowMs: 1000,
  steadyRangeDb: 8,
  lowestFloorDbfs: -75,
});

/** The sliding minimum is kept per sub-window so that each frame costs O(bands), not O(window). */
const SUB_WINDOWS = 5;

/**
 * Minimum and maximum of each band over the last `length` frames, in O(1) amortised per frame (a monotonic
 * deque per band and per extreme, all in flat typed arrays): the steadiness check runs on every frame of every
 * call, and rescanning the whole window was most of the VAD's cost.
 */
class SlidingRange {
  /** `levels[(frame % length) * bands + band]`. */
  private readonly levels: Float64Array;
  /** Frame numbers, a ring of `length` per band; head/tail count up and wrap modulo `length`. */
  private readonly minFrames: Int32Array;
  private readonly maxFrames: Int32Array;
  private readonly minHead: Int32Array;
  private readonly minTail: Int32Array;
  private readonly maxHead: Int32Array;
  private readonly maxTail: Int32Array;
  private frame = -1;

  constructor(
    private readonly bands: number,
    private readonly length: number,
  ) {
    this.levels = new Float64Array(bands * length);
    this.minFrames = new Int32Array(bands * length);
    this.maxFrames = new Int32Array(bands * length);
    this.minHead = new Int32Array(bands);
    this.minTail = new Int32Array(bands);
    this.maxHead = new Int32Array(bands);
    this.maxTail = new Int32Array(bands);
  }

  /** Starts a new frame: the one `length` frames back leaves the window. */
  advance(): void {
    this.frame++;
    const oldest = this.frame - this.length;
    const { length, minFrames, maxFrames, minHead, minTail, maxHead, maxTail } = this;
    for (let b = 0; b < this.bands; b++) {
      const base = b * length;
      if (minHead[b]! < minTail[b]! && minFrames[base + (minHead[b]! % length)]! <= oldest) {
        minHead[b]!++;
      }
      if (maxHead[b]! < maxTail[b]! && maxFrames[base + (maxHead[b]! % length)]! <= oldest) {
        maxHead[b]!++;
      }
    }
  }

  /** Band `b`'s level in the current frame. */
  add(b: number, level: number): void {
    const { length, levels, frame } = this;
    const base = b * length;
    levels[(frame % length) * this.bands + b] = level;
    const minFrames = this.minFrames;
    let tail = this.minTail[b]!;
    while (tail > this.minHead[b]! && this.levelAt(minFrames[base + ((tail - 1) % length)]!, b) >= level) {
      tail--;
    }
    minFrames[base + (tail % length)] = frame;
    this.minTail[b] = tail + 1;
    const maxFrames = this.maxFrames;
    tail = this.maxTail[b]!;
    while (tail > this.maxHead[b]! && this.levelAt(maxFrames[base + ((tail - 1) % length)]!, b) <= level) {
      tail--;
    }
    maxFrames[base + (tail % length)] = frame;
    this.maxTail[b] = tail + 1;
  }

  min(b: number): number {
    return this.levelAt(this.minFrames[b * this.length + (this.minHead[b]! % this.length)]!, b);
  }

  max(b: number): number {
    return this.levelAt(this.maxFrames[b * this.length + (this.maxHead[b]! % this.length)]!, b);
  }

  private levelAt(frame: number, b: number): number {
    return this.levels[(frame % this.length) * this.bands + b]!;
  }
}

export class NoiseFloorTracker {
  private readonly options: Readonly<NoiseFloorOptions>;
  private readonly floor: Float64Array;
  /** Smoothed band power (linear, relative to full scale). */
  private readonly smoothed: Float64Array;
  private readonly spread: Float64Array;
  private readonly subWindowMin: Float64Array[];
  private readonly currentMin: Float64Array;
  private readonly framesPerSubWindow: number;
  private framesInSubWindow = 0;
  private filledSubWindows = 0;
  private subWindowIndex = 0;
  private initialized = false;
  private framesSeen = 0;
  private readonly warmUpFrames: number;
  /** Range of each band's smoothed level over the last `steadyFrames` frames. */
  private readonly recent: SlidingRange;
  private readonly steadyFrames: number;
  /** Scratch: each band's minimum over the steadiness window. */
  private readonly windowLow: Float64Array;
  private readonly windowRange: Float64Array;

  constructor(
    readonly bandCount: number,
    options: Partial<NoiseFloorOptions> = {},
  ) {
    this.options = Object.freeze({ ...DEFAULT_NOISE_FLOOR_OPTIONS, ...options });
    if (!(this.options.fastFallRate > 0 && this.options.fastFallRate <= 1)) {
      throw new RangeError('noise floor fastFallRate must be in (0, 1]');
    }
    this.floor = new Float64Array(bandCount).fill(this.options.lowestFloorDbfs);
    this.smoothed = new Float64Array(bandCount);
    this.spread = new Float64Array(bandCount).fill(this.options.initialSpreadDb);
    this.subWindowMin = Array.from({ length: SUB_WINDOWS }, () => new Float64Array(bandCount).fill(Infinity));
    this.currentMin = new Float64Array(bandCount).fill(Infinity);
    this.warmUpFrames = Math.round(this.options.warmUpMs / FRAME_MS);
    const steadyFrames = Math.max(2, Math.round(this.options.steadyWindowMs / FRAME_MS));
    this.steadyFrames = steadyFrames;
    this.recent = new SlidingRange(bandCount, steadyFrames);
    this.windowLow = new Float64Array(bandCount);
    this.windowRange = new Float64Array(bandCount);
    this.framesPerSubWindow = Math.max(1, Math.round(this.options.minimumWindowMs / FRAME_MS / SUB_WINDOWS));
  }

  /** Current floor of band `band`, dBFS. */
  floorDb(band: number): number {
    return this.floor[band] ?? this.options.lowestFloorDbfs;
  }

  /**
   * Median distance of a band's frame level from its floor, dB: about 2 dB for steady hiss, much more for
   * fluctuating backgrounds such as other people talking.
   */
  spreadDb(band: number): number {
    return this.spread[band] ?? this.options.initialSpreadDb;
  }

  /** Whether at least one frame has been learnt. */
  get ready(): boolean {
    return this.initialized;
  }

  /**
   * Learns one frame of band levels (dBFS). `inSpeech` selects the slower rise. `relativePowers`, when the
   * caller has them, are the same levels as linear power relative to full scale (`10^(dB/10)`), which saves a
   * power function per band.
   */
  update(levelsDb: Float64Array, inSpeech: boolean, relativePowers?: Float64Array): void {
    const { lowestFloorDbfs, fastFallBelowDb, fastFallRate } = this.options;
    const { smoothing } = this.options;
    if (!this.initialized) {
      for (let b = 0; b < this.bandCount; b++) {
        this.floor[b] = Math.max(lowestFloorDbfs, levelsDb[b]!);
        this.smoothed[b] = relativePowers === undefined ? 10 ** (levelsDb[b]! / 10) : relativePowers[b]!;
      }
      this.initialized = true;
    }
    this.framesSeen++;
    const rate =
      (inSpeech ? this.options.inSpeechRate : 1) *
      (this.framesSeen <= this.warmUpFrames ? this.options.warmUpRate : 1);
    const risePerFrame = (rate * this.options.riseDbPerSecond * FRAME_MS) / 1000;
    const fallPerFrame = (rate * this.options.fallDbPerSecond * FRAME_MS) / 1000;
    const spreadStep = (rate * this.options.spreadDbPerSecond * FRAME_MS) / 1000;
    const recent = this.recent;
    recent.advance();
    for (let b = 0; b < this.bandCount; b++) {
      const linear = relativePowers === undefined ? 10 ** (levelsDb[b]! / 10) : relativePowers[b]!;
      const power = smoothing * this.smoothed[b]! + (1 - smoothing) * linear;
      this.smoothed[b] = power;
      const level = 10 * Math.log10(power);
      recent.add(b, level);
      const floor = this.floor[b]!;
      const gap = level - floor;
      // Digital silence says nothing about how a real background fluctuates: it leaves the spread alone.
      if (levelsDb[b]! > lowestFloorDbfs) {
        const distance = Math.abs(levelsDb[b]! - floor);
        this.spread[b] = Math.max(
          0,
          this.spread[b]! + (distance > this.spread[b]! ? spreadStep : -spreadStep),
        );
      }
      let next: number;
      if (gap >= 0) {
        next = floor + Math.min(gap, risePerFrame);
      } else if (gap > -fastFallBelowDb) {
        next = floor + Math.max(gap, -fallPerFrame);
      } else {
        next = floor + Math.min(gap * fastFallRate, -fallPerFrame);
      }
      this.floor[b] = Math.max(lowestFloorDbfs, next);
      if (level < this.currentMin[b]!) {
        this.currentMin[b] = level;
      }
    }
    if (this.framesSeen >= this.steadyFrames) {
      this.liftToSteadyBackground();
    }
    this.advanceWindow();
  }

  /** If most bands held steady over the recent window, the floor moves up to that background's minimum. */
  private liftToSteadyBackground(): void {
    let steadyBands = 0;
    for (let b = 0; b < this.bandCount; b++) {
      const min = this.recent.min(b);
      const max = this.recent.max(b);
      this.windowLow[b] = min;
      this.windowRange[b] = max - min;
      if (max - min <= this.options.steadyRangeDb) {
        steadyBands++;
      }
    }
    if (steadyBands * 4 < this.bandCount * 3) {
      return;
    }
    for (let b = 0; b < this.bandCount; b++) {
      if (this.windowLow[b]! > this.floor[b]!) {
        this.floor[b] = this.windowLow[b]!;
        // Half the smoothed range is about the median distance of raw frames from the floor.
        this.spread[b] = Math.max(this.spread[b]!, this.windowRange[b]! / 2);
      }
    }
  }

  /** Closes a sub-window when full; once the window is full, lifts floors that sit below its minimum. */
  private advanceWindow(): void {
    this.framesInSubWindow++;
    if (this.framesInSubWindow < this.framesPerSubWindow) {
      return;
    }
    this.framesInSubWindow = 0;
    this.subWindowMin[this.subWindowIndex]!.set(this.currentMin);
    this.currentMin.fill(Infinity);
    this.subWindowIndex = (this.subWindowIndex + 1) % SUB_WINDOWS;
    this.filledSubWindows = Math.min(SUB_WINDOWS, this.filledSubWindows + 1);
    if (this.filledSubWindows < SUB_WINDOWS) {
      return;
    }
    for (let b = 0; b < this.bandCount; b++) {
      let windowMin = Infinity;
      for (const sub of this.subWindowMin) {
        windowMin = Math.min(windowMin, sub[b]!);
      }
      if (windowMin > this.floor[b]!) {
        this.floor[b] = windowMin;
      }
    }
  }
}
