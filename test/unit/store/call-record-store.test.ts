// Call records in a real Redis stream (a private redis-server) and a JSONL file: capping, search, a Redis outage
// and its recovery, retries that do not duplicate, file rotation, and no personal data in clear anywhere.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAigError } from '../../../src/errors/aig-error.js';
import { inboundCallRecord } from '../../helpers/inbound-call-record.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';
import type {
  CallbackAttemptRecord,
  CallRecord,
  InboundCallRecord,
} from '../../../src/store/call-record-types.js';
import { openCallRecordStore } from '../../../src/store/call-record-store.js';
import { hashCallerNumber, maskCallerNumber } from '../../../src/store/caller-number.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

const SECRET = Buffer.alloc(32, 9);
// Recent times: the stream's entry ids are the times records reached Redis, which `search` uses to bound its scan.
const T0 = Date.now() - 3600_000;
const MINUTE = 60_000;

let server: PrivateRedis;
let redis: Redis;
let dir: string;
let sequence = 0;

before(async () => {
  server = await startPrivateRedis();
  redis = await server.connect();
  dir = await mkdtemp(join(tmpdir(), 'aig-call-records-'));
});

after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

function inbound(overrides: Partial<InboundCallRecord> = {}): InboundCallRecord {
  sequence += 1;
  const startedAt = overrides.startedAt ?? new Date(T0 + sequence * MINUTE).toISOString();
  return {
    ...inboundCallRecord({
      callId: `call-${sequence}`,
      number: '0612345678',
      secret: SECRET,
      startedAt: Date.parse(startedAt),
    }),
    ...overrides,
  };
}

function attempt(overrides: Partial<CallbackAttemptRecord> = {}): CallbackAttemptRecord {
  const base = inbound();
  return {
    ...base,
    kind: 'callback-attempt',
    callbackId: 'cb-42',
    attempt: 1,
    answeredAt: null,
    outcome: 'no-answer',
    intents: [],
    finalIntent: 'carte_vitale',
    transferMethod: null,
    sipEndReason: '408 Request Timeout',
    ...overrides,
  };
}

async function fileRecords(path: string): Promise<CallRecord[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'whole lines only');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CallRecord);
}

/** Every key name and value in the Redis: what a person with access to it could read. */
async function dumpRedis(client: Redis): Promise<string> {
  const keys = await client.keys('*');
  const types = (await client.pipeline(keys.map((key) => ['type', key])).exec()) ?? [];
  const reads = keys.map((key, i) => {
    const type = types[i]?.[1];
    return type === 'stream'
      ? ['xrange', key, '-', '+']
      : type === 'zset'
        ? ['zrange', key, '0', '-1', 'WITHSCORES']
        : ['get', key];
  });
  const values = (await client.pipeline(reads).exec()) ?? [];
  return keys.map((key, i) => `${key}\n${JSON.stringify(values[i]?.[1])}`).join('\n');
}

