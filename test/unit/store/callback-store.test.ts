// The callback store against a real redis-server (private, started here) and real BullMQ: booking against slot
// capacity, idempotent booking per call, cancel / get / list, and the dialer's attempts: outcome recorded once,
// retries with backoff moved into opening hours, the number never left behind in Redis nor written to the logs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isAigError } from '../../../src/errors/aig-error.js';
import type { TimeInterval } from '../../../src/routing/callbacks/callback-slots.js';
import type { CallbackPolicy } from '../../../src/routing/routing-types.js';
import { callbackIdFor, CallbackStore } from '../../../src/store/callback-store.js';
import type {
  BookingRequest,
  CallbackAttempt,
  CallbackDialingOptions,
  CallbackJob,
  DialResult,
} from '../../../src/store/callback-types.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

const NUMBER = '+33612345678';
let server: RedisServer;
let redis: Redis;
let store: CallbackStore;
const logger = new RecordingLogger();
let policy: CallbackPolicy;
const basePolicy: CallbackPolicy = {
  offerAboveWaitSeconds: 600,
  slotMinutes: 30,
  slotCapacity: 3,
  slotsOffered: 3,
  minLeadMinutes: 30,
  maxAttempts: 3,
  retryBackoffMinutes: [0.005],
  ringSeconds: 30,
};

before(async () => {
  server = await startRedisServer({ appendfsync: 'everysec' });
  redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  policy = basePolicy;
  store = new CallbackStore({ redis, policy: () => policy, logger });
});

after(async () => {
  await store.close();
  redis.disconnect();
  await server.shutdown();
});

let calls = 0;
function request(overrides: Partial<BookingRequest> = {}): BookingRequest {
  calls += 1;
  const start = Date.now() + 60 * 60_000;
  return {
    callId: `call-${calls}@198.51.100.7`,
    groupId: 'allowances',
    intent: 'allowances',
    language: 'fr',
    number: NUMBER,
    numberHash: 'hash-of-number',
    slot: { start: new Date(start), end: new Date(start + 30 * 60_000) },
    context: { intent: 'allowances', nir: '185057800608491' },
    priority: 2,
    ...overrides,
  };
}

/** A slot starting `ms` from now, `lengthMs` long. */
function slotIn(ms: number, lengthMs = 10): TimeInterval {
  const start = Date.now() + ms;
  return { start: new Date(start), end: new Date(start + lengthMs) };
}

const alwaysOpen: CallbackDialingOptions['openIntervalsFor'] = () => (from, to) => [{ start: from, end: to }];

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every string stored in Redis (keys, values, hash fields, list and stream entries). */
async function everythingInRedis(): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys('*')) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'string') {
      parts.push((await redis.get(key)) ?? '');
    } else if (type === 'hash') {
      parts.push(JSON.stringify(await redis.hgetall(key)));
    } else if (type === 'list') {
      parts.push(...(await redis.lrange(key, 0, -1)));
    } else if (type === 'zset' || type === 'set') {
      parts.push(...(type === 'zset' ? await redis.zrange(key, 0, '-1') : await redis.smembers(key)));
    } else if (type === 'stream') {
      parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  }
  return parts.join('\n');
}

