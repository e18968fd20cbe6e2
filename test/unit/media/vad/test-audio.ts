/**
 * Test audio: speech rendered at run time by Debian's espeak-ng (resampled to 8 kHz by sox, or by a windowed-sinc
 * resampler here when sox is missing), seeded noises (white, pink, multi-talker babble), SNR mixing and
 * ground-truth labelling. Shared by the VAD and in-band DTMF tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { SAMPLE_RATE, SAMPLES_PER_FRAME } from '../../../../src/media/media-types.js';

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export const HAVE_ESPEAK = commandExists('espeak-ng');
export const HAVE_SOX = commandExists('sox');
export const NO_ESPEAK_REASON = HAVE_ESPEAK
  ? false
  : 'espeak-ng is not installed (scripts/setup installs it)';

/** mulberry32: a tiny seeded PRNG so every run builds the same noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates (Box-Muller). */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

export function whiteNoise(length: number, seed: number): Float64Array {
  const normal = gaussian(seededRandom(seed));
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = normal();
  }
  return out;
}

/** Pink (1/f) noise: white noise through Paul Kellet's economy three-pole filter. */
export function pinkNoise(length: number, seed: number): Float64Array {
  const white = whiteNoise(length, seed);
  const out = new Float64Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < length; i++) {
    const w = white[i]!;
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return out;
}

/** Reads the first `data` chunk of a mono 16-bit WAV (espeak-ng writes bogus sizes on stdout: read to the end). */
function readWavMono16(wav: Buffer): { rate: number; samples: Int16Array } {
  let offset = 12;
  let rate = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      rate = wav.readUInt32LE(offset + 12);
    } else if (id === 'data') {
      const start = offset + 8;
      const end = Math.min(wav.length, size > 0 && start + size <= wav.length ? start + size : wav.length);
      const count = Math.floor((end - start) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) {
        samples[i] = wav.readInt16LE(start + 2 * i);
      }
      return { rate, samples };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('no data chunk in WAV');
}

/** Windowed-sinc (Blackman) resampler, cut-off at 0.45 × the lower rate: the fallback when sox is missing. */
export function resampleSinc(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  const ratio = toRate / fromRate;
  const cutoff = 0.45 * Math.min(1, ratio);
  const halfTaps = Math.ceil(16 / cutoff);
  const outLength = Math.floor(input.length * ratio);
  const out = new Int16Array(outLength);
  for (let j = 0; j < outLength; j++) {
    const center = j / ratio;
    const first = Math.ceil(center - halfTaps);
    let acc = 0;
    for (let n = first; n <= center + halfTaps; n++) {
      if (n < 0 || n >= input.length) {
        continue;
      }
      const t = n - center;
      const x = 2 * cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w =
        0.42 + 0.5 * Math.cos((Math.PI * t) / halfTaps) + 0.08 * Math.cos((2 * Math.PI * t) / halfTaps);
      acc += input[n]! * 2 * cutoff * sinc * w;
    }
    out[j] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}

const speechCache = new Map<string, Int16Array>();

/** Speaks `text` with espeak-ng voice `voice` (e.g. `fr`, `en-us+f3`) and returns 8 kHz 16-bit samples. */
export function renderSpeech(text: string, voice: string, wordsPerMinute = 160): Int16Array {
  const key = `${voice}|${wordsPerMinute}|${text}`;
  const cached = speechCache.get(key);
  if (cached) {
    return cached;
  }
  const wav = execFileSync('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '--stdout', text], {
    maxBuffer: 64 * 1024 * 1024,
  });
  let samples: Int16Array;
  if (HAVE_SOX) {
    const raw = execFileSync(
      'sox',
      ['-t', 'wav', '-', '-t', 'raw', '-r', String(SAMPLE_RATE), '-e', 'signed', '-b', '16', '-c', '1', '-'],
      { input: wav, maxBuffer: 64 * 1024 * 1024 },
    );
    samples = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + (raw.byteLength & ~1)));
  } else {
    const decoded = readWavMono16(wav);
    samples = resampleSinc(decoded.samples, decoded.rate, SAMPLE_RATE);
  }
  speechCache.set(key, samples);
  return samples;
}

/** Level of each 20 ms frame, dB re. a full-scale sine. */
export function frameLevelsDbfs(signal: ArrayLike<number>): Float64Array {
  const frames = Math.floor(signal.length / SAMPLES_PER_FRAME);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let n = f * SAMPLES_PER_FRAME; n < (f + 1) * SAMPLES_PER_FRAME; n++) {
      sum += signal[n]! * signal[n]!;
    }
    out[f] = 10 * Math.log10(sum / SAMPLES_PER_FRAME / ((32767 * 32767) / 2) + 1e-12);
  }
  return out;
}

/** Clean-speech ground truth: frames within 40 dB of the loudest frame are speech. */
export function speechFrames(clean: ArrayLike<number>): boolean[] {
  const levels = frameLevelsDbfs(clean);
  const peak = Math.max(...levels);
  return Array.from(levels, (level) => level > peak - 40);
}

/** Trims leading and trailing frames that are not speech. */
export function trimSilence(speech: Int16Array): Int16Array {
  const active = speechFrames(speech);
  const first = active.indexOf(true);
  const last = active.lastIndexOf(true);
  return speech.slice(first * SAMPLES_PER_FRAME, (last + 1) * SAMPLES_PER_FRAME);
}

/** Mean power of `signal` over the frames flagged in `mask`. */
export function activePower(signal: ArrayLike<number>, mask: readonly boolean[]): number {
  let sum = 0;
  let count = 0;
  mask.forEach((on, f) => {
    if (on) {
      for (let n = f * SAMPLES_PER_FRAME; n < (f + 1) * SAMPLES_PER_FRAME; n++) {
        sum += signal[n]! * signal[n]!;
      }
      count += SAMPLES_PER_FRAME;
    }
  });
  return count === 0 ? 0 : sum / count;
}

export function meanPower(signal: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < signal.length; i++) {
    sum += signal[i]! * signal[i]!;
  }
  return sum / Math.max(1, signal.length);
}

/** Scales `signal` in place so its mean power is `power`. */
export function scaleToPower(signal: Float64Array, power: number): Float64Array {
  const gain = Math.sqrt(power / Math.max(meanPower(signal), 1e-30));
  for (let i = 0; i < signal.length; i++) {
    signal[i]! *= gain;
  }
  return signal;
}

/** Adds two signals and saturates to 16 bits. */
export function mixToInt16(a: ArrayLike<number>, b?: ArrayLike<number>): Int16Array {
  const out = new Int16Array(a.length);
  for (let i = 0; i < a.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(a[i]! + (b ? b[i]! : 0))));
  }
  return out;
}

/** Splits a signal into 20 ms frames (the tail shorter than a frame is dropped). */
export function toFrames(signal: Int16Array): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let start = 0; start + SAMPLES_PER_FRAME <= signal.length; start += SAMPLES_PER_FRAME) {
    frames.push(signal.subarray(start, start + SAMPLES_PER_FRAME));
  }
  return frames;
}

/** Power of a sine of amplitude `dbfs` dB re. full scale. */
export function dbfsToPower(dbfs: number): number {
  return ((32767 * 32767) / 2) * 10 ** (dbfs / 10);
}
