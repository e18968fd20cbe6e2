#!/usr/bin/env node
// Media benchmark: N concurrent full-duplex G.711 calls against `aiguilleur serve` (the built CLI), for each N
// of a list; prints one table row per step. Not a test: it measures.
//
//   node scripts/bench/media.mjs [--calls 100,250,500,1000] [--seconds 20] [--cps 200] [--dtmf-every 5]
//                                [--phases 4] [--number 3646] [--cli path]
//                                [--profile] [--profile-calls N] [--profile-seconds 15]
//                                [--generator c|js] [--workers N] [--nice N] [--rt N] [--taskset CPUS] [--flow ID]
//                                [--poll | --dgram] [--gen-sockets shared|percall|epoll] [--perf-only] [--keep-perf]
//                                [--gen-rt N] [--spin MS]
//
// The load generator (media-load-generator.mjs) runs in this process: N minimal SIP UACs over UDP, each with an
// RTP stream that sends looped caller speech (espeak-ng + sox, µ-law) every 20 ms and a key press (RFC 4733)
// every --dtmf-every seconds, so the IVR plays "you pressed N" prompts back. The server runs the keypad demo
// (`flows.default: keypad-echo`: media only, no conversation layer); `--flow assurance-maladie` runs a real flow
// instead (classifier training at start, listening turns, TTS), which measures the whole IVR rather than the media.
// (Until 2026-11-28 the config named no flow, so the default flow, assurance-maladie, ran while the table said
// keypad demo: figures before that date include the conversation layer.)
// With --generator c (the default when gcc is installed) the RTP streams run in rtp-load.c, compiled here into
// the temporary folder: a JS generator costs about as much CPU per packet as the server, on the same two cores.
// --workers N runs the server with `media.workers: N` (media sessions in N worker threads); --nice N gives its
// media threads that nice value (`media.threadNice`; negative needs root or CAP_SYS_NICE); --taskset runs the
// server under `taskset -c CPUS`; --rt N gives its media threads SCHED_RR priority N (`media.realtimePriority`) and
// runs the C generator at N − 1 (--gen-rt N sets its own, 0 leaves it at normal priority). --gen-sockets picks
// the C generator's sockets: `shared` (default: one RTP socket for every call, batched system calls), `percall`,
// or `epoll` (per call and waited on with epoll, as before 2026-11-28: the server then pays for the generator's
// wake-ups); see rtp-load.c. --perf-only profiles with perf alone.
//
// Per step, over a window of --seconds with all N calls up:
//   server CPU (utime+stime from /proc over the window; 100% = one core) and RSS;
//   event-loop delay: the server's own p99 over each 1 s window (GET /healthz eventLoopDelayMs) less its 10 ms
//   sampling interval, which monitorEventLoopDelay includes; worst and median over the window;
//   send-interval of the IVR's packets as received here, per call: p50, p99, max (ideal 20 ms; this process's
//   own loop lag adds to it, shown as "gen lag p99"); RFC 3550 interarrival jitter, mean over calls;
//   loss: generator → server from the server's "media closed" log lines (RTP sequence loss, and packets we sent
//   that it did not count), server → generator from sequence gaps here; both over the whole call;
//   DTMF: key presses sent and heard by the server (its dtmfCount);
//   the generator's own CPU, and what everything else on the machine used (/proc/stat) during the window.
// A step passes on the target of the media issue: every call set up and torn down, outbound jitter p99 under
// 5 ms (99% of the IVR's packets arrive 20 ± 5 ms after the previous one of their call: p99 of |interval − 20|),
// loss below 0.01% both ways, and the server's loop delay p99 under 50 ms.
// --profile runs the highest passing N once more under `node --cpu-prof` and prints the top self-time functions;
// where `perf` is installed it also samples the server's CPU time over the window (kernel included, JS names from
// --perf-basic-prof), the better guide: V8's profile charges wall time, so a syscall that wakes the receiver
// (on this VM, a costly paravirtual interrupt enable) looks far heavier there than it is.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaLoadGenerator } from './media-load-generator.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '100,250,500,1000' },
    seconds: { type: 'string', default: '20' },
    cps: { type: 'string', default: '200' },
    'dtmf-every': { type: 'string', default: '5' },
    phases: { type: 'string', default: '4' },
    number: { type: 'string', default: '3646' },
    profile: { type: 'boolean', default: false },
    'profile-calls': { type: 'string' },
    'profile-seconds': { type: 'string', default: '15' },
    // Another build of the CLI (e.g. one compiled elsewhere with tsc --outDir); default: this checkout's dist.
    cli: { type: 'string' },
    generator: { type: 'string' },
    workers: { type: 'string', default: '0' },
    // media.pollSockets: --poll true, --dgram false (one dgram event per packet); neither: the config default (true)
    poll: { type: 'boolean', default: false },
    dgram: { type: 'boolean', default: false },
    nice: { type: 'string' },
    taskset: { type: 'string' },
    // media.realtimePriority N for the server's media threads; the C generator runs at SCHED_RR N − 1 (below the
    // media threads, above everything else: it stands for peers on other machines, which take no CPU here)
    rt: { type: 'string' },
    // --profile with perf alone: no V8 profiler in the server (it adds its own cost to perf's samples)
    'perf-only': { type: 'boolean', default: false },
    // C generator's sockets: shared (one pair for every call), percall, or epoll (percall, RTP sockets in its epoll
    // set, as before 2026-11-28); see rtp-load.c
    'gen-sockets': { type: 'string', default: 'shared' },
    'keep-perf': { type: 'boolean', default: false },
    // the C generator's SCHED_RR priority; default with --rt: rt − 1; 0: normal scheduling. Real-time threads
    // together may use only sched_rt_runtime_us of each second (95%): past it the kernel stops them all
    // ("RT throttling"), which with a real-time generator beside real-time workers happens near capacity.
    'gen-rt': { type: 'string' },
    // media.schedulerSpinMs (default 1): the scheduler's busy-poll before each tick, ms
    spin: { type: 'string' },
    flow: { type: 'string', default: 'keypad-echo' },
    // extra Node.js options for the server, space-separated (e.g. '--trace-gc' or '--max-semi-space-size=32')
    'node-args': { type: 'string', default: '' },
    // extra media settings for the server's config, as JSON (e.g. '{"gcAfterSend":false}')
    'media-config': { type: 'string', default: '{}' },
  },
});
const steps = values.calls.split(',').map(Number);
const nodeArgs = values['node-args'].split(' ').filter((a) => a !== '');
/** The generator's SCHED_RR priority, or undefined for normal scheduling (see --gen-rt). */
const genRt =
  values['gen-rt'] !== undefined
    ? Number(values['gen-rt']) > 0
      ? Number(values['gen-rt'])
      : undefined
    : values.rt === undefined
      ? undefined
      : Math.max(1, Number(values.rt) - 1);
