import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import type { WireConnection } from '../../../src/sip/engine/wire/wire-connection.js';
import { isPingableVersion, WireServer } from '../../../src/sip/engine/wire/wire-server.js';
import type { WireSipMessage } from '../../../src/sip/engine/wire/wire-types.js';
import { leaderFields, RawWireClient } from './raw-wire-client.js';

const SECRET = 'cymru';
const HOSTPORTS = 'udp/127.0.0.1:5060,tcp/127.0.0.1:5060';

function newServer(extra: Partial<ConstructorParameters<typeof WireServer>[0]> = {}): WireServer {
  return new WireServer({
    port: 0,
    secret: SECRET,
    hostports: () => HOSTPORTS,
    localHostports: () => 'udp/10.0.0.1:5060',
    ...extra,
  });
}

/** Connects and authenticates a raw client; returns it with its server-side connection. */
async function authed(
  server: WireServer,
  port: number,
): Promise<{ client: RawWireClient; conn: WireConnection }> {
  const authenticated = once(server, 'authenticated') as Promise<[WireConnection]>;
  const client = await RawWireClient.connect(port);
  client.send(`authenticate|${SECRET}|`);
  const reply = leaderFields((await client.next())!);
  assert.equal(reply[3], 'OK');
  const [conn] = await authenticated;
  return { client, conn };
}

void describe('WireServer options', () => {
  void it('refuses an empty secret and a version drachtio-srf would never ping', () => {
    assert.throws(
      () => newServer({ secret: '' }),
      (e: unknown) => isAigError(e, 'AIG_ERR_CONFIG_INVALID'),
    );
    assert.throws(
      () => newServer({ version: '1.0.0' }),
      (e: unknown) => isAigError(e, 'AIG_ERR_CONFIG_INVALID'),
    );
    assert.throws(
      () => newServer({ version: 'v0.8.1' }),
      (e: unknown) => isAigError(e, 'AIG_ERR_CONFIG_INVALID'),
    );
  });

  void it('isPingableVersion follows drachtio-srf serverVersionAtLeast(v0.8.2)', () => {
    for (const v of ['v0.8.2', 'v0.8.10', 'v0.9.0', 'v1.0.0', 'v0.9.10-rc1']) {
      assert.equal(isPingableVersion(v), true, v);
    }
    for (const v of ['v0.8.1', 'v0.7.99', '0.9.10', '1.0.0', 'vx']) {
      assert.equal(isPingableVersion(v), false, v);
    }
  });

  void it('listen reports the bound port; close releases it; listen twice is refused', async () => {
    const server = newServer();
    const { address, port } = await server.listen();
    assert.equal(address, '127.0.0.1');
    assert.ok(port > 0);
    await assert.rejects(server.listen());
    await server.close();
    await server.close();
    await assert.rejects(RawWireClient.connect(port));
  });
});

