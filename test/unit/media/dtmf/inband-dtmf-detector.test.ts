import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DtmfEvent } from '../../../../src/media/media-types.js';
import {
  DTMF_HIGH_GROUP_HZ,
  DTMF_KEYS,
  DTMF_LOW_GROUP_HZ,
  InbandDtmfDetector,
  type InbandDtmfOptions,
} from '../../../../src/media/dtmf/inband-dtmf-detector.js';
import {
  NO_ESPEAK_REASON,
  mixToInt16,
  renderSpeech,
  scaleToPower,
  toFrames,
  whiteNoise,
} from '../vad/test-audio.js';

const ALL_KEYS = '123A456B789C*0#D';
const DBM0_AMPLITUDE = 32767 * 10 ** (-3.14 / 20);

interface ToneShape {
  levelDbm0?: number;
  /** High-group level minus low-group level, dB. */
  twistDb?: number;
  lowFactor?: number;
  highFactor?: number;
}

function tone(key: string, ms: number, shape: ToneShape = {}): Float64Array {
  const { levelDbm0 = -10, twistDb = 0, lowFactor = 1, highFactor = 1 } = shape;
  const row = DTMF_KEYS.findIndex((r) => r.includes(key));
  const column = DTMF_KEYS[row]!.indexOf(key);
  const lowHz = DTMF_LOW_GROUP_HZ[row]! * lowFactor;
  const highHz = DTMF_HIGH_GROUP_HZ[column]! * highFactor;
  const lowAmp = DBM0_AMPLITUDE * 10 ** ((levelDbm0 - twistDb / 2) / 20);
  const highAmp = DBM0_AMPLITUDE * 10 ** ((levelDbm0 + twistDb / 2) / 20);
  const length = Math.round(ms * 8);
  return Float64Array.from(
    { length },
    (_, n) =>
      lowAmp * Math.sin((2 * Math.PI * lowHz * n) / 8000) +
      highAmp * Math.sin((2 * Math.PI * highHz * n) / 8000 + 1),
  );
}

function gap(ms: number): Float64Array {
  return new Float64Array(Math.round(ms * 8));
}