const windowS = Number(values.seconds);
const cps = Number(values.cps);
/** What a step must stay under to pass (see the header). */
const PASS = { lossPct: 0.01, jitterP99Ms: 5, loopDelayMs: 50 };
/** The server's monitorEventLoopDelay resolution (OverloadMonitor default). */
const SERVER_LOOP_RESOLUTION_MS = 10;

for (const tool of ['espeak-ng', 'sox']) {
  if (spawnSync('which', [tool]).status !== 0) {
    console.error(`${tool} is not installed: run scripts/setup first`);
    process.exit(1);
  }
}
/** Newest modification time under a folder, ms. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const cli = resolve(values.cli ?? join(root, 'dist', 'src', 'cli.js'));
// A stale build would measure old code: rebuild when any source is newer than the built CLI.
if (
  values.cli === undefined &&
  (!existsSync(cli) || statSync(cli).mtimeMs < newestMtime(join(root, 'src')))
) {
  console.error('building (dist is missing or older than src)…');
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'aiguilleur-media-bench-'));

const generatorKind = values.generator ?? (spawnSync('gcc', ['--version']).status === 0 ? 'c' : 'js');
let nativeGenerator;
if (generatorKind === 'c') {
  nativeGenerator = join(work, 'rtp-load');
  execFileSync('gcc', ['-O2', '-Wall', '-o', nativeGenerator, join(import.meta.dirname, 'rtp-load.c')], {
    stdio: 'inherit',
  });
}

/** A caller who talks now and then: background noise, a sentence, background noise; µ-law, looped. */
function renderCallerAudio() {
  const speech = join(work, 'speech.wav');
  const padded = join(work, 'padded.wav');
  const noise = join(work, 'noise.wav');
  const out = join(work, 'caller.ul');
  execFileSync('espeak-ng', [
    '-v',
    'en',
    '-s',
    '160',
    '-w',
    speech,
    'I would like to speak to an advisor please.',
  ]);
  execFileSync('sox', [speech, '-r', '8000', '-c', '1', '-b', '16', padded, 'pad', '2', '3']);
  const samples = Number(execFileSync('soxi', ['-s', padded], { encoding: 'utf8' }).trim());
  execFileSync('sox', [
    '-n',
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    noise,
    'synth',
    `${samples}s`,
    'whitenoise',
    'vol',
    '0.001',
  ]);
  execFileSync('sox', ['-m', padded, noise, '-t', 'raw', '-r', '8000', '-c', '1', '-e', 'mu-law', out]);
  const audio = readFileSync(out);
  return audio.subarray(0, audio.length - (audio.length % 160));
}

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in ticks of 1/100 s
}

