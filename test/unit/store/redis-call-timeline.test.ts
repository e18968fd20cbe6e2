// The call timeline in a real Redis (a private redis-server started here), and what happens to a call when that
// Redis goes away in the middle of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { runFlow } from '../../../src/conversation/runtime/flow-runtime.js';
import {
  SimulatedCallPort,
  type SimulatedTurnSource,
} from '../../../src/conversation/simulation/simulated-call-port.js';
import { parseSimulatedTurn } from '../../../src/conversation/simulation/simulated-turns.js';
import {
  callTimelineKey,
  readCallTimeline,
  RedisCallTimeline,
} from '../../../src/store/redis-call-timeline.js';
import { runtimeBasicFlow, TEST_GROUPS, timelineText } from '../conversation/runtime/runtime-test-support.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

let server: PrivateRedis;
let redis: Redis;

before(async () => {
  server = await startPrivateRedis();
  redis = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await server.stop();
});

const entry = (n: number) => ({
  at: 1_700_000_000_000 + n,
  type: 'note' as const,
  data: { text: `entry ${n}` },
});

describe('Redis call timeline', () => {
  it('writes entries in order, batched, with a TTL', async () => {
    const timeline = new RedisCallTimeline(redis, 'call-1', { ttlSeconds: 120 });
    for (let n = 0; n < 5; n++) {
      timeline.append(entry(n));
    }
    await timeline.flush();
    assert.deepEqual(await readCallTimeline(redis, 'call-1'), [0, 1, 2, 3, 4].map(entry));
    const ttl = await redis.ttl(callTimelineKey('call-1'));
    assert.ok(ttl > 100 && ttl <= 120, `ttl ${ttl}`);
    assert.deepEqual(timeline.stats, { appended: 5, written: 5, failed: 0, dropped: 0 });
    assert.equal(callTimelineKey('call-1'), 'aig:call:call-1:timeline');
  });

  it('keeps a whole call, redacted', async () => {
    const flow = await runtimeBasicFlow();
    const timeline = new RedisCallTimeline(redis, 'call-2');
    const turns = ['je suis en arrêt maladie', '#185057800608491#'].map((line) => parseSimulatedTurn(line)!);
    const port = new SimulatedCallPort({
      callId: 'call-2',
      turns: { next: () => Promise.resolve(turns.shift() ?? null) },
    });
    const result = await runFlow(flow, port, { groups: TEST_GROUPS, timeline });
    await timeline.flush();
    assert.equal(result.target, 'allowances');
    const stored = await readCallTimeline(redis, 'call-2');
    assert.equal(stored.length, timeline.stats.appended);
    assert.equal(stored.at(-1)?.type, 'decision');
    const text = timelineText(stored);
    assert.ok(!text.includes('185057800608491') && !text.includes('arrêt maladie'));
  });

  it('a Redis outage in the middle of a call: the call goes on, failures are counted, nothing blocks', async () => {
    const outage = await startPrivateRedis();
    const client = new Redis(outage.port, '127.0.0.1', { lazyConnect: true });
    await client.connect();
    const warnings: string[] = [];
    client.on('error', () => undefined);
    const timeline = new RedisCallTimeline(client, 'call-3', {
      flushTimeoutMs: 300,
      writeTimeoutMs: 500,
      logger: { warn: (_obj, msg) => warnings.push(msg ?? '') },
    });
    const flow = await runtimeBasicFlow();
    let storedBeforeOutage = 0;
    const lines = ['', 'je suis en arrêt maladie', '#185057800608491#'];
    const turns: SimulatedTurnSource = {
      async next() {
        const line = lines.shift();
        if (line === 'je suis en arrêt maladie') {
          // The first turn's entries reached Redis; then it dies.
          await new Promise((resolve) => setImmediate(resolve));
          await timeline.flush();
          storedBeforeOutage = (await readCallTimeline(client, 'call-3')).length;
          await outage.stop();
        }
        return line === undefined ? null : parseSimulatedTurn(line);
      },
    };
    const port = new SimulatedCallPort({ callId: 'call-3', turns });
    const started = performance.now();
    const result = await runFlow(flow, port, { groups: TEST_GROUPS, timeline });
    const callMs = performance.now() - started;
    assert.deepEqual([result.outcome, result.target, result.reason], ['transfer', 'allowances', 'flow']);
    assert.ok(storedBeforeOutage > 0, 'entries before the outage were stored');
    assert.ok(callMs < 5000, `the call took ${Math.round(callMs)} ms`);
    const flushStarted = performance.now();
    await timeline.flush();
    assert.ok(performance.now() - flushStarted < 2000, 'flush is bounded');
    // Pipelines queued by ioredis while it reconnects are given up after writeTimeoutMs.
    for (
      let waited = 0;
      timeline.stats.written + timeline.stats.failed + timeline.stats.dropped < timeline.stats.appended &&
      waited < 3000;
      waited += 20
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    client.disconnect();
    const { appended, written, failed, dropped } = timeline.stats;
    assert.equal(written, storedBeforeOutage);
    assert.equal(written + failed + dropped, appended, 'every entry is accounted for');
    assert.ok(failed > 0);
    assert.deepEqual(warnings, ['Redis timeline write failed'], 'one warning per call');
  });
});