void describe('WireServer over a raw socket', () => {
  let server: WireServer;
  let port: number;

  before(async () => {
    server = newServer();
    ({ port } = await server.listen());
  });
  after(async () => {
    await server.close();
  });

  void it('authenticates: OK|hostports|version|localHostports, tags stored', async () => {
    const authenticated = once(server, 'authenticated') as Promise<[WireConnection]>;
    const client = await RawWireClient.connect(port);
    const id = client.send(`authenticate|${SECRET}|blue,green`);
    const f = leaderFields((await client.next())!);
    assert.deepEqual(f.slice(1), ['response', id, 'OK', HOSTPORTS, 'v0.9.10', 'udp/10.0.0.1:5060']);
    const [conn] = await authenticated;
    assert.equal(conn.authenticated, true);
    assert.deepEqual(conn.tags, ['blue', 'green']);
    client.end();
  });

  void it('wrong secret: NO|incorrect secret, then the server closes', async () => {
    const client = await RawWireClient.connect(port);
    const id = client.send('authenticate|guess|');
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [id, 'NO', 'incorrect secret']);
    assert.equal(await client.closesWithin(), true);
  });

  void it('anything before authenticate gets NO and the connection is closed', async () => {
    const client = await RawWireClient.connect(port);
    const sipSeen: unknown[] = [];
    const onSip = (...a: unknown[]): number => sipSeen.push(a);
    server.on('sip', onSip);
    const id = client.send('sip||', 'OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    client.send('route|invite');
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [id, 'NO', 'authentication required']);
    assert.equal(await client.closesWithin(), true);
    assert.equal(await client.next(), undefined, 'nothing answered after the refusal');
    server.off('sip', onSip);
    assert.equal(sipSeen.length, 0);
    assert.equal(server.hasRoute('invite'), false);
  });

  void it('even a non-fatal invalid message before authenticate closes the connection', async () => {
    const client = await RawWireClient.connect(port);
    const id = client.send('sip|only-txn', 'BYE sip:x SIP/2.0\r\n\r\n');
    const f = leaderFields((await client.next())!);
    assert.deepEqual(f.slice(2, 4), [id, 'NO']);
    assert.equal(await client.closesWithin(), true);
  });

  void it('unknown message type: NO|Unknown message type, then close', async () => {
    const { client } = await authed(server, port);
    const id = client.send('dance|now');
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [id, 'NO', 'Unknown message type']);
    assert.equal(await client.closesWithin(), true);
  });

  void it('leader with fewer than 2 fields: NO|Invalid message format, then close', async () => {
    const { client } = await authed(server, port);
    client.sendPayload('just-an-id');
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [
      'just-an-id',
      'NO',
      'Invalid message format',
    ]);
    assert.equal(await client.closesWithin(), true);
  });

  void it('sip with fewer than 4 fields: NO, connection kept', async () => {
    const { client } = await authed(server, port);
    const id = client.send('sip|only-txn', 'BYE sip:x SIP/2.0\r\n\r\n');
    const f = leaderFields((await client.next())!);
    assert.equal(f[2], id);
    assert.equal(f[3], 'NO');
    const ping = client.send('ping');
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [ping, 'OK', 'pong']);
    client.end();
  });

  void it('ping → OK|pong', async () => {
    const { client } = await authed(server, port);
    const id = client.send('ping');
    assert.deepEqual(leaderFields((await client.next())!).slice(1), ['response', id, 'OK', 'pong']);
    client.end();
  });

  void it('route registers lowercase verbs; remove_route drops every route of the connection', async () => {
    const { client, conn } = await authed(server, port);
    const r1 = client.send('route|INVITE');
    const r2 = client.send('route|options');
    const r3 = client.send('route|cdr:attempt');
    for (const id of [r1, r2, r3]) {
      assert.deepEqual(leaderFields((await client.next())!).slice(2), [id, 'OK']);
    }
    assert.deepEqual([...conn.routes].sort(), ['cdr:attempt', 'invite', 'options']);
    assert.equal(server.hasRoute('INVITE'), true);
    assert.equal(server.selectConnection('Invite'), conn);
    const rm = client.send('remove_route|options');
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [rm, 'OK']);
    assert.equal(conn.routes.size, 0);
    assert.equal(server.hasRoute('invite'), false, 'the quirk: every verb is gone, not only options');
    assert.equal(server.selectConnection('invite'), undefined);
    client.end();
  });

  void it('sip and proxy messages are emitted for the engine, which replies on the connection', async () => {
    const { client, conn } = await authed(server, port);
    const sipText = 'SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n';
    const gotSip = once(server, 'sip') as Promise<[WireConnection, WireSipMessage]>;
    const id = client.send('sip|txn-1|', sipText);
    const [c, msg] = await gotSip;
    assert.equal(c, conn);
    assert.deepEqual(msg, { type: 'sip', id, txnId: 'txn-1', dialogId: '', sipText });
    c.reply(msg.id, 'NOK', ['Response not sent due to unknown transaction']);
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [
      id,
      'NOK',
      'Response not sent due to unknown transaction',
    ]);

    const gotProxy = once(server, 'proxy');
    client.send(
      'proxy|txn-2||fullResponse||serial|||sip:b@127.0.0.1',
      'INVITE sip:b@127.0.0.1 SIP/2.0\r\n\r\n',
    );
    const [, pmsg] = (await gotProxy) as [WireConnection, { destinations: string[] }];
    assert.deepEqual(pmsg.destinations, ['sip:b@127.0.0.1']);
    client.end();
  });

  void it('a sip handler that throws still gets the app a NOK answer', async () => {
    const { client } = await authed(server, port);
    const boom = (): never => {
      throw new Error('engine | exploded');
    };
    server.on('sip', boom);
    const id = client.send('sip||', 'OPTIONS sip:x SIP/2.0\r\n\r\n');
    const f = leaderFields((await client.next())!);
    server.off('sip', boom);
    assert.deepEqual(f.slice(2), [id, 'NOK', 'Server error: engine   exploded']);
    client.end();
  });

  void it('with no engine listening, sip gets NOK instead of silence', async () => {
    const { client } = await authed(server, port);
    assert.equal(server.listenerCount('sip'), 0);
    const id = client.send('sip||', 'OPTIONS sip:x SIP/2.0\r\n\r\n');
    const f = leaderFields((await client.next())!);
    assert.equal(f[2], id);
    assert.equal(f[3], 'NOK');
    client.end();
  });

  void it('frames split over several writes and coalesced in one write are all handled', async () => {
    const { client } = await authed(server, port);
    const a = '11111111-1111-4111-8111-111111111111|ping';
    const b = '22222222-2222-4222-8222-222222222222|route|info';
    const bytes = Buffer.from(`${Buffer.byteLength(a)}#${a}${Buffer.byteLength(b)}#${b}`);
    client.writeRaw(bytes.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    client.writeRaw(bytes.subarray(3));
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [
      '11111111-1111-4111-8111-111111111111',
      'OK',
      'pong',
    ]);
    assert.deepEqual(leaderFields((await client.next())!).slice(2), [
      '22222222-2222-4222-8222-222222222222',
      'OK',
    ]);
    client.end();
  });

  void it('garbage instead of a length: NO, then close', async () => {
    const client = await RawWireClient.connect(port);
    client.writeRaw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const f = leaderFields((await client.next())!);
    assert.equal(f[3], 'NO');
    assert.equal(await client.closesWithin(), true);
  });

  void it('route selection skips closed connections and forgets them', async () => {
    const one = await authed(server, port);
    const two = await authed(server, port);
    one.client.send('route|message');
    two.client.send('route|message');
    await one.client.next();
    await two.client.next();
    const picks = [server.selectConnection('message'), server.selectConnection('message')];
    assert.deepEqual(new Set(picks), new Set([one.conn, two.conn]));
    const closed = once(server, 'connection-closed') as Promise<[WireConnection]>;
    one.client.end();
    assert.equal((await closed)[0], one.conn);
    assert.equal(server.selectConnection('message'), two.conn);
    assert.equal(server.selectConnection('message'), two.conn);
    assert.equal(server.connections().includes(one.conn), false);
    two.client.end();
  });
});

