// Accuracy of the VAD + endpointer on espeak-ng speech (French and English) in white, pink and babble noise at
// 20, 10 and 5 dB SNR: utterance detection, barge-in latency, boundary errors, frame precision/recall.
// The table is printed as a test diagnostic; the assertions are the bounds the IVR relies on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCleanTrack, mixTrack, type CleanTrack, type NoiseKind } from './vad-corpus.js';
import { formatScoreTable, runEndpointer, scoreRun, type ConditionScore } from './vad-evaluation.js';
import { NO_ESPEAK_REASON } from './test-audio.js';

interface Condition {
  readonly name: string;
  readonly kind: NoiseKind | undefined;
  readonly snrDb: number;
}

const CONDITIONS: readonly Condition[] = [
  { name: 'clean', kind: undefined, snrDb: Infinity },
  ...(['white', 'pink', 'babble'] as const).flatMap((kind) =>
    [20, 10, 5].map((snrDb) => ({ name: `${kind} ${snrDb}dB`, kind, snrDb })),
  ),
];

describe('VAD accuracy on espeak-ng speech in noise', { skip: NO_ESPEAK_REASON }, () => {
  let track: CleanTrack;
  const scores = new Map<string, ConditionScore>();

  it('scores every condition', (t) => {
    track = buildCleanTrack();
    for (const condition of CONDITIONS) {
      const signal = mixTrack(track, condition.kind, condition.snrDb);
      scores.set(condition.name, scoreRun(track.truth, track.truthFrames, runEndpointer(signal)));
    }
    const table = formatScoreTable(
      CONDITIONS.map((c) => ({ condition: c.name, score: scores.get(c.name)! })),
    );
    for (const line of table.split('\n')) {
      t.diagnostic(line);
    }
    assert.equal(scores.size, CONDITIONS.length);
  });

  it('clean and 20 dB: every utterance found once, barge-in within 100 ms, boundaries within 100/200 ms', () => {
    for (const name of ['clean', 'white 20dB', 'pink 20dB', 'babble 20dB']) {
      const s = scores.get(name)!;
      assert.equal(s.detected, s.total, `${name}: all utterances detected`);
      assert.equal(s.split, 0, `${name}: no utterance cut in two`);
      assert.ok(s.latencyMs.max <= 100, `${name}: speech-start latency ${s.latencyMs.max} ms`);
      assert.ok(s.startErrorMs.max < 100, `${name}: start error ${s.startErrorMs.max} ms`);
      assert.ok(s.endErrorMs.max < 200, `${name}: end error ${s.endErrorMs.max} ms`);
      assert.ok(s.falseAlarms <= 1, `${name}: ${s.falseAlarms} false alarms`);
      assert.ok(s.frameRecall > 0.95, `${name}: frame recall ${s.frameRecall}`);
      assert.ok(s.framePrecision > 0.85, `${name}: frame precision ${s.framePrecision}`);
    }
  });

  it('10 dB: every utterance found, mean barge-in latency within 120 ms', () => {
    for (const name of ['white 10dB', 'pink 10dB', 'babble 10dB']) {
      const s = scores.get(name)!;
      assert.equal(s.detected, s.total, `${name}: all utterances detected`);
      assert.ok(s.latencyMs.mean <= 120, `${name}: mean latency ${s.latencyMs.mean} ms`);
      assert.ok(s.endErrorMs.max < 300, `${name}: end error ${s.endErrorMs.max} ms`);
      assert.ok(s.falseAlarms <= 1, `${name}: ${s.falseAlarms} false alarms`);
      assert.ok(s.frameRecall > 0.9, `${name}: frame recall ${s.frameRecall}`);
    }
  });

  it('5 dB: still finds every utterance in steady noise and most in babble', () => {
    for (const name of ['white 5dB', 'pink 5dB']) {
      const s = scores.get(name)!;
      assert.equal(s.detected, s.total, `${name}: all utterances detected`);
      assert.ok(s.latencyMs.mean <= 150, `${name}: mean latency ${s.latencyMs.mean} ms`);
      assert.ok(s.frameRecall > 0.85, `${name}: frame recall ${s.frameRecall}`);
    }
    const babble = scores.get('babble 5dB')!;
    assert.ok(babble.detected >= babble.total - 1, `babble 5dB: ${babble.detected}/${babble.total} detected`);
    assert.ok(babble.falseAlarms <= 2, `babble 5dB: ${babble.falseAlarms} false alarms`);
  });
});
