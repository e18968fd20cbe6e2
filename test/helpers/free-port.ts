/**
 * Finds a port that is free on 127.0.0.1 right now, for peers (sipp) that need a port number up front. The OS
 * picks it (bind to port 0); with 'both', the same number must be free for UDP and TCP, as SIP listens on both.
 * There is an unavoidable window between closing our probe and the peer binding; callers retry on EADDRINUSE.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

export type PortProtocol = 'udp' | 'tcp' | 'both';

const HOST = '127.0.0.1';

async function bindTcp(port: number): Promise<number | undefined> {
  const server = createServer();
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('listening', resolveListen);
      server.once('error', rejectListen);
      server.listen({ port, host: HOST, exclusive: true });
    });
    return (server.address() as AddressInfo).port;
  } catch {
    return undefined;
  } finally {
    if (server.listening) {
      server.close();
      await once(server, 'close');
    }
  }
}

async function bindUdp(port: number): Promise<number | undefined> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolveBind, rejectBind) => {
      socket.once('listening', resolveBind);
      socket.once('error', rejectBind);
      socket.bind({ port, address: HOST, exclusive: true });
    });
    return socket.address().port;
  } catch {
    return undefined;
  } finally {
    try {
      socket.close();
    } catch {
      // Never bound: nothing to close.
    }
  }
}

/** A port free on 127.0.0.1 for `protocol` (UDP and TCP at once for 'both'). */
export async function freePort(protocol: PortProtocol = 'both'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (protocol === 'tcp') {
      const port = await bindTcp(0);
      if (port !== undefined) {
        return port;
      }
      continue;
    }
    const port = await bindUdp(0);
    if (port === undefined) {
      continue;
    }
    if (protocol === 'udp' || (await bindTcp(port)) !== undefined) {
      return port;
    }
  }
  throw new Error(`no free ${protocol} port found on ${HOST}`);
}

/** True when something (e.g. a sipp we started) holds `port` on 127.0.0.1 for `protocol`. */
export async function isPortTaken(port: number, protocol: 'udp' | 'tcp'): Promise<boolean> {
  return (protocol === 'udp' ? await bindUdp(port) : await bindTcp(port)) === undefined;
}
