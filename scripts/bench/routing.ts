/**
 * Routing decision latency with Redis on loopback (a private redis-server started here, stopped at the end): the
 * shipped groups file (7 groups), live load figures and staffing in Redis, the real caller history, 10,000
 * decisions one after the other (latency), then the same number 20 at a time (throughput), in opening hours and
 * at night (every group closed: the callback path, which looks for the next opening). Target: p99 < 5 ms.
 *
 *   node --import tsx scripts/bench/routing.ts [--decisions 10000] [--concurrency 20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { CallRouter } from '../../src/routing/call-router.js';
import { RoutingRegistry } from '../../src/routing/routing-registry.js';
import type { RoutingRequest } from '../../src/routing/routing-types.js';
import { callerHistoryKey, RedisCallerHistory } from '../../src/store/caller-history.js';
import { GroupLoadStore } from '../../src/store/group-load-store.js';
import { startPrivateRedisServer } from '../../src/store/private-redis-server.js';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '20' },
  },
});
const DECISIONS = Number(values.decisions);
const CONCURRENCY = Number(values.concurrency);
const INTENTS = [
  'health_card',
  'european_card',
  'reimbursement',
  'sick_leave',
  'maternity',
  'supplementary_coverage',
  'gp_declaration',
  'change_of_details',
  'online_account',
  'certificate',
  'agent',
  'out_of_scope',
];
/** Tuesday 2 June 2026 10:00 and 20:00 in Paris. */
const DAY = Date.parse('2026-06-02T08:00:00Z');
const NIGHT = Date.parse('2026-06-02T18:00:00Z');

/** One line of the report. */
function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return (
    `p50 ${percentile(sorted, 50).toFixed(3)} ms, p90 ${percentile(sorted, 90).toFixed(3)} ms, ` +
    `p99 ${percentile(sorted, 99).toFixed(3)} ms, max ${sorted[sorted.length - 1]!.toFixed(3)} ms, mean ${mean.toFixed(3)} ms`
  );
}

let seed = 42;
function random(): number {
  // Park–Miller: the same requests on every run.
  seed = (seed * 48_271) % 2_147_483_647;
  return seed / 2_147_483_647;
}

function makeRequest(index: number): RoutingRequest {
  const intent = INTENTS[Math.floor(random() * INTENTS.length)]!;
  return {
    callId: `bench-${index}`,
    dialledNumber: '3646',
    callerHash: random() < 0.9 ? `hash-${Math.floor(random() * 1000)}` : null,
    language: 'fr',
    intent,
    confidence: 0.9,
    entities: intent === 'reimbursement' && random() < 0.2 ? { dispute: true } : {},
    recognitionFailures: Math.floor(random() * 4),
    vulnerabilityDeclared: random() < 0.05,
    skill: null,
    level: null,
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aig-bench-routing-'));
  const server = await startPrivateRedisServer({ directory: dataDir });
  // The application's client options (src/app.ts).
  const redis = new Redis(server.url, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  });
  const registry = await RoutingRegistry.open({
    file: resolve(import.meta.dirname, '../../config/groups.yaml'),
    watch: false,
  });
  let now = DAY;
  const load = new GroupLoadStore(redis, { clock: () => now });
  const router = new CallRouter({
    registry,
    load,
    history: new RedisCallerHistory(redis),
    clock: () => new Date(now),
  });
  try {
    // Live figures: calls in progress and recent hand-overs in every group, staffing set for two groups, a caller
    // history for 1,000 numbers.
    const groups = [...registry.current().groups.keys()];
    for (const groupId of groups) {
      const inProgress = 2 + Math.floor(random() * 12);
      for (let i = 0; i < inProgress; i++) {
        await load.recordHandover(groupId, `live-${groupId}-${i}`, 600);
      }
      for (let i = 0; i < 60; i++) {
        await redis.zadd(
          load.keys(groupId).handovers,
          now - Math.floor(random() * 800_000),
          `past-${groupId}-${i}`,
        );
      }
    }
    await load.setStaffedAgents('cards', 4, 'bench');
    await load.setStaffedAgents('rights', 2, 'bench');
    const pipeline = redis.pipeline();
    for (let n = 0; n < 1000; n++) {
      for (let k = 0; k < 3; k++) {
        pipeline.zadd(
          callerHistoryKey(`hash-${n}`, INTENTS[(n + k) % INTENTS.length]!),
          now - k * 86_400_000,
          `h-${n}-${k}`,
        );
      }
    }
    await pipeline.exec();

    print(`routing decisions, ${groups.length} groups, Redis on loopback (${server.url})`);
    for (const [label, at] of [
      ['day (10:00, groups open)', DAY],
      ['night (20:00, callback path)', NIGHT],
    ] as const) {
      now = at;
      for (let i = 0; i < 500; i++) {
        await router.decide(makeRequest(i)); // warm-up: JIT, connections, opening-hours caches
      }
      const kinds = new Map<string, number>();
      const latencies: number[] = [];
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      for (let i = 0; i < DECISIONS; i++) {
        const request = makeRequest(i);
        const started = performance.now();
        const decision = await router.decide(request);
        latencies.push(performance.now() - started);
        kinds.set(decision.kind, (kinds.get(decision.kind) ?? 0) + 1);
      }
      const wall = performance.now() - wallBefore;
      const cpu = process.cpuUsage(cpuBefore);
      print(`\n${label}: ${DECISIONS} decisions one at a time`);
      print(`  latency ${summary(latencies)}`);
      print(
        `  CPU ${((cpu.user + cpu.system) / DECISIONS).toFixed(0)} µs per decision (this process), ` +
          `${(DECISIONS / (wall / 1000)).toFixed(0)} decisions/s; outcomes ${JSON.stringify(Object.fromEntries(kinds))}`,
      );

      const concurrent: number[] = [];
      let next = 0;
      const concurrentStart = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < DECISIONS) {
            const request = makeRequest(next++);
            const started = performance.now();
            await router.decide(request);
            concurrent.push(performance.now() - started);
          }
        }),
      );
      const concurrentWall = performance.now() - concurrentStart;
      print(`  ${CONCURRENCY} at a time: latency ${summary(concurrent)}`);
      print(`  ${(DECISIONS / (concurrentWall / 1000)).toFixed(0)} decisions/s`);
    }
  } finally {
    registry.close();
    redis.disconnect();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
