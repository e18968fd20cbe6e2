// Group load figures in a real Redis (a private redis-server), shared by two clients as two IVR processes would
// share them; expiry of blind transfers, the sliding rate window, the handling-time average, staffing, and what a
// read does when Redis is gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAigError } from '../../../src/errors/aig-error.js';
import { GroupLoadStore } from '../../../src/store/group-load-store.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

let server: PrivateRedis;
let first: Redis;
let second: Redis;
let now = Date.UTC(2026, 5, 1, 8, 0, 0);
const clock = () => now;

before(async () => {
  server = await startPrivateRedis();
  first = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
  second = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
  await Promise.all([first.connect(), second.connect()]);
});

after(async () => {
  first.disconnect();
  second.disconnect();
  await server.stop();
});

describe('group load store', () => {
  it('counts hand-overs in progress across processes until ended or expired', async () => {
    const a = new GroupLoadStore(first, { clock, keyPrefix: 't1:' });
    const b = new GroupLoadStore(second, { clock, keyPrefix: 't1:' });
    await a.recordHandover('cards', 'call-1', 14_400); // bridged: counts until ended
    await b.recordHandover('cards', 'call-2', 600); // blind: counts 600 s
    await b.recordHandover('rights', 'call-3', 600);
    let figures = await a.read(['cards', 'rights', 'digital']);
    assert.equal(figures.get('cards')!.inProgress, 2);
    assert.equal(figures.get('rights')!.inProgress, 1);
    assert.equal(figures.get('digital')!.inProgress, 0);

    await a.recordHandoverEnded('cards', 'call-1', null, 300);
    now += 601_000;
    figures = await b.read(['cards', 'rights']);
    assert.equal(figures.get('cards')!.inProgress, 0, 'call-1 ended, call-2 expired');
    assert.equal(figures.get('rights')!.inProgress, 0);
    await a.recordHandover('cards', 'call-4', 600);
    assert.equal(await first.zcard(a.keys('cards').active), 1, 'expired members pruned on write');
  });

  it('measures hand-overs per minute over a sliding window', async () => {
    const store = new GroupLoadStore(first, { clock, keyPrefix: 't2:', rateWindowSeconds: 600 });
    for (let i = 0; i < 20; i++) {
      await store.recordHandover('allowances', `call-${i}`, 300);
      now += 15_000;
    }
    // 20 hand-overs in the last 5 minutes of a 10-minute window: 2 per minute.
    assert.equal((await store.read(['allowances'])).get('allowances')!.handoversPerMinute, 2);
    now += 400_000; // the first 10 (or so) leave the window
    const rate = (await store.read(['allowances'])).get('allowances')!.handoversPerMinute;
    assert.ok(rate > 0.5 && rate < 1.5, String(rate));
    now += 600_000;
    assert.equal((await store.read(['allowances'])).get('allowances')!.handoversPerMinute, 0);
  });

  it('averages handling times (EWMA seeded with the prior), without losing concurrent samples', async () => {
    const a = new GroupLoadStore(first, { clock, keyPrefix: 't3:', handlingSmoothing: 0.1 });
    const b = new GroupLoadStore(second, { clock, keyPrefix: 't3:', handlingSmoothing: 0.1 });
    assert.equal((await a.read(['rights'])).get('rights')!.averageHandlingSeconds, null);
    await a.recordHandoverEnded('rights', 'c1', 200, 300);
    assert.equal((await a.read(['rights'])).get('rights')!.averageHandlingSeconds, 290);
    await b.recordHandoverEnded('rights', 'c2', 400, 300);
    assert.equal((await a.read(['rights'])).get('rights')!.averageHandlingSeconds, 301);
    await a.recordHandoverEnded('rights', 'c3', null, 300);
    await a.recordHandoverEnded('rights', 'c4', 999_999, 300); // beyond maxHandlingSeconds: ignored
    assert.equal((await a.read(['rights'])).get('rights')!.handlingSamples, 2);

    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).recordHandoverEnded('digital', `d${i}`, 240, 240),
      ),
    );
    const digital = (await b.read(['digital'])).get('digital')!;
    assert.equal(digital.handlingSamples, 50);
    assert.ok(Math.abs(digital.averageHandlingSeconds! - 240) < 1e-9);
  });

  it('holds staffed agents set through the API for every process, until cleared', async () => {
    const a = new GroupLoadStore(first, { clock, keyPrefix: 't4:' });
    const b = new GroupLoadStore(second, { clock, keyPrefix: 't4:' });
    const set = await a.setStaffedAgents('cards', 4, 'supervisor@cpam');
    assert.deepEqual(set, { agents: 4, by: 'supervisor@cpam', at: new Date(now).toISOString() });
    assert.deepEqual((await b.read(['cards', 'rights'])).get('cards')!.staffing, set);
    assert.equal((await b.read(['rights'])).get('rights')!.staffing, null);
    assert.deepEqual([...(await b.staffing()).keys()], ['cards']);
    await b.setStaffedAgents('cards', 0, 'night shift');
    assert.equal((await a.read(['cards'])).get('cards')!.staffing!.agents, 0);
    await a.clearStaffedAgents('cards');
    assert.equal((await b.read(['cards'])).get('cards')!.staffing, null);
    for (const bad of [-1, 1.5, Number.NaN, 10_001]) {
      await assert.rejects(a.setStaffedAgents('cards', bad, 'x'), (err: unknown) =>
        isAigError(err, 'AIG_ERR_STAFFING_INVALID'),
      );
    }
    await assert.rejects(a.setStaffedAgents('cards', 3, ' '), (err: unknown) =>
      isAigError(err, 'AIG_ERR_STAFFING_INVALID'),
    );
  });

  it('fails fast with AIG_ERR_REDIS_UNAVAILABLE when Redis is gone', async () => {
    const outage = await startPrivateRedis();
    const client = new Redis(outage.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await client.connect();
    const store = new GroupLoadStore(client, { clock, readTimeoutMs: 100, writeTimeoutMs: 100 });
    await store.recordHandover('cards', 'before', 300);
    await outage.stop();
    const started = performance.now();
    await assert.rejects(store.read(['cards']), (err: unknown) =>
      isAigError(err, 'AIG_ERR_REDIS_UNAVAILABLE'),
    );
    await assert.rejects(store.recordHandover('cards', 'after', 300), (err: unknown) =>
      isAigError(err, 'AIG_ERR_REDIS_UNAVAILABLE'),
    );
    assert.ok(performance.now() - started < 1000, 'neither waited for Redis to come back');
    client.disconnect();
  });
});