/** redis-server on a given port (to bring one back where the client expects it). */
async function startRedisOnPort(port: number): Promise<() => Promise<void>> {
  const child = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`redis-server exited: ${output}`)));
  });
  return async () => {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    assert.ok(performance.now() < deadline, 'condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('call record store', () => {
  it('writes each record to the stream and as one line of the file', async () => {
    const path = join(dir, 'basic', 'call-records.jsonl');
    const store = await openCallRecordStore({ redis, filePath: path, streamKey: 'test:basic' });
    const records: CallRecord[] = [
      inbound(),
      attempt(),
      inbound({ outcome: 'callback-booked', callbackId: 'cb-43' }),
    ];
    for (const record of records) {
      await store.write(record);
    }
    const recent = await store.recent(10);
    assert.deepEqual(
      recent.map((entry) => entry.record),
      [...records].reverse(),
    );
    assert.match(recent[0]!.id, /^\d+-\d+$/);
    assert.deepEqual((await store.recent(1)).length, 1);
    assert.deepEqual(await fileRecords(path), records);
    await store.close();
    assert.deepEqual(store.stats, {
      records: 3,
      fileWritten: 3,
      fileFailed: 0,
      streamWritten: 3,
      streamDuplicates: 0,
      streamPending: 0,
      streamDropped: 0,
      sanitized: 0,
    });
  });

  it('keeps the stream capped (MAXLEN ~)', async () => {
    const store = await openCallRecordStore({ redis, filePath: null, streamKey: 'test:capped', maxLen: 100 });
    for (let i = 0; i < 1000; i++) {
      await store.write(inbound());
    }
    const length = await redis.xlen('test:capped');
    assert.ok(length >= 100 && length <= 300, `length ${length}`);
    const newest = await store.recent(1);
    assert.equal(newest[0]!.record.callId, `call-${sequence}`);
    await store.close();
  });

  it('searches by number, intent, outcome, group, kind and start time, newest first', async () => {
    const store = await openCallRecordStore({ redis, filePath: null, streamKey: 'test:search' });
    const other = hashCallerNumber('0698765432', SECRET);
    const at = (minutes: number): string => new Date(T0 + minutes * MINUTE).toISOString();
    const written: CallRecord[] = [
      inbound({ startedAt: at(0), intents: ['attestation'], finalIntent: 'attestation', group: 'general' }),
      inbound({
        startedAt: at(10),
        numberHash: other,
        outcome: 'abandoned',
        group: null,
        intents: [],
        finalIntent: null,
      }),
      inbound({ startedAt: at(20), intents: ['remboursement', 'carte_vitale'] }),
      attempt({ startedAt: at(30), outcome: 'busy' }),
      inbound({
        startedAt: at(40),
        outcome: 'self-service',
        group: null,
        intents: ['attestation'],
        finalIntent: 'attestation',
      }),
    ];
    for (const record of written) {
      await store.write(record);
    }
    const ids = async (filter: Parameters<typeof store.search>[0], limit = 50): Promise<string[]> =>
      (await store.search(filter, limit)).entries.map((entry) => entry.record.callId);
    const [a, b, c, d, e] = written.map((record) => record.callId);
    assert.deepEqual(await ids({}), [e, d, c, b, a]);
    assert.deepEqual(await ids({ numberHash: other! }), [b]);
    assert.deepEqual(await ids({ intent: 'carte_vitale' }), [d, c], 'intents or finalIntent');
    assert.deepEqual(await ids({ intent: 'attestation' }), [e, a]);
    assert.deepEqual(await ids({ outcome: 'abandoned' }), [b]);
    assert.deepEqual(await ids({ group: 'general' }), [a]);
    assert.deepEqual(await ids({ kind: 'callback-attempt' }), [d]);
    assert.deepEqual(await ids({ outcome: 'busy', kind: 'callback-attempt', intent: 'carte_vitale' }), [d]);
    assert.deepEqual(await ids({ since: new Date(T0 + 10 * MINUTE), until: new Date(T0 + 30 * MINUTE) }), [
      d,
      c,
      b,
    ]);
    assert.deepEqual(await ids({}, 2), [e, d]);
    const capped = await openCallRecordStore({ redis, filePath: null, streamKey: 'test:search', maxScan: 3 });
    const partial = await capped.search({ group: 'general' }, 10);
    assert.deepEqual([partial.entries.length, partial.scanned, partial.complete], [0, 3, false]);
    const whole = await store.search({ group: 'general' }, 10);
    assert.deepEqual([whole.entries.length, whole.scanned, whole.complete], [1, 5, true]);
    await capped.close();
    await store.close();
  });

  it('Redis stopped: the line is still written, write() resolves at once, the stream catches up when Redis is back', async (t) => {
    const outage = await startPrivateRedis();
    t.after(() => outage.stop());
    const client = new Redis(outage.port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => undefined);
    t.after(() => client.disconnect());
    await client.connect();
    const logger = new RecordingLogger();
    const path = join(dir, 'outage.jsonl');
    const store = await openCallRecordStore({
      redis: client,
      filePath: path,
      writeTimeoutMs: 300,
      readTimeoutMs: 300,
      retryDelayMs: [50, 200],
      logger,
    });
    await store.write(inbound({ callId: 'before' }));
    await outage.stop();

    const during: CallRecord[] = [inbound({ callId: 'during-1' }), attempt({ callId: 'during-2' })];
    for (const record of during) {
      const started = performance.now();
      await store.write(record);
      const ms = performance.now() - started;
      assert.ok(ms < 300 + 300, `write took ${Math.round(ms)} ms (writeTimeoutMs 300)`);
    }
    assert.deepEqual(
      (await fileRecords(path)).map((record) => record.callId),
      ['before', 'during-1', 'during-2'],
    );
    assert.equal(store.stats.streamPending, 2);
    assert.equal(logger.lines.filter((line) => line.level === 'warn').length, 1, 'one warning per outage');
    await assert.rejects(store.recent(1), /AIG_ERR_REDIS_UNAVAILABLE|Redis did not answer/);

    // Back on the same port (empty: it keeps nothing), the backlog arrives without waiting for a new write.
    t.after(await startRedisOnPort(outage.port));
    await waitFor(() => store.stats.streamPending === 0, 5000);
    assert.deepEqual(
      (await store.recent(10)).map((entry) => entry.record.callId),
      ['during-2', 'during-1'],
    );
    assert.ok(logger.find('call records: Redis back, backlog delivered'));
    await store.write(inbound({ callId: 'after' }));
    assert.equal(await client.xlen('aig:call-records'), 3);
    await store.close();
    // 'during-1' may have been sent before the client saw the server die: ioredis then resends it on reconnect,
    // and its retry finds it there (a duplicate, not added twice).
    const { streamWritten, streamDuplicates, streamDropped, fileWritten } = store.stats;
    assert.deepEqual([streamWritten + streamDuplicates, streamDropped, fileWritten], [4, 0, 4]);
  });

  it('a write that timed out but reached Redis later is not added twice by its retry', async (t) => {
    const admin = new Redis(server.port, '127.0.0.1');
    t.after(() => admin.disconnect());
    const store = await openCallRecordStore({
      redis,
      filePath: null,
      streamKey: 'test:slow',
      writeTimeoutMs: 100,
      retryDelayMs: [50, 100],
    });
    await admin.client('PAUSE', 600, 'ALL');
    const started = performance.now();
    await store.write(inbound({ callId: 'slow-1' }));
    assert.ok(performance.now() - started < 400);
    assert.equal(store.stats.streamPending, 1);
    await waitFor(() => store.stats.streamPending === 0, 5000);
    const entries = await redis.xrange('test:slow', '-', '+');
    assert.equal(entries.length, 1);
    assert.deepEqual(
      [store.stats.streamWritten, store.stats.streamDuplicates],
      [0, 1],
      'the retry found it there',
    );
    await store.close();
  });

  it('keeps at most maxPending records for retry; what close() cannot deliver is counted, and in the file', async (t) => {
    const outage = await startPrivateRedis();
    t.after(() => outage.stop());
    const client = new Redis(outage.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    t.after(() => client.disconnect());
    await client.connect();
    await outage.stop();
    const path = join(dir, 'backlog.jsonl');
    const store = await openCallRecordStore({
      redis: client,
      filePath: path,
      writeTimeoutMs: 100,
      maxPending: 3,
    });
    for (let i = 0; i < 5; i++) {
      await store.write(inbound());
    }
    assert.deepEqual([store.stats.streamPending, store.stats.streamDropped], [3, 2]);
    await store.close();
    assert.deepEqual([store.stats.streamPending, store.stats.streamDropped], [0, 5]);
    assert.equal((await fileRecords(path)).length, 5);
  });

  it('reopens the file after logrotate moved it: on reopen(), and by itself', async () => {
    const path = join(dir, 'rotate.jsonl');
    const store = await openCallRecordStore({
      redis,
      filePath: path,
      streamKey: 'test:rotate',
      rotationCheckMs: 50,
    });
    await store.write(inbound({ callId: 'r1' }));
    await rename(path, `${path}.1`);
    await store.write(inbound({ callId: 'r2' })); // still into the moved file (the open handle)
    await store.reopen();
    await store.write(inbound({ callId: 'r3' }));
    await rename(path, `${path}.2`);
    // No signal: the periodic check sees the path no longer names the open file.
    await waitFor(async () => {
      await store.write(inbound({ callId: 'probe' }));
      return (await readFile(path, 'utf8').catch(() => '')).includes('"probe"');
    }, 3000);
    await store.close();
    const ids = async (file: string): Promise<string[]> =>
      (await fileRecords(file)).map((record) => record.callId).filter((id) => id !== 'probe');
    assert.deepEqual(await ids(`${path}.1`), ['r1', 'r2']);
    assert.deepEqual(await ids(`${path}.2`), ['r3']);
    assert.deepEqual(await ids(path), []);
    assert.equal(store.stats.fileFailed, 0);
  });

  it('with syncIntervalMs 0, write() resolves after the line is synced; concurrent writes stay whole lines', async () => {
    const path = join(dir, 'sync.jsonl');
    const store = await openCallRecordStore({
      redis,
      filePath: path,
      streamKey: 'test:sync',
      syncIntervalMs: 0,
    });
    const records = Array.from({ length: 300 }, () => inbound());
    await Promise.all(records.map((record) => store.write(record)));
    const lines = await fileRecords(path);
    assert.deepEqual(
      lines.map((record) => record.callId).sort(),
      records.map((record) => record.callId).sort(),
    );
    assert.equal(await redis.xlen('test:sync'), 300);
    await store.close();
  });

  it('never holds the clear number, a NIR or what was said — even from a careless producer', async () => {
    const path = join(dir, 'privacy.jsonl');
    const logger = new RecordingLogger();
    const store = await openCallRecordStore({ redis, filePath: path, streamKey: 'test:privacy', logger });
    const forms = [
      '0612345678',
      '+33612345678',
      'sip:+33612345678@carrier.example;user=phone',
      '0033612345678',
    ];
    for (const form of forms) {
      await store.write(
        inbound({ numberHash: hashCallerNumber(form, SECRET), numberMasked: maskCallerNumber(form) }),
      );
    }
    await store.write(attempt({ numberHash: hashCallerNumber('06 12 34 56 78', SECRET) }));
    // A producer bug: clear number where the hash goes, NIR and number in free text.
    await store.write(
      inbound({
        callId: 'careless',
        numberHash: '+33612345678',
        numberMasked: '06 12 34 56 78',
        priorityReasons: ['vulnerability: NIR 1 85 05 78 006 084 91 declared', 'callback to 06.12.34.56.78'],
        sipEndReason: '486 Busy Here from sip:0612345678@carrier.example',
      }),
    );
    await store.close();
    const file = await readFile(path, 'utf8');
    const stored = await dumpRedis(redis);
    for (const [name, text] of [
      ['file', file],
      ['redis', stored],
    ] as const) {
      const digitsOnly = text.replace(/[\s.\-/()]/g, '');
      for (const secret of ['612345678', '1850578006084', 'arrêt maladie']) {
        assert.ok(!digitsOnly.includes(secret.replace(/\s/g, '')), `${name} holds ${secret}`);
      }
      assert.ok(text.includes('+33 6•• ••• •78'), `${name} keeps the mask`);
    }
    const careless = (await fileRecords(path)).find((record) => record.callId === 'careless')!;
    assert.deepEqual(
      [careless.numberHash, careless.numberMasked, careless.sipEndReason],
      [null, null, '486 Busy Here from sip:[number]@carrier.example'],
    );
    assert.deepEqual(careless.priorityReasons, [
      'vulnerability: NIR [number] declared',
      'callback to [number]',
    ]);
    assert.equal(store.stats.sanitized, 1);
    assert.deepEqual(logger.find('call record carried personal data: fields replaced before writing')?.obj, {
      callId: 'careless',
      fields: ['numberHash', 'numberMasked', 'priorityReasons', 'sipEndReason'],
    });
  });

  it('a full disk (/dev/full) loses the line, not the record: it is in the stream, and write() resolves', async () => {
    const logger = new RecordingLogger();
    const store = await openCallRecordStore({ redis, filePath: '/dev/full', streamKey: 'test:full', logger });
    await store.write(inbound({ callId: 'disk-full-1' }));
    await store.write(inbound({ callId: 'disk-full-2' }));
    // A producer bug that cannot be serialized: logged and counted, the call's end does not fail.
    await store.write(inbound({ callId: 'bigint', durationMs: 1n as unknown as number }));
    await store.close();
    assert.deepEqual(
      (await store.recent(5)).map((entry) => entry.record.callId),
      ['disk-full-2', 'disk-full-1'],
    );
    const { fileWritten, fileFailed, streamWritten, streamDropped } = store.stats;
    assert.deepEqual([fileWritten, fileFailed, streamWritten, streamDropped], [0, 3, 2, 1]);
    assert.deepEqual(
      logger.lines.filter((line) => line.level === 'error').map((line) => line.msg),
      ['call record file write failed (records still go to Redis)', 'call record could not be serialized'],
    );
  });

  it('a file that cannot be opened is a clear error at start', async () => {
    const notADirectory = join(dir, 'plain-file');
    await writeFile(notADirectory, '');
    await assert.rejects(
      openCallRecordStore({ redis, filePath: join(notADirectory, 'records.jsonl') }),
      (err) => isAigError(err, 'AIG_ERR_CALL_RECORD_FILE'),
    );
    await assert.rejects(openCallRecordStore({ redis, filePath: dir }), (err) =>
      isAigError(err, 'AIG_ERR_CALL_RECORD_FILE'),
    );
  });
});
