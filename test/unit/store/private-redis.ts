/**
 * A redis-server of the test's own, on a free loopback port, without persistence: never the shared one on 6379.
 * A `startRedisServer` (test/helpers/redis-server.ts) with the AOF off, in a temporary data folder removed by
 * `stop()`. `stop()` kills it (SIGKILL, like a crash) and waits for the process to exit.
 */
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../helpers/redis-server.js';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /**
   * A client connected to this server (`lazyConnect`, then `connect()`: a server that is not there fails here
   * instead of being retried in the background). `stop()` disconnects it.
   */
  connect(): Promise<Redis>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const server = await startRedisServer({ appendfsync: 'no-aof' });
  const clients: Redis[] = [];
  return {
    port: server.port,
    url: server.url,
    async connect() {
      const client = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
      clients.push(client);
      await client.connect();
      return client;
    },
    async stop() {
      for (const client of clients) {
        client.disconnect();
      }
      await server.crash();
      await rm(server.dir, { recursive: true, force: true });
    },
  };
}
