/**
 * The Debian `espeak-ng` binary: one short-lived process per text (~60 ms for a sentence), writing 22.05 kHz WAV
 * on standard output. Text goes to it on standard input, never on the command line, so no text can be taken for
 * an option.
 *
 * `spawn()` forks the calling process before it executes espeak-ng, and the fork copies the caller's page tables:
 * from a 300 MB server it blocks the calling thread 22–35 ms. `EspeakTtsProvider` therefore runs this from its
 * small helper process (`espeak-helper.ts`), not from the server's main thread.
 */
import { execFile, spawn } from 'node:child_process';
import { AigError } from '../../errors/aig-error.js';

export interface EspeakBinaryRequest {
  /** Path or name looked up in PATH. */
  binary: string;
  text: string;
  voice: string;
  /** Words per minute. */
  speed: number;
  /** The process is killed (SIGKILL) past this. */
  timeoutMs: number;
  /** Aborting kills the process (SIGKILL) and rejects. */
  signal?: AbortSignal;
}

const MAX_STDERR = 4096;

/** The installed binary's version (`espeak-ng --version`), or undefined when it cannot be run. */
export function detectEspeakBinary(binary = 'espeak-ng'): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (error, stdout) => {
      if (error !== null) {
        resolve(undefined);
        return;
      }
      resolve(/(\d+\.\d+(?:\.\d+)?)/.exec(stdout)?.[1] ?? 'unknown');
    });
  });
}

/** Resolves to the WAV file espeak-ng wrote; rejects with `AIG_ERR_TTS_FAILED` and espeak-ng's own message. */
export function runEspeakBinary(request: EspeakBinaryRequest): Promise<Buffer> {
  const { binary, voice, timeoutMs } = request;
  return new Promise((resolve, reject) => {
    // -b 1: the input is UTF-8.
    const child = spawn(binary, ['--stdout', '-b', '1', '-v', voice, '-s', String(request.speed)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(request.signal === undefined ? {} : { signal: request.signal, killSignal: 'SIGKILL' as const }),
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(0, MAX_STDERR);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        request.signal?.aborted === true
          ? new AigError('AIG_ERR_TTS_FAILED', `espeak-ng voice "${voice}" stopped`, { cause: err })
          : new AigError('AIG_ERR_TTS_FAILED', `cannot run "${binary}": ${err.message}`, { cause: err }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(Buffer.concat(chunks));
        return;
      }
      const why = timedOut
        ? `timed out after ${timeoutMs} ms`
        : `exited with ${code ?? signal}: ${stderr.trim() || 'no message'}`;
      reject(new AigError('AIG_ERR_TTS_FAILED', `espeak-ng voice "${voice}" ${why}`));
    });
    // The child may exit before reading (unknown voice): its closed stdin is reported by 'close' above.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${request.text}\n`, 'utf8');
  });
}
