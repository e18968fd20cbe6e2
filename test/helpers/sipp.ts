/**
 * Runs sipp (Debian sip-tester 3.6) as a real SIP peer for integration tests: always in the foreground, bound to
 * 127.0.0.1, in its own temporary directory, with statistics, error and log traces collected and parsed, and
 * killed if it outlives `timeoutMs` so a test can never hang.
 *
 * Exit codes (sipp -h): 0 every call succeeded, 1 at least one call failed (also: scenario file unreadable),
 * 97 stopped by an internal command, 99 no call processed, 255 fatal error (also: our `-timeout` reached, as we
 * pass `-timeout_error`), 254 could not bind a socket.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, isPortTaken } from './free-port.js';
import { parseScenarioScreen, parseStatsCsv, type SippMessageRow, type SippStats } from './sipp-output.js';

export type { SippMessageRow, SippStats } from './sipp-output.js';

export const SIPP_BINARY = process.env.SIPP_BINARY ?? '/usr/bin/sipp';
export const SIPP_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp');

/** Scenarios compiled into sipp (`-sn`). */
const BUILT_IN = new Set([
  'uac',
  'uas',
  'regexp',
  'branchc',
  'branchs',
  '3pcc-C-A',
  '3pcc-C-B',
  '3pcc-A',
  '3pcc-B',
]);

export const SIPP_EXIT = {
  allCallsSucceeded: 0,
  someCallsFailed: 1,
  internalCommand: 97,
  noCallProcessed: 99,
  fatal: 255,
  bindFailed: 254,
} as const;

export interface SippOptions {
  /** A built-in name ('uac', 'uas'), a fixture name ('uac-basic'), or a path to a scenario XML file. */
  readonly scenario: string;
  /** Remote `host:port`; omit for a pure UAS scenario. */
  readonly target?: string;
  /** Local SIP port; a free one is chosen when absent (see `SippProcess.localPort`). */
  readonly localPort?: number;
  /** `-m`: stop after this many calls. @default 1 */
  readonly calls?: number;
  /** `-r`: calls per second (per `ratePeriodMs`). */
  readonly rate?: number;
  /** `-rp`: rate period in ms. */
  readonly ratePeriodMs?: number;
  /** `-l`: maximum simultaneous calls. */
  readonly concurrentCalls?: number;
  /** `-t`: u1 (one UDP socket), un (one per call), t1, tn. @default 'u1' */
  readonly transport?: 'u1' | 'un' | 't1' | 'tn';
  /** `-lost`: percentage of packets to drop (scenario `lost` attributes override it). */
  readonly lost?: number;
  /** `-s`: user part of the Request-URI, `[service]` in scenarios. */
  readonly service?: string;
  /** `-key k v`: `[k]` in scenario messages. */
  readonly keys?: Readonly<Record<string, string>>;
  /** `-set var value`: global variables (`$var`), declared in the scenario with `<Global variables="…"/>`. */
  readonly variables?: Readonly<Record<string, string>>;
  /** `-d`: duration of `<pause/>` elements without their own length, ms. */
  readonly pauseMs?: number;
  /**
   * Values for `{{name}}` placeholders, substituted into a copy of the scenario before sipp reads it. For what
   * sipp cannot take from `-key` (it parses status codes at load time, so a `[key]` cannot be a status).
   */
  readonly template?: Readonly<Record<string, string>>;
  /** `-inf`: CSV injection file (`[field0]`…). */
  readonly injectionFile?: string;
  /** Keep sent/received messages (`-trace_msg`) in `SippResult.messageLog`. @default false */
  readonly traceMessages?: boolean;
  /** Hard limit; sipp is told to stop a little earlier and killed at this point. @default 30000 */
  readonly timeoutMs?: number;
  readonly extraArgs?: readonly string[];
}

export interface SippResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when we had to kill sipp at `timeoutMs`. */
  readonly timedOut: boolean;
  /** exitCode 0: every call succeeded. */
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly stats: SippStats | undefined;
  readonly messages: readonly SippMessageRow[];
  /** Unexpected messages and other errors (`-trace_err`). */
  readonly errors: string;
  /** Output of the scenario's `<log>` actions (`-trace_logs`). */
  readonly logs: string;
  readonly messageLog: string | undefined;
  readonly args: readonly string[];
  readonly localPort: number;
}

