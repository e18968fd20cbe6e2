/**
 * The io_uring batch of RTP sends and reads, on real loopback sockets: what a session queues leaves in one
 * submission, every waiting datagram is read, errors are reported per socket, and a ring that cannot be set up
 * says why.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  RTP_IO_SLOT_BYTES,
  RtpIoRing,
  RtpIoRingUnavailableError,
  type RtpIoRingOptions,
  type RtpIoSocket,
} from '../../../../src/media/rtp/rtp-io-ring.js';
import { socketSyscalls } from '../../../../src/media/rtp/socket-syscalls.js';
import { HOST, waitFor } from './rtp-test-peers.js';

/** On this machine io_uring must work; elsewhere (disabled by sysctl, not Linux) the tests check the refusal. */
const ioUringAllowed =
  process.platform === 'linux' &&
  (!existsSync('/proc/sys/kernel/io_uring_disabled') ||
    readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim() === '0');

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) {
    fn();
  }
});

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, HOST);
  await once(socket, 'listening');
  cleanup.push(() => socket.close());
  return socket;
}

interface Endpoint extends RtpIoSocket {
  socket: Socket;
  datagrams: Buffer[];
  errors: number[];
}

/** A socket connected to `peer`, read by the ring (dgram's own reading stopped, as a polled RTP session does). */
async function endpoint(peerPort: number): Promise<Endpoint> {
  const socket = await bound();
  socket.connect(peerPort, HOST);
  await once(socket, 'connect');
  const syscalls = socketSyscalls()!;
  syscalls.setDgramReading(socket, false);
  const fd = syscalls.descriptor(socket)!;
  const e: Endpoint = {
    socket,
    fd,
    datagrams: [],
    errors: [],
    onDatagram(bytes, length) {
      e.datagrams.push(Buffer.from(bytes.subarray(0, Math.min(length, bytes.length))));
    },
    onSocketError(errno) {
      e.errors.push(errno);
    },
  };
  return e;
}

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

function ring(options: RtpIoRingOptions = {}): RtpIoRing {
  const r = RtpIoRing.open(options);
  cleanup.push(() => r.close());
  return r;
}

