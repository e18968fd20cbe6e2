import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GoertzelFilter, frequencyFromPhase } from '../../../../src/media/dtmf/goertzel.js';

function sine(hz: number, amplitude: number, length: number, phase = 0.3): Float64Array {
  return Float64Array.from({ length }, (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / 8000 + phase));
}

describe('GoertzelFilter', () => {
  it('reads a sine at its frequency as A²/2, with or without phase', () => {
    const filter = new GoertzelFilter(770);
    const block = sine(770, 1000, 160);
    const expected = (1000 * 1000) / 2;
    assert.ok(Math.abs(filter.power(block, 0, 160) / expected - 1) < 0.02);
    const term = filter.term(block, 0, 160);
    assert.ok(Math.abs(term.power / expected - 1) < 0.02);
    assert.ok(Math.abs(term.power - filter.power(block, 0, 160)) < 1e-6 * expected);
  });

  it('barely sees the neighbouring DTMF frequency', () => {
    const filter = new GoertzelFilter(697);
    const block = sine(852, 1000, 160);
    assert.ok(filter.power(block, 0, 160) < 0.01 * 500_000);
  });

  it('refers the phase to the block start', () => {
    const filter = new GoertzelFilter(1000);
    // 1000 Hz at 8 kHz: cos starts at phase 0, so X(ω) is real and positive.
    const block = Float64Array.from({ length: 160 }, (_, n) => Math.cos((2 * Math.PI * 1000 * n) / 8000));
    const term = filter.term(block, 0, 160);
    assert.ok(term.re > 79 && Math.abs(term.im) < 1e-6);
  });

  it('measures a tone frequency from the phase advance between two blocks', () => {
    const filter = new GoertzelFilter(697);
    for (const actual of [680, 697, 707.5, 720]) {
      const signal = sine(actual, 5000, 240);
      const estimate = frequencyFromPhase(
        filter,
        filter.term(signal, 0, 160),
        filter.term(signal, 80, 160),
        80,
      );
      assert.ok(Math.abs(estimate - actual) < 0.5, `${actual} Hz read as ${estimate}`);
    }
  });

  it('rejects frequencies outside the band', () => {
    assert.throws(() => new GoertzelFilter(0), RangeError);
    assert.throws(() => new GoertzelFilter(4000), RangeError);
  });
});
