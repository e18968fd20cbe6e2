import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { TcpTransport } from '../../../src/sip/engine/transport/tcp-transport.js';
import type { Remote } from '../../../src/sip/engine/transport/transport-types.js';
import { collect, delay, nextEvent, sipRequest, until } from './transport-fixtures.js';

async function dial(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

/** Everything a socket receives, as one growing string. */
function received(socket: Socket): { text: string } {
  const out = { text: '' };
  socket.on('data', (chunk: Buffer) => {
    out.text += chunk.toString();
  });
  return out;
}

const request = (callId: string, body = ''): string => sipRequest({ callId, body, transport: 'TCP' });

describe('TcpTransport on 127.0.0.1 (real sockets)', () => {
  let transport: TcpTransport;

  before(async () => {
    transport = new TcpTransport({ host: '127.0.0.1', port: 0, maxMessageSize: 2000 });
    const local = await transport.listen();
    assert.ok(local.port > 0);
  });

  after(async () => {
    await transport.close();
  });

  it('reassembles a message split over several segments', async () => {
    const socket = await dial(transport.local.port);
    try {
      const got = nextEvent(transport, 'message');
      const text = request('split', 'some body');
      socket.write(text.slice(0, 30));
      await delay(20);
      socket.write(text.slice(30, text.length - 3));
      await delay(20);
      socket.write(text.slice(text.length - 3));
      const m = await got;
      assert.equal(m.message.headers.get('Call-ID'), 'split');
      assert.equal(m.message.body.toString(), 'some body');
      assert.equal(m.raw.toString(), text);
      assert.equal(m.remote.protocol, 'tcp');
      assert.equal(m.remote.port, socket.localPort);
      assert.ok(m.remote.connectionId);
      assert.deepEqual(m.local, transport.local);
    } finally {
      socket.destroy();
    }
  });

  it('splits coalesced messages', async () => {
    const socket = await dial(transport.local.port);
    try {
      const messages = collect(transport, 'message');
      socket.write(request('one') + request('two', 'abc') + request('three'));
      await until(() => messages.length === 3);
      assert.deepEqual(
        messages.map((m) => m.message.headers.get('Call-ID')),
        ['one', 'two', 'three'],
      );
      assert.equal(new Set(messages.map((m) => m.remote.connectionId)).size, 1);
    } finally {
      socket.destroy();
    }
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const socket = await dial(transport.local.port);
    try {
      const inbox = received(socket);
      socket.write('\r\n\r\n');
      await until(() => inbox.text === '\r\n');
      const got = nextEvent(transport, 'message');
      socket.write(`\r\n\r\n${request('after-ping')}`);
      assert.equal((await got).message.headers.get('Call-ID'), 'after-ping');
      await until(() => inbox.text === '\r\n\r\n');
    } finally {
      socket.destroy();
    }
  });

  it('sends a response back on the connection the request came in on', async () => {
    const socket = await dial(transport.local.port);
    try {
      const inbox = received(socket);
      const got = nextEvent(transport, 'message');
      socket.write(request('reuse'));
      const m = await got;
      const before = transport.connectionCount;
      // The Via port (5999) is not where the peer listens: only the connection id can lead back to it.
      const destination: Remote = { ...m.remote, port: 5999 };
      await transport.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), destination);
      await until(() => inbox.text.length > 0);
      assert.equal(inbox.text, 'SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
      assert.equal(transport.connectionCount, before, 'no new connection');
    } finally {
      socket.destroy();
    }
  });

  it('closes the connection on a message without Content-Length (§18.3) and reports garbage', async () => {
    const socket = await dial(transport.local.port);
    const got = nextEvent(transport, 'garbage');
    const closed = once(socket, 'close');
    socket.write(request('no-length').replace(/Content-Length: 0\r\n/, ''));
    const g = await got;
    assert.ok(isAigError(g.error, 'AIG_ERR_SIP_PARSE'));
    assert.match(g.raw.toString(), /^OPTIONS /);
    await closed;
  });

  it('closes the connection on an oversized message and reports AIG_ERR_SIP_TOO_LARGE', async () => {
    const socket = await dial(transport.local.port);
    const got = nextEvent(transport, 'garbage');
    const closed = once(socket, 'close');
    socket.write(request('big', 'x'.repeat(5000)));
    const g = await got;
    assert.ok(isAigError(g.error, 'AIG_ERR_SIP_TOO_LARGE'));
    await closed;
  });

  it('keeps the connection after a well-framed but unparseable message', async () => {
    const socket = await dial(transport.local.port);
    try {
      const got = nextEvent(transport, 'garbage');
      socket.write('NOT A START LINE\r\nContent-Length: 0\r\n\r\n');
      assert.ok(isAigError((await got).error, 'AIG_ERR_SIP_PARSE'));
      const next = nextEvent(transport, 'message');
      socket.write(request('still-open'));
      assert.equal((await next).message.headers.get('Call-ID'), 'still-open');
    } finally {
      socket.destroy();
    }
  });
});

