// Two IVR processes (separate Node processes, test/fixtures/callbacks/dial-worker.ts) dialling from one Redis:
// 20 callbacks due at once are each dialled exactly once — also when one process freezes mid-call long enough for
// BullMQ's stalled-job recovery to hand its jobs to the other process.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CallbackStore } from '../../../src/store/callback-store.js';
import { immediateCallbackPolicy } from '../../fixtures/callbacks/immediate-callback-policy.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

const WORKER = resolve(import.meta.dirname, '../../fixtures/callbacks/dial-worker.ts');
const policy = immediateCallbackPolicy();

let server: RedisServer;
let redis: Redis;
let store: CallbackStore;

before(async () => {
  server = await startRedisServer({ appendfsync: 'always' });
  redis = new Redis(server.port, '127.0.0.1');
  store = new CallbackStore({ redis, policy: () => policy });
});

after(async () => {
  await store.close();
  redis.disconnect();
  await server.shutdown();
});

async function startWorker(name: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REDIS_PORT: String(server.port), WORKER_NAME: name, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await once(child, 'message')) as [unknown];
  assert.equal(message, 'ready');
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode === null) {
    const exited = once(child, 'exit');
    child.send('stop');
    await exited;
  }
}

/** Books `count` callbacks due together (one 20 ms slot: first attempts 1 ms apart) about `inMs` from now. */
async function bookDueTogether(
  store: CallbackStore,
  prefix: string,
  count: number,
  inMs: number,
): Promise<string[]> {
  const start = Date.now() + inMs;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const booking = await store.book({
      callId: `${prefix}-${i}`,
      groupId: `group-${prefix}`,
      intent: 'cards',
      language: 'fr',
      number: `+3361234${String(i).padStart(4, '0')}`,
      numberHash: `h${i}`,
      slot: { start: new Date(start), end: new Date(start + count) },
      context: {},
      priority: 0,
    });
    ids.push(booking.callbackId);
  }
  return ids;
}

async function waitAllFinal(ids: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await Promise.all(ids.map((id) => store.get(id)));
    if (records.every((r) => r !== null && r.status !== 'scheduled' && r.status !== 'dialling')) {
      return;
    }
    if (Date.now() > deadline) {
      const pending = records.filter((r) => r?.status === 'scheduled' || r?.status === 'dialling').length;
      throw new Error(`${pending} callbacks not over after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** callbackId → dials counted by the workers (attempt 1). */
async function dialCounts(ids: readonly string[]): Promise<number[]> {
  const values = await redis.mget(...ids.map((id) => `test:dialled:${id}:1`));
  return values.map((v) => Number(v ?? 0));
}

describe('two IVR processes on one Redis', () => {
  it('20 callbacks due at once: each dialled exactly once, by one process or the other', async () => {
    const workers = await Promise.all([startWorker('ivr-a'), startWorker('ivr-b')]);
    try {
      const ids = await bookDueTogether(store, 'together', 20, 1500);
      await waitAllFinal(ids, 15_000);
      assert.deepEqual(await dialCounts(ids), Array<number>(20).fill(1));
      const records = await Promise.all(ids.map((id) => store.get(id)));
      assert.ok(records.every((r) => r?.status === 'connected' && r.attemptsMade === 1));
      const byWorker = new Map<string, number>();
      for (const r of records) {
        const w = r!.attempts[0]!.worker;
        byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
      }
      assert.equal((await redis.lrange('test:dials', 0, -1)).length, 20);
      // Both took a share (each runs at most 10 at once and a dial lasts 200 ms).
      assert.deepEqual([...byWorker.keys()].sort(), ['ivr-a', 'ivr-b']);
      assert.deepEqual(await redis.lrange('test:errors', 0, -1), []);
    } finally {
      await Promise.all(workers.map(stopWorker));
    }
  });

  it('one process freezes mid-call past its lock: stalled recovery moves its jobs, the guard stops a second dial', async () => {
    await redis.del('test:dials');
    // A queue of its own: BullMQ runs one stalled check per queue at a time, throttled by the interval of whichever
    // worker ran it last (the 30 s of the previous test's workers).
    const stallStore = new CallbackStore({ redis, policy: () => policy, queueName: 'aig-callbacks-stall' });
    const fast = { LOCK_MS: '1000', STALLED_MS: '500', QUEUE_NAME: 'aig-callbacks-stall' };
    const workers = await Promise.all([
      startWorker('ivr-frozen', { ...fast, FREEZE_MS: '4000' }),
      startWorker('ivr-ok', fast),
    ]);
    try {
      const ids = await bookDueTogether(stallStore, 'stall', 20, 1500);
      await waitAllFinal(ids, 30_000);
      assert.deepEqual(await dialCounts(ids), Array<number>(20).fill(1));
      assert.equal((await redis.lrange('test:dials', 0, -1)).length, 20);
      const records = await Promise.all(ids.map((id) => store.get(id)));
      assert.ok(records.every((r) => r?.status === 'connected' && r.attemptsMade === 1));
      // The recovery path ran: the healthy process got jobs whose attempt the frozen one held.
      const held = Number((await redis.get('test:held:ivr-ok')) ?? 0);
      const frozenDials = records.filter((r) => r!.attempts[0]!.worker === 'ivr-frozen').length;
      console.log(
        `frozen process dialled ${frozenDials}, the other ${20 - frozenDials}; guard conflicts seen: ${held}`,
      );
      assert.ok(held > 0, 'no job of the frozen process was recovered by the other one');
    } finally {
      await Promise.all(workers.map(stopWorker));
      await stallStore.close();
    }
  });
});
