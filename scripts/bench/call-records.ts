/**
 * Call records: how many records per second the store writes (stream + file, stream only, file only), one at a
 * time and with many calls ending together; what one record costs in Redis memory and on disk; how fast the
 * repeat-caller question (one ZCOUNT) is answered; how fast `search` scans the stream.
 *
 *   node --import tsx scripts/bench/call-records.ts [--records 20000] [--concurrency 1,64] [--redis-url URL]
 *
 * Without --redis-url it starts the private redis-server the app uses when no Redis is configured (append-only
 * file on, `appendfsync everysec`), in a temporary folder, like a single-machine install.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { InboundCallRecord } from '../../src/store/call-record-types.js';
import { openCallRecordStore } from '../../src/store/call-record-store.js';
import { RedisCallerHistory } from '../../src/store/caller-history.js';
import { hashCallerNumber, maskCallerNumber } from '../../src/store/caller-number.js';
import { startPrivateRedisServer } from '../../src/store/private-redis-server.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '1,64' },
    'redis-url': { type: 'string' },
  },
});
const recordCount = Number(values.records);
const concurrencies = values.concurrency.split(',').map(Number);

const SECRET = Buffer.alloc(32, 5);
const INTENTS = ['carte_vitale', 'attestation', 'remboursement', 'arret_maladie', 'agent'];
let sequence = 0;

/** A realistic record: 10,000 distinct callers, two intents, a priority reason, three recognizers. */
function makeRecord(): InboundCallRecord {
  sequence += 1;
  const number = `06${String(10_000_000 + (sequence % 10_000)).slice(0, 8)}`;
  const started = Date.now() - 120_000;
  return {
    kind: 'call',
    callId: `bench-${process.pid}-${sequence}`,
    callbackId: null,
    attempt: null,
    numberHash: hashCallerNumber(number, SECRET),
    numberMasked: maskCallerNumber(number),
    dialledNumber: '3646',
    startedAt: new Date(started).toISOString(),
    answeredAt: new Date(started + 400).toISOString(),
    endedAt: new Date(started + 118_000).toISOString(),
    durationMs: 118_000,
    flowId: 'assurance-maladie',
    flowVersion: '3f2a9c41',
    language: 'fr',
    intents: [INTENTS[sequence % 5]!, INTENTS[(sequence + 1) % 5]!],
    finalIntent: INTENTS[(sequence + 1) % 5]!,
    outcome: 'transferred',
    group: 'cartes-n1',
    transferMethod: 'refer',
    priority: 1,
    priorityReasons: ['3 calls about carte_vitale within 7 days (rule: 3)'],
    recognition: {
      turns: 4,
      noMatch: 1,
      noInput: 0,
      errors: 0,
      providers: { google: 3, dtmf: 1 },
      meanLatencyMs: 412,
    },
    sipEndReason: 'refer-completed',
  };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Seconds of CPU the Redis server has used (user + system). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? NaN);
  const system = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? NaN);
  return user + system;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const folder = await mkdtemp(join(tmpdir(), 'aig-bench-records-'));
const server =
  values['redis-url'] === undefined
    ? await startPrivateRedisServer({ directory: join(folder, 'redis') })
    : null;
const redis = new Redis(values['redis-url'] ?? server!.url);

