/**
 * Frame-based voice activity detector for 20 ms, 8 kHz, 16-bit frames.
 *
 * Per frame: band powers (`BandEnergyAnalyzer`), each compared with its adaptive noise floor
 * (`NoiseFloorTracker`); the frame's score is the mean over bands of how far each band's SNR (dB) exceeds its
 * margin (`bandMarginDb` + `spreadWeight` × the band's spread), so a sound that lifts a few formant bands well
 * above the background scores high while a background that merely fluctuates, even babble, scores near zero.
 * A frame is active when its score passes `thresholdDb` (lowered by `hysteresisDb` while in speech, to keep
 * weak word endings) and its level passes `minLevelDbfs`.
 * Speech starts after `onsetMs` of consecutive active frames and ends after `hangoverMs` without one.
 *
 * Quiet frames cost half (`quietFrameSharing`): a frame whose whole-band level, measured in the time domain
 * (windowed, 160 multiply-adds), is under `minLevelDbfs` can never be active, since its in-band level is lower
 * still (Parseval). Its decision needs no spectrum, only the noise floor does: within a run of such frames, every
 * other one lends its band levels to the next, which the floor learns from in place of its own. Telephone lines
 * are quiet (-60 to -70 dBFS) whenever the caller listens, which is most of an IVR call.
 *
 * Pure and deterministic: one call per frame, no timers; time is the frame count.
 */
import { FRAME_MS, type PcmFrame } from '../media-types.js';
import { BandEnergyAnalyzer, DEFAULT_VAD_BAND_EDGES_HZ } from './band-energy-analyzer.js';
import {
  DEFAULT_NOISE_FLOOR_OPTIONS,
  NoiseFloorTracker,
  type NoiseFloorOptions,
} from './noise-floor-tracker.js';

export interface VadOptions {
  /** Score (dB, see `bandMarginDb`) a frame needs to count as voiced. @default 1.2 */
  thresholdDb: number;
  /** How much lower the threshold is while already in speech, dB. @default 0.3 */
  hysteresisDb: number;
  /** Frames quieter than this never count as speech, dBFS (re. a full-scale sine). @default -55 */
  minLevelDbfs: number;
  /** Consecutive active time needed to declare speech, ms (a multiple of 20). @default 60 */
  onsetMs: number;
  /** Inactive time after which speech is over, ms (a multiple of 20). @default 300 */
  hangoverMs: number;
  /** Band edges in Hz. @default DEFAULT_VAD_BAND_EDGES_HZ */
  bandEdgesHz: readonly number[];
  /**
   * Each band counts only by how much its SNR exceeds this margin, dB: background noise fluctuates a few dB
   * around its floor in every band, speech lifts some bands by 10-30 dB. @default 0
   */
  bandMarginDb: number;
  /**
   * Each band's margin also grows by this many times the band's spread (`NoiseFloorTracker.spreadDb`): about
   * 2 dB for hiss, 5-8 dB for babble. @default 1.75
   */
  spreadWeight: number;
  /** Band SNRs are capped at this value so one very loud band cannot carry a frame alone, dB. @default 30 */
  maxBandSnrDb: number;
  /** Noise floor behaviour. */
  noiseFloor: Partial<NoiseFloorOptions>;
  /**
   * In a run of frames too quiet to be speech (see the header), analyse the spectrum of every other one only and
   * let the floor learn the previous levels again for the others. false: every frame is analysed. @default true
   */
  quietFrameSharing: boolean;
}

export const DEFAULT_VAD_OPTIONS: Readonly<VadOptions> = Object.freeze({
  thresholdDb: 1.2,
  hysteresisDb: 0.3,
  minLevelDbfs: -55,
  onsetMs: 60,
  hangoverMs: 300,
  bandEdgesHz: DEFAULT_VAD_BAND_EDGES_HZ,
  bandMarginDb: 0,
  spreadWeight: 1.75,
  maxBandSnrDb: 30,
  noiseFloor: DEFAULT_NOISE_FLOOR_OPTIONS,
  quietFrameSharing: true,
});

export type VadTransition = 'speech-start' | 'speech-end';

export interface VadFrameResult {
  /** 0-based index of this frame since construction or `reset()`. */
  readonly frameIndex: number;
  /** This frame alone passed the thresholds. */
  readonly active: boolean;
  /** Smoothed state after this frame. */
  readonly inSpeech: boolean;
  /** Set on the frame that confirmed an onset or ended the hangover. */
  readonly transition: VadTransition | undefined;
  /**
   * For `speech-start`: index of the first frame of the onset run (speech began `frameIndex - boundaryFrame`
   * frames ago). For `speech-end`: index of the last active frame. Otherwise -1.
   */
  readonly boundaryFrame: number;
  /** Mean band SNR beyond the band margins, dB. */
  readonly scoreDb: number;
  /** In-band level of the frame, dBFS. */
  readonly levelDbfs: number;
}

/** Power of a full-scale sine, the 0 dBFS reference. */
const FULL_SCALE_POWER = (32767 * 32767) / 2;
/** Keeps log10 finite on digital silence. */
const POWER_EPSILON = FULL_SCALE_POWER * 1e-12;

function toDbfs(power: number): number {
  return 10 * Math.log10((power + POWER_EPSILON) / FULL_SCALE_POWER);
}

/** `10^(toDbfs(power)/10)`: the same level as linear power relative to full scale. */
function toRelativePower(power: number): number {
  return (power + POWER_EPSILON) / FULL_SCALE_POWER;
}

