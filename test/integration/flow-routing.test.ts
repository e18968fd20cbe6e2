// The reference flow with real routing: the app's routing composition (groups file, router, Redis load figures,
// BullMQ callbacks, call records) on a private redis-server, the flow run by the runtime on a simulated call (typed
// turns). What the caller hears and what routing decides and books are checked end to end, without SIP.
import { localDateTimeKey } from '../../src/routing/zoned-time.js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import { AppRouting } from '../../src/app-routing.js';
import { loadConfig } from '../../src/config/load-config.js';
import { tryLoadFlow } from '../../src/conversation/flow/flow-loader.js';
import type { LoadedFlow } from '../../src/conversation/flow/flow-types.js';
import type { TransferOutcome, TransferRequest } from '../../src/conversation/runtime/call-port.js';
import { runFlow, type FlowRunResult } from '../../src/conversation/runtime/flow-runtime.js';
import { scriptedTurns, SimulatedCallPort } from '../../src/conversation/simulation/simulated-call-port.js';
import { parseSimulatedScript } from '../../src/conversation/simulation/simulated-turns.js';
import { MemoryCallTimeline } from '../../src/store/memory-call-timeline.js';
import { startPrivateRedis, type PrivateRedis } from '../unit/store/private-redis.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ALWAYS_OPEN = join(ROOT, 'test/fixtures/routing/always-open.yaml');

/** Local wall-clock time in Paris as the groups file writes it: `YYYY-MM-DDTHH:MM`. */
function parisLocal(at: Date): string {
  return localDateTimeKey(at, 'Europe/Paris');
}

interface Run {
  readonly result: FlowRunResult;
  readonly said: string[];
  readonly transfers: TransferRequest[];
  readonly timeline: MemoryCallTimeline;
}

