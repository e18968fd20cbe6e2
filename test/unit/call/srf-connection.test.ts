import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { connectSrf } from '../../../src/sip/call/srf-connection.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';

/**
 * The smallest drachtio wire peer that lets drachtio-srf connect: `LEN#payload` frames, `authenticate` checked
 * against a secret, `route` acknowledged. Enough to exercise connectSrf without the engine.
 */
function fakeDrachtio(secret: string, opts: { silent?: boolean } = {}) {
  const frames: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        const hash = buffer.indexOf('#');
        if (hash < 0) {
          return;
        }
        const length = Number(buffer.slice(0, hash));
        if (buffer.length < hash + 1 + length) {
          return;
        }
        const payload = buffer.slice(hash + 1, hash + 1 + length);
        buffer = buffer.slice(hash + 1 + length);
        frames.push(payload);
        if (opts.silent) {
          continue;
        }
        const [id, type, arg] = payload.split('|');
        const reply = (fields: string): void => {
          const text = `srv-${frames.length}|response|${id}|${fields}`;
          socket.write(`${Buffer.byteLength(text)}#${text}`);
        };
        if (type === 'authenticate') {
          if (arg === secret) {
            reply('OK|udp/127.0.0.1:5099,tcp/127.0.0.1:5099|v0.9.10|udp/127.0.0.1:5099');
          } else {
            reply('NO|incorrect secret');
            socket.end();
          }
        } else if (type === 'route') {
          reply('OK');
        }
      }
    });
  });
  return {
    frames,
    async listen(): Promise<number> {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    },
    async close(): Promise<void> {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.close();
      await once(server, 'close');
    },
  };
}

void describe('connectSrf', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups) {
      await cleanup();
    }
  });

  void it('resolves once authenticated, after which routes registered on srf reach the server', async () => {
    const server = fakeDrachtio('s3cret');
    const port = await server.listen();
    cleanups.push(() => server.close());
    const logger = new RecordingLogger();
    const srf = await connectSrf({ host: '127.0.0.1', port, secret: 's3cret' }, { logger });
    cleanups.push(() => srf.disconnect());
    assert.match(server.frames[0] ?? '', /^[0-9a-f-]{36}\|authenticate\|s3cret\|$/);
    srf.invite(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(
      server.frames.some((f) => /\|route\|invite$/.test(f)),
      server.frames.join('\n'),
    );
    assert.ok(logger.find('connected to the drachtio server'));
  });

  void it('rejects with AIG_ERR_SRF_CONNECT when the secret is refused', async () => {
    const server = fakeDrachtio('right');
    const port = await server.listen();
    cleanups.push(() => server.close());
    await assert.rejects(
      connectSrf({ host: '127.0.0.1', port, secret: 'wrong' }),
      (err: unknown) => isAigError(err, 'AIG_ERR_SRF_CONNECT') && /authentication refused/.test(err.message),
    );
  });

  void it('rejects with AIG_ERR_SRF_CONNECT when nothing listens, without retrying forever', async () => {
    const server = fakeDrachtio('x');
    const port = await server.listen();
    await server.close();
    const started = Date.now();
    await assert.rejects(
      connectSrf({ host: '127.0.0.1', port, secret: 'x' }),
      (err: unknown) => isAigError(err, 'AIG_ERR_SRF_CONNECT') && err.message.includes(`127.0.0.1:${port}`),
    );
    assert.ok(Date.now() - started < 2000);
  });

  void it('rejects after timeoutMs when the server never answers authenticate', async () => {
    const server = fakeDrachtio('x', { silent: true });
    const port = await server.listen();
    cleanups.push(() => server.close());
    await assert.rejects(
      connectSrf({ host: '127.0.0.1', port, secret: 'x' }, { timeoutMs: 200 }),
      (err: unknown) => isAigError(err, 'AIG_ERR_SRF_CONNECT') && /no answer within 200 ms/.test(err.message),
    );
  });
});