function concat(...parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Key presses of `keys`, each `onMs` long with `offMs` between, after `leadMs` of silence. */
function keyPad(keys: string, onMs = 100, offMs = 100, leadMs = 200, shape: ToneShape = {}): Float64Array {
  return concat(gap(leadMs), ...[...keys].flatMap((k) => [tone(k, onMs, shape), gap(offMs)]), gap(100));
}

function detect(signal: ArrayLike<number>, options: Partial<InbandDtmfOptions> = {}): DtmfEvent[] {
  const detector = new InbandDtmfDetector(options);
  const events = toFrames(mixToInt16(signal)).flatMap((frame) => detector.process(frame));
  const last = detector.flush();
  return last ? [...events, last] : events;
}

const digits = (events: DtmfEvent[]): string => events.map((e) => e.digit).join('');

function noiseAt(length: number, dbm0: number, seed = 11): Float64Array {
  return scaleToPower(whiteNoise(length, seed), ((DBM0_AMPLITUDE * DBM0_AMPLITUDE) / 2) * 10 ** (dbm0 / 10));
}

describe('InbandDtmfDetector', () => {
  it('detects all 16 keys once each, with their duration', () => {
    const events = detect(keyPad(ALL_KEYS));
    assert.equal(digits(events), ALL_KEYS);
    for (const e of events) {
      assert.equal(e.source, 'inband');
      assert.ok(Math.abs(e.durationMs! - 100) <= 15, `${e.digit}: ${e.durationMs} ms`);
    }
  });

  it('detects keys wherever they fall relative to frame boundaries', () => {
    for (let lead = 200; lead < 220; lead += 3) {
      assert.equal(digits(detect(keyPad('5#9', 60, 60, lead))), '5#9', `lead ${lead} ms`);
    }
  });

  it('detects all keys in white noise 20 dB below the tones', () => {
    const signal = keyPad(ALL_KEYS, 80, 80, 200, { levelDbm0: -15 });
    const noise = noiseAt(signal.length, -32);
    const noisy = signal.map((x, i) => x + noise[i]!);
    assert.equal(digits(detect(noisy)), ALL_KEYS);
  });

  it('accepts 40 ms presses and 40 ms pauses, rejects 20 ms bursts (Q.24 timing)', () => {
    for (const offset of [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5]) {
      assert.equal(digits(detect(keyPad('1234', 40, 40, 200 + offset))), '1234', `offset ${offset} ms`);
      assert.equal(digits(detect(keyPad('1234', 20, 60, 200 + offset))), '', `20 ms at offset ${offset} ms`);
    }
  });

  it('bridges a 10 ms drop-out inside a press, separates the same key pressed twice', () => {
    assert.equal(digits(detect(concat(gap(200), tone('7', 100), gap(10), tone('7', 100), gap(200)))), '7');
    assert.equal(digits(detect(concat(gap(200), tone('7', 100), gap(50), tone('7', 100), gap(200)))), '77');
  });

  it('accepts a 1.5% frequency error and rejects 3.5% (Q.24)', () => {
    for (const factor of [0.985, 1.015]) {
      assert.equal(
        digits(detect(keyPad(ALL_KEYS, 80, 80, 200, { lowFactor: factor }))),
        ALL_KEYS,
        `low ×${factor}`,
      );
      assert.equal(
        digits(detect(keyPad(ALL_KEYS, 80, 80, 200, { highFactor: factor }))),
        ALL_KEYS,
        `high ×${factor}`,
      );
    }
    for (const factor of [0.965, 1.035]) {
      assert.equal(
        digits(detect(keyPad(ALL_KEYS, 80, 80, 200, { lowFactor: factor }))),
        '',
        `low ×${factor}`,
      );
      assert.equal(
        digits(detect(keyPad(ALL_KEYS, 80, 80, 200, { highFactor: factor }))),
        '',
        `high ×${factor}`,
      );
    }
  });

  it('enforces the twist limits: high group up to +4 dB, low group up to +8 dB', () => {
    assert.equal(digits(detect(keyPad('159D', 80, 80, 200, { twistDb: 3 }))), '159D');
    assert.equal(digits(detect(keyPad('159D', 80, 80, 200, { twistDb: -7 }))), '159D');
    assert.equal(digits(detect(keyPad('159D', 80, 80, 200, { twistDb: 6 }))), '');
    assert.equal(digits(detect(keyPad('159D', 80, 80, 200, { twistDb: -10 }))), '');
  });

  it('ignores tones below the sensitivity threshold', () => {
    assert.equal(digits(detect(keyPad('42', 80, 80, 200, { levelDbm0: -26 }))), '42');
    assert.equal(digits(detect(keyPad('42', 80, 80, 200, { levelDbm0: -36 }))), '');
  });

  it('ignores a single tone and a three-tone chord', () => {
    const single = Float64Array.from(
      { length: 1600 },
      (_, n) => 8000 * Math.sin((2 * Math.PI * 770 * n) / 8000),
    );
    assert.deepEqual(detect(single), []);
    const chord = tone('5', 200).map((x, n) => x + 5000 * Math.sin((2 * Math.PI * 1477 * n) / 8000));
    assert.deepEqual(detect(chord), []);
  });

  it('emits on press without duration when asked, and exposes the held key', () => {
    const detector = new InbandDtmfDetector({ emitOn: 'press' });
    const frames = toFrames(mixToInt16(concat(gap(100), tone('#', 200), gap(100))));
    const seen: { frame: number; events: DtmfEvent[]; held: string | undefined }[] = [];
    frames.forEach((frame, i) =>
      seen.push({ frame: i, events: detector.process(frame), held: detector.activeKey }),
    );
    const emitted = seen.filter((s) => s.events.length > 0);
    assert.equal(emitted.length, 1);
    assert.deepEqual(emitted[0]!.events, [{ digit: '#', source: 'inband' }]);
    assert.ok(emitted[0]!.frame <= 7, `emitted at frame ${emitted[0]!.frame}, tone began at frame 5`);
    assert.ok(seen.some((s) => s.held === '#'));
    assert.equal(seen.at(-1)!.held, undefined);
  });

  describe('talk-off on espeak-ng speech', { skip: NO_ESPEAK_REASON }, () => {
    const sentences: [string, string][] = [
      ['fr', 'Bonjour, je voudrais prendre rendez-vous pour renouveler mon passeport.'],
      [
        'fr+f3',
        'Mon numéro de dossier est le quatre cent douze, trente-sept, neuf cent quatre-vingt-dix-neuf.',
      ],
      ['fr+m3', 'Allô, oui, non, peut-être, je ne sais pas, pouvez-vous répéter, merci beaucoup.'],
      ['en-us', 'Hello, I would like to speak to someone about my tax return, please.'],
      ['en-gb+f2', 'My reference number is seven, four, two, nine, one, one, eight, zero, three.'],
      ['en-us+m4', 'Hmm, yes, no, operator, agent, representative, I need help with my account.'],
    ];

    it('detects no key in French and English speech, clean or in noise', () => {
      const speech = concat(
        ...sentences.flatMap(([voice, text]) => [Float64Array.from(renderSpeech(text, voice)), gap(300)]),
      );
      const loud = speech.map((x) => x * 2.5);
      assert.deepEqual(detect(speech), [], 'clean speech');
      assert.deepEqual(detect(loud), [], 'loud speech');
      const noise = noiseAt(speech.length, -40);
      const noisy = speech.map((x, i) => x + noise[i]!);
      assert.deepEqual(detect(noisy), [], 'speech in noise');
    });

    it('finds the keys pressed between and over the end of speech', () => {
      const [voice, text] = sentences[3]!;
      const speech = Float64Array.from(renderSpeech(text, voice));
      const signal = concat(speech, gap(150), keyPad('2580', 80, 70, 0), speech, keyPad('#', 80, 70, 0));
      assert.equal(digits(detect(signal)), '2580#');
    });
  });
});
