/**
 * Sample-rate conversion by a polyphase windowed-sinc FIR (Kaiser window). Prompts arrive at 11.025–48 kHz and
 * must become 8 kHz telephony audio; recognisers want 16 kHz. Decimating without a low-pass folds everything above
 * the new Nyquist frequency back into the voice band (a 6 kHz hiss becomes a 2 kHz whistle at 8 kHz), so the
 * filter's cut-off sits below the lower rate's Nyquist frequency and its stop band starts exactly there.
 *
 * Design, in terms of the lower of the two rates `fLow`: pass band up to `(0.5 − transition) × fLow`, stop band
 * from `0.5 × fLow` with `attenuationDb` of rejection. The Kaiser formulas (β and length from attenuation and
 * transition width) size the filter; `high` (80 dB, transition 0.075 × fLow: 3.4–4 kHz at 8 kHz, 68 taps at the
 * low rate) is for prompts and TTS, `fast` (50 dB, 0.1 × fLow, 32 taps) for per-call streaming where CPU counts.
 *
 * For a rational ratio `to/from = L/M` (reduced), output sample n sits at input position n·M/L, whose fractional
 * part is one of L phases; each phase has its own row of coefficients, computed once per (rates, quality) and
 * cached. Ratios with more than `MAX_PHASES` phases use that many rows and interpolate linearly between
 * neighbours. Each row is normalised to unit DC gain.
 */

export type ResampleQuality = 'high' | 'fast';

export interface ResampleOptions {
  /** @default 'high' */
  quality?: ResampleQuality;
}

interface FilterDesign {
  attenuationDb: number;
  /** Transition width as a fraction of the lower rate. */
  transition: number;
}

const DESIGNS: Readonly<Record<ResampleQuality, FilterDesign>> = {
  high: { attenuationDb: 80, transition: 0.075 },
  fast: { attenuationDb: 50, transition: 0.1 },
};

const MAX_PHASES = 1024;

interface PolyphaseFilter {
  /** Reduced ratio: `to/from = up/down`. */
  up: number;
  down: number;
  /** Coefficient rows; row r is for fractional position r/phases, rows 0..phases inclusive. */
  phases: number;
  /** Half-length in input samples: output n uses inputs floor(n·down/up) − half + 1 … + half. */
  half: number;
  taps: number;
  coefficients: Float32Array;
}

const filterCache = new Map<string, PolyphaseFilter>();

function gcd(a: number, b: number): number {
  while (b !== 0) {
    [a, b] = [b, a % b];
  }
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) {
      break;
    }
  }
  return sum;
}

/** Kaiser's β for a stop-band attenuation in dB (Kaiser 1974, as given by Oppenheim & Schafer §7.6.1). */
function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) {
    return 0.1102 * (attenuationDb - 8.7);
  }
  if (attenuationDb >= 21) {
    return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  }
  return 0;
}

function designFilter(fromRate: number, toRate: number, quality: ResampleQuality): PolyphaseFilter {
  const key = `${fromRate}:${toRate}:${quality}`;
  const cached = filterCache.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const { attenuationDb, transition } = DESIGNS[quality];
  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  const lowRate = Math.min(fromRate, toRate);
  // Kaiser length in low-rate samples: N − 1 = (A − 7.95) / (2.285 · 2π · Δf/f).
  const lowTaps = (attenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition) + 1;
  const half = Math.ceil(((lowTaps / 2) * fromRate) / lowRate);
  const taps = 2 * half;
  const phases = Math.min(up, MAX_PHASES);
  // Cut-off mid-way through the transition band, in cycles per input sample.
  const cutoff = ((0.5 - transition / 2) * lowRate) / fromRate;
  const beta = kaiserBeta(attenuationDb);
  const i0Beta = besselI0(beta);
  const coefficients = new Float32Array((phases + 1) * taps);
  const row = new Float64Array(taps);
  for (let r = 0; r <= phases; r++) {
    const frac = r / phases;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const tau = frac + half - 1 - j; // distance from the output position to input sample j, in input samples
      const x = 2 * cutoff * tau;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const ratio = tau / half;
      const window = ratio * ratio >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
      row[j] = 2 * cutoff * sinc * window;
      sum += row[j]!;
    }
    for (let j = 0; j < taps; j++) {
      coefficients[r * taps + j] = row[j]! / sum;
    }
  }
  const filter: PolyphaseFilter = { up, down, phases, half, taps, coefficients };
  filterCache.set(key, filter);
  return filter;
}

