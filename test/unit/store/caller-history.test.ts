// The repeat-caller history in a real Redis (a private redis-server), fed by writing call records.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAigError } from '../../../src/errors/aig-error.js';
import type { CallRecord, InboundCallRecord } from '../../../src/store/call-record-types.js';
import { openCallRecordStore, type RedisCallRecordStore } from '../../../src/store/call-record-store.js';
import { ANY_INTENT, callerHistoryKey, RedisCallerHistory } from '../../../src/store/caller-history.js';
import { hashCallerNumber } from '../../../src/store/caller-number.js';
import { inboundCallRecord } from '../../helpers/inbound-call-record.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

const DAY = 86_400_000;
const NOW = Date.parse('2025-03-20T10:00:00.000Z');
const SECRET = Buffer.alloc(32, 1);

let server: PrivateRedis;
let redis: Redis;
let store: RedisCallRecordStore;
let history: RedisCallerHistory;
let sequence = 0;

before(async () => {
  server = await startPrivateRedis();
  redis = await server.connect();
  store = await openCallRecordStore({ redis, filePath: null, now: () => NOW });
  history = new RedisCallerHistory(redis);
});

after(async () => {
  await store.close();
  await server.stop();
});

function call(
  number: string | null,
  startedAt: number,
  intents: string[],
  finalIntent?: string,
): InboundCallRecord {
  sequence += 1;
  return {
    ...inboundCallRecord({ callId: `history-${sequence}`, number, secret: SECRET, startedAt }),
    intents,
    finalIntent: finalIntent ?? intents.at(-1) ?? null,
  };
}

describe('caller history', () => {
  it('counts a number’s calls about an intent across days, whatever format the number came in', async () => {
    const records: CallRecord[] = [
      call('0612345678', NOW - 1 * DAY, ['carte_vitale']),
      call('+33612345678', NOW - 3 * DAY, ['remboursement', 'carte_vitale']),
      call('sip:+33612345678@carrier.example;user=phone', NOW - 10 * DAY, ['carte_vitale']),
      call('0033612345678', NOW - 40 * DAY, ['attestation'], 'carte_vitale'),
      // Beyond the 90-day retention: trimmed as soon as it is written.
      call('0612345678', NOW - 100 * DAY, ['carte_vitale']),
      // Another caller, and a withheld one, about the same thing.
      call('0698765432', NOW - 1 * DAY, ['carte_vitale']),
      call('anonymous', NOW - 1 * DAY, ['carte_vitale']),
    ];
    for (const record of records) {
      await store.write(record);
    }
    const hash = hashCallerNumber('06 12 34 56 78', SECRET)!;
    const since = (days: number): Date => new Date(NOW - days * DAY);
    assert.equal(await history.recentCalls(hash, 'carte_vitale', since(2)), 1);
    assert.equal(await history.recentCalls(hash, 'carte_vitale', since(7)), 2);
    assert.equal(await history.recentCalls(hash, 'carte_vitale', since(30)), 3);
    // The finalIntent counts even when the classifications were about something else.
    assert.equal(await history.recentCalls(hash, 'carte_vitale', since(60)), 4);
    assert.equal(await history.recentCalls(hash, 'carte_vitale', since(365)), 4, '100 days old: trimmed');
    assert.equal(await history.recentCalls(hash, 'remboursement', since(30)), 1);
    assert.equal(await history.recentCalls(hash, 'attestation', since(60)), 1);
    assert.equal(await history.recentCalls(hash, ANY_INTENT, since(60)), 4);
    assert.equal(await history.recentCalls(hash, 'arret_maladie', since(60)), 0);
    assert.equal(
      await history.recentCalls(hashCallerNumber('0698765432', SECRET)!, 'carte_vitale', since(7)),
      1,
    );
    // Keyed by the hash only, and expiring with the retention.
    const ttl = await redis.pttl(callerHistoryKey(hash, 'carte_vitale'));
    assert.ok(ttl > 89 * DAY && ttl <= 90 * DAY, `ttl ${ttl}`);
    assert.deepEqual(await redis.keys('aig:caller-history:*anonymous*'), []);
  });

  it('a record written twice (a retry) and a callback attempt do not count', async () => {
    const number = '0611111111';
    const hash = hashCallerNumber(number, SECRET)!;
    const first = call(number, NOW - DAY, ['attestation']);
    await store.write(first);
    await store.write(first);
    await store.write({
      ...call(number, NOW - DAY / 2, ['attestation']),
      kind: 'callback-attempt',
      callbackId: 'cb-1',
      attempt: 1,
      outcome: 'no-answer',
    });
    assert.equal(await history.recentCalls(hash, 'attestation', new Date(NOW - 7 * DAY)), 1);
    assert.equal(await redis.xlen('aig:call-records'), 9, 'the duplicate is not in the stream either');
  });

  it('answers in one round trip, and rejects with a code when Redis is gone', async (t) => {
    const hash = hashCallerNumber('0612345678', SECRET)!;
    const rounds = 200;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      await history.recentCalls(hash, 'carte_vitale', new Date(NOW - 30 * DAY));
    }
    const meanMs = (performance.now() - started) / rounds;
    assert.ok(meanMs < 5, `mean ${meanMs.toFixed(3)} ms`);

    const gone = await startPrivateRedis();
    t.after(() => gone.stop());
    const client = new Redis(gone.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    t.after(() => client.disconnect());
    await client.connect();
    await gone.stop();
    const sick = new RedisCallerHistory(client, { timeoutMs: 150 });
    const askedAt = performance.now();
    await assert.rejects(sick.recentCalls(hash, 'carte_vitale', new Date(0)), (err) =>
      isAigError(err, 'AIG_ERR_REDIS_UNAVAILABLE'),
    );
    assert.ok(performance.now() - askedAt < 1000);
  });
});