void describe('WireServer limits', () => {
  void it('an oversized frame gets NO with the app id, then the connection is closed', async () => {
    const server = newServer({ maxFrameSize: 1024 });
    const { port } = await server.listen();
    try {
      const { client } = await authed(server, port);
      const id = client.send(
        'sip||',
        `MESSAGE sip:x SIP/2.0\r\nContent-Length: 2000\r\n\r\n${'x'.repeat(2000)}`,
      );
      const f = leaderFields((await client.next())!);
      assert.equal(f[2], id);
      assert.equal(f[3], 'NO');
      assert.match(f[4]!, /too large/);
      assert.equal(await client.closesWithin(), true);
    } finally {
      await server.close();
    }
  });

  void it('a connection that never authenticates is closed after authTimeoutMs', async () => {
    const server = newServer({ authTimeoutMs: 50 });
    const { port } = await server.listen();
    try {
      const client = await RawWireClient.connect(port);
      assert.equal(await client.closesWithin(1000), true);
    } finally {
      await server.close();
    }
  });

  void it('close() drops live connections', async () => {
    const server = newServer();
    const { port } = await server.listen();
    const { client } = await authed(server, port);
    await server.close();
    assert.equal(await client.closesWithin(), true);
    assert.equal(server.connections().length, 0);
  });
});