export interface SippProcess {
  readonly localPort: number;
  readonly pid: number | undefined;
  /** Resolves once sipp holds its SIP port (use before pointing a UAC at a sipp UAS). */
  readonly ready: Promise<void>;
  readonly done: Promise<SippResult>;
  /** Asks sipp to stop (SIGUSR1 dumps then quits; SIGKILL after a grace period) and returns the result. */
  stop(): Promise<SippResult>;
}

export function scenarioPath(scenario: string): string {
  if (isAbsolute(scenario) || existsSync(scenario)) {
    return resolve(scenario);
  }
  const file = scenario.endsWith('.xml') ? scenario : `${scenario}.xml`;
  return join(SIPP_FIXTURES, file);
}

/** Copies a scenario with `{{name}}` placeholders filled in; scenarios without placeholders are used in place. */
async function prepareScenario(
  path: string,
  values: Readonly<Record<string, string>> | undefined,
  workDir: string,
): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return path; // Let sipp report the unreadable file in its own words.
  }
  if (!text.includes('{{')) {
    return path;
  }
  const filled = text.replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => values?.[name] ?? placeholder);
  const missing = [...new Set(filled.match(/\{\{\w+\}\}/g) ?? [])];
  if (missing.length > 0) {
    throw new Error(`sipp scenario ${path} needs template values for ${missing.join(', ')}`);
  }
  const copy = join(workDir, basename(path));
  await writeFile(copy, filled);
  return copy;
}

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Even port p with p and p + 2 free (sipp binds both for audio and video media). */
async function freeMediaPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort('udp');
    if (port % 2 === 0 && port + 2 <= 65535 && !(await isPortTaken(port + 2, 'udp'))) {
      return port;
    }
  }
  throw new Error('no free media port pair for sipp');
}

const OUTPUT_LIMIT = 2 * 1024 * 1024;

/**
 * Starts sipp; use `runSipp` when the test only needs the final result. When we chose the ports and another
 * process took one in the meantime (exit 254), sipp is started again on fresh ports, up to three times.
 */
export async function startSipp(options: SippOptions): Promise<SippProcess> {
  for (let attempt = 1; ; attempt++) {
    const sipp = await launchSipp(options, options.localPort ?? (await freePort('both')));
    const outcome = await Promise.race([
      sipp.ready.then(
        () => 'bound' as const,
        () => 'not-bound' as const,
      ),
      sipp.done.then(() => 'exited' as const),
    ]);
    if (outcome !== 'bound' && sipp.hasExited() && attempt < 3) {
      const result = await sipp.done;
      // The SIP socket reports 254; media and control sockets fail as fatal errors, with the same words.
      if (result.exitCode === SIPP_EXIT.bindFailed || /Unable to bind/i.test(result.stdout + result.stderr)) {
        continue;
      }
    }
    return sipp;
  }
}

