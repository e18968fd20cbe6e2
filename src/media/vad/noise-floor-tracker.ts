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
   * be taken for background. The check covers this and up to a fifth more (it is kept in five blocks).
   * @default 1000
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
/** The steadiness window is kept as this many blocks of frames, each with its minimum and maximum per band. */
const STEADY_BLOCKS = 5;

/**
 * Per-band state, interleaved in one array (`state[band * STRIDE + field]`): what a frame reads and writes for a
 * band sits in one 64-byte cache line. Why: the tracker runs on every frame of every call, and with hundreds of
 * calls per thread a call's state has left the CPU caches by its next frame, 20 ms later. Spread over separate
 * arrays and a per-frame history ring (as it was, ≈ 9.5 KB per call), a frame touched some 60 cache lines and the
 * misses cost more than the arithmetic (`npm run bench:media`: 10.6 µs per call-tick at 400 calls, against ≈ 1 µs
 * in a micro-benchmark); now it touches the 11 lines of its bands, plus the block ring once per block.
 */
const STRIDE = 8;
const FLOOR = 0;
/** Smoothed band power (linear, relative to full scale). */
const SMOOTHED = 1;
const SPREAD = 2;
/** Minimum of the current sub-window of the sliding minimum. */
const SUB_MIN = 3;
/** Minimum and maximum of the current (incomplete) steadiness block. */
const BLOCK_MIN = 4;
const BLOCK_MAX = 5;
/** Minimum and maximum over the last `STEADY_BLOCKS` complete blocks. */
const BLOCKS_MIN = 6;
const BLOCKS_MAX = 7;

export class NoiseFloorTracker {
  private readonly options: Readonly<NoiseFloorOptions>;
  /** See `STRIDE`. */
  private readonly state: Float64Array;
  /** Each complete sub-window's minimum: `subWindowMin[sub * bands + band]`. */
  private readonly subWindowMin: Float64Array;
  private readonly framesPerSubWindow: number;
  private framesInSubWindow = 0;
  private filledSubWindows = 0;
  private subWindowIndex = 0;
  /** Each complete steadiness block's minimum and maximum: `[(block * bands + band) * 2 + 0|1]`. */
  private readonly blockRange: Float64Array;
  private readonly framesPerBlock: number;
  private framesInBlock = 0;
  private blockIndex = 0;
  private initialized = false;
  private framesSeen = 0;
  private readonly warmUpFrames: number;
  /**
   * Frames seen before the steadiness check may run: the blocks then cover at least `steadyWindowMs` (they cover
   * between that and one block more, never less, so a held vowel is never taken for a background).
   */
  private readonly steadyFrames: number;

  constructor(
    readonly bandCount: number,
    options: Partial<NoiseFloorOptions> = {},
  ) {
    this.options = Object.freeze({ ...DEFAULT_NOISE_FLOOR_OPTIONS, ...options });
    if (!(this.options.fastFallRate > 0 && this.options.fastFallRate <= 1)) {
      throw new RangeError('noise floor fastFallRate must be in (0, 1]');
    }
    this.state = new Float64Array(bandCount * STRIDE);
    for (let b = 0; b < bandCount; b++) {
      const at = b * STRIDE;
      this.state[at + FLOOR] = this.options.lowestFloorDbfs;
      this.state[at + SPREAD] = this.options.initialSpreadDb;
      this.state[at + SUB_MIN] = Infinity;
      this.state[at + BLOCK_MIN] = Infinity;
      this.state[at + BLOCK_MAX] = -Infinity;
      this.state[at + BLOCKS_MIN] = Infinity;
      this.state[at + BLOCKS_MAX] = -Infinity;
    }
    this.subWindowMin = new Float64Array(SUB_WINDOWS * bandCount).fill(Infinity);
    this.warmUpFrames = Math.round(this.options.warmUpMs / FRAME_MS);
    const steadyFrames = Math.max(2, Math.round(this.options.steadyWindowMs / FRAME_MS));
    this.framesPerBlock = Math.ceil(steadyFrames / STEADY_BLOCKS);
    this.steadyFrames = this.framesPerBlock * STEADY_BLOCKS;
    this.blockRange = new Float64Array(STEADY_BLOCKS * bandCount * 2);
    for (let i = 0; i < this.blockRange.length; i += 2) {
      this.blockRange[i] = Infinity;
      this.blockRange[i + 1] = -Infinity;
    }
    this.framesPerSubWindow = Math.max(1, Math.round(this.options.minimumWindowMs / FRAME_MS / SUB_WINDOWS));
  }

  /** Current floor of band `band`, dBFS. */
  floorDb(band: number): number {
    return band >= 0 && band < this.bandCount
      ? this.state[band * STRIDE + FLOOR]!
      : this.options.lowestFloorDbfs;
  }