describe('callback booking', () => {
  it('books against the slot capacity, spreads first attempts over the slot, keeps the number in the job only', async () => {
    const slot = request().slot;
    const first = await store.book(request({ slot }));
    const second = await store.book(request({ slot }));
    assert.equal(first.created, true);
    assert.equal(first.status, 'scheduled');
    assert.match(first.callbackId, /^cb-call-\d+@198\.51\.100\.7$/);
    assert.equal(first.firstAttemptAt.getTime(), slot.start.getTime());
    // Capacity 3 over 30 minutes: the second booking is dialled 10 minutes into the slot.
    assert.equal(second.firstAttemptAt.getTime(), slot.start.getTime() + 10 * 60_000);
    assert.deepEqual(
      await store.slotBookings('allowances', [slot, { start: slot.end, end: slot.end }]),
      [2, 0],
    );

    const record = await store.get(first.callbackId);
    assert.equal(record?.status, 'scheduled');
    assert.equal(record?.attemptsMade, 0);
    assert.equal(record?.nextAttemptAt?.getTime(), slot.start.getTime());
    assert.equal(record?.numberHash, 'hash-of-number');
    assert.ok(
      !JSON.stringify(await redis.hgetall(store.keys.record(first.callbackId))).includes('612345678'),
    );

    const queue = new Queue(store.queueName, { connection: redis, prefix: 'aig:bull' });
    const job = await queue.getJob(first.callbackId);
    assert.equal(await job?.getState(), 'delayed');
    assert.equal((job?.data as { number: string }).number, NUMBER);
    await queue.close();
    assert.ok(!JSON.stringify(logger.lines).includes('612345678'));
  });

  it('booking again for the same call returns the first booking and counts it once', async () => {
    const req = request();
    const first = await store.book(req);
    const again = await store.book({
      ...req,
      slot: { start: new Date(req.slot.end), end: new Date(req.slot.end.getTime() + 1_800_000) },
    });
    assert.equal(again.created, false);
    assert.equal(again.callbackId, first.callbackId);
    assert.equal(again.slot.start.getTime(), req.slot.start.getTime());
    assert.deepEqual(await store.slotBookings('allowances', [req.slot]), [1]);
    assert.equal(callbackIdFor('a:b weird id'), callbackIdFor('a:b weird id'));
    assert.match(callbackIdFor('a:b weird id'), /^cb-sha256-[0-9a-f]{32}$/);
    assert.match(callbackIdFor('12345'), /^cb-sha256-/);
  });

  it('a full slot is an error with a stable code; concurrent bookings never exceed the capacity', async () => {
    const slot = request().slot;
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => store.book(request({ slot, groupId: 'pensions' }))),
    );
    const booked = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(booked.length, 3);
    assert.equal(refused.length, 9);
    for (const r of refused) {
      assert.ok(isAigError(r.reason, 'AIG_ERR_CALLBACK_SLOT_FULL'), String(r.reason));
      assert.equal(r.reason.httpStatus, 409);
    }
    assert.deepEqual(await store.slotBookings('pensions', [slot]), [3]);
  });

  it('rejects a booking it cannot dial', async () => {
    await assert.rejects(store.book(request({ number: 'anonymous' })), (e) =>
      isAigError(e, 'AIG_ERR_CALLBACK_INVALID'),
    );
    const now = new Date();
    await assert.rejects(store.book(request({ slot: { start: now, end: now } })), (e) =>
      isAigError(e, 'AIG_ERR_CALLBACK_INVALID'),
    );
  });

  it('cancel frees the slot and removes the job; list and get show it', async () => {
    const req = request({ groupId: 'cards' });
    const booking = await store.book(req);
    assert.ok((await store.list({ status: 'scheduled' })).some((r) => r.callbackId === booking.callbackId));
    assert.equal(await store.cancel(booking.callbackId, 'caller asked'), true);
    assert.equal(await store.cancel(booking.callbackId), false);
    assert.equal(await store.cancel('cb-unknown'), false);
    assert.deepEqual(await store.slotBookings('cards', [req.slot]), [0]);
    const record = await store.get(booking.callbackId);
    assert.equal(record?.status, 'cancelled');
    assert.equal(record?.detail, 'caller asked');
    assert.ok((await store.list({ status: 'cancelled' })).some((r) => r.callbackId === booking.callbackId));
    assert.ok(!(await store.list({ status: 'scheduled' })).some((r) => r.callbackId === booking.callbackId));
    const queue = new Queue(store.queueName, { connection: redis, prefix: 'aig:bull' });
    assert.equal(await queue.getJob(booking.callbackId), undefined);
    await queue.close();
    assert.ok((await redis.ttl(store.keys.record(booking.callbackId))) > 29 * 86_400);
  });
});

