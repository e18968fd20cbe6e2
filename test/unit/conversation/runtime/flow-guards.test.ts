import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AigError } from '../../../../src/errors/aig-error.js';
import { FlowStepError } from '../../../../src/conversation/runtime/flow-step-error.js';
import {
  evaluateFlowGuard,
  FLOW_GUARD_IMPLEMENTATIONS,
  type FlowGuardEnvironment,
} from '../../../../src/conversation/runtime/flow-guards.js';
import type { FlowContext } from '../../../../src/conversation/runtime/flow-context.js';
import { testContext } from './runtime-test-support.js';

let recognizerUp = true;
const env: FlowGuardEnvironment = {
  thresholds: { high: 0.75, medium: 0.45, closeMargin: 0.1 },
  recognizerAvailable: () => recognizerUp,
};

const classification = (intent: string, confidence: number, runnerUp: [string, number] | null = null) => ({
  intent,
  confidence,
  runnerUp: runnerUp === null ? null : { intent: runnerUp[0], confidence: runnerUp[1] },
  outOfScope: intent === 'out_of_scope',
  asksForAgent: intent === 'agent',
  scores: {},
});

const done = (output: unknown) => ({ type: 'xstate.done.actor.0.f.s', output });
const check = (
  name: string,
  params: Record<string, unknown>,
  event: unknown,
  context: FlowContext = testContext(),
) => evaluateFlowGuard({ type: name, params }, { context, event }, env);

