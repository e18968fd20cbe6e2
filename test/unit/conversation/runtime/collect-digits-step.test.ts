import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import {
  keyedDigits,
  runCollectDigitsStep,
} from '../../../../src/conversation/runtime/collect-digits-step.js';
import { runtimeBasicFlow, stepEnvironment, stepInput, testContext } from './runtime-test-support.js';

let flow: LoadedFlow;
before(async () => {
  flow = await runtimeBasicFlow();
});

const NIR = '185057800608491';
const nirArgs = { prompts: ['nirAsk'], min: 13, max: 15, entity: 'nir' };

describe('collectDigits step', () => {
  it('reads a NIR typed on the keypad, checks its key and prepares the read-back', async () => {
    const { env, port } = stepEnvironment(flow, [`#${NIR}#`]);
    const output = await runCollectDigitsStep(env, stepInput(nirArgs));
    assert.deepEqual(output, {
      kind: 'digits',
      digits: NIR,
      nir: { value: NIR, valid: true, readBack: '1, 85, 05, 78, 006, 084, 91' },
    });
    const request = port.requests[0];
    assert.ok(request?.kind === 'collectDigits');
    assert.equal(request.request.terminator, '#');
    assert.equal(request.request.spoken, true);
    assert.equal(request.request.min, 13);
    assert.equal(request.request.max, 15);
    assert.equal(request.request.interDigitMs, 3000);
  });

  it('reads a NIR said in groups', async () => {
    const { env } = stepEnvironment(flow, [
      'un quatre-vingt-cinq zéro cinq soixante-dix-huit zéro zéro six zéro quatre-vingt-quatre clé quatre-vingt-onze',
    ]);
    const output = await runCollectDigitsStep(env, stepInput(nirArgs));
    assert.ok(output.kind === 'digits');
    assert.equal(output.nir?.valid, true);
    assert.equal(output.digits, NIR);
  });

  it('a NIR with a wrong key is read but not valid; too short is invalid', async () => {
    const { env } = stepEnvironment(flow, ['#185057800608492#', '#1850578#']);
    const wrongKey = await runCollectDigitsStep(env, stepInput(nirArgs));
    assert.ok(wrongKey.kind === 'digits');
    assert.equal(wrongKey.nir?.valid, false);
    assert.deepEqual(await runCollectDigitsStep(env, stepInput(nirArgs)), {
      kind: 'invalid',
      reason: 'length',
    });
  });

  it('plain digits: keys or words, within min and max', async () => {
    const { env } = stepEnvironment(flow, ['#0612#', 'zéro six douze', '#12', 'bonjour', '']);
    const args = { min: 4, max: 4 };
    assert.deepEqual(await runCollectDigitsStep(env, stepInput(args)), { kind: 'digits', digits: '0612' });
    assert.deepEqual(await runCollectDigitsStep(env, stepInput(args)), { kind: 'digits', digits: '0612' });
    assert.deepEqual(await runCollectDigitsStep(env, stepInput(args)), { kind: 'invalid', reason: 'length' });
    assert.deepEqual(await runCollectDigitsStep(env, stepInput(args)), {
      kind: 'invalid',
      reason: 'no-digits',
    });
    assert.deepEqual(await runCollectDigitsStep(env, stepInput(args)), { kind: 'no-input' });
    assert.equal(env.session.turns, 5);
  });

  it('without spoken digits, speech is no input', async () => {
    const { env } = stepEnvironment(flow, ['zéro six']);
    assert.deepEqual(await runCollectDigitsStep(env, stepInput({ min: 1, max: 4, spoken: false })), {
      kind: 'no-input',
    });
  });

  it('rejects a max below min', async () => {
    const { env } = stepEnvironment(flow, []);
    await assert.rejects(
      runCollectDigitsStep(env, stepInput({ min: 4, max: 2 }, testContext())),
      /"max" \(2\) is below "min" \(4\)/,
    );
  });

  it('keyedDigits: terminator ends, star restarts', () => {
    assert.equal(keyedDigits('123#45', '#'), '123');
    assert.equal(keyedDigits('12*34', '#'), '34');
    assert.equal(keyedDigits('12#', null), '12');
    assert.equal(keyedDigits('#', '#'), null);
  });
});
