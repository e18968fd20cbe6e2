// Callback store throughput against a private redis-server on loopback: bookings per second (each one Lua capacity
// check + a BullMQ delayed job), and dispatch throughput of one dialer process with a dialer that answers at once
// (guard, records, BullMQ moves: the store's own cost per attempt). Run once per AOF fsync policy.
//   node --import tsx scripts/bench/callbacks.ts [bookings=2000] [concurrency=50]
import { Redis } from 'ioredis';
import type { CallbackPolicy } from '../../src/routing/routing-types.js';
import { CallbackStore } from '../../src/store/callback-store.js';
import { startRedisServer } from '../../test/helpers/redis-server.js';

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 50);
const policy: CallbackPolicy = {
  offerAboveWaitSeconds: 600,
  slotMinutes: 30,
  slotCapacity: 1_000_000,
  slotsOffered: 3,
  minLeadMinutes: 0,
  maxAttempts: 3,
  retryBackoffMinutes: [10, 30],
  ringSeconds: 30,
};

async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        await task(next++);
      }
    }),
  );
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

async function run(fsync: 'always' | 'everysec'): Promise<void> {
  const server = await startRedisServer({ appendfsync: fsync });
  const redis = new Redis(server.port, '127.0.0.1');
  const store = new CallbackStore({ redis, policy: () => policy });
  try {
    // 1. Bookings, slot in the future (not dispatched).
    const later = Date.now() + 3_600_000;
    const latencies: number[] = [];
    let t0 = performance.now();
    await pool(total, concurrency, async (i) => {
      const started = performance.now();
      await store.book({
        callId: `bench-book-${i}`,
        groupId: `g${i % 4}`,
        intent: 'cards',
        language: 'fr',
        number: '+33600000000',
        numberHash: 'h',
        slot: {
          start: new Date(later + (i % 20) * 1_800_000),
          end: new Date(later + ((i % 20) + 1) * 1_800_000),
        },
        context: { intent: 'cards', confidence: 0.9 },
        priority: i % 3,
      });
      latencies.push(performance.now() - started);
    });
    const bookSeconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);

    // 2. Dispatch: `total` callbacks due now, one dialer process, no-op dialer.
    const due = Date.now();
    const ids: string[] = [];
    await pool(total, concurrency, async (i) => {
      const b = await store.book({
        callId: `bench-dial-${i}`,
        groupId: 'dispatch',
        intent: 'cards',
        language: 'fr',
        number: '+33600000000',
        numberHash: 'h',
        slot: { start: new Date(due), end: new Date(due + 1) },
        context: {},
        priority: 0,
      });
      ids.push(b.callbackId);
    });
    let done = 0;
    let finished: () => void = () => undefined;
    const allDone = new Promise<void>((r) => (finished = r));
    t0 = performance.now();
    const dialer = store.startDialing(() => Promise.resolve('connected'), {
      openIntervalsFor: () => (from, to) => [{ start: from, end: to }],
      concurrency,
      onAttempt: () => {
        done += 1;
        if (done === total) {
          finished();
        }
      },
    });
    await allDone;
    const dispatchSeconds = (performance.now() - t0) / 1000;
    await dialer.stop();
    process.stdout.write(
      `appendfsync ${fsync}: booked ${total} in ${bookSeconds.toFixed(2)} s = ${Math.round(total / bookSeconds)} bookings/s ` +
        `(concurrency ${concurrency}, latency p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms); ` +
        `dispatched ${total} in ${dispatchSeconds.toFixed(2)} s = ${Math.round(total / dispatchSeconds)} attempts/s (one process, concurrency ${concurrency})\n`,
    );
  } finally {
    await store.close();
    redis.disconnect();
    await server.shutdown();
  }
}

await run('always');
await run('everysec');