export class VoiceActivityDetector {
  readonly options: Readonly<VadOptions>;
  private readonly analyzer: BandEnergyAnalyzer;
  private noise: NoiseFloorTracker;
  private readonly bandPower: Float64Array;
  private readonly bandLevelDb: Float64Array;
  private readonly bandRelativePower: Float64Array;
  private readonly onsetFrames: number;
  private readonly hangoverFrames: number;
  private frameIndex = -1;
  private speech = false;
  private activeRun = 0;
  private inactiveRun = 0;
  private lastActiveFrame = -1;
  /** The band levels in `bandLevelDb` come from a quiet frame that has not lent them yet. */
  private quietLevelsToLend = false;
  /** Power under which a frame's time-domain level (see `timeDomainPower`) rules speech out. */
  private readonly quietPower: number;
  /** What `process` returns, filled again for each frame: a media thread runs one detector per call, 50 frames a second. */
  private readonly result: { -readonly [K in keyof VadFrameResult]: VadFrameResult[K] } = {
    frameIndex: -1,
    active: false,
    inSpeech: false,
    transition: undefined,
    boundaryFrame: -1,
    scoreDb: 0,
    levelDbfs: 0,
  };

  constructor(options: Partial<VadOptions> = {}) {
    this.options = Object.freeze({
      ...DEFAULT_VAD_OPTIONS,
      ...options,
      noiseFloor: Object.freeze({ ...DEFAULT_NOISE_FLOOR_OPTIONS, ...options.noiseFloor }),
    });
    this.analyzer = new BandEnergyAnalyzer(this.options.bandEdgesHz);
    this.noise = new NoiseFloorTracker(this.analyzer.bandCount, this.options.noiseFloor);
    this.bandPower = new Float64Array(this.analyzer.bandCount);
    this.bandLevelDb = new Float64Array(this.analyzer.bandCount);
    this.bandRelativePower = new Float64Array(this.analyzer.bandCount);
    this.onsetFrames = Math.max(1, Math.round(this.options.onsetMs / FRAME_MS));
    this.hangoverFrames = Math.max(1, Math.round(this.options.hangoverMs / FRAME_MS));
    this.quietPower = FULL_SCALE_POWER * 10 ** (this.options.minLevelDbfs / 10) - POWER_EPSILON;
  }

  /** True between a `speech-start` and the following `speech-end`. */
  get inSpeech(): boolean {
    return this.speech;
  }

  /** Frames processed since construction or `reset()`. */
  get framesProcessed(): number {
    return this.frameIndex + 1;
  }

  /** Forgets everything, including the learnt noise floor. */
  reset(): void {
    this.noise = new NoiseFloorTracker(this.analyzer.bandCount, this.options.noiseFloor);
    this.frameIndex = -1;
    this.speech = false;
    this.activeRun = 0;
    this.inactiveRun = 0;
    this.lastActiveFrame = -1;
    this.quietLevelsToLend = false;
  }

  /** Analyses the next frame. The result is the detector's own object, valid until the next call: copy it to keep it. */
  process(frame: PcmFrame): VadFrameResult {
    this.frameIndex++;
    let quiet = false;
    let levelDbfs: number;
    if (this.options.quietFrameSharing) {
      const power = this.analyzer.timeDomainPower(frame);
      quiet = power < this.quietPower;
      levelDbfs = toDbfs(power);
    }
    if (quiet && this.quietLevelsToLend) {
      // The previous frame was quiet too: the floor learns its levels once more, no spectrum this time.
      this.quietLevelsToLend = false;
    } else {
      const total = this.analyzer.analyze(frame, this.bandPower);
      levelDbfs = toDbfs(total);
      for (let b = 0; b < this.analyzer.bandCount; b++) {
        this.bandLevelDb[b] = toDbfs(this.bandPower[b]!);
        this.bandRelativePower[b] = toRelativePower(this.bandPower[b]!);
      }
      this.quietLevelsToLend = quiet;
    }
    // Score against the floor learnt from past frames only, then let this frame teach the floor.
    const scoreDb = this.noise.ready ? this.score() : 0;
    const threshold = this.speech
      ? this.options.thresholdDb - this.options.hysteresisDb
      : this.options.thresholdDb;
    const active =
      !quiet && this.noise.ready && scoreDb >= threshold && levelDbfs! >= this.options.minLevelDbfs;
    this.noise.update(this.bandLevelDb, this.speech, this.bandRelativePower);

    let transition: VadTransition | undefined;
    let boundaryFrame = -1;
    if (active) {
      this.activeRun++;
      this.inactiveRun = 0;
      this.lastActiveFrame = this.frameIndex;
      if (!this.speech && this.activeRun >= this.onsetFrames) {
        this.speech = true;
        transition = 'speech-start';
        boundaryFrame = this.frameIndex - this.activeRun + 1;
      }
    } else {
      this.activeRun = 0;
      this.inactiveRun++;
      if (this.speech && this.inactiveRun >= this.hangoverFrames) {
        this.speech = false;
        transition = 'speech-end';
        boundaryFrame = this.lastActiveFrame;
      }
    }
    const result = this.result;
    result.frameIndex = this.frameIndex;
    result.active = active;
    result.inSpeech = this.speech;
    result.transition = transition;
    result.boundaryFrame = boundaryFrame;
    result.scoreDb = scoreDb;
    result.levelDbfs = levelDbfs!;
    return result;
  }

  private score(): number {
    const { bandMarginDb, spreadWeight, maxBandSnrDb } = this.options;
    let sum = 0;
    for (let b = 0; b < this.analyzer.bandCount; b++) {
      const snr = Math.min(this.bandLevelDb[b]! - this.noise.floorDb(b), maxBandSnrDb);
      const margin = bandMarginDb + spreadWeight * this.noise.spreadDb(b);
      if (snr > margin) {
        sum += snr - margin;
      }
    }
    return sum / this.analyzer.bandCount;
  }
}
