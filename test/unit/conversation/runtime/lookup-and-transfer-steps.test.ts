import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import { FlowStepError } from '../../../../src/conversation/runtime/flow-step-error.js';
import { runLookupStep } from '../../../../src/conversation/runtime/lookup-step.js';
import { runTransferStep } from '../../../../src/conversation/runtime/transfer-step.js';
import { runtimeBasicFlow, stepEnvironment, stepInput, testContext } from './runtime-test-support.js';

let flow: LoadedFlow;
let server: Server;
let base: string;
/** Requests seen, by path. */
const seen: { path: string; method: string; body: string }[] = [];
/** Per path, the answers to give in turn (the last one repeats). */
const script = new Map<string, ((res: ServerResponse) => void)[]>();

function answer(path: string, ...answers: ((res: ServerResponse) => void)[]): void {
  script.set(path, answers);
}

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

before(async () => {
  flow = await runtimeBasicFlow();
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', method: req.method ?? '', body });
      const answers = script.get(req.url ?? '') ?? [json(404, {})];
      const next = answers.length > 1 ? answers.shift()! : answers[0]!;
      next(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const lookup = (args: Record<string, unknown>) => {
  const { env } = stepEnvironment(flow, []);
  return runLookupStep(env, stepInput(args));
};
const failsWith = (kind: string) => (err: unknown) =>
  err instanceof FlowStepError && err.errorKind === kind && err.code === 'AIG_ERR_FLOW_LOOKUP';

describe('lookup step', () => {
  it('GETs JSON, or POSTs the body when there is one', async () => {
    answer('/ok', json(200, { sent: true, message: 'par courrier' }));
    assert.deepEqual(await lookup({ url: `${base}/ok` }), { sent: true, message: 'par courrier' });
    assert.deepEqual(await lookup({ url: `${base}/ok`, body: { intent: 'certificate', nirValid: true } }), {
      sent: true,
      message: 'par courrier',
    });
    const [get, post] = seen.filter((request) => request.path === '/ok');
    assert.equal(get?.method, 'GET');
    assert.equal(post?.method, 'POST');
    assert.deepEqual(JSON.parse(post.body), { intent: 'certificate', nirValid: true });
  });

  it('retries a 5xx, then succeeds', async () => {
    answer('/flaky', json(503, {}), json(200, { ok: 1 }));
    assert.deepEqual(await lookup({ url: `${base}/flaky`, retries: 1 }), { ok: 1 });
    assert.equal(seen.filter((request) => request.path === '/flaky').length, 2);
  });

  it('does not retry a 404; fails with kind http', async () => {
    answer('/missing', json(404, {}));
    await assert.rejects(lookup({ url: `${base}/missing`, retries: 3 }), failsWith('http'));
    assert.equal(seen.filter((request) => request.path === '/missing').length, 1);
  });

  it('times out each attempt, retries, then fails with kind timeout', async () => {
    answer('/slow', () => undefined);
    const started = performance.now();
    await assert.rejects(lookup({ url: `${base}/slow`, timeoutMs: 100, retries: 1 }), failsWith('timeout'));
    assert.equal(seen.filter((request) => request.path === '/slow').length, 2);
    assert.ok(performance.now() - started < 2000);
  });

  it('fails with bad-response on a body that is not JSON, and bad-input without a URL', async () => {
    answer('/html', (res) => res.end('<html>'));
    await assert.rejects(lookup({ url: `${base}/html` }), failsWith('bad-response'));
    await assert.rejects(
      lookup({ url: null }),
      (err: unknown) => err instanceof FlowStepError && err.errorKind === 'bad-input',
    );
  });

  it('fails with network when nothing listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await assert.rejects(lookup({ url: `http://127.0.0.1:${port}/`, retries: 0 }), failsWith('network'));
  });
});

describe('transfer step', () => {
  const nirContext = testContext({
    intent: 'sick_leave',
    confidence: 0.91,
    lastQualifiedIntent: 'sick_leave',
    nir: { value: '185057800608491', valid: true, readBack: '1, 85, 05, 78, 006, 084, 91' },
    transcript: 'je suis en arrêt maladie',
  });

  it('says the prompts without barge-in, then transfers to the group URI with the context but no NIR', async () => {
    const { env, port } = stepEnvironment(flow, []);
    assert.deepEqual(
      await runTransferStep(env, stepInput({ target: 'allowances', prompts: ['transferring'] }, nirContext)),
      { status: 'transferred', group: 'allowances', method: 'refer' },
    );
    const [say, transfer] = port.requests;
    assert.ok(say?.kind === 'say' && transfer?.kind === 'transfer');
    assert.equal(say.request.bargeIn, false);
    assert.deepEqual(transfer.request.uris, ['sip:allowances@127.0.0.1:5090']);
    assert.deepEqual(transfer.request.context, {
      callId: 'step-test',
      intent: 'sick_leave',
      confidence: 0.91,
      priority: 0,
      priorityReasons: [],
      reasons: 'static',
      language: 'fr',
      flowVersion: `runtime-basic@${flow.version}`,
      nirStatus: 'valid',
      nir: null,
    });
    assert.ok(!JSON.stringify(transfer.request).includes('185057800608491'));
    assert.ok(!JSON.stringify(transfer.request).includes('arrêt'));
    assert.deepEqual(env.session.decision, { outcome: 'transfer', target: 'allowances', reason: 'flow' });
  });

  it('fails with no-group for a group missing from the config, transfer-failed when the call cannot move', async () => {
    const { env } = stepEnvironment(flow, []);
    await assert.rejects(
      runTransferStep(env, stepInput({ target: 'nowhere' })),
      (err: unknown) => err instanceof FlowStepError && err.errorKind === 'no-group',
    );
    const failing = stepEnvironment(flow, [], {
      port: { transfer: () => ({ status: 'failed', reason: '486 Busy', sipStatus: null }) },
    });
    await assert.rejects(
      runTransferStep(failing.env, stepInput({ target: 'general' })),
      (err: unknown) =>
        err instanceof FlowStepError && err.errorKind === 'transfer-failed' && /486 Busy/.test(err.message),
    );
    assert.equal(failing.env.session.decision, null);
  });
});
