import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import { runListenStep } from '../../../../src/conversation/runtime/listen-step.js';
import { FlowStepError } from '../../../../src/conversation/runtime/flow-step-error.js';
import {
  flowVariant,
  runtimeBasicFlow,
  stepEnvironment,
  stepInput,
  testContext,
} from './runtime-test-support.js';

let flow: LoadedFlow;
before(async () => {
  flow = await runtimeBasicFlow();
});

describe('listen step', () => {
  it('plays the prompts, classifies speech and extracts entities', async () => {
    const { env, port, timeline } = stepEnvironment(flow, ["j'ai perdu ma carte vitale le 3 mars"]);
    const output = await runListenStep(env, stepInput({ prompts: ['askReason'], classify: true }));
    assert.equal(output.kind, 'speech');
    assert.ok(output.kind === 'speech');
    assert.equal(output.classification?.intent, 'health_card');
    assert.equal(output.classification?.asksForAgent, false);
    assert.ok(output.entities.some((entity) => entity.type === 'date'));
    assert.equal(output.provider, 'text');
    const request = port.requests[0];
    assert.ok(request?.kind === 'listen');
    assert.deepEqual(
      request.request.prompts.map((prompt) => prompt.id),
      ['askReason'],
    );
    assert.equal(request.request.bargeIn, true);
    assert.equal(request.request.grammar, 'intents');
    assert.equal(env.session.turns, 1);
    assert.deepEqual(
      timeline.entries.map((entry) => entry.type),
      ['prompt', 'recognition', 'classification'],
    );
  });

  it("gives grammar 'intents' the flow's phrases and hints (flow + state)", async () => {
    const { env, port } = stepEnvironment(flow, ['attestation']);
    await runListenStep(
      env,
      stepInput({
        grammar: 'intents',
        hints: ['attestation', 'ameli'],
        noInputMs: 3000,
        maxUtteranceMs: 9000,
      }),
    );
    const request = port.requests[0];
    assert.ok(request?.kind === 'listen');
    assert.ok(request.request.phrases?.includes("j'ai perdu ma carte vitale"));
    assert.ok(
      request.request.phrases?.includes('mes impôts'),
      'out-of-scope phrases are part of the closed list',
    );
    assert.deepEqual(request.request.hints, ['carte vitale', 'attestation', 'ameli']);
    assert.equal(request.request.noInputMs, 3000);
    assert.equal(request.request.maxUtteranceMs, 9000);
  });

  it('with grammar yesno gives a yes/no list; without a grammar, none and no classification', async () => {
    const { env, port } = stepEnvironment(flow, ['oui', 'bonjour']);
    await runListenStep(env, stepInput({ grammar: 'yesno' }, testContext({ language: 'en' })));
    const yesNo = port.requests[0];
    assert.ok(yesNo?.kind === 'listen');
    assert.ok(yesNo.request.phrases?.includes('yes'));
    assert.deepEqual(yesNo.request.hints, ['health card']);
    const plain = await runListenStep(env, stepInput({}));
    assert.ok(plain.kind === 'speech');
    assert.equal(plain.classification, null);
    const second = port.requests[1];
    assert.ok(second?.kind === 'listen');
    assert.equal(second.request.grammar, 'none');
    assert.equal(second.request.phrases, null);
  });

  it('passes keys, silence, no-match and recognizer errors through as results', async () => {
    const { env } = stepEnvironment(flow, ['#42', '', '!nomatch', '!error quota']);
    assert.deepEqual(await runListenStep(env, stepInput({ classify: true })), { kind: 'dtmf', digit: '4' });
    assert.deepEqual(await runListenStep(env, stepInput({ classify: true })), { kind: 'no-input' });
    assert.deepEqual(await runListenStep(env, stepInput({ classify: true })), { kind: 'no-match' });
    const error = await runListenStep(env, stepInput({ classify: true }));
    assert.equal(error.kind, 'error');
    assert.ok(error.kind === 'error');
    assert.equal(error.errorKind, 'quota');
  });

  it('turns speech into a recognizer error when no recognizer serves the call', async () => {
    const { env } = stepEnvironment(flow, ['bonjour'], { port: { recognizerAvailable: false } });
    const output = await runListenStep(env, stepInput({ classify: true }));
    assert.ok(output.kind === 'error');
    assert.equal(output.errorKind, 'unavailable');
  });

  it('fails on a prompt missing in the call language, and on bad input', async () => {
    const onlyFrench = flowVariant(flow, { prompts: { fr: flow.prompts.fr } });
    const { env } = stepEnvironment(onlyFrench, ['x', 'y']);
    await assert.rejects(
      runListenStep(env, stepInput({ prompts: ['askReason'] }, testContext({ language: 'en' }))),
      (err: unknown) =>
        err instanceof FlowStepError &&
        err.errorKind === 'prompt-missing' &&
        err.code === 'AIG_ERR_FLOW_PROMPT',
    );
    await assert.rejects(
      runListenStep(env, stepInput({ noInputMs: 'soon' })),
      /"noInputMs" must be a number/,
    );
    await assert.rejects(runListenStep(env, stepInput({ grammar: 'free' })), /"grammar" must be one of/);
  });

  it('renders prompt variables; an empty prompt is skipped', async () => {
    const { env, port, timeline } = stepEnvironment(flow, ['']);
    await runListenStep(
      env,
      stepInput({ prompts: ['announcement', 'confirmIntent'] }, testContext({ intent: 'sick_leave' })),
    );
    const request = port.requests[0];
    assert.ok(request?.kind === 'listen');
    assert.deepEqual(request.request.prompts, [
      { id: 'confirmIntent', text: "Vous appelez au sujet de sick_leave, c'est bien ça ?", static: false },
    ]);
    assert.equal(timeline.ofType('prompt').length, 1);
  });
});
