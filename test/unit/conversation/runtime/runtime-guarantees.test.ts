// The runtime's backstops: whatever the flow does (loop, fail, stop, wait for nothing), the call ends with a
// transfer to the fallback group or a hangup, within the limits, and the timeline says why.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import { runFlow } from '../../../../src/conversation/runtime/flow-runtime.js';
import { SimulatedCallPort } from '../../../../src/conversation/simulation/simulated-call-port.js';
import { ManualClock } from '../../../../src/shared/clock.js';
import { MemoryCallTimeline } from '../../../../src/store/memory-call-timeline.js';
import { flowVariant, runtimeBasicFlow, simulate, TEST_GROUPS } from './runtime-test-support.js';

let base: LoadedFlow;
before(async () => {
  base = await runtimeBasicFlow();
});

const withMachine = (states: Record<string, unknown>, initial = Object.keys(states)[0]!, settings = {}) =>
  flowVariant(base, { machine: { id: 'variant', initial, states }, settings });

const transferTo = (target: string) => ({
  invoke: { src: 'transfer', input: { target }, onDone: 'done', onError: 'done' },
});

/** Asks for ever, whatever the answer. */
const endlessQuestions = {
  ask: {
    invoke: {
      src: 'listen',
      input: { prompts: ['askReason'], classify: true },
      onDone: 'ask',
      onError: 'ask',
    },
  },
  done: { type: 'final' },
};

