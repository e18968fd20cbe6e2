/**
 * Splits one 20 ms frame into the power of a few frequency bands (Hann window, 256-point FFT).
 *
 * Why bands rather than one full-band energy: telephone noise (line hiss, street, fans) spreads its power over
 * the whole 300-3400 Hz channel while a speech sound puts most of its power in a few formant bands, so the
 * per-band signal-to-noise ratio of speech is several dB higher than the full-band one. That gap is what keeps
 * the VAD working at 5-10 dB SNR.
 */
import { SAMPLE_RATE, SAMPLES_PER_FRAME, type PcmFrame } from '../media-types.js';

/** FFT length: the 160-sample frame zero-padded to the next power of two (31.25 Hz per bin at 8 kHz). */
const FFT_SIZE = 256;
const FFT_BITS = 8;

/**
 * Default band edges in Hz: the telephone band (ITU-T G.712: 300-3400 Hz, extended down to 200 Hz for low
 * voices) cut into roughly critical-band-wide bands, narrow where the first formant lives.
 */
export const DEFAULT_VAD_BAND_EDGES_HZ: readonly number[] = Object.freeze([
  200, 400, 600, 800, 1000, 1250, 1500, 1800, 2150, 2550, 3000, 3500,
]);

export class BandEnergyAnalyzer {
  /** Number of bands (`edges.length - 1`). */
  readonly bandCount: number;
  private readonly window = new Float64Array(SAMPLES_PER_FRAME);
  private readonly re = new Float64Array(FFT_SIZE);
  private readonly im = new Float64Array(FFT_SIZE);
  private readonly bitReversed = new Uint16Array(FFT_SIZE);
  private readonly cosTable = new Float64Array(FFT_SIZE / 2);
  private readonly sinTable = new Float64Array(FFT_SIZE / 2);
  /** First and one-past-last FFT bin of each band. */
  private readonly bandStart: Uint16Array;
  private readonly bandEnd: Uint16Array;
  /** Scales a bin power back to mean power per sample (window energy and FFT length). */
  private readonly powerScale: number;

  constructor(bandEdgesHz: readonly number[] = DEFAULT_VAD_BAND_EDGES_HZ) {
    if (bandEdgesHz.length < 2) {
      throw new RangeError('a band analyzer needs at least two band edges');
    }
    this.bandCount = bandEdgesHz.length - 1;
    this.bandStart = new Uint16Array(this.bandCount);
    this.bandEnd = new Uint16Array(this.bandCount);
    const binHz = SAMPLE_RATE / FFT_SIZE;
    for (let b = 0; b < this.bandCount; b++) {
      const low = bandEdgesHz[b]!;
      const high = bandEdgesHz[b + 1]!;
      if (!(high > low) || low < 0 || high > SAMPLE_RATE / 2) {
        throw new RangeError(`invalid VAD band ${low}-${high} Hz`);
      }
      this.bandStart[b] = Math.round(low / binHz);
      this.bandEnd[b] = Math.max(this.bandStart[b]! + 1, Math.round(high / binHz));
    }
    let windowEnergy = 0;
    for (let n = 0; n < SAMPLES_PER_FRAME; n++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / SAMPLES_PER_FRAME);
      this.window[n] = w;
      windowEnergy += w * w;
    }
    // Parseval on the zero-padded FFT: Σ|X|² over the positive bins is FFT_SIZE·Σw²/2 times the mean power.
    this.powerScale = 2 / (windowEnergy * FFT_SIZE);
    for (let i = 0; i < FFT_SIZE; i++) {
      let r = 0;
      for (let bit = 0; bit < FFT_BITS; bit++) {
        r |= ((i >> bit) & 1) << (FFT_BITS - 1 - bit);
      }
      this.bitReversed[i] = r;
    }
    for (let k = 0; k < FFT_SIZE / 2; k++) {
      this.cosTable[k] = Math.cos((2 * Math.PI * k) / FFT_SIZE);
      this.sinTable[k] = -Math.sin((2 * Math.PI * k) / FFT_SIZE);
    }
  }

  /**
   * Fills `out` (length ≥ `bandCount`) with each band's power, in mean squared sample value (so a full-scale
   * sine inside one band reads about 32767²/2), and returns the sum over all bands.
   */
  analyze(frame: PcmFrame, out: Float64Array): number {
    const { re, im, bitReversed } = this;
    re.fill(0);
    im.fill(0);
    const length = Math.min(frame.length, SAMPLES_PER_FRAME);
    for (let n = 0; n < length; n++) {
      re[bitReversed[n]!] = frame[n]! * this.window[n]!;
    }
    this.transform();
    let total = 0;
    for (let b = 0; b < this.bandCount; b++) {
      let sum = 0;
      for (let k = this.bandStart[b]!; k < this.bandEnd[b]!; k++) {
        sum += re[k]! * re[k]! + im[k]! * im[k]!;
      }
      const power = sum * this.powerScale;
      out[b] = power;
      total += power;
    }
    return total;
  }

  /** In-place iterative radix-2 FFT on bit-reversed input. */
  private transform(): void {
    const { re, im, cosTable, sinTable } = this;
    for (let size = 2; size <= FFT_SIZE; size <<= 1) {
      const half = size >> 1;
      const step = FFT_SIZE / size;
      for (let start = 0; start < FFT_SIZE; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = cosTable[j * step]!;
          const wi = sinTable[j * step]!;
          const a = start + j;
          const b = a + half;
          const tr = re[b]! * wr - im[b]! * wi;
          const ti = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
  }
}
