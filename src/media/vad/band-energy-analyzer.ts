/**
 * Splits one 20 ms frame into the power of a few frequency bands (Hann window, 256-point FFT).
 *
 * Cost (it runs on every frame of every call): the 256-point transform of a real frame is computed as a 128-point
 * complex FFT of the even/odd samples packed as re/im, followed by the split step, and only for the bins the
 * bands cover; the 96 zero-padding samples are never multiplied. About a third of the plain complex FFT.
 *
 * Why bands rather than one full-band energy: telephone noise (line hiss, street, fans) spreads its power over
 * the whole 300-3400 Hz channel while a speech sound puts most of its power in a few formant bands, so the
 * per-band signal-to-noise ratio of speech is several dB higher than the full-band one. That gap is what keeps
 * the VAD working at 5-10 dB SNR.
 */
import { SAMPLE_RATE, SAMPLES_PER_FRAME, type PcmFrame } from '../media-types.js';

/** FFT length: the 160-sample frame zero-padded to the next power of two (31.25 Hz per bin at 8 kHz). */
const FFT_SIZE = 256;
/** The real 256-point transform runs as a complex FFT of half the length. */
const HALF = FFT_SIZE / 2;
const HALF_BITS = 7;

/**
 * Default band edges in Hz: the telephone band (ITU-T G.712: 300-3400 Hz, extended down to 200 Hz for low
 * voices) cut into roughly critical-band-wide bands, narrow where the first formant lives.
 */
export const DEFAULT_VAD_BAND_EDGES_HZ: readonly number[] = Object.freeze([
  200, 400, 600, 800, 1000, 1250, 1500, 1800, 2150, 2550, 3000, 3500,
]);

/**
 * The tables and the FFT's work arrays are the same for every analyzer, and one analysis runs at a time on a
 * thread: a process carries one copy, not one per call (a thousand calls' worth of private copies, 5 KB each,
 * does not stay in the CPU caches through a 20 ms tick, and the misses cost more than the transform).
 */
const SHARED = (() => {
  const window = new Float64Array(SAMPLES_PER_FRAME);
  let windowEnergy = 0;
  for (let n = 0; n < SAMPLES_PER_FRAME; n++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / SAMPLES_PER_FRAME);
    window[n] = w;
    windowEnergy += w * w;
  }
  const bitReversed = new Uint8Array(HALF);
  for (let i = 0; i < HALF; i++) {
    let r = 0;
    for (let bit = 0; bit < HALF_BITS; bit++) {
      r |= ((i >> bit) & 1) << (HALF_BITS - 1 - bit);
    }
    bitReversed[i] = r;
  }
  // cos and −sin of 2πk/256, k < 128: twiddles of the split step, and (every other one) of the 128-point FFT.
  const cosTable = new Float64Array(HALF);
  const sinTable = new Float64Array(HALF);
  for (let k = 0; k < HALF; k++) {
    cosTable[k] = Math.cos((2 * Math.PI * k) / FFT_SIZE);
    sinTable[k] = -Math.sin((2 * Math.PI * k) / FFT_SIZE);
  }
  // The twiddles of the stages of sizes 8 to 128, each stage's W_size^j (j < size/2) in order, as (cos, −sin)
  // pairs: W_size^j = W_256^(j·256/size), the same values as the tables above.
  const stageTwiddles: number[] = [];
  for (let size = 8; size <= HALF; size <<= 1) {
    const step = FFT_SIZE / size;
    for (let j = 0; j < size / 2; j++) {
      stageTwiddles.push(cosTable[j * step]!, sinTable[j * step]!);
    }
  }
  return {
    window,
    windowEnergy,
    bitReversed,
    cosTable,
    sinTable,
    stageTwiddles: Float64Array.from(stageTwiddles),
    re: new Float64Array(HALF),
    im: new Float64Array(HALF),
  };
})();

