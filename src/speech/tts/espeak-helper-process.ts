/**
 * The server's side of the espeak helper (`espeak-helper.ts`): one long-lived child process that runs espeak-ng and
 * the resampling, so the server's event loop only posts text and receives PCM (see the helper for why).
 *
 * Lifecycle, in one place (`start`/`onGone`): the helper starts with the provider and again on the first request
 * after it died; its death rejects the requests it held with `AIG_ERR_TTS_FAILED`. A helper that dies again before
 * it has answered anything (it cannot start, or crashes on every request) is not restarted at once: requests fail
 * at once with `AIG_ERR_TTS_FAILED` for `RESTART_BACKOFF_MS` × 2^(deaths − 2), at most `MAX_RESTART_BACKOFF_MS`, so
 * that a broken installation costs the server one fork now and then, not one per prompt. The helper enforces each
 * request's timeout on espeak-ng; a backstop here (timeout plus `BACKSTOP_GRACE_MS`) rejects a request the helper
 * did not answer and kills the helper, since a live helper that misses its own deadline is wedged. The helper and
 * its channel never hold the server's event loop open (the backstop timer of a request in flight does), so a process
 * that never calls `close()` can still exit, and the helper with it; `close()` ends it and fails what is in flight.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AigError } from '../../errors/aig-error.js';
import type { EspeakHelperError, EspeakHelperReply, EspeakHelperRequest } from './espeak-helper-protocol.js';

/** How long past a request's own timeout the server waits for the helper's answer before giving up on it. */
export const BACKSTOP_GRACE_MS = 2000;
/** How long `close()` lets the helper exit by itself before killing it. */
const CLOSE_GRACE_MS = 1000;
/** The first wait before starting a helper again after two deaths in a row without an answer; doubles after each. */
export const RESTART_BACKOFF_MS = 250;
/** The longest such wait. */
export const MAX_RESTART_BACKOFF_MS = 10_000;

interface PendingRequest {
  resolve: (pcm: Int16Array) => void;
  reject: (error: Error) => void;
  backstop: NodeJS.Timeout;
}

/**
 * The helper's entry next to this module: compiled (`.js`) in production; TypeScript under tsx (tests,
 * `tsx src/cli.ts`), where the child imports tsx first. Unlike a worker thread's, a child process's entry is loaded
 * through the hooks `--import` registers, so the child needs nothing else.
 */
function helperEntry(): { modulePath: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./espeak-helper.js', import.meta.url));
  if (existsSync(js)) {
    return { modulePath: js, execArgv: [] };
  }
  return {
    modulePath: fileURLToPath(new URL('./espeak-helper.ts', import.meta.url)),
    execArgv: ['--import', import.meta.resolve('tsx')],
  };
}

/** Back to an `AigError`; the interface promises `AIG_ERR_TTS_FAILED`, whatever failed in the helper. */
function toError(error: EspeakHelperError): AigError {
  if (error.code === 'AIG_ERR_TTS_FAILED') {
    // The helper's message already starts with the code's own message.
    return Object.assign(new AigError('AIG_ERR_TTS_FAILED'), { message: error.message });
  }
  return new AigError('AIG_ERR_TTS_FAILED', error.message);
}

export class EspeakHelperProcess {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequest = 1;
  private closed = false;
  /** Helpers that died since the last answer (an answer, audio or a failure, proves a helper works). */
  private deathsWithoutAnswer = 0;
  /** Before this time (`performance.now()`), no helper is started: see the header. */
  private restartNotBefore = 0;

  /** Starts the helper now, while the server is still small (a fork costs what the forking process holds). */
  constructor() {
    this.child = this.start();
  }

