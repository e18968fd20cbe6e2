/**
 * Helpers for the real-socket RTP tests: a free even port range on 127.0.0.1, raw UDP peers that record what they
 * receive, and polling until a condition holds.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';

async function udpFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: HOST, exclusive: true }, resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      socket.close();
    } catch {
      // never bound
    }
  }
}

/** An even port `base` such that base … base + size - 1 are all free on 127.0.0.1 right now. */
export async function freeEvenRange(size: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 15000);
    let free = true;
    for (let port = base; port < base + size && free; port++) {
      free = await udpFree(port);
    }
    if (free) {
      return base;
    }
  }
  throw new Error('no free UDP port range');
}

export interface RawPeer {
  socket: Socket;
  port: number;
  received: { data: Buffer; from: RemoteInfo }[];
  send(data: Buffer, port: number): void;
  close(): void;
}

/** A plain UDP socket on 127.0.0.1 that records every datagram. */
export async function rawPeer(port = 0): Promise<RawPeer> {
  const socket = createSocket('udp4');
  const received: RawPeer['received'] = [];
  socket.on('message', (data, from) => received.push({ data, from }));
  socket.bind(port, HOST);
  await once(socket, 'listening');
  return {
    socket,
    port: socket.address().port,
    received,
    send: (data, to) => socket.send(data, to, HOST),
    close: () => socket.close(),
  };
}

/** Polls `condition` every 5 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(5);
  }
}
