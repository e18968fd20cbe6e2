/**
 * A private `redis-server` child process, for a single machine with no shared Redis configured (DESIGN.md decision
 * 7): bound to 127.0.0.1 on a free port, data under `<dataDir>/redis` (append-only file, so live calls' state survives
 * a restart of the process), stopped with the app. Production points `redis.url` at a shared Redis instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { AigError } from '../errors/aig-error.js';

export interface PrivateRedisServerOptions {
  /** Folder for the data files. */
  readonly directory: string;
  /** Binary. @default 'redis-server' */
  readonly binary?: string;
  /** Time allowed to start, ms. @default 5000 */
  readonly startTimeoutMs?: number;
}

export interface PrivateRedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedisServer(
  options: PrivateRedisServerOptions,
): Promise<PrivateRedisServer> {
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });
  await stopOrphan(directory);
  const port = await freePort();
  const child: ChildProcess = spawn(
    options.binary ?? 'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      directory,
      '--appendonly',
      'yes',
      // A booked callback confirmed to a caller must survive a power cut, not only a process crash
      // (docs/callbacks.md); BullMQ requires that Redis never evicts its keys.
      '--appendfsync',
      'always',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      '--logfile',
      join(directory, 'redis.log'),
      '--pidfile',
      join(directory, PID_FILE),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new AigError(
          'AIG_ERR_REDIS_START',
          `redis-server did not accept connections within ${options.startTimeoutMs ?? 5000} ms`,
        ),
      );
    }, options.startTimeoutMs ?? 5000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new AigError('AIG_ERR_REDIS_START', `${err.message} (install Debian's redis-server)`, { cause: err }),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new AigError(
          'AIG_ERR_REDIS_START',
          `redis-server exited with code ${code} (see ${directory}/redis.log)`,
        ),
      );
    });
    const probe = (): void => {
      const socket = createConnectionProbe(port);
      socket.then(
        () => {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve();
        },
        () => setTimeout(probe, 50),
      );
    };
    probe();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

const PID_FILE = 'redis.pid';

/**
 * The redis-server a previous run started on this folder and left behind (the IVR was killed with SIGKILL, so it
 * could not stop its child): stopped before a new one starts, so two servers never append to one AOF. SIGTERM
 * makes Redis fsync the AOF and exit; SIGKILL after 5 s. Only a live `redis-server` whose working folder is this
 * one is touched (Redis chdirs to `--dir`).
 */
async function stopOrphan(directory: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(join(directory, PID_FILE), 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !(await isRedisIn(pid, directory))) {
    return;
  }
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 5000; waited += 50) {
    if (!(await isRedisIn(pid, directory))) {
      return;
    }
    await sleep(50);
  }
  process.kill(pid, 'SIGKILL');
  await sleep(50);
}

async function isRedisIn(pid: number, directory: string): Promise<boolean> {
  try {
    const [cmdline, cwd, stat] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readlink(`/proc/${pid}/cwd`),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    // A zombie (state Z) has exited already.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return cmdline.includes('redis-server') && cwd === directory && state !== 'Z';
  } catch {
    return false;
  }
}

async function createConnectionProbe(port: number): Promise<void> {
  const { createConnection } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      if (data.toString().startsWith('+PONG')) {
        resolve();
      } else {
        reject(new Error('not ready'));
      }
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}
