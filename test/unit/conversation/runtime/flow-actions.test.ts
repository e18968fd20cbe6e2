import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FLOW_ACTION_IMPLEMENTATIONS,
  type FlowActionEnvironment,
} from '../../../../src/conversation/runtime/flow-actions.js';
import type { FlowContext } from '../../../../src/conversation/runtime/flow-context.js';
import type { FlowActionName } from '../../../../src/conversation/runtime/flow-vocabulary.js';
import { FlowTimelineRecorder } from '../../../../src/conversation/runtime/flow-timeline-recorder.js';
import { MemoryCallTimeline } from '../../../../src/store/memory-call-timeline.js';
import { testContext } from './runtime-test-support.js';

const timeline = new MemoryCallTimeline();
const recorder = new FlowTimelineRecorder(timeline, 'redact', () => 1);
const env: FlowActionEnvironment = {
  languages: ['fr', 'en'],
  thresholds: { high: 0.75, medium: 0.45, closeMargin: 0.1 },
  recorder,
};

const done = (output: unknown) => ({ type: 'xstate.done.actor.0.f.s', output });
const run = (
  name: FlowActionName,
  params: Record<string, unknown>,
  event: unknown,
  context: FlowContext = testContext(),
) => FLOW_ACTION_IMPLEMENTATIONS[name]({ context, event }, params, env);

const verdict = {
  intent: 'health_card',
  confidence: 0.9,
  runnerUp: { intent: 'european_card', confidence: 0.05 },
  outOfScope: false,
  asksForAgent: false,
  scores: {},
};

describe('flow actions', () => {
  it('acceptIntent takes the classification of a listen or of a classify', () => {
    const expected = {
      intent: 'health_card',
      confidence: 0.9,
      runnerUp: { intent: 'european_card', confidence: 0.05 },
    };
    assert.deepEqual(run('acceptIntent', {}, done({ kind: 'speech', classification: verdict })), expected);
    assert.deepEqual(run('acceptIntent', {}, done(verdict)), expected);
    assert.equal(run('acceptIntent', {}, done({ kind: 'dtmf', digit: '1' })), null);
  });

  it('qualifyIntent keeps topics; an agent request that named a topic qualifies the topic', () => {
    assert.deepEqual(run('qualifyIntent', {}, { type: 'x' }, testContext({ intent: 'sick_leave' })), {
      lastQualifiedIntent: 'sick_leave',
    });
    assert.equal(run('qualifyIntent', {}, { type: 'x' }, testContext({ intent: 'out_of_scope' })), null);
    assert.equal(
      run(
        'qualifyIntent',
        {},
        { type: 'x' },
        testContext({ intent: 'agent', runnerUp: { intent: 'health_card', confidence: 0.6 } }),
      ),
      null,
    );
    assert.deepEqual(
      run(
        'qualifyIntent',
        {},
        { type: 'x' },
        testContext({ intent: 'agent', runnerUp: { intent: 'health_card', confidence: 0.8 } }),
      ),
      { lastQualifiedIntent: 'health_card' },
    );
  });

  it('applyCorrection takes the confirm correction', () => {
    const correction = { ...verdict, intent: 'european_card', confidence: 0.7, runnerUp: null };
    assert.deepEqual(run('applyCorrection', {}, done({ answer: 'no', correction })), {
      intent: 'european_card',
      confidence: 0.7,
      runnerUp: null,
    });
    assert.equal(run('applyCorrection', {}, done({ answer: 'no' })), null);
  });

  it('increment and resetCounter', () => {
    const context = testContext({ counters: { a: 1 } });
    assert.deepEqual(run('increment', { name: 'a' }, { type: 'x' }, context), { counters: { a: 2 } });
    assert.deepEqual(run('increment', { name: 'b' }, { type: 'x' }, context), { counters: { a: 1, b: 1 } });
    assert.deepEqual(run('resetCounter', { name: 'a' }, { type: 'x' }, context), { counters: { a: 0 } });
  });

  it('setVar sets any JSON value, null when missing', () => {
    const context = testContext({ vars: { keep: 1 } });
    assert.deepEqual(run('setVar', { name: 'target', value: 'cards' }, { type: 'x' }, context), {
      vars: { keep: 1, target: 'cards' },
    });
    assert.deepEqual(run('setVar', { name: 'target' }, { type: 'x' }, context), {
      vars: { keep: 1, target: null },
    });
  });

  it('setLanguage accepts the flow languages only, and says so in the timeline otherwise', () => {
    assert.deepEqual(run('setLanguage', { language: 'en' }, { type: 'x' }), { language: 'en' });
    assert.equal(run('setLanguage', { language: 'de' }, { type: 'x' }), null);
    recorder.flushDeferred('ask');
    const error = timeline.ofType('error').at(-1);
    assert.equal(error?.data.state, 'ask');
    assert.match(String(error?.data.message), /"de" is not a language of the flow/);
  });

  it('storeDigits, storeNir, storeLookup keep what the step returned', () => {
    assert.deepEqual(run('storeDigits', {}, done({ kind: 'digits', digits: '0612' })), { digits: '0612' });
    assert.equal(run('storeDigits', {}, done({ kind: 'no-input' })), null);
    const nir = { value: '185057800608491', valid: true, readBack: '1, 85, 05, 78, 006, 084, 91' };
    assert.deepEqual(run('storeNir', {}, done({ kind: 'digits', digits: nir.value, nir })), { nir });
    assert.equal(run('storeNir', {}, done({ kind: 'invalid' })), null);
    assert.deepEqual(run('storeLookup', {}, done({ sent: true })), { lookup: { sent: true } });
    assert.deepEqual(run('storeLookup', {}, done([1, 2])), { lookup: [1, 2] });
  });

  it('note writes to the timeline once the state is known', () => {
    assert.equal(run('note', { text: 'hello' }, { type: 'x' }), null);
    assert.equal(timeline.ofType('note').length, 0);
    recorder.flushDeferred('greeting');
    assert.deepEqual(timeline.ofType('note').at(-1)?.data, { text: 'hello', state: 'greeting' });
  });
});
