#!/usr/bin/env node
// SIP signalling benchmark: sipp (UAC, built-in "uac" scenario) against `aiguilleur serve` at stepped call
// rates; prints one table row per step. Not a test: it measures.
//
//   node scripts/bench/sip.mjs [--rates 100,200,400,800,1200] [--duration 60] [--call-ms 10000]
//
// Per step: attempted, successful, failed calls, retransmissions (sipp counters), p50/p99 INVITE→200 (sipp
// -trace_rtt), and the server's CPU (utime+stime from /proc over the step's wall time; 100% = one core).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '100,200,400,800,1200' },
    duration: { type: 'string', default: '60' },
    'call-ms': { type: 'string', default: '10000' },
  },
});
const rates = values.rates.split(',').map(Number);
const durationS = Number(values.duration);
const callMs = Number(values['call-ms']);

if (spawnSync('which', ['sipp']).status !== 0) {
  console.error('sipp is not installed: run scripts/setup first');
  process.exit(1);
}
if (!existsSync(join(root, 'dist', 'src', 'cli.js'))) {
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}

async function freePort() {
  for (;;) {
    const port = await new Promise((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => res(p));
      });
    });
    const udpFree = await new Promise((res) => {
      const u = createSocket('udp4');
      u.once('error', () => res(false));
      u.bind(port, '127.0.0.1', () => u.close(() => res(true)));
    });
    if (udpFree) return port;
  }
}

const work = mkdtempSync(join(tmpdir(), 'aiguilleur-bench-'));
const sipPort = await freePort();
const config = {
  sip: {
    port: sipPort,
    transports: ['udp'],
    wire: { port: 0 },
    protection: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000, floodSeconds: 3600 } },
  },
  calls: { maxConcurrent: 1_000_000, eventLoopDelayMs: 10_000 },
  // Signalling only: no RTP; a wide port range so 10 s calls at 1200 calls/s (12,000 live) all get a port number.
  media: { enabled: false, rtpPortMin: 10000, rtpPortMax: 65534 },
  http: { port: 0 },
  log: { level: 'warn' },
  dataDir: join(work, 'var'),
};
const configFile = join(work, 'bench.config.json');
writeFileSync(configFile, JSON.stringify(config));

const server = spawn(
  process.execPath,
  [join(root, 'dist', 'src', 'cli.js'), 'serve', '--config', configFile],
  {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let serverLog = '';
server.stdout.on('data', (d) => (serverLog += d));
server.stderr.on('data', (d) => (serverLog += d));
const started = Date.now();
// Ready when the SIP port answers an OPTIONS (the log level is warn: no start-up line to wait for).
const probe = createSocket('udp4');
let ready = false;
probe.on('message', () => (ready = true));
await new Promise((r) => probe.bind(0, '127.0.0.1', r));
while (!ready) {
  if (Date.now() - started > 20_000 || server.exitCode !== null) {
    console.error('server did not start:\n' + serverLog);
    process.exit(1);
  }
  const branch = `z9hG4bK-probe-${Date.now()}`;
  const options = [
    `OPTIONS sip:3646@127.0.0.1:${sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${probe.address().port};branch=${branch}`,
    'Max-Forwards: 70',
    `From: <sip:bench@127.0.0.1>;tag=${branch}`,
    `To: <sip:3646@127.0.0.1:${sipPort}>`,
    `Call-ID: ${branch}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  probe.send(options, sipPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 200));
}
probe.close();
await new Promise((r) => setTimeout(r, 500));

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 1/100 s
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const rows = [];
for (const rate of rates) {
  const stepDir = mkdtempSync(join(work, `step-${rate}-`));
  const calls = rate * durationS;
  const clientPort = await freePort();
  const cpu0 = cpuSeconds(server.pid);
  const t0 = Date.now();
  const sipp = spawnSync(
    'sipp',
    [
      '-sn',
      'uac',
      '-s',
      '3646',
      '-i',
      '127.0.0.1',
      '-p',
      String(clientPort),
      `127.0.0.1:${sipPort}`,
      '-r',
      String(rate),
      '-m',
      String(calls),
      '-d',
      String(callMs),
      '-l',
      String(rate * (callMs / 1000 + 5) * 2),
      '-buff_size',
      String(4 << 20),
      '-nostdin',
      '-trace_stat',
      '-fd',
      '1',
      '-trace_rtt',
      '-rtt_freq',
      '1',
      '-timeout',
      `${durationS + callMs / 1000 + 60}s`,
      '-timeout_error',
    ],
    { cwd: stepDir, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const wall = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  const files = readdirSync(stepDir);
  const statFile = files.find((f) => f.endsWith('_.csv'));
  const rttFile = files.find((f) => f.endsWith('_rtt.csv'));
  let attempted = NaN,
    ok = NaN,
    failed = NaN,
    retrans = NaN;
  if (statFile) {
    const lines = readFileSync(join(stepDir, statFile), 'utf8').trim().split('\n');
    const head = lines[0].split(';');
    const last = lines[lines.length - 1].split(';');
    const col = (name) => Number(last[head.indexOf(name)]);
    attempted = col('TotalCallCreated');
    ok = col('SuccessfulCall(C)');
    failed = col('FailedCall(C)');
    retrans = col('Retransmissions(C)');
  }
  let p50 = NaN,
    p99 = NaN;
  if (rttFile) {
    const times = readFileSync(join(stepDir, rttFile), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(';')[1]))
      .filter((n) => Number.isFinite(n))
      .sort((a, b) => a - b);
    p50 = percentile(times, 50);
    p99 = percentile(times, 99);
  }
  rows.push({
    rate,
    attempted,
    ok,
    failed,
    retrans,
    p50,
    p99,
    cpu: (100 * cpu) / wall,
    cpuPerCall: (1000 * cpu) / (ok || 1),
    sippExit: sipp.status,
  });
  console.error(`step ${rate} calls/s done (sipp exit ${sipp.status})`);
  await new Promise((r) => setTimeout(r, 2000));
}

server.kill('SIGTERM');
await Promise.race([new Promise((r) => server.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
if (server.exitCode === null) server.kill('SIGKILL');
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
console.log(
  `\nSIP benchmark: sipp uac → aiguilleur serve (UDP, ${durationS} s per step, ${callMs / 1000} s calls, signalling only)`,
);
console.log(
  '| calls/s | attempted | successful | failed | retransmissions | p50 INVITE→200 ms | p99 INVITE→200 ms | server CPU % | CPU ms/call |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.rate} | ${fmt(r.attempted)} | ${fmt(r.ok)} | ${fmt(r.failed)} | ${fmt(r.retrans)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpu)} | ${fmt(r.cpuPerCall, 2)} |`,
  );
}
await new Promise((r) => setTimeout(r, 1000));
process.exit(0);
