// A booked callback survives what the issue names: the IVR process going away (the job is in Redis) and Redis
// itself restarting — cleanly (SHUTDOWN) or killed — with the persistence docs/callbacks.md asks for
// (`--appendonly yes --appendfsync always`, no eviction). In each case the callback is dialled at its slot.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { CallbackPolicy } from '../../../src/routing/routing-types.js';
import { CallbackStore } from '../../../src/store/callback-store.js';
import type { BookingRequest, CallbackJob } from '../../../src/store/callback-types.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

const policy: CallbackPolicy = {
  offerAboveWaitSeconds: 600,
  slotMinutes: 30,
  slotCapacity: 10,
  slotsOffered: 3,
  minLeadMinutes: 0,
  maxAttempts: 3,
  retryBackoffMinutes: [0.01],
  ringSeconds: 30,
};
const openAlways = { openIntervalsFor: () => (from: Date, to: Date) => [{ start: from, end: to }] };

function request(callId: string, inMs: number): BookingRequest {
  const start = Date.now() + inMs;
  return {
    callId,
    groupId: 'allowances',
    intent: 'allowances',
    language: 'fr',
    number: '+33698765432',
    numberHash: 'h',
    slot: { start: new Date(start), end: new Date(start + 1000) },
    context: { intent: 'allowances' },
    priority: 0,
  };
}

function open(server: RedisServer): { redis: Redis; store: CallbackStore } {
  const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  return { redis, store: new CallbackStore({ redis, policy: () => policy }) };
}

/** Resolves with the job the handler receives, and when; the dialer answers `connected`. */
function dialled(store: CallbackStore): {
  job: Promise<{ job: CallbackJob; at: number }>;
  stop: () => Promise<void>;
} {
  let resolveJob: (v: { job: CallbackJob; at: number }) => void = () => undefined;
  const job = new Promise<{ job: CallbackJob; at: number }>((r) => (resolveJob = r));
  const dialer = store.startDialing((j) => {
    resolveJob({ job: j, at: Date.now() });
    return Promise.resolve('connected');
  }, openAlways);
  return { job, stop: () => dialer.stop() };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref()),
  ]);
}

describe('callbacks survive restarts', () => {
  it('the IVR process stops after booking; a new process dials the callback at its slot', async () => {
    const server = await startRedisServer({ appendfsync: 'always' });
    try {
      const first = open(server);
      const booking = await first.store.book(request('restart-ivr', 1500));
      await first.store.close();
      first.redis.disconnect();

      const second = open(server);
      const d = dialled(second.store);
      const { job, at } = await within(d.job, 10_000, 'dial after the IVR restart');
      assert.equal(job.callbackId, booking.callbackId);
      assert.equal(job.number, '+33698765432');
      assert.ok(at >= booking.firstAttemptAt.getTime());
      await d.stop();
      await second.store.close();
      second.redis.disconnect();
    } finally {
      await server.shutdown();
    }
  });

  it('Redis is shut down and started again on the same data: the dialer reconnects and the callback is dialled', async () => {
    const server = await startRedisServer({ appendfsync: 'always' });
    const { redis, store } = open(server);
    const d = dialled(store);
    let restarted: RedisServer | undefined;
    try {
      const booking = await store.book(request('restart-redis', 3000));
      await server.shutdown();
      await new Promise((r) => setTimeout(r, 500));
      restarted = await startRedisServer({ dir: server.dir, port: server.port, appendfsync: 'always' });
      const { job, at } = await within(d.job, 15_000, 'dial after the Redis restart');
      assert.equal(job.callbackId, booking.callbackId);
      assert.ok(at >= booking.firstAttemptAt.getTime());
      const record = await store.get(booking.callbackId);
      assert.equal(record?.callId, 'restart-redis');
    } finally {
      await d.stop();
      await store.close();
      redis.disconnect();
      await (restarted ?? server).shutdown();
    }
  });

  it('Redis is killed (SIGKILL) right after the booking is acknowledged: with appendfsync always it is still there', async () => {
    const server = await startRedisServer({ appendfsync: 'always' });
    const first = open(server);
    const booking = await first.store.book(request('crash-redis', 2500));
    await server.crash();
    await first.store.close().catch(() => undefined);
    first.redis.disconnect();

    const restarted = await startRedisServer({ dir: server.dir, port: server.port, appendfsync: 'always' });
    const second = open(restarted);
    const d = dialled(second.store);
    try {
      const record = await second.store.get(booking.callbackId);
      assert.equal(record?.status, 'scheduled');
      assert.deepEqual(await second.store.slotBookings('allowances', [booking.slot]), [1]);
      const { job } = await within(d.job, 15_000, 'dial after the Redis crash');
      assert.equal(job.callbackId, booking.callbackId);
    } finally {
      await d.stop();
      await second.store.close();
      second.redis.disconnect();
      await restarted.shutdown();
    }
  });
});
