/**
 * In-band DTMF detection (ITU-T Q.23 frequencies, Q.24 reception limits) on 8 kHz 20 ms frames, for callers
 * whose gateway sends key presses as audio instead of RFC 4733 events.
 *
 * Each frame is examined as two 160-sample blocks 80 samples apart (10 ms hop, 50 Hz resolution). A block is a
 * candidate for a key when, for the strongest tone of each group (Goertzel):
 *  - each tone is above `minToneLevelDbm0` (Q.24 sensitivity);
 *  - the twist (high-group minus low-group level) stays within `maxHighOverLowDb` / `maxLowOverHighDb`;
 *  - each tone beats the other tones of its group by `minGroupRatioDb`;
 *  - the two tones carry `minToneShare` of the block's power (speech and noise spread theirs);
 *  - neither tone has a second harmonic within `maxSecondHarmonicDb` of it (voice is harmonic, DTMF is not);
 * and three consecutive candidate blocks make a key press when the phase advance from each block to the next puts
 * both tones within `maxFrequencyDeviation` of nominal (Q.24: must accept ±1.5%, must reject ±3.5%). Three
 * blocks need at least 32 ms of tone, so a 40 ms key press is always found and a 25 ms burst never is. A key is
 * released after `releaseMs` without a confirming block, which bridges the 10 ms drop-outs Q.24 tolerates
 * while a 40 ms pause between keys still separates them.
 */
import type { DtmfEvent, PcmFrame } from '../media-types.js';
import { SAMPLE_RATE, SAMPLES_PER_FRAME } from '../media-types.js';
import { GoertzelFilter, frequencyFromPhase, type GoertzelTerm } from './goertzel.js';

/** Q.23 low (row) and high (column) group frequencies, Hz. */
export const DTMF_LOW_GROUP_HZ: readonly number[] = Object.freeze([697, 770, 852, 941]);
export const DTMF_HIGH_GROUP_HZ: readonly number[] = Object.freeze([1209, 1336, 1477, 1633]);
/** Keys by [row][column]. */
export const DTMF_KEYS: readonly string[] = Object.freeze(['123A', '456B', '789C', '*0#D']);

export interface InbandDtmfOptions {
  /** Weakest tone accepted, per frequency, dBm0. @default -30 */
  minToneLevelDbm0: number;
  /** How much louder the high-group tone may be than the low-group one, dB. @default 4 */
  maxHighOverLowDb: number;
  /** How much louder the low-group tone may be than the high-group one, dB. @default 8 */
  maxLowOverHighDb: number;
  /** Each detected tone must beat the other frequencies of its group by this much, dB. @default 8 */
  minGroupRatioDb: number;
  /** Share of the block's power the two tones must carry (0-1); a tone 1.5% off reads 4 dB low. @default 0.6 */
  minToneShare: number;
  /** A second harmonic this close to its fundamental (or louder) rejects the block, dB. @default -10 */
  maxSecondHarmonicDb: number;
  /** Largest relative frequency error accepted (0.025 = 2.5%). @default 0.025 */
  maxFrequencyDeviation: number;
  /** Time without a confirming block that releases a key, ms (multiple of 10). @default 40 */
  releaseMs: number;
  /**
   * `release`: one event when the key is released, with its duration (default). `press`: one event as soon as
   * the key is confirmed, without duration (lower latency, e.g. to stop a prompt).
   */
  emitOn: 'release' | 'press';
}

export const DEFAULT_INBAND_DTMF_OPTIONS: Readonly<InbandDtmfOptions> = Object.freeze({
  minToneLevelDbm0: -30,
  maxHighOverLowDb: 4,
  maxLowOverHighDb: 8,
  minGroupRatioDb: 8,
  minToneShare: 0.6,
  maxSecondHarmonicDb: -10,
  maxFrequencyDeviation: 0.025,
  releaseMs: 40,
  emitOn: 'release',
});