describe('flow guards', () => {
  it('resultIs: the kind of the step output, one or a list', () => {
    assert.equal(check('resultIs', { kind: 'speech' }, done({ kind: 'speech' })), true);
    assert.equal(check('resultIs', { kind: 'no-input' }, done({ kind: 'speech' })), false);
    assert.equal(check('resultIs', { kind: ['no-input', 'no-match'] }, done({ kind: 'no-match' })), true);
    assert.equal(check('resultIs', { kind: 'speech' }, { type: 'other' }), false);
  });

  it('intentIs / intentIn: listen classification, confirm correction, classify output, else context', () => {
    const listen = done({ kind: 'speech', classification: classification('health_card', 0.9) });
    assert.equal(check('intentIs', { intent: 'health_card' }, listen), true);
    assert.equal(check('intentIn', { intents: ['sick_leave', 'health_card'] }, listen), true);
    assert.equal(check('intentIn', { intents: ['sick_leave'] }, listen), false);
    assert.equal(
      check(
        'intentIs',
        { intent: 'european_card' },
        done({ answer: 'no', correction: classification('european_card', 0.8) }),
      ),
      true,
    );
    assert.equal(
      check('intentIs', { intent: 'certificate' }, done(classification('certificate', 0.6))),
      true,
    );
    const context = testContext({ intent: 'sick_leave', confidence: 0.9 });
    assert.equal(check('intentIs', { intent: 'sick_leave' }, done({ answer: 'yes' }), context), true);
    assert.equal(check('intentIs', { intent: 'sick_leave' }, { type: 'x' }), false, 'no intent yet');
  });

  it('confidence: named thresholds, numbers, atLeast and below together', () => {
    const event = done({ kind: 'speech', classification: classification('health_card', 0.6) });
    assert.equal(check('confidence', { atLeast: 'medium' }, event), true);
    assert.equal(check('confidence', { atLeast: 'high' }, event), false);
    assert.equal(check('confidence', { atLeast: 'medium', below: 'high' }, event), true);
    assert.equal(check('confidence', { below: 0.5 }, event), false);
    assert.equal(check('confidence', { atLeast: '0.6' }, event), true);
    assert.equal(check('confidence', { atLeast: 'medium' }, { type: 'x' }), false, 'no classification');
    assert.throws(() => check('confidence', { atLeast: 'very' }, event), AigError);
  });

  it('closeRunnerUp: two topics within closeMargin; agent or out-of-scope runner-ups do not count', () => {
    assert.equal(
      check('closeRunnerUp', {}, done(classification('health_card', 0.45, ['european_card', 0.4]))),
      true,
    );
    assert.equal(
      check('closeRunnerUp', {}, done(classification('health_card', 0.7, ['european_card', 0.2]))),
      false,
    );
    assert.equal(
      check('closeRunnerUp', {}, done(classification('health_card', 0.45, ['out_of_scope', 0.44]))),
      false,
    );
    assert.equal(
      check('closeRunnerUp', {}, done(classification('agent', 0.5, ['health_card', 0.45]))),
      false,
    );
    assert.equal(check('closeRunnerUp', {}, done(classification('health_card', 0.9))), false);
  });

  it('outOfScope and asksForAgent', () => {
    assert.equal(
      check('outOfScope', {}, done({ kind: 'speech', classification: classification('out_of_scope', 0.9) })),
      true,
    );
    assert.equal(
      check('outOfScope', {}, done({ kind: 'speech', classification: classification('health_card', 0.9) })),
      false,
    );
    assert.equal(
      check('asksForAgent', {}, done({ kind: 'speech', classification: classification('agent', 0.9) })),
      true,
    );
    assert.equal(check('asksForAgent', {}, done({ kind: 'dtmf', digit: '0' })), false);
  });

  it('answerIs and hasCorrection read a confirm output', () => {
    assert.equal(check('answerIs', { answer: 'yes' }, done({ answer: 'yes' })), true);
    assert.equal(check('answerIs', { answer: 'no' }, done({ answer: 'none' })), false);
    assert.equal(
      check('hasCorrection', {}, done({ answer: 'no', correction: classification('european_card', 0.8) })),
      true,
    );
    assert.equal(check('hasCorrection', {}, done({ answer: 'no' })), false);
  });

  it('counterBelow: missing counters are 0', () => {
    const context = testContext({ counters: { failures: 2 } });
    assert.equal(check('counterBelow', { name: 'failures', max: 2 }, { type: 'x' }, context), false);
    assert.equal(check('counterBelow', { name: 'failures', max: 3 }, { type: 'x' }, context), true);
    assert.equal(check('counterBelow', { name: 'other', max: 1 }, { type: 'x' }, context), true);
  });

  it('digitIs: a listen key or a whole digit entry', () => {
    assert.equal(check('digitIs', { digit: '9' }, done({ kind: 'dtmf', digit: '9' })), true);
    assert.equal(check('digitIs', { digit: 9 }, done({ kind: 'dtmf', digit: '9' })), true);
    assert.equal(check('digitIs', { digit: ['1', '2'] }, done({ kind: 'dtmf', digit: '3' })), false);
    assert.equal(check('digitIs', { digit: '42' }, done({ kind: 'digits', digits: '42' })), true);
    assert.equal(check('digitIs', { digit: '9' }, done({ kind: 'speech', transcript: '9' })), false);
  });

  it('nirValid: the step output, else the stored NIR', () => {
    assert.equal(check('nirValid', {}, done({ kind: 'digits', nir: { value: 'x', valid: true } })), true);
    assert.equal(check('nirValid', {}, done({ kind: 'digits', nir: { value: 'x', valid: false } })), false);
    const stored = testContext({ nir: { value: 'x', valid: true, readBack: 'x' } });
    assert.equal(check('nirValid', {}, { type: 'x' }, stored), true);
    assert.equal(check('nirValid', {}, { type: 'x' }), false);
  });

  it('hasLastQualifiedIntent, recognizerAvailable, varSet', () => {
    assert.equal(check('hasLastQualifiedIntent', {}, { type: 'x' }), false);
    assert.equal(
      check('hasLastQualifiedIntent', {}, { type: 'x' }, testContext({ lastQualifiedIntent: 'health_card' })),
      true,
    );
    recognizerUp = false;
    assert.equal(check('recognizerAvailable', {}, { type: 'x' }), false);
    recognizerUp = true;
    assert.equal(check('recognizerAvailable', {}, { type: 'x' }), true);
    const context = testContext({ vars: { a: 'x', b: null, c: '', d: [], e: 0 } });
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e', 'missing'].map((name) => check('varSet', { name }, { type: 'x' }, context)),
      [true, false, false, false, true, false],
    );
  });

  it('intentNeedsNir: the current intent is in vars.nirIntents', () => {
    const context = testContext({
      intent: 'sick_leave',
      vars: { nirIntents: ['sick_leave', 'certificate'] },
    });
    assert.equal(check('intentNeedsNir', {}, { type: 'x' }, context), true);
    assert.equal(check('intentNeedsNir', {}, { type: 'x' }, { ...context, intent: 'health_card' }), false);
    assert.equal(check('intentNeedsNir', {}, { type: 'x' }, { ...context, vars: {} }), false);
  });

  it('errorKind: a listen error output or a failed step', () => {
    assert.equal(
      check('errorKind', { kind: 'unavailable' }, done({ kind: 'error', errorKind: 'unavailable' })),
      true,
    );
    const failed = {
      type: 'xstate.error.actor.0.f.s',
      error: new FlowStepError('AIG_ERR_FLOW_LOOKUP', 'timeout'),
    };
    assert.equal(check('errorKind', { kind: 'timeout' }, failed), true);
    assert.equal(check('errorKind', { kind: ['http', 'network'] }, failed), false);
    const untrained = { type: 'xstate.error.actor.0.f.s', error: new AigError('AIG_ERR_NLU_NOT_TRAINED') };
    assert.equal(check('errorKind', { kind: 'not-trained' }, untrained), true);
    assert.equal(check('errorKind', { kind: 'internal' }, { type: 'e', error: new Error('x') }), true);
  });

  it('all / any / not combine names and { type, params }', () => {
    const event = done({ kind: 'dtmf', digit: '9' });
    const nine = { type: 'digitIs', params: { digit: '9' } };
    assert.equal(
      check('all', { guards: [nine, { type: 'resultIs', params: { kind: 'dtmf' } }] }, event),
      true,
    );
    assert.equal(check('all', { guards: [nine, 'hasLastQualifiedIntent'] }, event), false);
    assert.equal(check('any', { guards: ['hasLastQualifiedIntent', nine] }, event), true);
    assert.equal(check('not', { guard: nine }, event), false);
    assert.equal(
      check('not', { guard: { type: 'not', params: { guard: 'recognizerAvailable' } } }, event),
      true,
    );
    assert.throws(() => check('all', { guards: 'x' }, event), AigError);
    assert.throws(() => check('any', { guards: ['noSuchGuard'] }, event), /unknown guard/);
  });

  it('implements exactly one function per guard name', () => {
    for (const implementation of Object.values(FLOW_GUARD_IMPLEMENTATIONS)) {
      assert.equal(typeof implementation, 'function');
    }
  });
});
