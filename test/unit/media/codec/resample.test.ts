// Resampling quality: tones in the voice band keep their frequency and level, content above the new Nyquist
// frequency is rejected (not folded into the voice band), and streaming gives the same samples as one call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  floatToPcm16,
  pcm16ToFloat,
  resample,
  Resampler,
  toTelephonyPcm,
  upsample8to16,
  Upsampler8to16,
} from '../../../../src/media/codec/resample.js';

function tone(frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  return out;
}

/** Amplitude of the `frequency` component over [from, to) (Goertzel), skipping the edges. */
function amplitudeAt(
  signal: Float32Array,
  frequency: number,
  rate: number,
  from: number,
  to: number,
): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s = signal[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return Math.sqrt(s1 * s1 + s2 * s2 - coefficient * s1 * s2) / ((to - from) / 2);
}

function rms(signal: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    sum += signal[i]! ** 2;
  }
  return Math.sqrt(sum / (to - from));
}

const dB = (ratio: number): number => 20 * Math.log10(ratio);

describe('resample to 8 kHz', () => {
  for (const rate of [11025, 16000, 22050, 24000, 44100, 48000]) {
    it(`keeps 300 Hz, 1 kHz and 3 kHz tones from ${rate} Hz at their frequency and level`, () => {
      for (const frequency of [300, 1000, 3000]) {
        const out = resample(tone(frequency, rate, 1), rate, 8000);
        assert.equal(out.length, 8000);
        // Skip 100 ms at each end (filter edges). 1 s at 8 kHz: bins are 1 Hz apart.
        const level = amplitudeAt(out, frequency, 8000, 800, 7200);
        assert.ok(
          Math.abs(dB(level / 0.5)) < 0.1,
          `${frequency} Hz from ${rate}: ${dB(level / 0.5).toFixed(3)} dB`,
        );
        // Nearly all energy is the tone itself: no distortion, no stray components.
        const residual = Math.sqrt(Math.max(0, rms(out, 800, 7200) ** 2 - level ** 2 / 2));
        assert.ok(
          dB(residual / (0.5 / Math.SQRT2)) < -50,
          `residual ${dB(residual / (0.5 / Math.SQRT2)).toFixed(1)} dB`,
        );
      }
    });
  }

  it('attenuates a 6 kHz tone from a 48 kHz file by at least 40 dB (no alias at 2 kHz)', () => {
    const out = resample(tone(6000, 48000, 1), 48000, 8000);
    const total = rms(out, 800, 7200) / (0.5 / Math.SQRT2);
    const alias = amplitudeAt(out, 2000, 8000, 800, 7200) / 0.5;
    assert.ok(dB(total) <= -40, `energy left: ${dB(total).toFixed(1)} dB`);
    assert.ok(dB(alias) <= -40, `2 kHz alias: ${dB(alias).toFixed(1)} dB`);
  });

  it('rejects everything between 4 kHz and the source Nyquist frequency', () => {
    for (const [rate, frequency] of [
      [44100, 4300],
      [44100, 10000],
      [22050, 5000],
      [16000, 4500],
      [16000, 7900],
      [11025, 5000],
    ] as const) {
      const out = resample(tone(frequency, rate, 0.5), rate, 8000);
      const left = rms(out, 400, 3600) / (0.5 / Math.SQRT2);
      assert.ok(dB(left) <= -40, `${frequency} Hz from ${rate}: ${dB(left).toFixed(1)} dB`);
    }
  });

  it('handles a ratio with thousands of phases (44 056 Hz) by interpolating between them', () => {
    const out = resample(tone(1000, 44056, 1), 44056, 8000);
    assert.equal(out.length, 8000);
    assert.ok(Math.abs(dB(amplitudeAt(out, 1000, 8000, 800, 7200) / 0.5)) < 0.1);
  });

  it('converts to 16-bit telephony PCM, passing 8 kHz input through', () => {
    const pcm = toTelephonyPcm(tone(1000, 16000, 0.1), 16000);
    assert.ok(pcm instanceof Int16Array);
    assert.equal(pcm.length, 800);
    const same = toTelephonyPcm(Float32Array.from([0, 0.5, -1]), 8000);
    assert.deepEqual(Array.from(same), [0, 16384, -32768]);
  });
});

describe('upsample 8 → 16 kHz', () => {
  it('keeps a 1 kHz tone and removes its 7 kHz image', () => {
    const input = floatToPcm16(tone(1000, 8000, 1));
    const out = pcm16ToFloat(upsample8to16(input));
    assert.equal(out.length, 16000);
    assert.ok(Math.abs(dB(amplitudeAt(out, 1000, 16000, 1600, 14400) / 0.5)) < 0.1);
    assert.ok(dB(amplitudeAt(out, 7000, 16000, 1600, 14400) / 0.5) < -60);
  });

  it('streams 20 ms frames: 320 samples per frame after the first, with the one-call result', () => {
    const signal = floatToPcm16(tone(700, 8000, 0.2));
    const upsampler = new Upsampler8to16();
    const pieces: Int16Array[] = [];
    for (let offset = 0; offset < signal.length; offset += 160) {
      pieces.push(upsampler.push(signal.subarray(offset, offset + 160)));
    }
    pieces.push(upsampler.flush());
    assert.ok(pieces[0]!.length < 320);
    for (const piece of pieces.slice(1, -1)) {
      assert.equal(piece.length, 320);
    }
    const joined = Int16Array.from(pieces.flatMap((p) => Array.from(p)));
    assert.equal(joined.length, 3200);
    const oneCall = floatToPcm16(resample(pcm16ToFloat(signal), 8000, 16000, { quality: 'fast' }));
    assert.deepEqual(joined, oneCall);
  });
});

describe('Resampler', () => {
  it('gives exactly the one-call result whatever the block sizes', () => {
    const signal = tone(440, 22050, 0.3);
    const whole = resample(signal, 22050, 8000);
    const resampler = new Resampler(22050, 8000);
    const parts: number[] = [];
    let offset = 0;
    for (const size of [1, 7, 100, 441, 3, 2000, 50000]) {
      parts.push(...resampler.push(signal.subarray(offset, offset + size)));
      offset += size;
    }
    parts.push(...resampler.flush());
    assert.equal(parts.length, whole.length);
    assert.deepEqual(Float32Array.from(parts), whole);
  });

  it('can be reused after flush', () => {
    const resampler = new Resampler(16000, 8000);
    const a = [...resampler.push(tone(500, 16000, 0.05)), ...resampler.flush()];
    const b = [...resampler.push(tone(500, 16000, 0.05)), ...resampler.flush()];
    assert.deepEqual(a, b);
  });

  it('rejects rates that are not positive integers', () => {
    assert.throws(() => new Resampler(0, 8000), RangeError);
    assert.throws(() => new Resampler(44100.5, 8000), RangeError);
  });

  it('returns a copy for equal rates and an empty signal for empty input', () => {
    const input = Float32Array.from([0.1, 0.2]);
    const copy = resample(input, 8000, 8000);
    assert.deepEqual(copy, input);
    assert.notEqual(copy, input);
    assert.equal(resample(new Float32Array(0), 44100, 8000).length, 0);
  });
});

describe('sample conversion', () => {
  it('rounds and clips float to 16-bit', () => {
    assert.deepEqual(
      Array.from(floatToPcm16(Float32Array.from([0, 1, -1, 1.5, -2, 0.5, 1e-5]))),
      [0, 32767, -32768, 32767, -32768, 16384, 0],
    );
    assert.deepEqual(Array.from(pcm16ToFloat(Int16Array.from([-32768, 16384]))), [-1, 0.5]);
  });
});