const BLOCK = SAMPLES_PER_FRAME;
/**
 * Consecutive candidate blocks that make a key press. A block passes the power-share test once the tone fills
 * 60% of it, so three blocks (two hops apart) need at least 0.6 × 160 + 160 samples = 32 ms of tone, while a
 * 40 ms tone always yields three such blocks (Q.24: operate at 40 ms, not below about 25 ms).
 */
const CONFIRM_BLOCKS = 3;
const HOP = SAMPLES_PER_FRAME / 2;
/** Amplitude of a 0 dBm0 sine in 16-bit linear PCM: G.711's full scale is +3.14 dBm0 (G.711 Tables 1-2). */
const DBM0_AMPLITUDE = 32767 * 10 ** (-3.14 / 20);
const DBM0_POWER = (DBM0_AMPLITUDE * DBM0_AMPLITUDE) / 2;

interface Candidate {
  readonly key: string;
  readonly row: number;
  readonly column: number;
  readonly low: GoertzelTerm;
  readonly high: GoertzelTerm;
}

function dbRatio(a: number, b: number): number {
  return 10 * Math.log10((a + 1e-9) / (b + 1e-9));
}

export class InbandDtmfDetector {
  readonly options: Readonly<InbandDtmfOptions>;
  private readonly low = DTMF_LOW_GROUP_HZ.map((f) => new GoertzelFilter(f));
  private readonly high = DTMF_HIGH_GROUP_HZ.map((f) => new GoertzelFilter(f));
  private readonly lowHarmonic = DTMF_LOW_GROUP_HZ.map((f) => new GoertzelFilter(2 * f));
  private readonly highHarmonic = DTMF_HIGH_GROUP_HZ.map((f) => new GoertzelFilter(2 * f));
  /** The second half of the previous frame, then the current frame. */
  private readonly window = new Float64Array(HOP + BLOCK);
  private readonly releaseBlocks: number;
  private blockIndex = -1;
  private previous: Candidate | undefined;
  private key: string | undefined;
  private keyFirstBlock = 0;
  private keyLastBlock = 0;
  private missedBlocks = 0;
  /** Consecutive candidate blocks of the same key whose tones held their frequency from block to block. */
  private run = 0;

