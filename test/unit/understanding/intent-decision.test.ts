// One decision rule for every engine: rejection, the agent rule, runner-ups, determinism on ties.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideIntent } from '../../../src/understanding/intent-decision.js';

const INTENTS = ['health_card', 'reimbursement', 'agent', 'out_of_scope'];
const decide = (probabilities: number[], threshold = 0.5) =>
  decideIntent(INTENTS, Float64Array.from(probabilities), threshold);

describe('decideIntent', () => {
  it('gives the top intent and the second as runner-up, with every score', () => {
    const verdict = decide([0.7, 0.2, 0.05, 0.05]);
    assert.equal(verdict.intent, 'health_card');
    assert.equal(verdict.confidence, 0.7);
    assert.deepEqual(verdict.runnerUp, { intent: 'reimbursement', confidence: 0.2 });
    assert.equal(verdict.outOfScope, false);
    assert.deepEqual(verdict.scores, {
      health_card: 0.7,
      reimbursement: 0.2,
      agent: 0.05,
      out_of_scope: 0.05,
    });
  });

  it('rejects when out_of_scope is on top, runner-up = best in-scope intent', () => {
    const verdict = decide([0.3, 0.1, 0, 0.6]);
    assert.equal(verdict.intent, 'out_of_scope');
    assert.equal(verdict.outOfScope, true);
    assert.deepEqual(verdict.runnerUp, { intent: 'health_card', confidence: 0.3 });
    assert.ok(Math.abs(verdict.confidence - 0.7) < 1e-12);
  });

  it('rejects a top intent below the threshold', () => {
    const verdict = decide([0.45, 0.35, 0.1, 0.1]);
    assert.equal(verdict.intent, 'out_of_scope');
    assert.equal(verdict.runnerUp?.intent, 'health_card');
    assert.equal(decide([0.45, 0.35, 0.1, 0.1], 0.4).intent, 'health_card');
  });

  it('an agent verdict carries the best topic, renormalized over topics, as runner-up', () => {
    const verdict = decide([0.06, 0.02, 0.9, 0.02]);
    assert.equal(verdict.intent, 'agent');
    assert.equal(verdict.runnerUp?.intent, 'health_card');
    assert.ok(Math.abs(verdict.runnerUp.confidence - 0.75) < 1e-12);
  });

  it('breaks ties by intent order', () => {
    assert.equal(decide([0.4, 0.4, 0.1, 0.1], 0).intent, 'health_card');
  });
});