async function launchSipp(
  options: SippOptions,
  localPort: number,
): Promise<SippProcess & { hasExited(): boolean }> {
  const workDir = await mkdtemp(join(tmpdir(), 'aig-sipp-'));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const files = {
    stats: join(workDir, 'stats.csv'),
    errors: join(workDir, 'errors.log'),
    logs: join(workDir, 'logs.log'),
    messages: join(workDir, 'messages.log'),
    screen: join(workDir, 'screen.log'),
  };
  const args: string[] = [];
  if (BUILT_IN.has(options.scenario)) {
    args.push('-sn', options.scenario);
  } else {
    try {
      args.push('-sf', await prepareScenario(scenarioPath(options.scenario), options.template, workDir));
    } catch (err) {
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }
  if (options.target !== undefined) {
    args.push(options.target);
  }
  args.push('-i', '127.0.0.1', '-p', String(localPort), '-mi', '127.0.0.1');
  args.push('-mp', String(await freeMediaPort()), '-cp', String(await freePort('udp')));
  args.push('-t', options.transport ?? 'u1', '-m', String(options.calls ?? 1), '-nostdin');
  // sipp's own global timeout fires first so it can still write its statistics; we kill it a bit later.
  args.push('-timeout', `${Math.max(1, Math.floor((timeoutMs - 1000) / 1000))}s`, '-timeout_error');
  args.push('-trace_err', '-error_file', files.errors, '-trace_logs', '-log_file', files.logs);
  args.push('-trace_stat', '-stf', files.stats, '-fd', '1', '-trace_screen', '-screen_file', files.screen);
  if (options.traceMessages === true) {
    args.push('-trace_msg', '-message_file', files.messages);
  }
  if (options.rate !== undefined) {
    args.push('-r', String(options.rate));
  }
  if (options.ratePeriodMs !== undefined) {
    args.push('-rp', String(options.ratePeriodMs));
  }
  if (options.concurrentCalls !== undefined) {
    args.push('-l', String(options.concurrentCalls));
  }
  if (options.lost !== undefined) {
    args.push('-lost', String(options.lost));
  }
  if (options.service !== undefined) {
    args.push('-s', options.service);
  }
  if (options.pauseMs !== undefined) {
    args.push('-d', String(options.pauseMs));
  }
  if (options.injectionFile !== undefined) {
    args.push('-inf', resolve(options.injectionFile));
  }
  for (const [key, value] of Object.entries(options.keys ?? {})) {
    args.push('-key', key, value);
  }
  for (const [name, value] of Object.entries(options.variables ?? {})) {
    args.push('-set', name, value);
  }
  args.push(...(options.extraArgs ?? []));

  const child = spawn(SIPP_BINARY, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = (stdout + chunk).slice(-OUTPUT_LIMIT);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-OUTPUT_LIMIT);
  });

  let timedOut = false;
  let exited = false;
  const killTimer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);

  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('error', (err) => {
      stderr += `\n${String(err)}`;
      exited = true;
      resolveExit({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      exited = true;
      resolveExit({ code, signal });
    });
  });

  const done: Promise<SippResult> = exit.then(async ({ code, signal }) => {
    clearTimeout(killTimer);
    const [csv, errors, logs, messages, screen] = await Promise.all([
      readIfPresent(files.stats),
      readIfPresent(files.errors),
      readIfPresent(files.logs),
      readIfPresent(files.messages),
      readIfPresent(files.screen),
    ]);
    if (process.env.AIG_KEEP_SIPP_DIR === undefined) {
      await rm(workDir, { recursive: true, force: true });
    }
    const fromStdout = parseScenarioScreen(stdout);
    return {
      exitCode: code,
      signal,
      timedOut,
      ok: code === SIPP_EXIT.allCallsSucceeded && !timedOut,
      stdout,
      stderr,
      stats: parseStatsCsv(csv),
      messages: fromStdout.length > 0 ? fromStdout : parseScenarioScreen(screen),
      errors,
      logs,
      messageLog: options.traceMessages === true ? messages : undefined,
      args,
      localPort,
    };
  });

  const transportProtocol = (options.transport ?? 'u1').startsWith('t') ? 'tcp' : 'udp';
  const ready = (async () => {
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline) {
      if (await isPortTaken(localPort, transportProtocol)) {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (exited) {
      const result = await done;
      throw new Error(
        `sipp exited before binding port ${localPort}: ${result.stderr || result.stdout.slice(-500)}`,
      );
    }
    throw new Error(`sipp did not bind port ${localPort} within 5 s`);
  })();
  // The caller may never await `ready` (runSipp): keep its rejection from being unhandled.
  ready.catch(() => undefined);

  return {
    localPort,
    pid: child.pid,
    ready,
    done,
    hasExited: () => exited,
    async stop() {
      if (!exited) {
        // SIGUSR1 makes sipp dump its statistics and exit; SIGKILL if it does not within a second.
        child.kill('SIGUSR1');
        const grace = setTimeout(() => child.kill('SIGKILL'), 1000);
        await exit;
        clearTimeout(grace);
      }
      return done;
    },
  };
}

/** Runs sipp to completion (or to `timeoutMs`) and returns what happened. */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  const sipp = await startSipp(options);
  return sipp.done;
}

/** A short description of a failed run, for assertion messages. */
export function describeSippRun(result: SippResult): string {
  const rows = result.messages
    .map(
      (r) =>
        `${r.direction === 'received' ? '<-' : '->'} ${r.label} x${r.count} (retrans ${r.retransmissions}, unexpected ${r.unexpected})`,
    )
    .join('\n');
  return [
    `sipp ${result.args.join(' ')}`,
    `exit ${String(result.exitCode)}${result.timedOut ? ' (killed at timeout)' : ''}`,
    rows,
    result.errors.trim(),
    result.logs.trim(),
    result.stderr.trim(),
  ]
    .filter((part) => part !== '')
    .join('\n');
}