describe('reference flow with real routing (Redis, BullMQ, groups file)', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let dir: string;
  let flow: LoadedFlow;
  const opened: AppRouting[] = [];

  before(async () => {
    redis = await startPrivateRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    dir = await mkdtemp(join(tmpdir(), 'aig-flow-routing-'));
  });
  after(async () => {
    for (const routing of opened) {
      await routing.close();
    }
    client.disconnect();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function routingWith(groupsText: string, name: string): Promise<AppRouting> {
    const groupsFile = join(dir, `${name}.yaml`);
    await writeFile(groupsFile, groupsText);
    const configFile = join(dir, `${name}.config.json`);
    await writeFile(
      configFile,
      JSON.stringify({
        dataDir: join(dir, name),
        routing: { groupsFile, watch: false },
        records: { file: join(dir, name, 'records.jsonl') },
        callbacks: { queue: `q-${name}` },
      }),
    );
    const config = loadConfig({ file: configFile, cwd: dir, env: {} });
    const routing = await AppRouting.start(config, client, pino({ level: 'silent' }));
    opened.push(routing);
    const loaded = await tryLoadFlow(join(ROOT, 'flows/assurance-maladie'), {
      groups: routing.staticTargets(),
    });
    assert.ok(loaded.ok, 'the reference flow loads against the routing targets');
    flow = loaded.flow;
    return routing;
  }

  async function call(
    routing: AppRouting,
    script: string,
    options: { callId: string; callerNumber?: string | null; failing?: readonly string[] },
  ): Promise<Run> {
    const said: string[] = [];
    const transfers: TransferRequest[] = [];
    const port = new SimulatedCallPort({
      turns: scriptedTurns(parseSimulatedScript(script)),
      callId: options.callId,
      number: '3646',
      callerNumber: options.callerNumber ?? null,
      onEvent: (event) => {
        if (event.event === 'prompt') {
          said.push(event.id);
        }
      },
      transfer: (request): TransferOutcome => {
        transfers.push(request);
        return options.failing?.includes(request.target) === true
          ? { status: 'failed', reason: 'agent busy (486)', sipStatus: 486 }
          : { status: 'transferred', method: request.mode, uri: request.uris[0] ?? '' };
      },
    });
    const timeline = new MemoryCallTimeline();
    const result = await runFlow(flow, port, {
      groups: routing.staticTargets(),
      routing: routing.forCall({
        callId: options.callId,
        number: '3646',
        callerNumber: options.callerNumber ?? null,
      }),
      language: 'fr',
      timeline,
    });
    return { result, said, transfers, timeline };
  }

  it('open: the intent goes to its skill group, with the priority a declared vulnerability raises', async () => {
    const routing = await routingWith(await readFile(ALWAYS_OPEN, 'utf8'), 'open');
    const run = await call(routing, "je suis malvoyante et j'ai perdu ma carte vitale\n", {
      callId: 'open-1',
    });
    assert.equal(run.result.outcome, 'transfer', JSON.stringify(run.said));
    assert.equal(run.result.target, 'cards');
    const [transfer] = run.transfers;
    assert.ok(transfer !== undefined);
    assert.deepEqual(transfer.uris, ['sip:cards@127.0.0.1:5090']);
    assert.equal(transfer.context.priority, 3);
    assert.ok(
      transfer.context.priorityReasons.some((r) => /vulnerab/i.test(r)),
      String(transfer.context.priorityReasons),
    );
    assert.match(transfer.context.reasons, /skill=cards\/1 group=cards/);
    // Never the words: the vulnerability is a kind in the timeline, not what was said.
    const routingEntry = run.timeline.entries.find((e) => e.type === 'routing');
    assert.ok(routingEntry !== undefined);
    assert.ok(!JSON.stringify(routingEntry).includes('malvoyante'));
  });

  it('open, but the caller asks to be called back: the callback is booked with the routed group, no transfer', async () => {
    const routing = await routingWith(
      (await readFile(ALWAYS_OPEN, 'utf8')).replace(/minLeadMinutes: \d+/, 'minLeadMinutes: 0'),
      'on-request',
    );
    const run = await call(routing, "j'ai perdu ma carte vitale, rappelez-moi plutôt\noui\n#1\n", {
      callId: 'on-request-1',
      callerNumber: '0612345678',
    });
    assert.equal(run.result.outcome, 'callback', JSON.stringify(run.said));
    assert.deepEqual(run.transfers, []);
    assert.ok(!run.said.includes('closedNow') && run.said.includes('callbackBooked'), run.said.join(','));
    const booked = await routing.callbacks!.get(run.result.callbackId!);
    assert.equal(booked?.groupId, 'cards');
  });

  it('a group that refuses the call: the next eligible group takes it', async () => {
    const routing = await routingWith(await readFile(ALWAYS_OPEN, 'utf8'), 'failover');
    const run = await call(routing, "j'ai perdu ma carte vitale\n", {
      callId: 'failover-1',
      failing: ['cards'],
    });
    assert.deepEqual(
      run.transfers.map((t) => t.target),
      ['cards', 'general'],
    );
    assert.equal(run.result.outcome, 'transfer');
    assert.equal(run.result.target, 'general');
  });

  it('closed: the caller is offered a callback, confirms the presented number, picks a slot — it is booked', async () => {
    const now = new Date();
    const reopens = new Date(now.getTime() + 2 * 3600_000);
    const closed = (await readFile(ALWAYS_OPEN, 'utf8'))
      .replaceAll(
        '    closures: []',
        `    closures:\n      - { from: '${parisLocal(new Date(now.getTime() - 3600_000))}', to: '${parisLocal(reopens)}', reason: test }`,
      )
      .replace(/minLeadMinutes: \d+/, 'minLeadMinutes: 0');
    const routing = await routingWith(closed, 'closed');
    const run = await call(routing, "j'ai perdu ma carte vitale\noui\noui\n#2\n", {
      callId: 'closed-1',
      callerNumber: '+33612345678',
    });
    assert.equal(run.result.outcome, 'callback', JSON.stringify(run.said));
    assert.deepEqual(run.transfers, []);
    for (const prompt of [
      'closedNow',
      'offerCallback',
      'callbackNumberConfirm',
      'callbackSlots',
      'callbackBooked',
      'goodbye',
    ]) {
      assert.ok(run.said.includes(prompt), `${prompt} in ${run.said.join(',')}`);
    }
    const callbackId = run.result.callbackId;
    assert.ok(callbackId !== null);
    const booked = await routing.callbacks!.get(callbackId);
    assert.equal(booked?.status, 'scheduled');
    assert.equal(booked?.groupId, 'cards');
    // The second slot offered: slots are 30 minutes from the reopening.
    assert.ok(booked !== null && booked.slot.start.getTime() >= reopens.getTime() - 60_000);
    // The clear number is only in the job, never in the timeline.
    assert.ok(!JSON.stringify(run.timeline.entries).includes('612345678'));
  });

  it('closed, withheld number: the caller keys one, it is read back and confirmed', async () => {
    const now = new Date();
    const closed = (await readFile(ALWAYS_OPEN, 'utf8'))
      .replaceAll(
        '    closures: []',
        `    closures:\n      - { from: '${parisLocal(new Date(now.getTime() - 3600_000))}', to: '${parisLocal(new Date(now.getTime() + 3 * 3600_000))}', reason: test }`,
      )
      .replace(/minLeadMinutes: \d+/, 'minLeadMinutes: 0');
    const routing = await routingWith(closed, 'withheld');
    const run = await call(
      routing,
      "j'ai perdu ma carte vitale\noui\n#0899999999#\n#0612345678#\noui\n#1\n",
      {
        callId: 'withheld-1',
        callerNumber: null,
      },
    );
    assert.equal(run.result.outcome, 'callback', JSON.stringify(run.said));
    // 08 numbers are refused (premium rate): asked again, then read back.
    assert.deepEqual(
      run.said.filter((id) => id.startsWith('callbackNumber')),
      ['callbackNumberAsk', 'callbackNumberInvalid', 'callbackNumberAsk', 'callbackNumberReadBack'],
    );
  });
});