describe('runtime guarantees', () => {
  it('maxTurns: the turn after the last allowed one goes to the fallback group', async () => {
    const flow = withMachine(endlessQuestions, 'ask', { maxTurns: 3 });
    const { result, timeline, port } = await simulate(flow, ['bonjour', '', '#5', 'encore']);
    assert.deepEqual(
      [result.outcome, result.target, result.reason, result.turns],
      ['transfer', 'general', 'max-turns', 3],
    );
    assert.equal(port.requests.filter((request) => request.kind === 'listen').length, 3);
    const errors = timeline.ofType('error').map((entry) => String(entry.data.message));
    assert.ok(errors.some((message) => message.startsWith('max-turns: more than 3 turns')));
    assert.deepEqual(timeline.ofType('decision').at(-1)?.data, {
      outcome: 'transfer',
      target: 'general',
      reason: 'max-turns',
      intent: null,
    });
  });

  it('maxDuration: a timer outside the machine takes over, even during a listen that never ends', async () => {
    const flow = withMachine(endlessQuestions, 'ask', { maxDurationSeconds: 30 });
    const clock = new ManualClock();
    const port = new SimulatedCallPort({ turns: { next: () => new Promise(() => undefined) } });
    const running = runFlow(flow, port, { groups: TEST_GROUPS, clock });
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(29_999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(
      port.requests.some((request) => request.kind === 'transfer'),
      false,
    );
    clock.advance(1);
    const result = await running;
    assert.deepEqual(
      [result.outcome, result.target, result.reason, result.turns],
      ['transfer', 'general', 'max-duration', 1],
    );
    assert.equal(result.durationMs, 30_000);
  });

  it('a step failure without onError goes to the fallback group', async () => {
    const flow = withMachine({
      fetch: { invoke: { src: 'lookup', input: { url: '{{vars.lookupUrl}}' }, onDone: 'done' } },
      done: { type: 'final' },
    });
    const { result, timeline } = await simulate(flow, []);
    assert.deepEqual([result.outcome, result.target, result.reason], ['transfer', 'general', 'flow-error']);
    assert.ok(
      timeline
        .ofType('error')
        .some((entry) => entry.data.errorKind === 'bad-input' && entry.data.state === 'fetch'),
    );
  });

  it('a machine that stops without a transfer or a hangup goes to the fallback group', async () => {
    const flow = withMachine({
      greet: { invoke: { src: 'say', input: { prompts: ['welcome'] }, onDone: 'done' } },
      done: { type: 'final' },
    });
    const { result, prompts, timeline } = await simulate(flow, []);
    assert.deepEqual([result.outcome, result.target, result.reason], ['transfer', 'general', 'flow-stopped']);
    assert.deepEqual(prompts, ['welcome']);
    assert.ok(
      timeline
        .ofType('error')
        .some((entry) => /final state without a transfer/.test(String(entry.data.message))),
    );
  });

  it('a machine that waits for nothing goes to the fallback group at once', async () => {
    const flow = withMachine({
      greet: { invoke: { src: 'say', input: { prompts: ['welcome'] }, onDone: 'limbo' } },
      limbo: { on: { NEVER: 'done' } },
      done: { type: 'final' },
    });
    const { result } = await simulate(flow, []);
    assert.deepEqual([result.outcome, result.reason], ['transfer', 'flow-stuck']);
  });

  it('a pending named delay is not mistaken for waiting for nothing', async () => {
    const flow = withMachine({
      wait: { after: { pause: 'go' } },
      go: transferTo('cards'),
      done: { type: 'final' },
    });
    const { result } = await simulate(flow, []);
    assert.deepEqual([result.target, result.reason], ['cards', 'flow']);
  });

  it('a transition to the state itself runs its step again', async () => {
    const flow = withMachine({
      ask: {
        invoke: {
          src: 'listen',
          input: { prompts: ['askReason'] },
          onDone: [
            { guard: { type: 'resultIs', params: { kind: 'dtmf' } }, target: 'go' },
            { target: 'ask' },
          ],
          onError: 'go',
        },
      },
      go: transferTo('cards'),
      done: { type: 'final' },
    });
    const { result, prompts } = await simulate(flow, ['', 'bonjour', '#1']);
    assert.deepEqual(prompts, ['askReason', 'askReason', 'askReason']);
    assert.deepEqual([result.target, result.turns], ['cards', 3]);
  });

  it('a machine that cannot be built (unknown actor) goes to the fallback group', async () => {
    const flow = withMachine({
      dance: { invoke: { src: 'dance', onDone: 'done' } },
      done: { type: 'final' },
    });
    const { result, timeline } = await simulate(flow, []);
    assert.deepEqual([result.outcome, result.reason], ['transfer', 'flow-error']);
    assert.ok(
      timeline.ofType('error').some((entry) => /unknown actor "dance"/.test(String(entry.data.message))),
    );
  });

  it('an exception in a guard goes to the fallback group', async () => {
    const flow = withMachine({
      ask: {
        invoke: {
          src: 'listen',
          input: { classify: true },
          onDone: [
            { guard: { type: 'confidence', params: { atLeast: 'very' } }, target: 'done' },
            { target: 'done' },
          ],
          onError: 'done',
        },
      },
      done: { type: 'final' },
    });
    const { result } = await simulate(flow, ['bonjour']);
    assert.deepEqual([result.outcome, result.reason], ['transfer', 'flow-error']);
  });

  it('the caller hanging up stops the flow: no transfer, outcome hangup', async () => {
    const { result, port, timeline } = await simulate(base, ['!hangup']);
    assert.deepEqual([result.outcome, result.target, result.reason], ['hangup', null, 'caller-hangup']);
    assert.equal(
      port.requests.some((request) => request.kind === 'transfer' || request.kind === 'hangup'),
      false,
    );
    assert.equal(timeline.ofType('decision').length, 1);
  });

  it('when the fallback transfer fails too, the call is hung up', async () => {
    const flow = withMachine({ done: { type: 'final' } });
    const { result, port } = await simulate(flow, [], {
      port: { transfer: () => ({ status: 'failed', reason: '480', sipStatus: null }) },
    });
    assert.deepEqual([result.outcome, result.target, result.reason], ['hangup', null, 'transfer-failed']);
    assert.deepEqual(
      port.requests.map((request) => request.kind),
      ['transfer', 'hangup'],
    );
  });

  it('a fallback group missing from the config: hangup', async () => {
    const flow = withMachine({ done: { type: 'final' } }, 'done', { fallbackTarget: 'nowhere' });
    const { result, timeline } = await simulate(flow, []);
    assert.deepEqual([result.outcome, result.reason], ['hangup', 'transfer-failed']);
    assert.ok(
      timeline
        .ofType('error')
        .some((entry) => /"nowhere" is not configured/.test(String(entry.data.message))),
    );
  });

  it('the run ends at the decision even if the machine goes on', async () => {
    const flow = withMachine({
      go: { invoke: { src: 'transfer', input: { target: 'cards' }, onDone: 'ask', onError: 'ask' } },
      ask: { invoke: { src: 'listen', input: {}, onDone: 'ask', onError: 'ask' } },
    });
    const { result, port } = await simulate(flow, ['bonjour']);
    assert.deepEqual([result.outcome, result.target, result.turns], ['transfer', 'cards', 0]);
    assert.equal(
      port.requests.some((request) => request.kind === 'listen'),
      false,
    );
  });

  it('a timeline that throws never breaks the call', async () => {
    const broken = new MemoryCallTimeline(() => {
      throw new Error('disk full');
    });
    const { result } = await simulate(base, ["j'ai perdu ma carte vitale"], { timeline: broken });
    assert.equal(result.target, 'cards');
  });
});