describe('RtpIoRing', { skip: ioUringAllowed ? false : 'io_uring disabled here' }, () => {
  it('sends the packets queued during a held batch when it is flushed, each on its own socket', async () => {
    const peer = await bound();
    const received: { data: string; port: number }[] = [];
    peer.on('message', (data, from) => received.push({ data: data.toString(), port: from.port }));
    const endpoints = await Promise.all([1, 2, 3].map(() => endpoint(peer.address().port)));
    const r = ring();
    r.hold();
    for (const [i, e] of endpoints.entries()) {
      assert.equal(r.send(e, Buffer.from(`packet ${i}`)), true);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(received.length, 0); // held: nothing left yet
    r.flush();
    await waitFor(() => received.length === 3, 'three packets');
    assert.deepEqual(received.map((m) => m.data).sort(), ['packet 0', 'packet 1', 'packet 2']);
    assert.deepEqual(
      new Set(received.map((m) => m.port)),
      new Set(endpoints.map((e) => e.socket.address().port)),
    );
    assert.deepEqual(pick(r.stats(), 'sends', 'sendErrors', 'incomplete'), {
      sends: 3,
      sendErrors: 0,
      incomplete: 0,
    });
  });

  it('during a held batch, submits every sendChunk sends as they are queued; the rest at the flush', async () => {
    const peer = await bound();
    const received: string[] = [];
    peer.on('message', (data) => received.push(data.toString()));
    const endpoints = await Promise.all([1, 2, 3, 4, 5].map(() => endpoint(peer.address().port)));
    const r = ring({ sendChunk: 2 });
    r.hold();
    for (const [i, e] of endpoints.entries()) {
      r.send(e, Buffer.from(`p${i}`));
    }
    await waitFor(() => received.length === 4, 'two chunks of two');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(received.sort(), ['p0', 'p1', 'p2', 'p3']);
    assert.equal(r.stats().submissions, 2);
    r.flush();
    await waitFor(() => received.length === 5, 'the last one with the flush');
    assert.throws(() => RtpIoRing.open({ sendChunk: 0 }), RangeError);
  });

  it('outside a batch, sends at once', async () => {
    const peer = await bound();
    const e = await endpoint(peer.address().port);
    const r = ring();
    const got = once(peer, 'message');
    assert.equal(r.send(e, Buffer.from('now')), true);
    const [data] = (await got) as [Buffer];
    assert.equal(data.toString(), 'now');
    assert.equal(r.stats().submissions, 1);
  });

  it('reads every waiting datagram of every registered socket, in order, and nothing from the others', async () => {
    const peer = await bound();
    const a = await endpoint(peer.address().port);
    const b = await endpoint(peer.address().port);
    const unregistered = await endpoint(peer.address().port);
    const r = ring();
    r.register(a);
    r.register(b);
    for (let i = 0; i < 5; i++) {
      peer.send(`a${i}`, a.socket.address().port, HOST);
    }
    peer.send('b0', b.socket.address().port, HOST);
    peer.send('x', unregistered.socket.address().port, HOST);
    await new Promise((resolve) => setTimeout(resolve, 30));
    r.hold();
    r.flush();
    assert.deepEqual(a.datagrams.map(String), ['a0', 'a1', 'a2', 'a3', 'a4']);
    assert.deepEqual(b.datagrams.map(String), ['b0']);
    assert.deepEqual(unregistered.datagrams, []);
    // Five rounds for a (the sixth finds it empty), two for b.
    assert.deepEqual(pick(r.stats(), 'datagrams', 'reads', 'incomplete'), {
      datagrams: 6,
      reads: 8,
      incomplete: 0,
    });
    r.unregister(a);
    peer.send('a5', a.socket.address().port, HOST);
    await new Promise((resolve) => setTimeout(resolve, 30));
    r.hold();
    r.flush();
    assert.equal(a.datagrams.length, 5);
  });

  it('reads at most maxReadRounds datagrams per socket per flush; the rest wait for the next', async () => {
    const peer = await bound();
    const a = await endpoint(peer.address().port);
    const r = ring({ maxReadRounds: 3 });
    r.register(a);
    for (let i = 0; i < 5; i++) {
      peer.send(`a${i}`, a.socket.address().port, HOST);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    r.flush();
    assert.deepEqual(a.datagrams.map(String), ['a0', 'a1', 'a2']);
    r.flush();
    assert.deepEqual(a.datagrams.map(String), ['a0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('reports a datagram longer than a slot with its real length', async () => {
    const peer = await bound();
    const a = await endpoint(peer.address().port);
    const r = ring();
    r.register(a);
    let length = 0;
    a.onDatagram = (_bytes, l) => {
      length = l;
    };
    peer.send(Buffer.alloc(RTP_IO_SLOT_BYTES + 100, 1), a.socket.address().port, HOST);
    await new Promise((resolve) => setTimeout(resolve, 30));
    r.flush();
    assert.equal(length, RTP_IO_SLOT_BYTES + 100);
  });

  it('refuses a packet longer than a slot (the caller sends it itself)', async () => {
    const peer = await bound();
    const a = await endpoint(peer.address().port);
    const r = ring();
    assert.equal(r.send(a, Buffer.alloc(RTP_IO_SLOT_BYTES + 1)), false);
    assert.equal(r.stats().sends, 0);
  });

  it('reports the ICMP refusal of a departed peer to that socket, and still reads what follows', async () => {
    const gone = await bound();
    const gonePort = gone.address().port;
    const a = await endpoint(gonePort);
    gone.close();
    cleanup.splice(cleanup.length - 2, 1); // already closed
    const r = ring();
    r.register(a);
    r.hold();
    r.send(a, Buffer.from('to nobody'));
    r.flush();
    await new Promise((resolve) => setTimeout(resolve, 30));
    // The refusal arrives after the send; the next flush's read reports it (ECONNREFUSED = 111).
    r.flush();
    assert.ok(a.errors.includes(111), `errors: ${a.errors.join(',')}`);
    assert.equal(r.stats().incomplete, 0);
  });

  it('submits in chunks when a batch holds more operations than the ring', async () => {
    const peer = await bound();
    let count = 0;
    peer.on('message', () => count++);
    const endpoints = await Promise.all(Array.from({ length: 10 }, () => endpoint(peer.address().port)));
    const r = ring({ entries: 4 });
    for (const e of endpoints) {
      r.register(e);
    }
    r.hold();
    for (const e of endpoints) {
      r.send(e, Buffer.from('x'));
    }
    r.flush();
    await waitFor(() => count === 10, 'ten packets');
    // 10 sends and 10 reads through a 4-entry ring.
    assert.ok(r.stats().submissions >= 5, `submissions: ${r.stats().submissions}`);
    assert.deepEqual(pick(r.stats(), 'sends', 'reads', 'sendErrors', 'incomplete'), {
      sends: 10,
      reads: 10,
      sendErrors: 0,
      incomplete: 0,
    });
  });

  it('a send from a listener during a flush goes out with that flush', async () => {
    const peer = await bound();
    const echoed: string[] = [];
    peer.on('message', (data) => echoed.push(data.toString()));
    const a = await endpoint(peer.address().port);
    const r = ring();
    r.register(a);
    a.onDatagram = (bytes, length) => {
      r.send(a, Buffer.from(`echo ${bytes.subarray(0, length).toString()}`));
    };
    peer.send('ping', a.socket.address().port, HOST);
    await new Promise((resolve) => setTimeout(resolve, 30));
    r.hold();
    r.flush();
    await waitFor(() => echoed.length === 1, 'the echo');
    assert.deepEqual(echoed, ['echo ping']);
  });

  it('after close, refuses sends and reads nothing', async () => {
    const peer = await bound();
    const a = await endpoint(peer.address().port);
    const r = RtpIoRing.open();
    r.register(a);
    r.close();
    r.close();
    assert.equal(r.send(a, Buffer.from('x')), false);
    r.flush();
    assert.equal(r.stats().reads, 0);
  });
});

describe(
  'RtpIoRing where io_uring is refused',
  { skip: ioUringAllowed ? 'io_uring allowed here' : false },
  () => {
    it('throws RtpIoRingUnavailableError with the reason', () => {
      assert.throws(() => RtpIoRing.open(), RtpIoRingUnavailableError);
    });
  },
);

describe('RtpIoRing options', () => {
  it('rejects an entry count out of range before touching the kernel', () => {
    assert.throws(() => RtpIoRing.open({ entries: 1 }), RangeError);
    assert.throws(() => RtpIoRing.open({ entries: 100_000 }), RangeError);
  });
});
