// Whole calls through the runtime-basic fixture flow on the simulated port: the paths a caller takes, and what
// the result and the timeline say about them.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import { flowVariant, runtimeBasicFlow, simulate } from './runtime-test-support.js';

let flow: LoadedFlow;
let server: Server;
let lookupUrl: string;

before(async () => {
  flow = await runtimeBasicFlow();
  server = createServer((req, res) => {
    if (req.url === '/certificate') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sent: true, message: 'par courrier' }));
    } else {
      res.writeHead(500).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  lookupUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const NIR = '185057800608491';

describe('flow runtime: caller paths', () => {
  it('a clear reason goes straight to its group', async () => {
    const { result, prompts, timeline, port } = await simulate(flow, ["j'ai perdu ma carte vitale"]);
    assert.deepEqual(
      {
        outcome: result.outcome,
        target: result.target,
        intent: result.intent,
        turns: result.turns,
        reason: result.reason,
      },
      { outcome: 'transfer', target: 'cards', intent: 'health_card', turns: 1, reason: 'flow' },
    );
    assert.equal(result.flowVersion, flow.version);
    assert.ok(result.durationMs >= 0);
    assert.deepEqual(prompts, ['welcome', 'askReason', 'transferring']);
    const states = timeline.ofType('state').map((entry) => entry.data.to);
    assert.deepEqual(states, [
      'greeting',
      'start',
      'ask',
      'interpret',
      'route',
      'afterNir',
      'transfer',
      'done',
    ]);
    assert.equal(timeline.ofType('classification')[0]?.data.intent, 'health_card');
    assert.deepEqual(
      timeline.ofType('decision').map((entry) => entry.data),
      [{ outcome: 'transfer', target: 'cards', reason: 'flow', intent: 'health_card' }],
    );
    assert.equal(port.requests.filter((request) => request.kind === 'transfer').length, 1);
  });

  it('the ops announcement is said when the variable is set', async () => {
    const { prompts, events } = await simulate(flow, ["j'ai perdu ma carte vitale"], {
      variables: { announcement: 'Nos services sont fermés lundi.' },
    });
    assert.deepEqual(prompts.slice(0, 3), ['welcome', 'announcement', 'askReason']);
    assert.ok(
      events.some((event) => event.event === 'prompt' && event.text === 'Nos services sont fermés lundi.'),
    );
  });

  it('an agent request with no qualified intent goes to the general group', async () => {
    const { result } = await simulate(flow, ["je veux parler à quelqu'un"]);
    assert.equal(result.target, 'general');
    assert.equal(result.intent, 'agent');
  });

  it('captures a keyed NIR, reads it back, and transfers with its validity only', async () => {
    const { result, prompts, events, timeline } = await simulate(flow, [
      'je suis en arrêt maladie',
      `#${NIR}#`,
    ]);
    assert.deepEqual([result.target, result.intent, result.turns], ['allowances', 'sick_leave', 2]);
    assert.deepEqual(prompts, ['welcome', 'askReason', 'nirAsk', 'nirReadBack', 'transferring']);
    const readBack = events.find((event) => event.event === 'prompt' && event.id === 'nirReadBack');
    assert.ok(readBack?.event === 'prompt');
    assert.equal(readBack.text, "J'ai noté 1, 85, 05, 78, 006, 084, 91.");
    const transfer = events.find((event) => event.event === 'transfer');
    assert.ok(transfer?.event === 'transfer');
    assert.equal(transfer.context.nirStatus, 'valid');
    const logged = timeline.ofType('prompt').find((entry) => entry.data.id === 'nirReadBack');
    assert.equal(logged?.data.text, "J'ai noté 1, **, **, **, ***, ***, **.");
  });

  it('a wrong NIR is asked again once, then the call carries on without it', async () => {
    const { result, prompts } = await simulate(flow, [
      'je suis en arrêt maladie',
      '#185057800608492#',
      '#12#',
    ]);
    assert.deepEqual(prompts, ['welcome', 'askReason', 'nirAsk', 'nirAsk', 'transferring']);
    assert.equal(result.target, 'allowances');
  });

  it('silence: reprompts twice, then the keypad menu, then an agent', async () => {
    const { result, prompts } = await simulate(flow, []);
    assert.deepEqual(prompts, [
      'welcome',
      'askReason',
      'reask',
      'askReason',
      'reask',
      'askReason',
      'menu',
      'menu',
      'transferring',
    ]);
    assert.deepEqual(
      [result.outcome, result.target, result.turns, result.reason],
      ['transfer', 'general', 5, 'flow'],
    );
  });

  it('no recognizer from the start: the keypad menu', async () => {
    const { result, prompts } = await simulate(flow, ['#1'], { port: { recognizerAvailable: false } });
    assert.deepEqual(prompts, ['welcome', 'menu', 'transferring']);
    assert.equal(result.target, 'cards');
  });

  it('a recognizer failure mid-call: the keypad menu', async () => {
    const { result, timeline } = await simulate(flow, ['!error unavailable', '#2']);
    assert.equal(result.target, 'allowances');
    assert.ok(timeline.ofType('recognition').some((entry) => entry.data.errorKind === 'unavailable'));
  });

  it('key 9 switches to English', async () => {
    const { result, events } = await simulate(flow, ['#9', 'i lost my health card']);
    assert.equal(result.target, 'cards');
    const asks = events.filter((event) => event.event === 'prompt' && event.id === 'askReason');
    assert.deepEqual(
      asks.map((event) => (event.event === 'prompt' ? event.text : '')),
      ['En quelques mots, quelle est la raison de votre appel ?', 'In a few words, why are you calling?'],
    );
  });

  it('a certificate is served by the lookup, then the call ends', async () => {
    const { result, events } = await simulate(flow, ['attestation de droits', `#${NIR}#`], {
      variables: { lookupUrl: `${lookupUrl}/certificate` },
    });
    assert.deepEqual([result.outcome, result.target, result.intent], ['hangup', null, 'certificate']);
    const sent = events.find((event) => event.event === 'prompt' && event.id === 'certificateSent');
    assert.ok(sent?.event === 'prompt');
    assert.equal(sent.text, 'Votre attestation est envoyée : par courrier.');
    assert.ok(events.some((event) => event.event === 'hangup' && event.by === 'ivr'));
  });

  it('a failed lookup goes to an agent; the timeline records the error', async () => {
    const { result, timeline } = await simulate(flow, ['attestation de droits', `#${NIR}#`], {
      variables: { lookupUrl: `${lookupUrl}/broken` },
    });
    assert.deepEqual([result.outcome, result.target, result.reason], ['transfer', 'general', 'flow']);
    assert.ok(
      timeline
        .ofType('error')
        .some((entry) => entry.data.errorKind === 'http' && entry.data.state === 'certificate'),
    );
  });

  it('out of scope: the caller is told and the call ends', async () => {
    const { result, prompts } = await simulate(flow, ['je voudrais une pizza']);
    assert.equal(result.outcome, 'hangup');
    assert.deepEqual(prompts.slice(-2), ['outOfScope', 'goodbye']);
  });

  it("a transfer the network refuses follows the flow's onError", async () => {
    const { result, prompts } = await simulate(flow, ["j'ai perdu ma carte vitale"], {
      port: { transfer: () => ({ status: 'failed', reason: '503', sipStatus: 503 }) },
    });
    assert.deepEqual([result.outcome, result.reason], ['hangup', 'flow']);
    assert.deepEqual(prompts.slice(-2), ['sorry', 'goodbye']);
  });

  it('classify: a plain listen, then its transcript classified by a step of its own', async () => {
    const machine = {
      id: 'classify-later',
      initial: 'ask',
      states: {
        ask: {
          invoke: { src: 'listen', input: { prompts: ['askReason'] }, onDone: 'classify', onError: 'fail' },
        },
        classify: {
          invoke: {
            src: 'classify',
            input: { text: '{{event.output.transcript}}' },
            onDone: [
              {
                guard: { type: 'intentIs', params: { intent: 'sick_leave' } },
                actions: ['acceptIntent'],
                target: 'sick',
              },
              { target: 'fail' },
            ],
            onError: 'fail',
          },
        },
        sick: {
          invoke: { src: 'transfer', input: { target: 'allowances' }, onDone: 'done', onError: 'fail' },
        },
        fail: { invoke: { src: 'hangup', input: {}, onDone: 'done' } },
        done: { type: 'final' },
      },
    };
    const { result, timeline } = await simulate(flowVariant(flow, { machine }), ['je suis en arrêt maladie']);
    assert.deepEqual([result.target, result.intent], ['allowances', 'sick_leave']);
    assert.equal(timeline.ofType('classification')[0]?.data.source, 'classify');
  });

  it('confirmation with a correction: "non, c\'est pour ma carte européenne"', async () => {
    const machine = structuredClone(flow.machine) as { states: Record<string, Record<string, unknown>> };
    // Every understood reason is confirmed, whatever the confidence.
    machine.states.interpret = { always: [{ target: 'confirmIntent' }] };
    const confirming = flowVariant(flow, { machine });
    const { result, prompts, events } = await simulate(confirming, [
      "j'ai perdu ma carte vitale",
      "non c'est pour ma carte européenne",
    ]);
    assert.deepEqual([result.target, result.intent, result.turns], ['cards', 'european_card', 2]);
    assert.deepEqual(prompts, ['welcome', 'askReason', 'confirmIntent', 'transferring']);
    const transfer = events.find((event) => event.event === 'transfer');
    assert.ok(transfer?.event === 'transfer');
    assert.equal(transfer.context.intent, 'european_card');
  });
});
