import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAME_MS } from '../../../../src/media/media-types.js';
import { Endpointer } from '../../../../src/media/vad/endpointer.js';
import type { EndpointerEvent, TurnOptions } from '../../../../src/media/vad/endpointer-types.js';
import { mixToInt16, toFrames } from './test-audio.js';
import { add, concat, hiss, silence, voiced } from './synthetic-voice.js';

interface Timed {
  event: EndpointerEvent;
  frame: number;
}

/** Feeds `signal` from media time 0; opens a turn at `turnAtMs` (default 0). */
function run(
  signal: Float64Array,
  options: {
    turnAtMs?: number;
    turn?: Partial<TurnOptions>;
    endpointer?: Endpointer;
    onFrame?: (ms: number) => void;
  } = {},
): Timed[] {
  const endpointer = options.endpointer ?? new Endpointer();
  const out: Timed[] = [];
  toFrames(mixToInt16(signal)).forEach((frame, index) => {
    const timeMs = index * FRAME_MS;
    if (timeMs === (options.turnAtMs ?? 0)) {
      endpointer.startTurn(timeMs, options.turn);
    }
    options.onFrame?.(timeMs);
    const event = endpointer.push(frame, timeMs);
    if (event) {
      out.push({ event, frame: index });
    }
  });
  return out;
}

/** Continuous talk: 700 ms stretches of voice with 200 ms breaths between them. */
function talking(ms: number): Float64Array {
  const parts: Float64Array[] = [];
  for (let at = 0; at < ms; at += 900) {
    parts.push(voiced(Math.min(700, ms - at), -20), silence(Math.min(200, Math.max(0, ms - at - 700))));
  }
  return concat(...parts);
}

/** Background hiss under everything, as on a real line. */
function onLine(...parts: Float64Array[]): Float64Array {
  const signal = concat(...parts);
  return add(signal, hiss(signal.length / 8, -50));
}

describe('Endpointer', () => {
  it('emits speech-start within 100 ms of the onset, then speech-end after 700 ms of silence', () => {
    const events = run(onLine(silence(2000), voiced(1500, -20), silence(2000)));
    assert.equal(events.length, 2);
    const [start, end] = events.map((e) => e.event);
    assert.equal(start?.type, 'speech-start');
    assert.ok(start.atMs - 2000 <= 100, `barge-in after ${start.atMs - 2000} ms`);
    assert.ok(Math.abs(start.utteranceStartMs - 2000) <= 20, `utterance start ${start.utteranceStartMs}`);
    assert.equal(end?.type, 'speech-end');
    // The synthetic voice fades out over its last 100 ms (a syllable ending).
    assert.ok(
      end.utteranceEndMs >= 3360 && end.utteranceEndMs <= 3540,
      `utterance end ${end.utteranceEndMs}`,
    );
    assert.equal(end.atMs - end.utteranceEndMs, 700);
    assert.equal(end.utteranceStartMs, start.utteranceStartMs);
  });

  it('keeps one utterance across a 400 ms pause and splits at a 1 s pause', () => {
    const short = run(onLine(silence(2000), voiced(800, -20), silence(400), voiced(800, -20), silence(1500)));
    assert.deepEqual(
      short.map((e) => e.event.type),
      ['speech-start', 'speech-end'],
    );
    const long = run(onLine(silence(2000), voiced(800, -20), silence(1000), voiced(800, -20), silence(1500)));
    assert.deepEqual(
      long.map((e) => e.event.type),
      ['speech-start', 'speech-end'],
      'the turn is over after the first utterance; the second is not reported without a new turn',
    );
    assert.ok(long[1]!.event.atMs < 3600);
  });

  it('honours a per-turn trailing silence', () => {
    const events = run(
      onLine(silence(2000), voiced(800, -20), silence(400), voiced(800, -20), silence(1500)),
      {
        turn: { trailingSilenceMs: 300 },
      },
    );
    const end = events.find((e) => e.event.type === 'speech-end')!.event;
    assert.ok(end.atMs < 3300, `ended at ${end.atMs} within the 400 ms pause`);
  });

  it('reports no-input 5 s after the turn opens when nothing is said', () => {
    const events = run(onLine(silence(8000)), { turnAtMs: 1000 });
    assert.deepEqual(
      events.map((e) => e.event),
      [{ type: 'no-input', atMs: 6000 }],
    );
  });

  it('holds the no-input timer until it is armed (prompt still playing), and barge-in still works meanwhile', () => {
    const endpointer = new Endpointer();
    const quiet = run(onLine(silence(9000)), {
      endpointer,
      turn: { armNoInputTimer: false },
      onFrame: (ms) => {
        if (ms === 3000) {
          endpointer.armNoInputTimer(ms);
        }
      },
    });
    assert.deepEqual(
      quiet.map((e) => e.event),
      [{ type: 'no-input', atMs: 8000 }],
    );
    const barge = run(onLine(silence(7000), voiced(600, -20), silence(1000)), {
      turn: { armNoInputTimer: false },
    });
    assert.equal(barge[0]?.event.type, 'speech-start');
  });

  it('cuts an utterance at the maximum length', () => {
    const events = run(onLine(silence(1000), talking(20_000), silence(500)), {
      turn: { maxUtteranceMs: 4000 },
    });
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['speech-start', 'max-utterance'],
    );
    const cut = events[1]!.event;
    assert.equal(cut.type, 'max-utterance');
    assert.equal(cut.utteranceEndMs - cut.utteranceStartMs, 4000);
  });

  it('uses 15 s as the default maximum utterance', () => {
    const events = run(onLine(silence(1000), talking(17_000)));
    const cut = events.find((e) => e.event.type === 'max-utterance')?.event;
    assert.ok(cut && cut.type === 'max-utterance');
    assert.equal(cut.utteranceEndMs - cut.utteranceStartMs, 15_000);
  });

  it('a turn opened while the caller speaks starts at once, from the turn start', () => {
    const events = run(onLine(silence(1000), talking(3000), silence(1500)), { turnAtMs: 2000 });
    const start = events[0]!.event;
    assert.deepEqual(start, { type: 'speech-start', atMs: 2020, utteranceStartMs: 2000 });
    assert.equal(events[1]?.event.type, 'speech-end');
  });

  it('says nothing without a turn, and stopTurn() silences it', () => {
    const signal = onLine(silence(1000), voiced(1000, -20), silence(1500));
    const endpointer = new Endpointer();
    assert.deepEqual(run(signal, { endpointer, turnAtMs: -1 }), []);
    assert.equal(endpointer.state, 'idle');
    const stopped = new Endpointer();
    const events = run(signal, {
      endpointer: stopped,
      onFrame: (ms) => {
        if (ms === 1200) {
          stopped.stopTurn();
        }
      },
    });
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['speech-start'],
    );
  });

  it('moves through idle → waiting → speaking → idle', () => {
    const endpointer = new Endpointer();
    const states: string[] = [];
    run(onLine(silence(1000), voiced(800, -20), silence(1200)), {
      endpointer,
      onFrame: () => {
        if (states.at(-1) !== endpointer.state) {
          states.push(endpointer.state);
        }
      },
    });
    assert.deepEqual(states, ['waiting', 'speaking', 'idle']);
  });
});
