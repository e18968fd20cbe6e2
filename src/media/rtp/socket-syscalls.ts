/**
 * `recv(2)` and `send(2)` called directly (through koffi, on libc) on the descriptor of a bound, connected dgram
 * socket: the RTP fast path.
 *
 * Why: through `node:dgram`, every received packet is an epoll wake-up, a libuv read, a `Buffer` and a `rinfo`
 * object, and an event emitted into JavaScript; every sent one a `SendWrap` and several layers of checks. At 20 ms
 * per packet per direction that is 50,000 callbacks a second for 500 calls, about half of the process' CPU. An RTP
 * session that has latched (its socket connected to the peer, so the kernel already filters the source) can
 * instead stop dgram's reading and read its own socket once per 20 ms tick with non-blocking `recv` until it is
 * empty: about 1 µs per packet plus 0.5 µs for the empty read, and the event loop wakes up only for the tick.
 *
 * dgram keeps owning the socket (bind, connect, close, the RTCP socket, and every socket before latching); only
 * the per-packet work moves here. Reaching the descriptor needs dgram's internal handle (`fd` of its UDP wrap,
 * Unix only): if that, or libc, is not available, `socketSyscalls()` answers undefined and sessions stay on
 * dgram events.
 */
import type { Socket } from 'node:dgram';
import koffi from 'koffi';
import { libcBinding } from '../libc-binding.js';

/** recv(2) flag: do not block even if the descriptor is blocking (libuv sets O_NONBLOCK anyway). */
const MSG_DONTWAIT = 0x40;
/** errno values (Linux, and the same on the BSDs for these). */
export const EAGAIN = 11;
const EWOULDBLOCK = EAGAIN;
/** A connected UDP socket's pending ICMP port unreachable from the peer. */
export const ECONNREFUSED = 111;

/** What a dgram socket's internal UDP handle offers (node's `UDPWrap`). */
interface UdpHandle {
  readonly fd: number;
  recvStart(): number;
  recvStop(): number;
}

export interface SocketSyscalls {
  /** Non-blocking read of one datagram into `into`: its length, or -1 (`errno()` tells why; EAGAIN: empty). */
  recv(fd: number, into: Buffer): number;
  /** One datagram on a connected socket: bytes sent, or -1 (`errno()` tells why). */
  send(fd: number, packet: Buffer): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
  /** The socket's descriptor, or undefined when dgram's handle does not expose one. */
  descriptor(socket: Socket): number | undefined;
  /** Stops (false) or restarts (true) dgram's own reading of the socket. */
  setDgramReading(socket: Socket, reading: boolean): void;
}

/** True for the errno of a read that found nothing. */
export function isEmptyRead(errno: number): boolean {
  return errno === EAGAIN || errno === EWOULDBLOCK;
}

/** dgram keeps its handle under a symbol described 'state symbol' (lib/internal/dgram.js `kStateSymbol`). */
function handleOf(socket: Socket): UdpHandle | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (key === undefined) {
    return undefined;
  }
  const state = (socket as unknown as Record<symbol, { handle?: Partial<UdpHandle> | null } | undefined>)[
    key
  ];
  const handle = state?.handle;
  if (
    handle === null ||
    handle === undefined ||
    typeof handle.fd !== 'number' ||
    handle.fd < 0 ||
    typeof handle.recvStart !== 'function' ||
    typeof handle.recvStop !== 'function'
  ) {
    return undefined;
  }
  return handle as UdpHandle;
}

/** The fast path, loaded once per thread; undefined where libc cannot be loaded (non-glibc, Windows). */
export const socketSyscalls: () => SocketSyscalls | undefined = libcBinding((libc): SocketSyscalls => {
  // `void *` parameters take a Buffer's memory as is (offset included): no copy either way.
  const recv = libc.func('long recv(int fd, void *buf, unsigned long len, int flags)') as (
    fd: number,
    buf: Buffer,
    len: number,
    flags: number,
  ) => number;
  const send = libc.func('long send(int fd, void *buf, unsigned long len, int flags)') as (
    fd: number,
    buf: Buffer,
    len: number,
    flags: number,
  ) => number;
  return {
    recv: (fd, into) => recv(fd, into, into.length, MSG_DONTWAIT),
    send: (fd, packet) => send(fd, packet, packet.length, MSG_DONTWAIT),
    errno: () => koffi.errno(),
    descriptor: (socket) => handleOf(socket)?.fd,
    setDgramReading: (socket, reading) => {
      const handle = handleOf(socket);
      if (reading) {
        handle?.recvStart();
      } else {
        handle?.recvStop();
      }
    },
  };
});
