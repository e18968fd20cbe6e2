/**
 * Runs `aiguilleur serve` as a real child process (the CLI, through tsx) with a config on free loopback
 * ports, and reads its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface ServeProcess {
  child: ChildProcess;
  dir: string;
  sipPort: number;
  httpPort: number;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the first log line (already seen or to come) matching `predicate`. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/**
 * An RTP port range of this server's own, below Linux's ephemeral ports (32768+, where sipp's and other tests'
 * free ports come from) — unless the test chose one. Servers of concurrent test files otherwise take ports of the
 * same default range one after the other, and a late packet of one file's call could reach another file's call.
 * (This isolation did not cure the live speech test's failures under load: see scripts/run-tests.mjs.)
 */
function ownRtpRange(media: unknown): Record<string, unknown> {
  const given = typeof media === 'object' && media !== null ? (media as Record<string, unknown>) : {};
  if (given.rtpPortMin !== undefined) {
    return given;
  }
  const window = 200;
  const base = 20_000 + window * Math.floor(Math.random() * Math.floor((32_600 - 20_000) / window));
  return { ...given, rtpPortMin: base, rtpPortMax: base + window - 1 };
}

/**
 * The overload guard's threshold for a test server, unless the test chose one: 2 s instead of 250 ms. A server that
 * starts with an empty TTS cache (every test server does) synthesizes its flow's prompts after it starts: 164
 * prompts in ≈ 10 s. Until espeak-ng moved to its helper process (espeak-helper.ts), each held the event loop for
 * a spawn (22-35 ms from a 300 MB process) and a resampling (33-55 ms), and the built CLI showed 1 s windows with a
 * loop delay p99 of 25-177 ms: on a slow or busy machine, over 250 ms, and 503s for the test's first calls. With
 * the helper those windows measure ≈ 14 ms; the margin is kept because test servers run from sources under tsx
 * beside another test file, and it was not measured again there. The guard is tested on its own
 * (test/unit/guard/overload-monitor.test.ts, test/unit/call/call-admission.test.ts).
 */
function lenientOverload(calls: unknown): Record<string, unknown> {
  const given = typeof calls === 'object' && calls !== null ? (calls as Record<string, unknown>) : {};
  return given.eventLoopDelayMs === undefined ? { ...given, eventLoopDelayMs: 2000 } : given;
}

export async function startServe(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'aiguilleur-serve-'));
  const file = join(dir, 'aiguilleur.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: join(dir, 'var'),
      ...config,
      media: ownRtpRange(config.media),
      calls: lenientOverload(config.calls),
    }),
  );
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli.ts'), 'serve', '--config', file],
    {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const deadline = Date.now() + 60_000; // flows train their classifiers at start
  let started: Record<string, unknown> | undefined;
  while (started === undefined) {
    started = logs.find((l) => l.msg === 'aiguilleur started');
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`serve did not start (exit ${child.exitCode}):\n${stderr}\n${JSON.stringify(logs)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const addresses = started.addresses as { sip: { port: number }[]; http: number };
  return {
    child,
    dir,
    sipPort: addresses.sip[0]!.port,
    httpPort: addresses.http,
    logs,
    exited,
    async waitForLog(predicate, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(predicate);
        if (found !== undefined) {
          return found;
        }
        if (Date.now() > until || child.exitCode !== null) {
          throw new Error(
            `no matching log line within ${timeoutMs} ms; last lines:\n${logs
              .slice(-15)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
}
