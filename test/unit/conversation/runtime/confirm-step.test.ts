import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import { runConfirmStep } from '../../../../src/conversation/runtime/confirm-step.js';
import { FlowStepError } from '../../../../src/conversation/runtime/flow-step-error.js';
import { runtimeBasicFlow, stepEnvironment, stepInput, testContext } from './runtime-test-support.js';

let flow: LoadedFlow;
before(async () => {
  flow = await runtimeBasicFlow();
});

const confirming = testContext({ intent: 'health_card', confidence: 0.6 });
const confirm = async (lines: string[], args: Record<string, unknown> = {}, language: 'fr' | 'en' = 'fr') => {
  const setup = stepEnvironment(flow, lines);
  const output = await runConfirmStep(
    setup.env,
    stepInput({ prompts: ['confirmIntent'], ...args }, { ...confirming, language }),
  );
  return { output, ...setup };
};

describe('confirm step', () => {
  it('understands yes and no by voice, in both languages', async () => {
    assert.deepEqual((await confirm(['ben ouais'])).output, { answer: 'yes' });
    assert.deepEqual((await confirm(["non c'est pas ça"])).output, { answer: 'no' });
    assert.deepEqual((await confirm(["yes that's right"], {}, 'en')).output, { answer: 'yes' });
    assert.deepEqual((await confirm(['no thanks'], {}, 'en')).output, { answer: 'no' });
  });

  it('takes keys 1 and 2', async () => {
    assert.deepEqual((await confirm(['#1'])).output, { answer: 'yes' });
    assert.deepEqual((await confirm(['#2'])).output, { answer: 'no' });
  });

  it('asks the grammar yesno with the prompts, and again after silence, noise or another key', async () => {
    const { output, port, env } = await confirm(['', '#5', 'oui'], { retries: 2 });
    assert.deepEqual(output, { answer: 'yes' });
    assert.equal(env.session.turns, 3);
    const listens = port.requests.filter((request) => request.kind === 'listen');
    assert.equal(listens.length, 3);
    for (const listen of listens) {
      assert.ok(listen.kind === 'listen');
      assert.equal(listen.request.grammar, 'yesno');
      assert.deepEqual(
        listen.request.prompts.map((prompt) => prompt.id),
        ['confirmIntent'],
      );
    }
  });

  it('answers none once the retries are spent (one retry by default)', async () => {
    const { output, env } = await confirm(['', '!nomatch', 'oui']);
    assert.deepEqual(output, { answer: 'none' });
    assert.equal(env.session.turns, 2);
    assert.deepEqual((await confirm(['je sais pas'], { retries: 0 })).output, { answer: 'none' });
  });

  it('reads "non, c\'est pour ma carte européenne" as a no with a correction', async () => {
    const { output, timeline } = await confirm(["non c'est pour ma carte européenne"]);
    assert.equal(output.answer, 'no');
    assert.equal(output.correction?.intent, 'european_card');
    assert.equal(timeline.ofType('classification').at(-1)?.data.source, 'confirm');
  });

  it('a "no" followed by words out of scope is a plain no', async () => {
    assert.deepEqual((await confirm(['non merci'])).output, { answer: 'no' });
    assert.deepEqual((await confirm(['non la météo'])).output, { answer: 'no' });
  });

  it('a topic named instead of an answer: the same topic is a yes, another a correction', async () => {
    assert.deepEqual((await confirm(["j'ai perdu ma carte vitale"])).output, { answer: 'yes' });
    const other = await confirm(['je suis en arrêt maladie']);
    assert.equal(other.output.answer, 'no');
    assert.equal(other.output.correction?.intent, 'sick_leave');
  });

  it('fails with the error kind when the recognizer fails', async () => {
    const setup = stepEnvironment(flow, ['!error unavailable']);
    await assert.rejects(
      runConfirmStep(setup.env, stepInput({ prompts: ['confirmIntent'] }, confirming)),
      (err: unknown) =>
        err instanceof FlowStepError &&
        err.errorKind === 'unavailable' &&
        err.code === 'AIG_ERR_ASR_UNAVAILABLE',
    );
  });
});
