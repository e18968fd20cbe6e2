/**
 * The Goertzel algorithm: one DFT term at an arbitrary frequency over a block of samples, with a single
 * multiply-accumulate per sample. Used by the in-band DTMF detector to watch the eight DTMF frequencies and
 * their second harmonics without a full FFT.
 */
import { SAMPLE_RATE } from '../media-types.js';

/** One DFT term, phase referred to the first sample of the block. */
export interface GoertzelTerm {
  readonly re: number;
  readonly im: number;
  /**
   * Power of the sinusoidal component at this frequency, in mean squared sample value: a sine of amplitude A
   * filling the block reads A²/2.
   */
  readonly power: number;
}

export class GoertzelFilter {
  readonly frequencyHz: number;
  /** Radians per sample. */
  readonly omega: number;
  private readonly coefficient: number;
  private readonly cosOmega: number;
  private readonly sinOmega: number;

  constructor(frequencyHz: number, sampleRate: number = SAMPLE_RATE) {
    if (!(frequencyHz > 0 && frequencyHz < sampleRate / 2)) {
      throw new RangeError(`Goertzel frequency ${frequencyHz} Hz is outside (0, ${sampleRate / 2})`);
    }
    this.frequencyHz = frequencyHz;
    this.omega = (2 * Math.PI * frequencyHz) / sampleRate;
    this.cosOmega = Math.cos(this.omega);
    this.sinOmega = Math.sin(this.omega);
    this.coefficient = 2 * this.cosOmega;
  }

  /** Power only (cheaper: no phase), same scale as `GoertzelTerm.power`. */
  power(samples: ArrayLike<number>, start: number, length: number): number {
    let s1 = 0;
    let s2 = 0;
    const end = start + length;
    for (let n = start; n < end; n++) {
      const s0 = samples[n]! + this.coefficient * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const magnitudeSquared = s1 * s1 + s2 * s2 - this.coefficient * s1 * s2;
    return (2 * magnitudeSquared) / (length * length);
  }

  /** The complex term X(ω) = Σ x[start+k]·e^(-jωk), k = 0..length-1, and its power. */
  term(samples: ArrayLike<number>, start: number, length: number): GoertzelTerm {
    let s1 = 0;
    let s2 = 0;
    const end = start + length;
    for (let n = start; n < end; n++) {
      const s0 = samples[n]! + this.coefficient * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    // y = s[N-1] - e^(-jω)·s[N-2] = e^(jω(N-1))·X(ω): rotate back so the phase refers to the block start.
    const yRe = s1 - this.cosOmega * s2;
    const yIm = this.sinOmega * s2;
    const back = -this.omega * (length - 1);
    const c = Math.cos(back);
    const s = Math.sin(back);
    const re = yRe * c - yIm * s;
    const im = yRe * s + yIm * c;
    return { re, im, power: (2 * (re * re + im * im)) / (length * length) };
  }
}

/**
 * Frequency of a steady sinusoid near `filter.frequencyHz`, from the phase advance of its DFT term between two
 * blocks `hop` samples apart: the phase grows by ω₀·hop, so the offset from the filter frequency is read
 * without ambiguity while it stays under sampleRate / (2·hop).
 */
export function frequencyFromPhase(
  filter: GoertzelFilter,
  earlier: GoertzelTerm,
  later: GoertzelTerm,
  hop: number,
  sampleRate: number = SAMPLE_RATE,
): number {
  const advance = Math.atan2(later.im, later.re) - Math.atan2(earlier.im, earlier.re);
  let offset = advance - filter.omega * hop;
  offset -= 2 * Math.PI * Math.round(offset / (2 * Math.PI));
  return filter.frequencyHz + (offset * sampleRate) / (2 * Math.PI * hop);
}