describe('TcpTransport outgoing connections', () => {
  let transport: TcpTransport;
  let peer: Server;
  let peerSockets: Socket[];

  before(async () => {
    transport = new TcpTransport({ host: '127.0.0.1', port: 0, connectTimeoutMs: 2000 });
    await transport.listen();
    peerSockets = [];
    peer = createServer((s) => peerSockets.push(s));
    peer.listen(0, '127.0.0.1');
    await once(peer, 'listening');
  });

  after(async () => {
    for (const s of peerSockets) {
      s.destroy();
    }
    peer.close();
    await transport.close();
  });

  it('opens one connection, reuses it for later sends and receives the answers on it', async () => {
    const port = (peer.address() as { port: number }).port;
    const remote: Remote = { protocol: 'tcp', address: '127.0.0.1', port };
    await Promise.all([
      transport.send(Buffer.from(request('out-1')), remote),
      transport.send(Buffer.from(request('out-2')), remote),
    ]);
    await transport.send(Buffer.from(request('out-3')), remote);
    await until(() => peerSockets.length === 1);
    await delay(50);
    assert.equal(peerSockets.length, 1, 'concurrent sends share one connection attempt');
    const got = nextEvent(transport, 'message');
    peerSockets[0]!.write(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-x\r\nContent-Length: 0\r\n\r\n',
    );
    const m = await got;
    assert.equal(m.message.kind, 'response');
    assert.equal(m.remote.port, port);
    // A send pinned to that connection id and one by address land on the same socket.
    await transport.send(Buffer.from(request('out-4')), m.remote);
    await transport.send(Buffer.from(request('out-5')), { protocol: 'tcp', address: '127.0.0.1', port });
    await delay(20);
    assert.equal(peerSockets.length, 1);
    assert.equal(transport.connectionCount, 1);
  });

  it('opens a new connection when the pinned one is gone', async () => {
    const port = (peer.address() as { port: number }).port;
    for (const s of peerSockets.splice(0)) {
      s.destroy();
    }
    await until(() => transport.connectionCount === 0);
    await transport.send(Buffer.from(request('again')), {
      protocol: 'tcp',
      address: '127.0.0.1',
      port,
      connectionId: 'tcp999-1',
    });
    await until(() => peerSockets.length === 1);
  });

  it('rejects with AIG_ERR_SIP_TRANSPORT when nobody listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    closed.close();
    await once(closed, 'close');
    await assert.rejects(
      transport.send(Buffer.from(request('nobody')), { protocol: 'tcp', address: '127.0.0.1', port }),
      (e) => isAigError(e, 'AIG_ERR_SIP_TRANSPORT'),
    );
  });
});

describe('TcpTransport limits', () => {
  it('closes idle connections after idleTimeoutMs', async () => {
    const transport = new TcpTransport({ host: '127.0.0.1', port: 0, idleTimeoutMs: 100 });
    await transport.listen();
    try {
      const socket = await dial(transport.local.port);
      const closed = once(socket, 'close');
      await until(() => transport.connectionCount === 1);
      const started = Date.now();
      await closed;
      assert.ok(Date.now() - started >= 50);
      await until(() => transport.connectionCount === 0);
    } finally {
      await transport.close();
    }
  });

  it('refuses inbound connections beyond maxInboundConnections', async () => {
    const transport = new TcpTransport({ host: '127.0.0.1', port: 0, maxInboundConnections: 1 });
    await transport.listen();
    try {
      const first = await dial(transport.local.port);
      await until(() => transport.connectionCount === 1);
      const second = connect({ host: '127.0.0.1', port: transport.local.port });
      second.on('error', () => undefined);
      await once(second, 'close');
      assert.equal(transport.connectionCount, 1);
      first.destroy();
    } finally {
      await transport.close();
    }
  });

  it('close() destroys every connection', async () => {
    const transport = new TcpTransport({ host: '127.0.0.1', port: 0 });
    await transport.listen();
    const socket = await dial(transport.local.port);
    await until(() => transport.connectionCount === 1);
    const closed = once(socket, 'close');
    await transport.close();
    await closed;
    assert.equal(transport.connectionCount, 0);
    await assert.rejects(
      transport.send(Buffer.from('x'), { protocol: 'tcp', address: '127.0.0.1', port: 9 }),
      (e) => isAigError(e, 'AIG_ERR_SIP_TRANSPORT'),
    );
  });
});