  /**
   * Median distance of a band's frame level from its floor, dB: about 2 dB for steady hiss, much more for
   * fluctuating backgrounds such as other people talking.
   */
  spreadDb(band: number): number {
    return band >= 0 && band < this.bandCount
      ? this.state[band * STRIDE + SPREAD]!
      : this.options.initialSpreadDb;
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
    const { lowestFloorDbfs, fastFallBelowDb, fastFallRate, smoothing } = this.options;
    const state = this.state;
    const bands = this.bandCount;
    if (!this.initialized) {
      for (let b = 0; b < bands; b++) {
        state[b * STRIDE + FLOOR] = Math.max(lowestFloorDbfs, levelsDb[b]!);
        state[b * STRIDE + SMOOTHED] =
          relativePowers === undefined ? 10 ** (levelsDb[b]! / 10) : relativePowers[b]!;
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
    for (let b = 0; b < bands; b++) {
      const at = b * STRIDE;
      const raw = levelsDb[b]!;
      const linear = relativePowers === undefined ? 10 ** (raw / 10) : relativePowers[b]!;
      const power = smoothing * state[at + SMOOTHED]! + (1 - smoothing) * linear;
      state[at + SMOOTHED] = power;
      const level = 10 * Math.log10(power);
      if (level < state[at + BLOCK_MIN]!) {
        state[at + BLOCK_MIN] = level;
      }
      if (level > state[at + BLOCK_MAX]!) {
        state[at + BLOCK_MAX] = level;
      }
      const floor = state[at + FLOOR]!;
      const gap = level - floor;
      // Digital silence says nothing about how a real background fluctuates: it leaves the spread alone.
      if (raw > lowestFloorDbfs) {
        const spread = state[at + SPREAD]!;
        state[at + SPREAD] = Math.max(
          0,
          spread + (Math.abs(raw - floor) > spread ? spreadStep : -spreadStep),
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
      state[at + FLOOR] = Math.max(lowestFloorDbfs, next);
      if (level < state[at + SUB_MIN]!) {
        state[at + SUB_MIN] = level;
      }
    }
    if (this.framesSeen >= this.steadyFrames) {
      this.liftToSteadyBackground();
    }
    this.advanceBlock();
    this.advanceWindow();
  }

  /**
   * If most bands held steady over the recent window (the complete blocks and the current one), the floor moves
   * up to that background's minimum.
   */
  private liftToSteadyBackground(): void {
    const state = this.state;
    const steadyRangeDb = this.options.steadyRangeDb;
    let steadyBands = 0;
    for (let b = 0; b < this.bandCount; b++) {
      const at = b * STRIDE;
      const min = Math.min(state[at + BLOCKS_MIN]!, state[at + BLOCK_MIN]!);
      const max = Math.max(state[at + BLOCKS_MAX]!, state[at + BLOCK_MAX]!);
      if (max - min <= steadyRangeDb) {
        steadyBands++;
      }
    }
    if (steadyBands * 4 < this.bandCount * 3) {
      return;
    }
    for (let b = 0; b < this.bandCount; b++) {
      const at = b * STRIDE;
      const min = Math.min(state[at + BLOCKS_MIN]!, state[at + BLOCK_MIN]!);
      const max = Math.max(state[at + BLOCKS_MAX]!, state[at + BLOCK_MAX]!);
      if (min > state[at + FLOOR]!) {
        state[at + FLOOR] = min;
        // Half the smoothed range is about the median distance of raw frames from the floor.
        state[at + SPREAD] = Math.max(state[at + SPREAD]!, (max - min) / 2);
      }
    }
  }

  /** Closes a steadiness block when full: it replaces the oldest, and the blocks' extremes are taken again. */
  private advanceBlock(): void {
    this.framesInBlock++;
    if (this.framesInBlock < this.framesPerBlock) {
      return;
    }
    this.framesInBlock = 0;
    const { state, blockRange, bandCount } = this;
    const base = this.blockIndex * bandCount * 2;
    for (let b = 0; b < bandCount; b++) {
      const at = b * STRIDE;
      blockRange[base + b * 2] = state[at + BLOCK_MIN]!;
      blockRange[base + b * 2 + 1] = state[at + BLOCK_MAX]!;
      state[at + BLOCK_MIN] = Infinity;
      state[at + BLOCK_MAX] = -Infinity;
    }
    this.blockIndex = (this.blockIndex + 1) % STEADY_BLOCKS;
    for (let b = 0; b < bandCount; b++) {
      let min = Infinity;
      let max = -Infinity;
      for (let k = 0; k < STEADY_BLOCKS; k++) {
        const i = (k * bandCount + b) * 2;
        min = Math.min(min, blockRange[i]!);
        max = Math.max(max, blockRange[i + 1]!);
      }
      state[b * STRIDE + BLOCKS_MIN] = min;
      state[b * STRIDE + BLOCKS_MAX] = max;
    }
  }

  /** Closes a sub-window when full; once the window is full, lifts floors that sit below its minimum. */
  private advanceWindow(): void {
    this.framesInSubWindow++;
    if (this.framesInSubWindow < this.framesPerSubWindow) {
      return;
    }
    this.framesInSubWindow = 0;
    const { state, subWindowMin, bandCount } = this;
    const base = this.subWindowIndex * bandCount;
    for (let b = 0; b < bandCount; b++) {
      subWindowMin[base + b] = state[b * STRIDE + SUB_MIN]!;
      state[b * STRIDE + SUB_MIN] = Infinity;
    }
    this.subWindowIndex = (this.subWindowIndex + 1) % SUB_WINDOWS;
    this.filledSubWindows = Math.min(SUB_WINDOWS, this.filledSubWindows + 1);
    if (this.filledSubWindows < SUB_WINDOWS) {
      return;
    }
    for (let b = 0; b < bandCount; b++) {
      let windowMin = Infinity;
      for (let sub = 0; sub < SUB_WINDOWS; sub++) {
        windowMin = Math.min(windowMin, subWindowMin[sub * bandCount + b]!);
      }
      if (windowMin > state[b * STRIDE + FLOOR]!) {
        state[b * STRIDE + FLOOR] = windowMin;
      }
    }
  }
}