/** CPU seconds of each thread of a process, by thread id, with its name (main thread, media workers, GC…). */
function threadCpuSeconds(pid) {
  const threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

/** Busy and total jiffies of the whole machine (/proc/stat), to see what else ran during a window. */
function machineJiffies() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Starts `aiguilleur serve` with a config fit for load; resolves once it logged its addresses. */
async function startServer(extraNodeArgs = []) {
  const config = {
    sip: {
      port: 0,
      transports: ['udp'],
      wire: { port: 0 },
      protection: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000, floodSeconds: 3600 } },
    },
    calls: { maxConcurrent: 100_000, eventLoopDelayMs: 60_000, drainTimeoutSeconds: 5 },
    media: {
      rtpPortMin: 20000,
      rtpPortMax: 29999,
      ...(Number(values.workers) > 0 ? { workers: Number(values.workers) } : {}),
      ...(values.nice === undefined ? {} : { threadNice: Number(values.nice) }),
      ...(values.rt === undefined ? {} : { realtimePriority: Number(values.rt) }),
      ...(values.spin === undefined ? {} : { schedulerSpinMs: Number(values.spin) }),
      ...(values.dgram ? { pollSockets: false } : values.poll ? { pollSockets: true } : {}),
      ...JSON.parse(values['media-config']),
    },
    http: { port: 0 },
    flows: { default: values.flow },
    log: { level: 'info' },
    dataDir: join(work, 'var'),
  };
  const configFile = join(work, 'bench.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const command = [process.execPath, ...nodeArgs, ...extraNodeArgs, cli, 'serve', '--config', configFile];
  if (values.taskset !== undefined) command.unshift('taskset', '-c', values.taskset);
  const child = spawn(command[0], command.slice(1), {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { child, mediaClosed: new Map(), errors: [], sipPort: 0, httpPort: 0 };
  // Never leave a server behind: it would go on sending RTP to ports the next run binds.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    buffered += d.toString('utf8');
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        // not a log line: output of --node-args such as --trace-gc
        if (values['node-args'] !== '') console.log(`  server: ${line}`);
        continue;
      }
      if (entry.msg === 'media closed') server.mediaClosed.set(entry.callId, entry);
      else if (entry.msg === 'aiguilleur started') {
        server.sipPort = entry.addresses.sip[0].port;
        server.httpPort = entry.addresses.http;
      } else if (entry.level >= 50) server.errors.push(entry);
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  while (server.sipPort === 0) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`server did not start:\n${stderr}`);
    }
    await sleep(50);
  }
  // Startup goes on after the addresses are logged (flows load, their intent classifiers train, prompts render):
  // wait until the server is idle, so that no step's window pays for it. On a busy machine this takes longer.
  const idleDeadline = Date.now() + 120_000;
  let previous = cpuSeconds(child.pid);
  for (;;) {
    await sleep(1000);
    const now = cpuSeconds(child.pid);
    if (now - previous < 0.05 || Date.now() > idleDeadline) break;
    previous = now;
  }
  return server;
}

async function stopServer(server) {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
}