try {
  print(
    `call records: ${recordCount} records per run, redis ${values['redis-url'] ?? 'private (appendonly yes)'}, ` +
      `node ${process.version}`,
  );
  print(
    'mode            concurrency  records/s  write p50 ms  write p99 ms  node CPU µs/record  redis CPU µs/record',
  );
  for (const mode of ['stream+file', 'stream', 'file'] as const) {
    for (const concurrency of concurrencies) {
      await redis.flushall();
      const filePath = mode === 'stream' ? null : join(folder, `records-${mode}-${concurrency}.jsonl`);
      // File only: a client pointed at a closed port, so every record takes the backlog path (as in an outage).
      const client =
        mode === 'file' ? new Redis(1, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false }) : redis;
      client.on('error', () => undefined);
      const store = await openCallRecordStore({
        redis: client,
        filePath,
        maxPending: mode === 'file' ? 1 : 10_000,
        writeTimeoutMs: 1000,
      });
      const records = Array.from({ length: recordCount }, makeRecord);
      const latencies: number[] = [];
      const cpuBefore = process.cpuUsage();
      const redisCpuBefore = await redisCpuSeconds(redis);
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < records.length) {
            const record = records[next++]!;
            const t0 = performance.now();
            await store.write(record);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const redisCpuUs = ((await redisCpuSeconds(redis)) - redisCpuBefore) * 1e6;
      await store.close();
      if (mode === 'file') {
        client.disconnect();
      }
      latencies.sort((a, b) => a - b);
      const cells = [
        mode.padEnd(14),
        String(concurrency).padStart(11),
        String(Math.round(recordCount / seconds)).padStart(9),
        percentile(latencies, 50).toFixed(3).padStart(12),
        percentile(latencies, 99).toFixed(3).padStart(12),
        ((cpu.user + cpu.system) / recordCount).toFixed(0).padStart(18),
        (redisCpuUs / recordCount).toFixed(0).padStart(19),
      ];
      print(cells.join('  '));
      if (mode === 'stream+file' && concurrency === concurrencies.at(-1)) {
        const bytes = (await stat(filePath!)).size;
        print(`  file: ${(bytes / recordCount).toFixed(0)} bytes per record (one JSON line)`);
      }
    }
  }

  // Memory: the stream alone, then with the caller history and the per-record markers.
  await redis.flushall();
  const before = await usedMemory(redis);
  const streamOnly = await openCallRecordStore({
    redis,
    filePath: null,
    historyRetentionDays: null,
    dedupeSeconds: 1,
  });
  for (let i = 0; i < recordCount; i++) {
    await streamOnly.write(makeRecord());
  }
  await streamOnly.close();
  const streamBytes = (await redis.memory('USAGE', 'aig:call-records', 'SAMPLES', '0')) ?? NaN;
  await redis.flushall();
  const before2 = await usedMemory(redis);
  const full = await openCallRecordStore({ redis, filePath: null });
  for (let i = 0; i < recordCount; i++) {
    await full.write(makeRecord());
  }
  await full.close();
  const all = (await usedMemory(redis)) - before2;
  print(
    `redis memory: stream ${(streamBytes / recordCount).toFixed(0)} bytes per record ` +
      `(${(((streamBytes / recordCount) * 1e6) / 2 ** 30).toFixed(2)} GiB at the default MAXLEN 1,000,000); ` +
      `stream + caller history (10,000 callers, 3 intent keys per call) + 24 h markers: ` +
      `${(all / recordCount).toFixed(0)} bytes per record (used_memory delta; baseline ${before} B)`,
  );

  // The repeat-caller question, as the priority policy asks it.
  const history = new RedisCallerHistory(redis);
  const hash = hashCallerNumber('0610000001', SECRET)!;
  const since = new Date(Date.now() - 7 * 86_400_000);
  const times: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t0 = performance.now();
    await history.recentCalls(hash, INTENTS[i % 5]!, since);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  print(
    `recentCalls (one ZCOUNT): p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms, ` +
      `answer for a caller with ${await history.recentCalls(hash, '*', since)} calls`,
  );

  // search: a filter that matches nothing reads the whole stream.
  const reader = await openCallRecordStore({ redis, filePath: null });
  const t0 = performance.now();
  const result = await reader.search({ group: 'nobody' }, 10);
  const ms = performance.now() - t0;
  print(
    `search scanning ${result.scanned} entries: ${ms.toFixed(0)} ms (${Math.round(result.scanned / (ms / 1000))} entries/s)`,
  );
  await reader.close();
} finally {
  redis.disconnect();
  await server?.stop();
  await rm(folder, { recursive: true, force: true });
}
