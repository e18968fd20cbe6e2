/**
 * A redis-server of the test's own with a data folder, a port that can be reused after a restart, and the
 * persistence settings the callback store needs (docs/callbacks.md): append-only file, fsync policy of the test's
 * choice, `noeviction`. Never the shared Redis on 6379.
 *
 * `shutdown()` is a clean stop (SHUTDOWN: Redis fsyncs the AOF and exits); `crash()` is SIGKILL. Start again with
 * the same `dir` and `port` to restart on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface RedisServerOptions {
  /** Data folder. @default a new temporary folder */
  readonly dir?: string;
  /** @default a free port */
  readonly port?: number;
  /** `no` disables the AOF (and RDB snapshots are off either way). @default 'always' */
  readonly appendfsync?: 'always' | 'everysec' | 'no-aof';
  readonly extraArgs?: readonly string[];
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** SHUTDOWN (the AOF is flushed), then waits for the process to exit. */
  shutdown(): Promise<void>;
  /** SIGKILL, like a crash or a power cut of the process. */
  crash(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'aig-redis-')));
  const fsync = options.appendfsync ?? 'always';
  for (let attempt = 0; attempt < (options.port === undefined ? 5 : 1); attempt++) {
    const port = options.port ?? (await freePort('tcp'));
    const persistence =
      fsync === 'no-aof' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync];
    const child: ChildProcess = spawn(
      '/usr/bin/redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        ...persistence,
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'yes',
        ...(options.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          resolve(true);
        } else if (
          /Address already in use|Could not create server TCP|Fatal error|Bad file format/.test(output)
        ) {
          resolve(false);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', () => resolve(false));
    });
    if (ready) {
      const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        dir,
        async shutdown() {
          if (exited()) {
            return;
          }
          const gone = once(child, 'exit');
          await new Promise<void>((resolve) => {
            const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('SHUTDOWN\r\n'));
            socket.on('close', () => resolve());
            socket.on('error', () => resolve());
          });
          await gone;
        },
        async crash() {
          if (!exited()) {
            const gone = once(child, 'exit');
            child.kill('SIGKILL');
            await gone;
          }
        },
      };
    }
    child.kill('SIGKILL');
  }
  throw new Error(`could not start redis-server (dir ${dir}, port ${options.port ?? 'free'})`);
}
