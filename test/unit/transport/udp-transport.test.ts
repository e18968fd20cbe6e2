import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { UdpTransport } from '../../../src/sip/engine/transport/udp-transport.js';
import { collect, delay, nextEvent, sipRequest } from './transport-fixtures.js';

function rmemMax(): number {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return 0;
  }
}

async function client(type: 'udp4' | 'udp6' = 'udp4', host = '127.0.0.1'): Promise<Socket> {
  const socket = createSocket(type);
  socket.bind(0, host);
  await once(socket, 'listening');
  return socket;
}

describe('UdpTransport on 127.0.0.1 (real sockets)', () => {
  let transport: UdpTransport;
  let peer: Socket;

  before(async () => {
    transport = new UdpTransport({ host: '127.0.0.1', port: 0, maxMessageSize: 1200 });
    const local = await transport.listen();
    assert.equal(local.address, '127.0.0.1');
    assert.ok(local.port > 0);
    assert.deepEqual(transport.local, local);
    peer = await client();
  });

  after(async () => {
    peer.close();
    await transport.close();
  });

  it('emits each datagram as a parsed message with its source', async () => {
    const got = nextEvent(transport, 'message');
    peer.send(sipRequest({ callId: 'udp-1' }), transport.local.port, '127.0.0.1');
    const m = await got;
    assert.equal(m.message.kind, 'request');
    assert.equal(m.message.headers.get('Call-ID'), 'udp-1');
    assert.deepEqual(m.remote, { protocol: 'udp', address: '127.0.0.1', port: peer.address().port });
    assert.deepEqual(m.local, transport.local);
    assert.equal(m.raw.toString(), sipRequest({ callId: 'udp-1' }));
  });

  it('reports unparseable datagrams as garbage', async () => {
    const got = nextEvent(transport, 'garbage');
    peer.send('this is not SIP', transport.local.port, '127.0.0.1');
    const g = await got;
    assert.ok(isAigError(g.error, 'AIG_ERR_SIP_PARSE'));
    assert.equal(g.raw.toString(), 'this is not SIP');
    assert.equal(g.remote.port, peer.address().port);
  });

  it('reports datagrams above maxMessageSize as AIG_ERR_SIP_TOO_LARGE garbage', async () => {
    const got = nextEvent(transport, 'garbage');
    const big = sipRequest({ callId: 'big', body: 'x'.repeat(1500) });
    peer.send(big, transport.local.port, '127.0.0.1');
    const g = await got;
    assert.ok(isAigError(g.error, 'AIG_ERR_SIP_TOO_LARGE'));
    assert.equal(g.raw.length, Buffer.byteLength(big));
  });

  it('ignores CRLF keep-alives and answers nothing (RFC 5626 §3.5.1)', async () => {
    const messages = collect(transport, 'message');
    const garbage = collect(transport, 'garbage');
    const answers: Buffer[] = [];
    const onAnswer = (data: Buffer): void => {
      answers.push(data);
    };
    peer.on('message', onAnswer);
    peer.send('\r\n\r\n', transport.local.port, '127.0.0.1');
    peer.send('\r\n', transport.local.port, '127.0.0.1');
    const got = nextEvent(transport, 'message');
    peer.send(`\r\n${sipRequest({ callId: 'after-ping' })}`, transport.local.port, '127.0.0.1');
    const m = await got;
    await delay(50);
    peer.off('message', onAnswer);
    assert.equal(m.message.headers.get('Call-ID'), 'after-ping');
    assert.equal(messages.length, 1);
    assert.equal(garbage.length, 0);
    assert.equal(answers.length, 0);
  });

  it('sends datagrams to a remote', async () => {
    const got = once(peer, 'message') as Promise<[Buffer]>;
    await transport.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), {
      protocol: 'udp',
      address: '127.0.0.1',
      port: peer.address().port,
    });
    const [data] = await got;
    assert.equal(data.toString(), 'SIP/2.0 200 OK\r\n\r\n');
  });

  it('sets SO_RCVBUF to the 4 MiB default (as far as the kernel allows)', async () => {
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await t.listen();
    try {
      const granted = t.getRecvBufferSize();
      const cap = rmemMax();
      assert.ok(granted >= Math.min(4 * 1024 * 1024, cap > 0 ? cap : 4 * 1024 * 1024), `granted ${granted}`);
    } finally {
      await t.close();
    }
  });

  it('applies a configured recvBufferSize', async () => {
    const t = new UdpTransport({ host: '127.0.0.1', port: 0, recvBufferSize: 300_000 });
    await t.listen();
    try {
      const granted = t.getRecvBufferSize();
      assert.ok(granted >= Math.min(300_000, rmemMax() || 300_000), `granted ${granted}`);
      assert.ok(granted < 4 * 1024 * 1024, 'not the default');
    } finally {
      await t.close();
    }
  });
});

describe('UdpTransport lifecycle', () => {
  it('rejects send and local before listen and after close; fails to bind a taken port', async () => {
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await assert.rejects(t.send(Buffer.from('x'), { protocol: 'udp', address: '127.0.0.1', port: 9 }), (e) =>
      isAigError(e, 'AIG_ERR_SIP_TRANSPORT'),
    );
    assert.throws(
      () => t.local,
      (e) => isAigError(e, 'AIG_ERR_SIP_TRANSPORT'),
    );
    const local = await t.listen();
    const clash = new UdpTransport({ host: '127.0.0.1', port: local.port });
    await assert.rejects(clash.listen(), (e) => isAigError(e, 'AIG_ERR_SIP_TRANSPORT'));
    await t.close();
    await t.close();
    await assert.rejects(t.send(Buffer.from('x'), { protocol: 'udp', address: '127.0.0.1', port: 9 }));
  });

  it('works over IPv6 (udp6) when ::1 is available', async (t) => {
    const transport = new UdpTransport({ host: '::1', port: 0 });
    try {
      await transport.listen();
    } catch {
      t.skip('no IPv6 loopback here');
      return;
    }
    const peer = await client('udp6', '::1');
    try {
      const got = nextEvent(transport, 'message');
      peer.send(sipRequest({ callId: 'v6' }), transport.local.port, '::1');
      const m = await got;
      assert.equal(m.remote.address, '::1');
      assert.equal(m.local.address, '::1');
      const answered = once(peer, 'message') as Promise<[Buffer]>;
      await transport.send(Buffer.from('pong'), m.remote);
      assert.equal((await answered)[0].toString(), 'pong');
    } finally {
      peer.close();
      await transport.close();
    }
  });

  it('keeps running when a message listener throws, and reports it as an error event', async () => {
    const transport = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await transport.listen();
    const peer = await client();
    try {
      transport.on('message', () => {
        throw new Error('listener bug');
      });
      const errored = nextEvent(transport, 'error');
      peer.send(sipRequest(), transport.local.port, '127.0.0.1');
      assert.equal((await errored).message, 'listener bug');
      const again = nextEvent(transport, 'message');
      peer.send(sipRequest({ callId: 'second' }), transport.local.port, '127.0.0.1');
      assert.equal((await again).message.headers.get('Call-ID'), 'second');
    } finally {
      peer.close();
      await transport.close();
    }
  });
});
