/**
 * Speech-like test sounds that need no TTS: a glottal-pulse-like harmonic series at a given pitch, shaped by
 * two formant peaks and a syllable-rate envelope. Enough to exercise onset, hangover and endpointing with
 * exact, frame-aligned boundaries.
 */
import { SAMPLE_RATE } from '../../../../src/media/media-types.js';
import { dbfsToPower, meanPower, whiteNoise } from './test-audio.js';

/** Voiced sound of `ms` milliseconds whose mean power is `dbfs` (dB re. a full-scale sine). */
export function voiced(ms: number, dbfs: number, pitchHz = 140): Float64Array {
  const length = Math.round((ms * SAMPLE_RATE) / 1000);
  const out = new Float64Array(length);
  const formants = [
    { hz: 650, width: 120 },
    { hz: 1400, width: 200 },
  ];
  // Intonation: the pitch glides ±10% at 1.5 Hz; the phase of each harmonic integrates it.
  const pitchAt = (n: number): number =>
    pitchHz * (1 + 0.1 * Math.sin((2 * Math.PI * 1.5 * n) / SAMPLE_RATE));
  for (let h = 1; h * pitchHz * 1.1 < 3600; h++) {
    let phase = (h * 2.1) % (2 * Math.PI);
    for (let n = 0; n < length; n++) {
      const f = h * pitchAt(n);
      const gain = formants.reduce((g, fm) => g + 1 / (1 + ((f - fm.hz) / fm.width) ** 2), 0.05);
      phase += (2 * Math.PI * f) / SAMPLE_RATE;
      out[n]! += gain * Math.sin(phase);
    }
  }
  // Syllables: a 4 Hz envelope dipping 16 dB between them, never to silence, so the sound stays voiced.
  for (let n = 0; n < length; n++) {
    out[n]! *= 0.575 - 0.425 * Math.cos((2 * Math.PI * 4 * n) / SAMPLE_RATE);
  }
  const gain = Math.sqrt(dbfsToPower(dbfs) / meanPower(out));
  return out.map((x) => x * gain);
}

export function silence(ms: number): Float64Array {
  return new Float64Array(Math.round((ms * SAMPLE_RATE) / 1000));
}

/** White noise of `ms` milliseconds at `dbfs`. */
export function hiss(ms: number, dbfs: number, seed = 7): Float64Array {
  const noise = whiteNoise(Math.round((ms * SAMPLE_RATE) / 1000), seed);
  const gain = Math.sqrt(dbfsToPower(dbfs) / meanPower(noise));
  return noise.map((x) => x * gain);
}

export function concat(...parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `a + b` over the length of `a` (b is repeated if shorter). */
export function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x + b[i % b.length]!);
}
