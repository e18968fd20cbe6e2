import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  VoiceActivityDetector,
  type VadFrameResult,
} from '../../../../src/media/vad/voice-activity-detector.js';
import { BandEnergyAnalyzer } from '../../../../src/media/vad/band-energy-analyzer.js';
import { mixToInt16, toFrames } from './test-audio.js';
import { add, concat, hiss, silence, voiced } from './synthetic-voice.js';

function run(signal: Float64Array, vad = new VoiceActivityDetector()): VadFrameResult[] {
  return toFrames(mixToInt16(signal)).map((frame) => ({ ...vad.process(frame) }));
}

function transitions(results: VadFrameResult[]): { type: string; frame: number; boundary: number }[] {
  return results
    .filter((r) => r.transition !== undefined)
    .map((r) => ({ type: r.transition!, frame: r.frameIndex, boundary: r.boundaryFrame }));
}

describe('BandEnergyAnalyzer', () => {
  it('puts a sine in its band at the power of the sine (Parseval)', () => {
    const analyzer = new BandEnergyAnalyzer([200, 600, 1000, 2000]);
    const frame = Int16Array.from({ length: 160 }, (_, n) =>
      Math.round(10000 * Math.sin((2 * Math.PI * 800 * n) / 8000)),
    );
    const out = new Float64Array(3);
    const total = analyzer.analyze(frame, out);
    const expected = (10000 * 10000) / 2;
    assert.ok(Math.abs(out[1]! / expected - 1) < 0.05, `band power ${out[1]} vs ${expected}`);
    assert.ok(out[0]! < expected * 0.01 && out[2]! < expected * 0.01, 'neighbouring bands stay quiet');
    assert.ok(Math.abs(total / expected - 1) < 0.05);
  });

  it('rejects band edges outside the 8 kHz spectrum', () => {
    assert.throws(() => new BandEnergyAnalyzer([200, 5000]), RangeError);
    assert.throws(() => new BandEnergyAnalyzer([200]), RangeError);
  });
});

describe('VoiceActivityDetector', () => {
  it('never reports speech on digital silence or on steady hiss', () => {
    assert.equal(transitions(run(silence(5000))).length, 0);
    assert.equal(transitions(run(hiss(10_000, -45))).length, 0);
    assert.equal(transitions(run(hiss(10_000, -20, 3))).length, 0);
  });

  it('starts 60 ms into a voiced sound (back-dated to its first frame) and ends after the 300 ms hangover', () => {
    // Voice from frame 100 (2000 ms) to frame 149 (3000 ms), over hiss 25 dB below.
    const signal = add(concat(silence(2000), voiced(1000, -20), silence(2000)), hiss(5000, -45));
    const events = transitions(run(signal));
    assert.deepEqual(events, [
      { type: 'speech-start', frame: 102, boundary: 100 },
      { type: 'speech-end', frame: 164, boundary: 149 },
    ]);
  });

  it('ignores a 20 ms click: an onset needs 60 ms', () => {
    const signal = add(concat(silence(2000), voiced(20, -10), silence(1000)), hiss(3020, -50));
    assert.equal(transitions(run(signal)).length, 0);
  });

  it('works at any level: -45 dBFS speech over -65 dBFS hiss and -10 dBFS over -30 dBFS', () => {
    for (const [speech, noise] of [
      [-45, -65],
      [-10, -30],
    ] as const) {
      const signal = add(concat(silence(2000), voiced(800, speech), silence(1000)), hiss(3800, noise));
      const events = transitions(run(signal));
      assert.equal(events.length, 2, `${speech}/${noise} dBFS: ${JSON.stringify(events)}`);
      assert.ok(
        events[0]!.boundary >= 100 && events[0]!.boundary <= 101,
        `onset at frame ${events[0]!.boundary}`,
      );
    }
  });

  it('keeps quiet speech below minLevelDbfs out', () => {
    const signal = concat(silence(1000), voiced(800, -65), silence(500));
    assert.equal(transitions(run(signal)).length, 0);
  });

  it('learns a louder background: after a 25 dB step in noise it is back to silence within 3 s', () => {
    const signal = concat(hiss(3000, -60, 1), hiss(10_000, -35, 2));
    const results = run(signal);
    const stepFrame = 150;
    const lastSpeech = results.findLastIndex((r) => r.inSpeech);
    assert.ok(
      lastSpeech < stepFrame + 150,
      `still in speech ${(lastSpeech - stepFrame) * 20} ms after the step`,
    );
    // ...and it still hears speech over the new background.
    const after = add(concat(silence(2000), voiced(800, -15), silence(1000)), hiss(3800, -35, 5));
    const vad = new VoiceActivityDetector();
    run(signal, vad);
    const events = transitions(run(after, vad));
    assert.equal(events[0]?.type, 'speech-start');
  });

  it('recovers when a call starts with zero-filled frames before the real background', () => {
    const results = run(concat(silence(1000), hiss(8000, -40)));
    const lastSpeech = results.findLastIndex((r) => r.inSpeech);
    assert.ok(lastSpeech < 50 + 150, `still in speech ${(lastSpeech - 50) * 20} ms after the hiss began`);
  });

  it('follows a quieter background down quickly', () => {
    const vad = new VoiceActivityDetector();
    run(hiss(3000, -30, 1), vad);
    const after = add(concat(silence(1500), voiced(600, -35), silence(1000)), hiss(3100, -55, 2));
    const events = transitions(run(after, vad));
    assert.equal(events[0]?.type, 'speech-start', 'speech 20 dB over the new, quieter floor is heard');
  });

  it('is deterministic and reset() forgets the learnt floor', () => {
    const signal = add(concat(silence(1000), voiced(600, -20), silence(800)), hiss(2400, -45));
    const vad = new VoiceActivityDetector();
    const first = transitions(run(signal, vad));
    vad.reset();
    assert.equal(vad.framesProcessed, 0);
    assert.deepEqual(transitions(run(signal, vad)), first);
  });
});