/**
 * Streaming resampler: `push` input blocks and get the output samples that are ready. Output n needs input up to
 * `half` samples past its position, so output lags input by that much (4.25 ms at 8 kHz in `high` quality,
 * 2 ms in `fast`); `flush` returns the rest as if the input were followed by silence. Feeding a signal in
 * blocks yields exactly the samples of one `resample` call on the whole signal.
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  private readonly filter: PolyphaseFilter;
  /** Input samples from absolute index `bufferStart` on; indices below 0 are the silence before the signal. */
  private buffer: Float32Array;
  private bufferStart: number;
  private inputCount = 0;
  private outputIndex = 0;

  constructor(fromRate: number, toRate: number, options: ResampleOptions = {}) {
    for (const [name, rate] of [
      ['fromRate', fromRate],
      ['toRate', toRate],
    ] as const) {
      if (!Number.isInteger(rate) || rate <= 0) {
        throw new RangeError(`${name} must be a positive integer, got ${rate}`);
      }
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.filter = designFilter(fromRate, toRate, options.quality ?? 'high');
    this.buffer = new Float32Array(this.filter.half);
    this.bufferStart = -this.filter.half;
  }

  /** Input samples an output waits for beyond its own position. */
  get lookaheadSamples(): number {
    return this.filter.half;
  }

  push(input: Float32Array): Float32Array {
    const merged = new Float32Array(this.buffer.length + input.length);
    merged.set(this.buffer);
    merged.set(input, this.buffer.length);
    this.buffer = merged;
    this.inputCount += input.length;
    // Output n is ready once input floor(n·down/up) + half exists.
    const { up, down, half } = this.filter;
    const readyEnd = Math.max(0, Math.floor(((this.inputCount - half) * up - 1) / down) + 1);
    return this.produce(readyEnd);
  }

  /** Outputs the remaining samples, up to the end of the input; the resampler is then empty. */
  flush(): Float32Array {
    const { up, down } = this.filter;
    const end = Math.ceil((this.inputCount * up) / down);
    const out = this.produce(end, true);
    this.buffer = new Float32Array(this.filter.half);
    this.bufferStart = -this.filter.half;
    this.inputCount = 0;
    this.outputIndex = 0;
    return out;
  }

  private produce(end: number, padWithSilence = false): Float32Array {
    const count = Math.max(0, end - this.outputIndex);
    const out = new Float32Array(count);
    const { up, down, half, taps, phases, coefficients } = this.filter;
    const exact = phases === up;
    let source = this.buffer;
    if (padWithSilence && count > 0) {
      source = new Float32Array(this.buffer.length + taps);
      source.set(this.buffer);
    }
    for (let i = 0; i < count; i++) {
      const position = (this.outputIndex + i) * down;
      const base = Math.floor(position / up);
      const remainder = position - base * up;
      const first = base - half + 1 - this.bufferStart;
      let acc = 0;
      if (exact) {
        const row = remainder * taps;
        for (let j = 0; j < taps; j++) {
          acc += coefficients[row + j]! * source[first + j]!;
        }
      } else {
        const phasePosition = (remainder * phases) / up;
        const r = Math.floor(phasePosition);
        const weight = phasePosition - r;
        const row0 = r * taps;
        const row1 = row0 + taps;
        for (let j = 0; j < taps; j++) {
          const c0 = coefficients[row0 + j]!;
          acc += (c0 + weight * (coefficients[row1 + j]! - c0)) * source[first + j]!;
        }
      }
      out[i] = acc;
    }
    this.outputIndex += count;
    this.discardConsumedInput();
    return out;
  }

  /** Drops input that no future output needs. */
  private discardConsumedInput(): void {
    const { up, down, half } = this.filter;
    const nextBase = Math.floor((this.outputIndex * down) / up);
    const keepFrom = nextBase - half + 1;
    const drop = Math.min(keepFrom - this.bufferStart, this.buffer.length);
    if (drop > 0) {
      this.buffer = this.buffer.slice(drop);
      this.bufferStart += drop;
    }
  }
}

/** Resamples a whole signal. */
export function resample(
  input: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  if (fromRate === toRate) {
    return input.slice();
  }
  const resampler = new Resampler(fromRate, toRate, options);
  const head = resampler.push(input);
  const tail = resampler.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Float samples in [-1, 1] to 16-bit PCM, rounded and clipped. */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const value = Math.round(samples[i]! * 32768);
    out[i] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return out;
}

/** 16-bit PCM to float samples in [-1, 1). */
export function pcm16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    out[i] = pcm[i]! / 32768;
  }
  return out;
}

/** Any-rate float signal to the IVR's 8 kHz 16-bit PCM. */
export function toTelephonyPcm(samples: Float32Array, sampleRate: number): Int16Array {
  return floatToPcm16(sampleRate === 8000 ? samples : resample(samples, sampleRate, 8000));
}

/** 8 kHz PCM to 16 kHz PCM for recognisers that want wide-band input (one whole signal). */
export function upsample8to16(pcm: Int16Array): Int16Array {
  return floatToPcm16(resample(pcm16ToFloat(pcm), 8000, 16000));
}

/**
 * Streaming 8 → 16 kHz for a call's recogniser feed: push each 20 ms frame, send what comes out. `fast` quality:
 * 2 ms of delay; the first push returns fewer than 320 samples, the following ones exactly 320.
 */
export class Upsampler8to16 {
  private readonly resampler = new Resampler(8000, 16000, { quality: 'fast' });

  push(frame: Int16Array): Int16Array {
    return floatToPcm16(this.resampler.push(pcm16ToFloat(frame)));
  }

  /** The last samples, with the input treated as followed by silence. */
  flush(): Int16Array {
    return floatToPcm16(this.resampler.flush());
  }
}