async function health(server) {
  try {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
    return await res.json();
  } catch {
    return undefined;
  }
}

async function waitFor(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await sleep(100);
  return predicate();
}

/** One step: N calls up, a measurement window, all hung up, then the server's per-call logs. */
async function runStep(server, audio, n, seconds, { perfData } = {}) {
  const gen = new MediaLoadGenerator({
    sipPort: server.sipPort,
    number: values.number,
    audio,
    phases: Number(values.phases),
    dtmfEverySeconds: Number(values['dtmf-every']),
    native: nativeGenerator,
    socketMode: values['gen-sockets'],
    ...(genRt === undefined ? {} : { realtimePriority: genRt }),
    audioFile: join(work, 'caller.ul'),
  });
  const errorsBefore = server.errors.length;
  await gen.open();
  await gen.placeCalls(n, cps);
  await waitFor(() => gen.counts().inviting === 0, (n / cps) * 1000 + 40_000);
  await sleep(2000); // let the last calls' welcome prompts start

  const genCpu0 = process.cpuUsage();
  const nativeCpu0 = gen.nativePid === undefined ? 0 : cpuSeconds(gen.nativePid);
  const cpu0 = cpuSeconds(server.child.pid);
  const threads0 = threadCpuSeconds(server.child.pid);
  const machine0 = machineJiffies();
  const t0 = performance.now();
  // The same monotonic clock as the server's V8 profile timestamps (uv_hrtime), in µs: the profile is cut to it.
  const windowStartUs = Number(process.hrtime.bigint() / 1000n);
  gen.startMeasuring();
  // perf samples CPU time (kernel included) over the window only, unlike V8's wall-clock profile of the run.
  const perf =
    perfData === undefined
      ? undefined
      : spawn(
          'perf',
          [
            'record',
            '-F',
            '499',
            '-g',
            '-p',
            String(server.child.pid),
            '-o',
            perfData,
            '--',
            'sleep',
            String(seconds),
          ],
          {
            stdio: 'ignore',
          },
        );
  const loopDelays = [];
  const active = [];
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    const h = await health(server);
    if (h !== undefined) {
      // monitorEventLoopDelay's samples include its own 10 ms sampling interval (an idle loop reads ~10 ms):
      // the delay is what exceeds it.
      loopDelays.push(Math.max(0, h.eventLoopDelayMs - SERVER_LOOP_RESOLUTION_MS));
      active.push(h.activeCalls);
    }
  }
  const window = await gen.stopMeasuring();
  const windowEndUs = Number(process.hrtime.bigint() / 1000n);
  if (perf !== undefined && perf.exitCode === null) await new Promise((r) => perf.once('exit', r));
  const wall = (performance.now() - t0) / 1000;
  const serverCpuSeconds = cpuSeconds(server.child.pid) - cpu0;
  // Per thread (name: tid), the busiest first; threads under 1% of a core are left out.
  const threadCpu = [...threadCpuSeconds(server.child.pid)]
    .map(([tid, t]) => ({
      thread: `${t.name}:${tid}`,
      cpu: (100 * (t.seconds - (threads0.get(tid)?.seconds ?? 0))) / ((performance.now() - t0) / 1000),
    }))
    .filter((t) => t.cpu >= 1)
    .sort((a, b) => b.cpu - a.cpu);
  const serverCpu = (100 * serverCpuSeconds) / wall;
  const genUsage = process.cpuUsage(genCpu0);
  const nativeCpu = gen.nativePid === undefined ? 0 : cpuSeconds(gen.nativePid) - nativeCpu0;
  const genCpu = (100 * ((genUsage.user + genUsage.system) / 1e6 + nativeCpu)) / wall;
  const machine1 = machineJiffies();
  // Everything else on the machine (other people's builds and tests share these two cores), 100% = one core.
  // (Jiffies are 10 ms: a small negative remainder is rounding, shown as 0.)
  const otherCpu = Math.max(0, (100 * (machine1.busy - machine0.busy)) / 100 / wall - serverCpu - genCpu);
  const rss = rssMb(server.child.pid);

  const established = gen.calls.filter((c) => c.state === 'up');
  gen.hangupAll(cps);
  await waitFor(() => gen.counts()['hanging-up'] === 0, (n / cps) * 1000 + 40_000);
  await waitFor(() => established.every((c) => server.mediaClosed.has(c.callId)), 15_000);
  await gen.collect();

  let sent = 0;
  let serverReceived = 0;
  let serverLost = 0;
  let serverSent = 0;
  let received = 0;
  let lostTowardsUs = 0;
  let expectedHere = 0;
  let dtmfSent = 0;
  let dtmfHeard = 0;
  let missingLogs = 0;
  let jitterSum = 0;
  let jitterMax = 0;
  let strays = 0;
  for (const call of gen.calls) strays += call.strays;
  for (const call of established) {
    const log = server.mediaClosed.get(call.callId);
    if (log === undefined) {
      missingLogs++;
      continue;
    }
    sent += call.sent;
    serverReceived += log.rtp.packetsReceived;
    serverLost += Math.max(0, log.rtp.lost);
    serverSent += log.rtp.packetsSent;
    received += call.received;
    const { expected, lost } = gen.lossTowardsUs(call);
    expectedHere += expected;
    lostTowardsUs += Math.max(0, lost);
    dtmfSent += call.dtmfSent;
    dtmfHeard += log.dtmfCount;
    const jitterMs = call.jitter / 8;
    jitterSum += jitterMs;
    jitterMax = Math.max(jitterMax, jitterMs);
  }
  const counts = gen.counts();
  const row = {
    n,
    up: established.length,
    failed: counts.failed,
    rejected: [...gen.responses.rejected].map(([s, c]) => `${c}×${s}`).join(' '),
    serverByes: gen.responses.serverByes,
    missingLogs,
    serverCpu,
    // CPU per packet the server actually sent in the window (each call-tick sends one): unlike the µs per
    // call-tick of the nominal 50 ticks/s, it does not flatter a starved server whose skipped ticks sent nothing.
    // The packets are those that arrived here: the measured intervals plus each call's first packet.
    cpuPerPacketUs: (serverCpuSeconds * 1e6) / Math.max(1, window.total + n),
    windowUs: [windowStartUs, windowEndUs],
    threadCpu,
    rss,
    genCpu,
    otherCpu,
    loopDelayMax: Math.max(...loopDelays),
    loopDelayMedian: loopDelays.sort((a, b) => a - b)[Math.floor(loopDelays.length / 2)],
    activeMin: Math.min(...active),
    p50: window.p50,
    p99: window.p99,
    max: window.max,
    samples: window.total,
    deviationP99: window.deviationP99,
    genLagP99: window.lagP99,
    jitterMean: jitterSum / Math.max(1, established.length - missingLogs),
    jitterMax,
    // Generator → server: the server's RTP sequence loss, and packets we sent that it never counted.
    inLossPct: (100 * serverLost) / Math.max(1, serverReceived + serverLost),
    inUncountedPct: (100 * (sent - serverReceived)) / Math.max(1, sent),
    // Server → generator: sequence gaps here; and what it says it sent against what arrived.
    outLossPct: (100 * lostTowardsUs) / Math.max(1, expectedHere),
    outUncountedPct: (100 * (serverSent - received)) / Math.max(1, serverSent),
    dtmfSent,
    dtmfHeard,
    strays,
    serverErrors: server.errors.length - errorsBefore,
  };
  row.pass =
    row.up === n &&
    row.failed === 0 &&
    row.missingLogs === 0 &&
    row.inLossPct < PASS.lossPct &&
    row.outLossPct < PASS.lossPct &&
    row.deviationP99 < PASS.jitterP99Ms &&
    row.loopDelayMax < PASS.loopDelayMs;
  gen.close();
  return row;
}

