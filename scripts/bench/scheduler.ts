/**
 * Measures the shared media scheduler's pacing: tick lateness and interval error (p50/p99/max), skipped ticks and
 * CPU cost, for each polling setting, on an idle event loop and on one that other work blocks for 1–8 ms at random.
 *
 *   node --import tsx scripts/bench/scheduler.ts [--seconds 5] [--handlers 1000] [--spin 0,0.5,1,2]
 *
 * `--handlers` registers that many tick handlers, each filling one 160-sample frame (roughly a prompt player's
 * work per call), so the figures include the per-tick cost of that many calls.
 */
import { parseArgs } from 'node:util';
import { MediaScheduler, type SchedulerStats } from '../../src/media/playback/media-scheduler.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    handlers: { type: 'string', default: '1' },
    spin: { type: 'string', default: '0,0.5,1,2' },
  },
});
const seconds = Number(values.seconds);
const handlerCount = Number(values.handlers);
const spins = values.spin.split(',').map(Number);

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Simulates synchronous work elsewhere in the process (SIP parsing, JSON, logging).
  }
}

/** Blocks the loop for 1–8 ms at random moments (on average every 10 ms) until stopped. */
function startLoad(): () => void {
  let stopped = false;
  const step = (): void => {
    if (stopped) {
      return;
    }
    busyWait(1 + Math.random() * 7);
    setTimeout(step, Math.random() * 10);
  };
  setTimeout(step, 0);
  return () => {
    stopped = true;
  };
}

async function run(spinMs: number, loaded: boolean): Promise<{ stats: SchedulerStats; cpuPercent: number }> {
  const scheduler = new MediaScheduler({ spinMs, statsWindow: Math.ceil((seconds * 1000) / 20) + 10 });
  const frames = Array.from({ length: handlerCount }, () => new Int16Array(160));
  const stopLoad = loaded ? startLoad() : () => undefined;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (const frame of frames) {
    let phase = 0;
    scheduler.register(() => {
      for (let i = 0; i < frame.length; i++) {
        frame[i] = (phase + i) & 0x7fff;
      }
      phase += 1;
    });
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const stats = scheduler.stats();
  scheduler.close();
  stopLoad();
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - wallBefore;
  return { stats, cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100 };
}

const rows: string[] = [];
const f = (n: number): string => n.toFixed(2).padStart(6);
for (const loaded of [false, true]) {
  for (const spinMs of spins) {
    const { stats, cpuPercent } = await run(spinMs, loaded);
    rows.push(
      [
        (loaded ? 'blocked 1-8ms' : 'idle').padEnd(13),
        String(spinMs).padStart(4),
        f(stats.lateness.p50),
        f(stats.lateness.p99),
        f(stats.lateness.max),
        f(stats.intervalError.p50),
        f(stats.intervalError.p99),
        f(stats.intervalError.max),
        String(stats.ticks).padStart(6),
        String(stats.skippedTicks).padStart(5),
        f(stats.handlerTime.p99),
        cpuPercent.toFixed(1).padStart(5),
      ].join(' '),
    );
  }
}
process.stdout.write(
  `scheduler pacing, ${seconds}s per row, ${handlerCount} handler(s); times in ms\n` +
    'loop          spin  late50 late99 lateMx  int50  int99  intMx  ticks  skip hand99  cpu%\n' +
    `${rows.join('\n')}\n`,
);
