/**
 * UDP sockets for RTP: created with a lookup that answers IP literals synchronously, and bound with a promise.
 *
 * dgram resolves the destination of every unconnected `send(buf, port, address)` and the target of `connect()`
 * through `lookup`; the default goes through `dns.lookup`, which costs at least a tick even for an IP literal.
 * SDP addresses and latched sources are IP literals, so answering those at once keeps the per-packet cost
 * low before latching and makes `connect()` complete synchronously.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

function ipLiteralLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, options, callback);
}

/** A UDP socket of the family of `localAddress` (IPv6 literal → udp6). */
export function createRtpSocket(localAddress: string): Socket {
  return createSocket({ type: isIP(localAddress) === 6 ? 'udp6' : 'udp4', lookup: ipLiteralLookup });
}

/** Binds `socket`; rejects with the bind error (EADDRINUSE…) and leaves the socket closed in that case. */
export function bindUdpSocket(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.off('listening', onListening);
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      reject(err);
    };
    const onListening = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ port, address, exclusive: true });
  });
}

/** Creates and binds a socket on `address:port` (port 0: any free port). */
export async function openRtpSocket(address: string, port: number): Promise<Socket> {
  const socket = createRtpSocket(address);
  await bindUdpSocket(socket, port, address);
  return socket;
}

/** Closes a socket, ignoring one that is already closed. */
export function closeQuietly(socket: Socket | undefined): void {
  if (socket === undefined) {
    return;
  }
  try {
    socket.close();
  } catch {
    // ERR_SOCKET_DGRAM_NOT_RUNNING: closed already.
  }
}
