/** Audio checks for end-to-end media tests: level per window, normalised cross-correlation against a prompt. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from '../../src/media/codec/wav.js';
import { resample } from '../../src/media/codec/resample.js';

/** Mono samples at 8 kHz as floats in [-1, 1]. */
export function loadWav8k(path: string): Float32Array {
  const wav = readWav(readFileSync(path));
  return wav.sampleRate === 8000 ? wav.samples : resample(wav.samples, wav.sampleRate, 8000);
}

/** RMS level in dBFS per window of `windowMs`. */
export function levelsDb(samples: Float32Array, windowMs = 100, rate = 8000): number[] {
  const n = Math.round((rate * windowMs) / 1000);
  const out: number[] = [];
  for (let i = 0; i + n <= samples.length; i += n) {
    let e = 0;
    for (let j = i; j < i + n; j++) {
      e += samples[j]! * samples[j]!;
    }
    out.push(10 * Math.log10(e / n + 1e-12));
  }
  return out;
}

/** Best normalised cross-correlation of `template` inside `signal[from, to)` (lags in samples), and where. */
export function bestMatch(
  signal: Float32Array,
  template: Float32Array,
  from = 0,
  to = signal.length - template.length,
): { score: number; lag: number } {
  let tEnergy = 0;
  for (const v of template) {
    tEnergy += v * v;
  }
  let best = { score: -1, lag: -1 };
  const end = Math.min(to, signal.length - template.length);
  for (let lag = Math.max(0, from); lag <= end; lag++) {
    let dot = 0;
    let sEnergy = 0;
    for (let k = 0; k < template.length; k++) {
      const s = signal[lag + k]!;
      dot += s * template[k]!;
      sEnergy += s * s;
    }
    const score = dot / Math.sqrt(tEnergy * sEnergy + 1e-12);
    if (score > best.score) {
      best = { score, lag };
    }
  }
  return best;
}

/** Speech by espeak-ng as an 8 kHz WAV, surrounded by silences, for a softphone's microphone. */
export function makeMicWav(
  dir: string,
  name: string,
  parts: ({ silenceMs: number } | { say: string; voice: string })[],
): string {
  const pieces: string[] = [];
  parts.forEach((part, i) => {
    const file = join(dir, `${name}-${i}.wav`);
    if ('silenceMs' in part) {
      execFileSync('sox', [
        '-n',
        '-r',
        '8000',
        '-c',
        '1',
        '-b',
        '16',
        file,
        'trim',
        '0',
        String(part.silenceMs / 1000),
      ]);
    } else {
      const raw = join(dir, `${name}-${i}-raw.wav`);
      execFileSync('espeak-ng', ['-v', part.voice, '-w', raw, part.say]);
      execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', file]);
    }
    pieces.push(file);
  });
  const out = join(dir, `${name}.wav`);
  execFileSync('sox', [...pieces, out]);
  return out;
}