  /** The helper's process id while it runs (for supervision and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves to 8 kHz PCM; rejects with `AIG_ERR_TTS_FAILED` (espeak-ng failed, timed out, or the helper died). */
  synthesize(request: Omit<EspeakHelperRequest, 'type' | 'requestId'>): Promise<Int16Array> {
    if (this.closed) {
      return Promise.reject(new AigError('AIG_ERR_TTS_FAILED', 'the espeak helper is closed'));
    }
    if (this.child === undefined) {
      const waitMs = this.restartNotBefore - performance.now();
      if (waitMs > 0) {
        return Promise.reject(
          new AigError(
            'AIG_ERR_TTS_FAILED',
            `the espeak helper died ${this.deathsWithoutAnswer} times without answering: next start in ${Math.ceil(waitMs)} ms`,
          ),
        );
      }
      this.child = this.start();
    }
    const child = this.child;
    if (child === undefined) {
      return Promise.reject(new AigError('AIG_ERR_TTS_FAILED', 'the espeak helper cannot be started'));
    }
    const requestId = this.nextRequest++;
    return new Promise<Int16Array>((resolve, reject) => {
      const backstop = setTimeout(() => {
        this.settle(requestId)?.reject(
          new AigError(
            'AIG_ERR_TTS_FAILED',
            `espeak helper did not answer within ${request.timeoutMs + BACKSTOP_GRACE_MS} ms: restarting it`,
          ),
        );
        // A wedged helper: its other requests fail with its exit; the next request starts a new one.
        child.kill('SIGKILL');
      }, request.timeoutMs + BACKSTOP_GRACE_MS);
      this.pending.set(requestId, { resolve, reject, backstop });
      const message: EspeakHelperRequest = { type: 'synthesize', requestId, ...request };
      child.send(message, (err) => {
        if (err !== null) {
          this.settle(requestId)?.reject(
            new AigError('AIG_ERR_TTS_FAILED', `cannot reach the espeak helper: ${err.message}`, {
              cause: err,
            }),
          );
        }
      });
    });
  }

  /** Fails what is in flight, lets the helper exit (it kills its espeak-ng processes), kills it if it lingers. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    this.rejectAll('the espeak helper was closed');
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The helper is unref'd (an idle one holds nothing); now the caller waits for its exit, so the event loop must
    // too: else, once the killer below has fired, the loop can run dry before the exit is seen, and the process
    // ends with this promise pending (a CLI that failed then exits 0: seen under load).
    child.ref();
    const killer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
    if (child.connected) {
      child.disconnect();
    } else {
      child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(killer);
  }

  /** Undefined when Node cannot even try (the failures of a started process come as 'error' and 'exit'). */
  private start(): ChildProcess | undefined {
    const { modulePath, execArgv } = helperEntry();
    let child: ChildProcess;
    try {
      child = fork(modulePath, [], {
        execArgv,
        serialization: 'advanced',
        // No standard input or output; a crash's stack goes to the server's stderr, which the helper never writes.
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
    } catch {
      return undefined;
    }
    child.on('message', (message: EspeakHelperReply) => this.onReply(message));
    child.on('exit', (code, signal) => this.onGone(child, `exited with ${code ?? signal}`));
    child.on('error', (err) => {
      // Spawn failure or a broken channel: the helper is of no further use.
      this.onGone(child, err.message);
      child.kill('SIGKILL');
    });
    child.unref();
    child.channel?.unref();
    return child;
  }

  private onReply(message: EspeakHelperReply): void {
    this.deathsWithoutAnswer = 0;
    const request = this.settle(message.requestId);
    if (request === undefined) {
      return; // already rejected by the backstop
    }
    if (message.type === 'audio' && message.pcm instanceof Int16Array) {
      request.resolve(message.pcm);
    } else if (message.type === 'failed') {
      request.reject(toError(message.error));
    } else {
      request.reject(new AigError('AIG_ERR_TTS_FAILED', 'the espeak helper sent an unreadable answer'));
    }
  }

  private onGone(child: ChildProcess, why: string): void {
    if (this.child !== child) {
      return; // an earlier helper, already replaced or closed
    }
    this.child = undefined;
    this.deathsWithoutAnswer++;
    if (this.deathsWithoutAnswer >= 2) {
      const backoff = Math.min(
        MAX_RESTART_BACKOFF_MS,
        RESTART_BACKOFF_MS * 2 ** (this.deathsWithoutAnswer - 2),
      );
      this.restartNotBefore = performance.now() + backoff;
    }
    this.rejectAll(`the espeak helper ${why}`);
  }

  private settle(requestId: number): PendingRequest | undefined {
    const request = this.pending.get(requestId);
    if (request !== undefined) {
      this.pending.delete(requestId);
      clearTimeout(request.backstop);
    }
    return request;
  }

  private rejectAll(why: string): void {
    for (const requestId of [...this.pending.keys()]) {
      this.settle(requestId)?.reject(new AigError('AIG_ERR_TTS_FAILED', why));
    }
  }
}
