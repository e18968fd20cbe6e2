// The scheduler in real time, on an event loop that other work blocks for 1–8 ms at random moments (what SIP
// parsing, JSON and logging bursts do to a busy process). The pacing must stay within bounds, never drift, and
// never burst. Figures are printed as test diagnostics; `scripts/bench/scheduler.ts` measures more settings.
//
// No timer strategy can pace a thread the kernel does not run: when other processes (the other test files, a
// build) hold the cores, the thread waits on a run queue and its ticks are late by that wait. Linux counts that
// wait per thread (/proc/thread-self/schedstat, second field), so each tick's lateness is also reported net of the
// run-queue wait since the previous tick, and the bounds are checked on that: it measures the scheduler, not the
// machine. (The blocks are CPU work, as real work is: a preempted block ends later, by the same wait.) Structural
// properties (no drift, no burst, every period accounted for) are checked on the raw ticks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { before, describe, it } from 'node:test';
import { MediaScheduler, type SchedulerStats } from '../../../../src/media/playback/media-scheduler.js';

/** Spends `ms` of CPU time (not wall time: a preempted block lasts longer, like real work). */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) {
      return;
    }
  }
}

/** Blocks the event loop with 1–8 ms of CPU work at random moments, on average every 10 ms, until stopped. */
function startRandomBlocking(): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const step = (): void => {
    if (stopped) {
      return;
    }
    burnCpu(1 + Math.random() * 7);
    timer = setTimeout(step, Math.random() * 10);
  };
  timer = setTimeout(step, 0);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Nanoseconds this thread has spent runnable but waiting for a CPU; undefined where Linux does not say. */
function runQueueWaitNs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return undefined;
  }
}

interface FiredTick {
  index: number;
  now: number;
  lateness: number;
  elapsed: number;
  /** Run-queue wait of this thread since the previous tick, ms (0 where Linux does not say). */
  waited: number;
}

interface Run {
  stats: SchedulerStats;
  fired: FiredTick[];
  /** Per tick: lateness net of the run-queue wait since the previous tick. */
  netLateness: number[];
  /** Per pair of consecutive ticks: interval error from the net lateness (interval − elapsed × 20 = ΔL). */
  netIntervalErrors: number[];
  /** Run-queue wait over the whole run, ms. */
  waited: number;
  /** Mean period from the first to the last tick, over the ideal periods between them. */
  meanPeriod: number;
  /** Ticks fired less than 1 ms after a tick that followed skipped ones (what replaying missed ticks looks like). */
  catchUpBursts: number;
}

