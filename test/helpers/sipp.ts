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

export const SIPP_BINARY = process.env.SIPP_BINARY ?? '/usr/bin/sipp';
export const SIPP_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp');

/** Scenarios compiled into sipp (`-sn`). */
const BUILT_IN = new Set(['uac', 'uas', 'regexp', 'branchc', 'branchs', '3pcc-C-A', '3pcc-C-B', '3pcc-A', '3pcc-B']);

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

export interface SippStats {
  readonly successful: number;
  readonly failed: number;
  /** Messages sipp itself retransmitted; retransmissions it received show in `SippResult.messages`. */
  readonly retransmissions: number;
  readonly outgoingCalls: number;
  readonly incomingCalls: number;
  readonly unexpectedMessages: number;
  readonly timeoutsOnReceive: number;
  readonly deadCallMessages: number;
  readonly outOfCallMessages: number;
  /** Every cumulative `(C)` counter of the CSV, by name without the suffix. */
  readonly counters: Readonly<Record<string, number>>;
}

/** One row of sipp's scenario screen: what each scenario message saw. */
export interface SippMessageRow {
  /** The method or status as sipp shows it: 'INVITE', '200', 'Pause', … */
  readonly label: string;
  readonly direction: 'sent' | 'received' | 'other';
  readonly count: number;
  readonly retransmissions: number;
  readonly timeouts: number;
  readonly unexpected: number;
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

function csvRowToStats(header: string, row: string): SippStats | undefined {
  const names = header.split(';');
  const values = row.split(';');
  const counters: Record<string, number> = {};
  names.forEach((name, i) => {
    const match = /^(.*)\(C\)$/.exec(name);
    const value = Number(values[i]);
    if (match?.[1] !== undefined && Number.isFinite(value)) {
      counters[match[1]] = value;
    }
  });
  if (!('SuccessfulCall' in counters)) {
    return undefined;
  }
  const c = (name: string): number => counters[name] ?? 0;
  return {
    successful: c('SuccessfulCall'),
    failed: c('FailedCall'),
    retransmissions: c('Retransmissions'),
    outgoingCalls: c('OutgoingCall'),
    incomingCalls: c('IncomingCall'),
    unexpectedMessages: c('FailedUnexpectedMessage'),
    timeoutsOnReceive: c('FailedTimeoutOnRecv'),
    deadCallMessages: c('DeadCallMsgs'),
    outOfCallMessages: c('OutOfCallMsgs'),
    counters,
  };
}

/** The last row of the `-trace_stat` CSV holds the final cumulative counters. */
export function parseStatsCsv(csv: string): SippStats | undefined {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0];
  const last = lines.at(-1);
  if (header === undefined || last === undefined || lines.length < 2) {
    return undefined;
  }
  return csvRowToStats(header, last);
}

// Two layouts: a UAC screen puts the label first (`INVITE ---------->` sent, `100 <----------` received), a UAS
// screen puts the arrow first (`----------> INVITE` received, `<---------- 100` sent). Counts follow, with an
// optional `B-RTD1`/`E-RTD1` marker before them.
const COUNTS = String.raw`\s+(?:[A-Z]-RTD\d+\s+)?(\d+)(?:\s+(\d+))?(?:\s+(\d+))?(?:\s+(\d+))?\s*$`;
const LABEL_FIRST = new RegExp(String.raw`^\s*(\S+)\s+(<-+|-+>)` + COUNTS);
const ARROW_FIRST = new RegExp(String.raw`^\s*(<-+|-+>)\s+(\S+)` + COUNTS);
const PAUSE = /^\s*(?:Pause\s+\[[^\]]*\]|\[[^\]]*\]\s+Pause)\s+(\d+)(?:\s+(\d+))?\s*$/;

function counts(m: RegExpExecArray, from: number): number[] {
  return [m[from], m[from + 1], m[from + 2], m[from + 3]].map((v) => (v === undefined ? 0 : Number(v)));
}

/** Parses the message table of the last scenario screen sipp printed (one row per scenario element). */
export function parseScenarioScreen(screen: string): SippMessageRow[] {
  const start = screen.lastIndexOf('Messages  Retrans');
  if (start < 0) {
    return [];
  }
  const rows: SippMessageRow[] = [];
  for (const line of screen.slice(start).split(/\r?\n/).slice(1)) {
    if (line.startsWith('---')) {
      break;
    }
    const labelFirst = LABEL_FIRST.exec(line);
    const arrowFirst = labelFirst === null ? ARROW_FIRST.exec(line) : null;
    if (labelFirst !== null || arrowFirst !== null) {
      const [label, arrow] = labelFirst !== null ? [labelFirst[1], labelFirst[2]] : [arrowFirst?.[2], arrowFirst?.[1]];
      const pointsRight = arrow?.endsWith('>') ?? false;
      // Label first (UAC layout): an arrow to the right is a message we sent. Arrow first (UAS layout): received.
      const received = labelFirst !== null ? !pointsRight : pointsRight;
      const [count = 0, retransmissions = 0, timeouts = 0, unexpected = 0] = counts(
        (labelFirst ?? arrowFirst) as RegExpExecArray,
        3,
      );
      rows.push({
        label: label ?? '',
        direction: received ? 'received' : 'sent',
        count,
        retransmissions,
        timeouts,
        unexpected: received ? unexpected : 0,
      });
      continue;
    }
    const pause = PAUSE.exec(line);
    if (pause !== null) {
      rows.push({
        label: 'Pause',
        direction: 'other',
        count: Number(pause[1]),
        retransmissions: 0,
        timeouts: 0,
        unexpected: Number(pause[2] ?? 0),
      });
    }
  }
  return rows;
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

/** Starts sipp; use `runSipp` when the test only needs the final result. */
export async function startSipp(options: SippOptions): Promise<SippProcess> {
  const localPort = options.localPort ?? (await freePort('both'));
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
      throw new Error(`sipp exited before binding port ${localPort}: ${result.stderr || result.stdout.slice(-500)}`);
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
    .map((r) => `${r.direction === 'received' ? '<-' : '->'} ${r.label} x${r.count} (retrans ${r.retransmissions}, unexpected ${r.unexpected})`)
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
