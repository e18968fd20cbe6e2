/**
 * A redis-server of the test's own, on a free loopback port, without persistence: never the shared one on 6379.
 * `stop()` kills it (SIGKILL, like a crash) and waits for the process to exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../helpers/free-port.js';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort('tcp');
    const child: ChildProcess = spawn(
      '/usr/bin/redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          resolve(true);
        } else if (/Address already in use|Could not create server TCP/.test(output)) {
          resolve(false);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', () => resolve(false));
    });
    if (ready) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = once(child, 'exit');
            child.kill('SIGKILL');
            await exited;
          }
        },
      };
    }
    child.kill('SIGKILL');
  }
  throw new Error('could not start a private redis-server');
}
