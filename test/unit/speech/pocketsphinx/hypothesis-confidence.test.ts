import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_CONFIDENCE_CALIBRATION,
  confidenceFromScore,
  rankAlternatives,
} from '../../../../src/speech/recognition/pocketsphinx/hypothesis-confidence.js';

const calibration = DEFAULT_CONFIDENCE_CALIBRATION;

describe('confidenceFromScore', () => {
  it('maps the midpoint score per frame to 0.5 and rises with the score', () => {
    assert.equal(confidenceFromScore(-3400, 100, calibration), 0.5);
    const good = confidenceFromScore(-2000, 100, calibration);
    const poor = confidenceFromScore(-4500, 100, calibration);
    assert.ok(good > 0.9, `in-grammar score gives ${good}`);
    assert.ok(poor < 0.1, `forced-match score gives ${poor}`);
    assert.equal(confidenceFromScore(-100, 0, calibration), 0);
  });
});

describe('rankAlternatives', () => {
  it('keeps the best first, then distinct grammar phrases from the n-best list, never above the best', () => {
    const allowed = new Set(['check my balance', 'track my parcel', 'pay my bill']);
    const alternatives = rankAlternatives(
      { transcript: 'check my balance', score: -2500 },
      100,
      [
        { transcript: 'check my balance', score: -2000 },
        { transcript: 'check my', score: -2100 },
        { transcript: 'track my parcel', score: -2150 },
        { transcript: 'track my parcel', score: -2200 },
        { transcript: 'pay my bill', score: -2900 },
      ],
      allowed,
      3,
      calibration,
    );
    assert.deepEqual(
      alternatives.map((a) => a.transcript),
      ['check my balance', 'track my parcel', 'pay my bill'],
    );
    assert.ok(alternatives[0]!.confidence >= alternatives[1]!.confidence);
    assert.ok(alternatives[1]!.confidence > alternatives[2]!.confidence);
  });

  it('stops at max and accepts any transcript for open speech', () => {
    const alternatives = rankAlternatives(
      { transcript: 'hello there', score: -2500 },
      100,
      [
        { transcript: 'hello there', score: -2000 },
        { transcript: 'hello bear', score: -2100 },
        { transcript: 'yellow there', score: -2200 },
      ],
      null,
      2,
      calibration,
    );
    assert.deepEqual(
      alternatives.map((a) => a.transcript),
      ['hello there', 'hello bear'],
    );
  });
});