export class BandEnergyAnalyzer {
  /** Number of bands (`edges.length - 1`). */
  readonly bandCount: number;
  private readonly window = SHARED.window;
  private readonly re = SHARED.re;
  private readonly im = SHARED.im;
  private readonly bitReversed = SHARED.bitReversed;
  private readonly cosTable = SHARED.cosTable;
  private readonly sinTable = SHARED.sinTable;
  private readonly stageTwiddles = SHARED.stageTwiddles;
  /** First and one-past-last FFT bin of each band. */
  private readonly bandStart: Uint16Array;
  private readonly bandEnd: Uint16Array;
  /** Scales a bin power back to mean power per sample (window energy and FFT length). */
  private readonly powerScale: number;
  /** Scales Σ(w·x)² to the same unit (an upper bound of the band powers' sum). */
  private readonly timeDomainScale: number;

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
      // Bins 0-127 (below Nyquist) are the positive-frequency half that the power sum covers.
      this.bandEnd[b] = Math.min(HALF, Math.max(this.bandStart[b]! + 1, Math.round(high / binHz)));
    }
    const windowEnergy = SHARED.windowEnergy;
    // Parseval on the zero-padded FFT: Σ|X|² over the positive bins is FFT_SIZE·Σw²/2 times the mean power.
    this.powerScale = 2 / (windowEnergy * FFT_SIZE);
    // Σ over all 256 bins of |X|² is FFT_SIZE·Σ(w·x)²; the positive half `analyze` sums is at most half of it.
    this.timeDomainScale = (FFT_SIZE / 2) * this.powerScale;
  }

  /**
   * The frame's windowed power over the whole spectrum, on the scale of `analyze` (mean squared sample value):
   * by Parseval, never below the sum of the band powers `analyze` would return, and 20 times cheaper.
   */
  timeDomainPower(frame: PcmFrame): number {
    const { window } = this;
    const length = Math.min(frame.length, SAMPLES_PER_FRAME);
    let sum = 0;
    for (let n = 0; n < length; n++) {
      const v = frame[n]! * window[n]!;
      sum += v * v;
    }
    return sum * this.timeDomainScale;
  }

  /**
   * Fills `out` (length ≥ `bandCount`) with each band's power, in mean squared sample value (so a full-scale
   * sine inside one band reads about 32767²/2), and returns the sum over all bands.
   */
  analyze(frame: PcmFrame, out: Float64Array): number {
    const { re, im, bitReversed, window, cosTable, sinTable } = this;
    // z[m] = x[2m] + i·x[2m+1]: the real frame packed into half as many complex samples, zero-padded.
    const length = Math.min(frame.length, SAMPLES_PER_FRAME);
    for (let m = 0; m < HALF; m++) {
      const even = 2 * m;
      const slot = bitReversed[m]!;
      re[slot] = even < length ? frame[even]! * window[even]! : 0;
      im[slot] = even + 1 < length ? frame[even + 1]! * window[even + 1]! : 0;
    }
    this.transform();
    let total = 0;
    for (let b = 0; b < this.bandCount; b++) {
      let sum = 0;
      for (let k = this.bandStart[b]!; k < this.bandEnd[b]!; k++) {
        // Split step: X[k] = E[k] + W^k·O[k], with E and O the transforms of the even and odd samples,
        // E[k] = (Z[k] + conj Z[N−k]) / 2 and O[k] = (Z[k] − conj Z[N−k]) / 2i (N = 128, W = e^(−2πi/256)).
        const j = (HALF - k) & (HALF - 1);
        const ar = re[k]!;
        const ai = im[k]!;
        const br = re[j]!;
        const bi = im[j]!;
        const er = 0.5 * (ar + br);
        const ei = 0.5 * (ai - bi);
        const or = 0.5 * (ai + bi);
        const oi = -0.5 * (ar - br);
        const c = cosTable[k]!;
        const s = sinTable[k]!;
        const xr = er + c * or - s * oi;
        const xi = ei + c * oi + s * or;
        sum += xr * xr + xi * xi;
      }
      const power = sum * this.powerScale;
      out[b] = power;
      total += power;
    }
    return total;
  }

  /** In-place iterative radix-2 FFT of length 128 on bit-reversed input (twiddles from the 256-point table). */
  private transform(): void {
    const { re, im } = this;
    // The first two stages have the trivial twiddles 1 and −i: done together without multiplications.
    for (let s = 0; s < HALF; s += 4) {
      const r0 = re[s]!;
      const r1 = re[s + 1]!;
      const r2 = re[s + 2]!;
      const r3 = re[s + 3]!;
      const i0 = im[s]!;
      const i1 = im[s + 1]!;
      const i2 = im[s + 2]!;
      const i3 = im[s + 3]!;
      const sumR = r0 + r1;
      const sumI = i0 + i1;
      const difR = r0 - r1;
      const difI = i0 - i1;
      const sum2R = r2 + r3;
      const sum2I = i2 + i3;
      const dif2R = r2 - r3;
      const dif2I = i2 - i3;
      re[s] = sumR + sum2R;
      im[s] = sumI + sum2I;
      re[s + 2] = sumR - sum2R;
      im[s + 2] = sumI - sum2I;
      re[s + 1] = difR + dif2I;
      im[s + 1] = difI - dif2R;
      re[s + 3] = difR - dif2I;
      im[s + 3] = difI + dif2R;
    }
    // Then the radix-2 stages of sizes 8 and 16, and 32 and 64, two at a time (a group of four points goes through
    // both stages in registers: half the loads and stores, the same arithmetic in the same order), and size 128.
    // The twiddles of each stage are read in order from `stageTwiddles`.
    const tw = this.stageTwiddles;
    let t = 0;
    for (let size = 8; size <= HALF / 2; size <<= 2) {
      const q = size >> 1; // butterfly span of the first stage of the pair; the second spans 2q
      const t2 = t + 2 * q; // the second stage's twiddles follow the first's
      for (let j = 0; j < q; j++) {
        const w1r = tw[t + 2 * j]!;
        const w1i = tw[t + 2 * j + 1]!;
        const w2ar = tw[t2 + 2 * j]!;
        const w2ai = tw[t2 + 2 * j + 1]!;
        const w2br = tw[t2 + 2 * (j + q)]!;
        const w2bi = tw[t2 + 2 * (j + q) + 1]!;
        for (let a = j; a < HALF; a += 4 * q) {
          const b = a + q;
          const c = b + q;
          const d = c + q;
          // First stage: (a, b) and (c, d) with W_{2q}^j.
          let ar = re[a]!;
          let ai = im[a]!;
          let br = re[b]!;
          let bi = im[b]!;
          let tr = br * w1r - bi * w1i;
          let ti = br * w1i + bi * w1r;
          br = ar - tr;
          bi = ai - ti;
          ar = ar + tr;
          ai = ai + ti;
          let cr = re[c]!;
          let ci = im[c]!;
          let dr = re[d]!;
          let di = im[d]!;
          tr = dr * w1r - di * w1i;
          ti = dr * w1i + di * w1r;
          dr = cr - tr;
          di = ci - ti;
          cr = cr + tr;
          ci = ci + ti;
          // Second stage: (a, c) with W_{4q}^j and (b, d) with W_{4q}^(j+q).
          tr = cr * w2ar - ci * w2ai;
          ti = cr * w2ai + ci * w2ar;
          re[c] = ar - tr;
          im[c] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
          tr = dr * w2br - di * w2bi;
          ti = dr * w2bi + di * w2br;
          re[d] = br - tr;
          im[d] = bi - ti;
          re[b] = br + tr;
          im[b] = bi + ti;
        }
      }
      t = t2 + 4 * q;
    }
    // The last stage (size 128): one butterfly per twiddle.
    const half = HALF >> 1;
    for (let j = 0; j < half; j++) {
      const wr = tw[t + 2 * j]!;
      const wi = tw[t + 2 * j + 1]!;
      const b = j + half;
      const rb = re[b]!;
      const ib = im[b]!;
      const tr = rb * wr - ib * wi;
      const ti = rb * wi + ib * wr;
      const ra = re[j]!;
      const ia = im[j]!;
      re[b] = ra - tr;
      im[b] = ia - ti;
      re[j] = ra + tr;
      im[j] = ia + ti;
    }
  }
}