const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');

function printTable(rows) {
  console.log(
    `\nMedia benchmark: N full-duplex G.711 calls (PCMU, 20 ms) → aiguilleur serve (flow ${values.flow}), ${windowS} s window per step, ` +
      `key press every ${values['dtmf-every']} s per call; 2 cores shared by server and generator (${generatorKind}); ` +
      `server: ${Number(values.workers) > 0 ? `${values.workers} media worker thread(s)` : 'in-process media'}` +
      `${values.nice === undefined ? '' : `, media threads at nice ${values.nice}`}` +
      `${values.spin === undefined ? '' : `, scheduler spin ${values.spin} ms`}` +
      `${values.rt === undefined ? '' : `, media threads SCHED_RR ${values.rt}`}${genRt === undefined ? '' : ` (generator SCHED_RR ${genRt})`}` +
      `${values.dgram ? ', dgram sockets' : ', polled sockets'}, generator sockets ${values['gen-sockets']}` +
      `${values.taskset === undefined ? '' : `, taskset -c ${values.taskset}`}. ` +
      `Pass: every call up, send-interval jitter p99 (|interval − 20 ms|) < ${PASS.jitterP99Ms} ms, ` +
      `loss < ${PASS.lossPct}% both ways, loop delay < ${PASS.loopDelayMs} ms`,
  );
  console.log(
    '| calls | up | server CPU % | CPU µs per call-tick | CPU µs per packet out | server RSS MB | loop delay p99 max (median) ms | send interval p50 / p99 / max ms | jitter p99 ms | RFC 3550 jitter mean / max ms | loss in % (uncounted) | loss out % (uncounted) | DTMF sent / heard | generator CPU % | gen lag p99 ms | other CPU % | server errors | pass |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|');
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${r.up}${r.failed ? ` (${r.failed} failed${r.rejected ? `: ${r.rejected}` : ''})` : ''} | ${fmt(r.serverCpu, 0)} | ` +
        `${fmt((r.serverCpu * 1e4) / (r.n * 50), 1)} | ${fmt(r.cpuPerPacketUs, 1)} | ${fmt(r.rss, 0)} | ` +
        `${fmt(r.loopDelayMax)} (${fmt(r.loopDelayMedian)}) | ${fmt(r.p50, 2)} / ${fmt(r.p99, 2)} / ${fmt(r.max, 1)} | ${fmt(r.deviationP99, 2)} | ` +
        `${fmt(r.jitterMean, 2)} / ${fmt(r.jitterMax, 2)} | ${fmt(r.inLossPct, 3)} (${fmt(r.inUncountedPct, 2)}) | ` +
        `${fmt(r.outLossPct, 3)} (${fmt(r.outUncountedPct, 2)}) | ${r.dtmfSent} / ${r.dtmfHeard} | ${fmt(r.genCpu, 0)} | ` +
        `${fmt(r.genLagP99, 2)} | ${fmt(r.otherCpu, 0)} | ${r.serverErrors} | ${r.pass ? 'yes' : 'no'} |`,
    );
    if (r.strays > 0)
      console.log(`  (${r.n} calls: ${r.strays} stray RTP packets from another source ignored)`);
    console.log(
      `  (${r.n} calls: server CPU % by thread: ${r.threadCpu.map((t) => `${t.thread} ${fmt(t.cpu, 0)}`).join(', ')})`,
    );
  }
}

/**
 * Self time per function of a V8 .cpuprofile, top `limit`, as a table. Only the samples inside `windowUs` (the
 * step's measurement window, on the profile's own monotonic clock) count: the profile covers the server's whole
 * life, whose startup (flow loading, classifier training, call setup) is not what the window measures.
 */
function printProfile(file, windowUs, limit = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < windowUs[0] || at > windowUs[1]) return;
    total += dt;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    if (frame.functionName === '(idle)') idle += dt;
    const url = frame.url.replace(`file://${root}/`, '').replace(/^node:/, 'node:');
    const key = `${frame.functionName || '(anonymous)'}  ${url}${url ? `:${frame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const busy = total - idle;
  console.log(
    `\nCPU profile (${file}), measurement window only: ${fmt(total / 1e6, 1)} s sampled, ${fmt((100 * busy) / total, 0)}% busy; top self time:`,
  );
  console.log(
    'Sample times are wall time while the thread runs JS or native code: when a send wakes the receiver and the ' +
      'kernel preempts the server, that wait is charged to doSend; compare with the CPU % from /proc above.',
  );
  console.log('| self ms | % of busy | function  location |');
  console.log('|---:|---:|:---|');
  const top = [...self].filter(([key]) => !key.startsWith('(idle)'));
  for (const [key, us] of top.sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`| ${fmt(us / 1000, 0)} | ${fmt((100 * us) / busy, 1)} | ${key.replace(/\|/g, '\\|')} |`);
  }
  // The same by source file: which module costs what.
  const byFile = new Map();
  for (const [key, us] of top) {
    const file = key.split('  ')[1]?.replace(/:\d+$/, '') || key;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  console.log('\n| self ms | % of busy | file |');
  console.log('|---:|---:|:---|');
  for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`| ${fmt(us / 1000, 0)} | ${fmt((100 * us) / busy, 1)} | ${file} |`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const audio = renderCallerAudio();
const rows = [];
let server = await startServer();
for (const n of steps) {
  console.error(`step: ${n} calls…`);
  const row = await runStep(server, audio, n, windowS);
  rows.push(row);
  console.error(
    `step ${n}: ${row.up} up, server CPU ${fmt(row.serverCpu, 0)}%, p99 interval ${fmt(row.p99, 2)} ms, jitter p99 ${fmt(row.deviationP99, 2)} ms, ${row.pass ? 'pass' : 'FAIL'}`,
  );
  await sleep(3000);
}
const serverErrors = server.errors.length;
await stopServer(server);
printTable(rows);
if (serverErrors > 0) {
  const kinds = new Map();
  for (const e of server.errors) {
    const key = `${e.msg} ${e.err?.message ?? e.err?.code ?? ''}`.trim();
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  console.log(`\nserver logged ${serverErrors} error line(s):`);
  for (const [key, count] of kinds) console.log(`  ${count} × ${key}`);
}

/** The hottest symbols of a `perf record` file (JS names from the server's --perf-basic-prof map). */
function printPerf(file, limit = 60) {
  const report = (sort) =>
    execFileSync('perf', ['report', '-i', file, '--no-children', '--sort', sort, '--stdio', '-g', 'none'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter((line) => /^\s+\d+\.\d+%/.test(line))
      .map((line) =>
        line
          .trim()
          .replace(/\s+-\s+-\s*$/, '')
          .replace(/\s{2,}/g, '  '),
      );
  console.log(`\nperf (${file}): CPU samples of the server over the window, by object, then by symbol`);
  for (const line of report('dso').slice(0, 6)) console.log(`  ${line}`);
  console.log('| % of server CPU | symbol |');
  console.log('|---:|:---|');
  for (const line of report('dso,symbol').slice(0, limit)) {
    const [pct, ...rest] = line.split(/\s+/);
    console.log(`| ${pct} | ${rest.join(' ').replace(/\|/g, '\\|')} |`);
  }
}

const profiling = values.profile || values['profile-calls'] !== undefined;
if (profiling) {
  const passing = rows.filter((r) => r.pass).map((r) => r.n);
  const n = Number(values['profile-calls'] ?? Math.max(...passing, steps[0]));
  const profileDir = join(work, 'cpu-profile');
  const usePerf = spawnSync('perf', ['--version']).status === 0;
  console.error(`profiling the server at ${n} calls${usePerf ? ' (V8 profile and perf)' : ''}…`);
  const perfOnly = usePerf && values['perf-only'];
  server = await startServer([
    ...(perfOnly ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
    ...(usePerf ? ['--perf-basic-prof'] : []),
  ]);
  const perfData = usePerf ? join(work, 'perf.data') : undefined;
  const row = await runStep(server, audio, n, Number(values['profile-seconds']), { perfData });
  await stopServer(server);
  printTable([row]);
  const file = perfOnly ? '' : readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === '') console.log('(V8 profile skipped: --perf-only)');
  else if (file === undefined) console.log('no CPU profile written (server did not exit cleanly)');
  else printProfile(join(profileDir, file), row.windowUs);
  if (perfData !== undefined && existsSync(perfData)) {
    printPerf(perfData);
    // written by --perf-basic-prof; --keep-perf leaves it (and perf.data) for `perf report -g`
    if (values['keep-perf']) console.log(`(kept ${perfData} and /tmp/perf-${server.child.pid}.map)`);
    else rmSync(`/tmp/perf-${server.child.pid}.map`, { force: true });
  } else if (!usePerf)
    console.log('\n(perf not installed: no CPU-time profile with kernel frames; apt-get install linux-perf)');
}
process.exit(0);
