// The pieces under the linear engine: seeded randomness, the softmax regression, the rejection threshold choice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutOfFoldPrediction } from '../../../src/understanding/cross-validation.js';
import { chooseRejectionThreshold } from '../../../src/understanding/rejection-threshold.js';
import { seededRandom, shuffleInPlace } from '../../../src/understanding/seeded-random.js';
import {
  DEFAULT_SOFTMAX_TRAINING_OPTIONS,
  SoftmaxRegression,
  type TrainingExample,
} from '../../../src/understanding/softmax-regression.js';

const vector = (entries: [number, number][]) => ({
  indices: Uint32Array.from(entries.map(([i]) => i)),
  values: Float64Array.from(entries.map(([, v]) => v)),
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      first,
      Array.from({ length: 5 }, () => b()),
    );
    assert.notDeepEqual(first, Array.from({ length: 5 }, seededRandom(43)));
    assert.ok(first.every((x) => x >= 0 && x < 1));
    assert.deepEqual(
      shuffleInPlace([1, 2, 3, 4, 5], seededRandom(1)),
      shuffleInPlace([1, 2, 3, 4, 5], seededRandom(1)),
    );
  });
});

describe('SoftmaxRegression', () => {
  it('learns a separable problem, identically on two runs with the same seed', () => {
    // Feature 0 → class 0, feature 1 → class 1, feature 2 → class 2; feature 3 is noise present everywhere.
    const examples: TrainingExample[] = [];
    for (let i = 0; i < 30; i += 1) {
      examples.push({
        vector: vector([
          [i % 3, 1],
          [3, 0.5],
        ]),
        label: i % 3,
      });
    }
    const train = () => {
      const model = new SoftmaxRegression(3, 4);
      model.train(examples, DEFAULT_SOFTMAX_TRAINING_OPTIONS);
      return model;
    };
    const model = train();
    for (let c = 0; c < 3; c += 1) {
      const p = model.probabilities(vector([[c, 1]]));
      assert.ok(p[c]! > 0.9, `class ${c}: ${p[c]}`);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    }
    assert.deepEqual(
      train().probabilities(
        vector([
          [0, 0.3],
          [1, 0.7],
        ]),
      ),
      model.probabilities(
        vector([
          [0, 0.3],
          [1, 0.7],
        ]),
      ),
    );
  });
});

describe('chooseRejectionThreshold', () => {
  it('puts the threshold between out-of-scope and in-scope confidences', () => {
    const intents = ['a', 'out_of_scope'];
    const predictions: OutOfFoldPrediction[] = [];
    for (let i = 0; i < 20; i += 1) {
      predictions.push({
        expected: 'a',
        text: '',
        intents,
        probabilities: Float64Array.of(0.8 + i / 200, 0.2 - i / 200),
      });
      predictions.push({
        expected: 'out_of_scope',
        text: '',
        intents,
        probabilities: Float64Array.of(0.55 - i / 100, 0.45 + i / 100),
      });
    }
    const threshold = chooseRejectionThreshold(predictions);
    assert.ok(threshold > 0.55 && threshold <= 0.8, `threshold ${threshold}`);
  });
});