describe('callback dialing', () => {
  it('dials at the slot, records the attempt once, emits it, and leaves no number in Redis', async () => {
    const attempts: CallbackAttempt[] = [];
    const jobs: CallbackJob[] = [];
    const dialer = store.startDialing(
      (job) => {
        jobs.push(job);
        return Promise.resolve('transferred');
      },
      { openIntervalsFor: alwaysOpen, onAttempt: (a) => void attempts.push(a), workerName: 'ivr-1' },
    );
    const booking = await store.book(request({ slot: slotIn(300) }));
    const record = await waitFor('the callback to end', async () => {
      const r = await store.get(booking.callbackId);
      return r?.status === 'transferred' ? r : undefined;
    });
    await dialer.stop();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.number, NUMBER);
    assert.equal(jobs[0]!.attempt, 1);
    assert.deepEqual(jobs[0]!.context, { intent: 'allowances', nir: '185057800608491' });
    assert.ok(Date.now() >= booking.firstAttemptAt.getTime());
    assert.ok(jobs[0]!.slot.start.getTime() === booking.slot.start.getTime());
    assert.equal(record.attemptsMade, 1);
    assert.equal(record.attempts[0]?.result, 'transferred');
    assert.equal(record.attempts[0]?.worker, 'ivr-1');
    assert.equal(record.nextAttemptAt, null);
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]!.status, 'transferred');
    assert.ok(attempts[0]!.startedAt.getTime() >= booking.firstAttemptAt.getTime());
    // The job (and with it the number, and the NIR of the context) is gone once the callback is over.
    await waitFor('the job to be removed', async () => {
      const queue = new Queue(store.queueName, { connection: redis, prefix: 'aig:bull' });
      const job = await queue.getJob(booking.callbackId);
      await queue.close();
      return job === undefined;
    });
    // Bookings of the earlier tests are still scheduled, their numbers in their jobs: cancel them, then none remains.
    assert.ok((await everythingInRedis()).includes(NUMBER), 'the scan sees job data');
    for (const r of await store.list({ status: 'scheduled' })) {
      await store.cancel(r.callbackId);
    }
    const everything = await everythingInRedis();
    assert.ok(!everything.includes('612345678'), 'number left in Redis');
    assert.ok(!everything.includes('185057800608491'), 'NIR left in Redis');
    assert.ok(!JSON.stringify(logger.lines).includes('612345678'), 'number in the logs');
  });

  it('busy, no answer, no response: retried with backoff up to maxAttempts, then exhausted', async () => {
    const answers: DialResult[] = ['busy', 'no-answer', 'no-response'];
    const attempts: CallbackAttempt[] = [];
    const dialer = store.startDialing((job) => Promise.resolve(answers[job.attempt - 1] ?? 'failed'), {
      openIntervalsFor: alwaysOpen,
      closingMarginMinutes: 0,
      onAttempt: (a) => void attempts.push(a),
    });
    const booking = await store.book(request({ slot: slotIn(100) }));
    const record = await waitFor('exhausted', async () => {
      const r = await store.get(booking.callbackId);
      return r?.status === 'exhausted' ? r : undefined;
    });
    await dialer.stop();
    assert.deepEqual(
      record.attempts.map((a) => a.result),
      ['busy', 'no-answer', 'no-response'],
    );
    assert.deepEqual(
      attempts.map((a) => a.status),
      ['scheduled', 'scheduled', 'exhausted'],
    );
    assert.equal(record.detail, '3 attempts made');
    // Backoff 0.005 min = 300 ms between the end of one attempt and the start of the next.
    for (const n of [1, 2]) {
      const gap = record.attempts[n]!.startedAt.getTime() - record.attempts[n - 1]!.endedAt.getTime();
      assert.ok(gap >= 290, `gap ${gap} ms`);
      assert.equal(
        record.attempts[n - 1]!.nextAttemptAt?.getTime(),
        record.attempts[n - 1]!.endedAt.getTime() + 300,
      );
    }
  });

  it('a retry that falls outside opening hours moves to the next opening; a first attempt too', async () => {
    const t0 = Date.now();
    // Open until t0 + 1 s, closed until t0 + 2.5 s, then open.
    const hours = [
      { start: new Date(t0 - 3_600_000), end: new Date(t0 + 1000) },
      { start: new Date(t0 + 2500), end: new Date(t0 + 3_600_000) },
    ];
    policy = { ...basePolicy, retryBackoffMinutes: [0.02] };
    const started: number[] = [];
    const dialer = store.startDialing(
      () => {
        started.push(Date.now());
        return Promise.resolve(started.length === 1 ? 'no-answer' : 'connected');
      },
      {
        openIntervalsFor: () => (from, to) =>
          hours
            .filter((h) => h.end > from && h.start < to)
            .map((h) => ({ start: h.start > from ? h.start : from, end: h.end })),
        closingMarginMinutes: 0,
      },
    );
    try {
      const booking = await store.book(request({ slot: slotIn(100) }));
      // And one booked into the closed gap: its first attempt waits for the opening, without using an attempt.
      const closedTime = await store.book(request({ slot: slotIn(1500) }));
      const record = await waitFor('connected', async () => {
        const r = await store.get(booking.callbackId);
        return r?.status === 'connected' ? r : undefined;
      });
      // no-answer at ~t0+100 ms, + 1.2 s backoff = ~t0+1.3 s, in the gap: moved to the opening at t0+2.5 s.
      assert.equal(record.attempts[0]?.nextAttemptAt?.getTime(), t0 + 2500);
      assert.ok(record.attempts[1]!.startedAt.getTime() >= t0 + 2500);
      const other = await waitFor('the gap booking to be dialled', async () => {
        const r = await store.get(closedTime.callbackId);
        return r?.status === 'connected' ? r : undefined;
      });
      assert.equal(other.attemptsMade, 1);
      assert.ok(other.attempts[0]!.startedAt.getTime() >= t0 + 2500);
    } finally {
      policy = basePolicy;
      await dialer.stop();
    }
  });

  it('a dialer that throws counts as failed and is retried; its error message never shows the number', async () => {
    const dialer = store.startDialing(
      (job) =>
        job.attempt === 1
          ? Promise.reject(new Error(`INVITE sip:${job.number}@trunk failed`))
          : Promise.resolve('declined'),
      { openIntervalsFor: alwaysOpen },
    );
    const booking = await store.book(request({ slot: slotIn(50) }));
    const record = await waitFor('declined', async () => {
      const r = await store.get(booking.callbackId);
      return r?.status === 'declined' ? r : undefined;
    });
    await dialer.stop();
    assert.deepEqual(
      record.attempts.map((a) => [a.result, a.detail]),
      [
        ['failed', 'dialer error'],
        ['declined', null],
      ],
    );
    const line = logger.find('callback dialer threw');
    assert.ok(line);
    assert.match(JSON.stringify(line.obj), /INVITE sip:\[number\]@trunk failed/);
    assert.ok(!JSON.stringify(logger.lines).includes('612345678'));
  });

  it('a callback cancelled between attempts is not dialled again', async () => {
    let dialled = 0;
    policy = { ...basePolicy, retryBackoffMinutes: [0.02] };
    const dialer = store.startDialing(
      () => {
        dialled += 1;
        return Promise.resolve('busy');
      },
      { openIntervalsFor: alwaysOpen },
    );
    try {
      const booking = await store.book(request({ slot: slotIn(50) }));
      await waitFor('first attempt', async () => (await store.get(booking.callbackId))?.attemptsMade === 1);
      assert.equal(await store.cancel(booking.callbackId), true);
      await new Promise((r) => setTimeout(r, 1800));
      assert.equal(dialled, 1);
      const record = await store.get(booking.callbackId);
      assert.equal(record?.status, 'cancelled');
      assert.equal(record?.attemptsMade, 1);
    } finally {
      policy = basePolicy;
      await dialer.stop();
    }
  });
});