  constructor(options: Partial<InbandDtmfOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_INBAND_DTMF_OPTIONS, ...options });
    this.releaseBlocks = Math.max(1, Math.round((this.options.releaseMs * SAMPLE_RATE) / 1000 / HOP));
  }

  /** The key currently held down, if any (to stop a prompt on the first tone without waiting for release). */
  get activeKey(): string | undefined {
    return this.key;
  }

  /** Examines one 20 ms frame; returns the key presses it completed (usually none, at most two). */
  process(frame: PcmFrame): DtmfEvent[] {
    const events: DtmfEvent[] = [];
    this.window.copyWithin(0, BLOCK);
    for (let n = 0; n < BLOCK; n++) {
      this.window[HOP + n] = frame[n] ?? 0;
    }
    for (const start of [0, HOP]) {
      this.blockIndex++;
      const event = this.step(this.examine(start));
      if (event) {
        events.push(event);
      }
    }
    return events;
  }

  /** Ends the stream: releases a key still held. */
  flush(): DtmfEvent | undefined {
    const event = this.key !== undefined ? this.release() : undefined;
    this.previous = undefined;
    return event;
  }

  /** Advances the key state machine by one block. */
  private step(candidate: Candidate | undefined): DtmfEvent | undefined {
    const continues =
      candidate !== undefined &&
      this.previous !== undefined &&
      this.previous.key === candidate.key &&
      this.frequenciesHold(this.previous, candidate);
    this.run = continues ? this.run + 1 : candidate !== undefined ? 1 : 0;
    this.previous = candidate;
    if (this.key !== undefined && continues && candidate.key === this.key) {
      this.keyLastBlock = this.blockIndex;
      this.missedBlocks = 0;
      return undefined;
    }
    const pressed = this.run >= CONFIRM_BLOCKS && candidate !== undefined;
    let event: DtmfEvent | undefined;
    if (this.key !== undefined) {
      this.missedBlocks++;
      if (this.missedBlocks < this.releaseBlocks && !pressed) {
        return undefined;
      }
      event = this.release();
    }
    if (pressed) {
      this.key = candidate.key;
      this.keyFirstBlock = this.blockIndex - CONFIRM_BLOCKS + 1;
      this.keyLastBlock = this.blockIndex;
      this.missedBlocks = 0;
      if (this.options.emitOn === 'press') {
        return event ?? { digit: candidate.key, source: 'inband' };
      }
    }
    return event;
  }

  private release(): DtmfEvent | undefined {
    const key = this.key!;
    this.key = undefined;
    this.missedBlocks = 0;
    if (this.options.emitOn === 'press') {
      return undefined;
    }
    // A passing block is at least 60% tone, so the first one starts up to 64 samples before the tone and the
    // last ends up to 64 after it; with the hop's quantisation the tone lasted about (last - first) hops plus
    // half a block.
    const samples = (this.keyLastBlock - this.keyFirstBlock) * HOP + BLOCK / 2;
    return { digit: key, source: 'inband', durationMs: Math.round((samples * 1000) / SAMPLE_RATE) };
  }

  /** Single-block checks; returns the key the block looks like, if any. */
  private examine(start: number): Candidate | undefined {
    const o = this.options;
    const samples = this.window;
    let total = 0;
    for (let n = start; n < start + BLOCK; n++) {
      total += samples[n]! * samples[n]!;
    }
    total /= BLOCK;
    const minPower = DBM0_POWER * 10 ** (o.minToneLevelDbm0 / 10);
    if (total < minPower) {
      return undefined;
    }
    const lowTerms = this.low.map((f) => f.term(samples, start, BLOCK));
    const highTerms = this.high.map((f) => f.term(samples, start, BLOCK));
    const row = strongest(lowTerms);
    const column = strongest(highTerms);
    const low = lowTerms[row]!;
    const high = highTerms[column]!;
    if (low.power < minPower || high.power < minPower) {
      return undefined;
    }
    const twist = dbRatio(high.power, low.power);
    if (twist > o.maxHighOverLowDb || -twist > o.maxLowOverHighDb) {
      return undefined;
    }
    if (!dominates(lowTerms, row, o.minGroupRatioDb) || !dominates(highTerms, column, o.minGroupRatioDb)) {
      return undefined;
    }
    if (low.power + high.power < o.minToneShare * total) {
      return undefined;
    }
    const lowHarmonic = this.lowHarmonic[row]!.power(samples, start, BLOCK);
    const highHarmonic = this.highHarmonic[column]!.power(samples, start, BLOCK);
    if (
      dbRatio(lowHarmonic, low.power) > o.maxSecondHarmonicDb ||
      dbRatio(highHarmonic, high.power) > o.maxSecondHarmonicDb
    ) {
      return undefined;
    }
    return { key: DTMF_KEYS[row]![column]!, row, column, low, high };
  }

  /** Both tones' measured frequencies within tolerance (phase advance over one hop). */
  private frequenciesHold(earlier: Candidate, later: Candidate): boolean {
    const check = (filter: GoertzelFilter, a: GoertzelTerm, b: GoertzelTerm): boolean =>
      Math.abs(frequencyFromPhase(filter, a, b, HOP) / filter.frequencyHz - 1) <=
      this.options.maxFrequencyDeviation;
    return (
      check(this.low[later.row]!, earlier.low, later.low) &&
      check(this.high[later.column]!, earlier.high, later.high)
    );
  }
}

function strongest(terms: readonly GoertzelTerm[]): number {
  let best = 0;
  for (let i = 1; i < terms.length; i++) {
    if (terms[i]!.power > terms[best]!.power) {
      best = i;
    }
  }
  return best;
}

function dominates(terms: readonly GoertzelTerm[], index: number, ratioDb: number): boolean {
  const power = terms[index]!.power;
  return terms.every((t, i) => i === index || dbRatio(power, t.power) >= ratioDb);
}