async function runFor(ms: number, loaded: boolean): Promise<Run> {
  const scheduler = new MediaScheduler({ spinMs: 1 });
  const fired: FiredTick[] = [];
  let lastWait = runQueueWaitNs();
  const stop = loaded ? startRandomBlocking() : () => undefined;
  scheduler.register((tick) => {
    const wait = runQueueWaitNs();
    const waited = wait !== undefined && lastWait !== undefined ? (wait - lastWait) / 1e6 : 0;
    lastWait = wait;
    fired.push({
      index: tick.index,
      now: tick.now,
      lateness: tick.now - tick.deadline,
      elapsed: tick.elapsedTicks,
      waited,
    });
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  const stats = scheduler.stats();
  scheduler.close();
  stop();
  const netLateness = fired.map((tick) => Math.max(0, tick.lateness - tick.waited));
  const netIntervalErrors = netLateness.slice(1).map((late, i) => Math.abs(late - netLateness[i]!));
  const catchUpBursts = fired.filter(
    (tick, i) => i > 0 && fired[i - 1]!.elapsed > 1 && tick.now - fired[i - 1]!.now < 1,
  ).length;
  const first = fired[0]!;
  const last = fired.at(-1)!;
  return {
    stats,
    fired,
    netLateness,
    netIntervalErrors,
    waited: fired.reduce((sum, tick) => sum + tick.waited, 0),
    meanPeriod: (last.now - first.now) / (last.index - first.index),
    catchUpBursts,
  };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function describeRun(label: string, run: Run): string {
  const f = (n: number): string => n.toFixed(2);
  const raw = run.stats;
  const summary = (values: number[]): string =>
    `${f(percentile(values, 0.5))}/${f(percentile(values, 0.99))}/${f(Math.max(0, ...values))}`;
  return (
    `${label}: ${raw.ticks} ticks, ${raw.skippedTicks} skipped, waited for a CPU ${run.waited.toFixed(0)} ms; ` +
    `raw lateness p50/p99/max ${f(raw.lateness.p50)}/${f(raw.lateness.p99)}/${f(raw.lateness.max)} ms, ` +
    `raw interval error ${f(raw.intervalError.p50)}/${f(raw.intervalError.p99)}/${f(raw.intervalError.max)} ms; ` +
    `net of CPU waits: lateness ${summary(run.netLateness)} ms, interval error ${summary(run.netIntervalErrors)} ms; ` +
    `mean period ${run.meanPeriod.toFixed(3)} ms`
  );
}

/** Checks the properties that hold whatever the machine does. */
function assertStructure(run: Run): void {
  const last = run.fired.at(-1)!;
  assert.equal(
    run.stats.ticks + run.stats.skippedTicks,
    last.index,
    'every period fired or counted as skipped',
  );
  assert.equal(run.catchUpBursts, 0, 'a skip is followed by one tick, never a burst');
  // No drift: ticks stay on the ideal timeline, so over ~150 ticks the mean period is 20 ms up to the first and
  // last ticks' lateness divided by the tick count.
  assert.ok(Math.abs(run.meanPeriod - 20) < 0.25, `mean period ${run.meanPeriod} ms`);
}

/**
 * Measures until `good` holds, three times at most, and returns the last run. Each run's figures are printed.
 * The net figures are an estimate (a wait may overlap a tick's own slack); a second window settles the rare case.
 */
async function measure(
  t: { diagnostic(message: string): void },
  label: string,
  ms: number,
  loaded: boolean,
  good: (run: Run) => boolean,
): Promise<Run> {
  let run: Run | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    run = await runFor(ms, loaded);
    t.diagnostic(describeRun(`${label} (attempt ${attempt})`, run));
    assertStructure(run);
    if (good(run)) {
      break;
    }
  }
  return run!;
}

describe('MediaScheduler under a loaded event loop (real time)', () => {
  before(() => {
    // Media pacing is real-time work: a production IVR would run at a raised priority, and so does this test
    // when allowed (root or CAP_SYS_NICE); elsewhere the run-queue filter alone keeps the verdict fair.
    try {
      setPriority(-10);
    } catch {
      // Normal priority.
    }
  });

  it('keeps p99 interval error within bounds while the loop is blocked 1-8 ms at random', async (t) => {
    // A block of up to 8 ms delays a tick by up to 8 ms plus timer slack (measured p99: 8-10 ms).
    const bounds = (run: Run): [number, number] => [
      percentile(run.netIntervalErrors, 0.99),
      percentile(run.netLateness, 0.99),
    ];
    const run = await measure(t, 'blocked 1-8 ms, spin 1 ms', 3000, true, (r) => Math.max(...bounds(r)) < 12);
    const [p99Interval, p99Lateness] = bounds(run);
    assert.ok(p99Interval < 12, `p99 interval error ${p99Interval} ms`);
    assert.ok(p99Lateness < 12, `p99 lateness ${p99Lateness} ms`);
  });

  it('paces to the sub-millisecond on an idle loop', async (t) => {
    // Polling makes the typical tick exact (measured p50 ≈ 0.01 ms).
    const bounds = (run: Run): [number, number] => [
      percentile(run.netLateness, 0.5),
      percentile(run.netIntervalErrors, 0.99),
    ];
    const run = await measure(t, 'idle, spin 1 ms', 1500, false, (r) => bounds(r)[0] < 1 && bounds(r)[1] < 5);
    const [p50, p99Interval] = bounds(run);
    assert.ok(p50 < 1, `p50 lateness ${p50} ms`);
    assert.ok(p99Interval < 5, `p99 interval error ${p99Interval} ms`);
  });
});
