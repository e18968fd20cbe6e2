/**
 * The real drachtio-srf 5 client against our WireServer over loopback TCP: connect and authenticate, route
 * registration, request delivery and response echoes, app-originated requests, CDR frames, pings, and refusal of
 * a wrong secret. Only the wire layer is under test, so this file plays the engine core by hand.
 */
import assert from 'node:assert/strict';
import { once, type EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { WireConnection } from '../../../src/sip/engine/wire/wire-connection.js';
import {
  formatCdrFrame,
  formatEchoFields,
  formatRequestEchoFields,
  formatSipFrame,
  wireTime,
} from '../../../src/sip/engine/wire/wire-messages.js';
import { WireServer } from '../../../src/sip/engine/wire/wire-server.js';
import type { WireSipMessage } from '../../../src/sip/engine/wire/wire-types.js';

/** The part of drachtio-srf this test drives (its bundled typings lack several of these options). */
interface SrfMessage {
  method?: string;
  status?: number;
  stackTxnId: string;
  source: string;
  receivedOn?: string;
  get(name: string): string;
}
interface SrfResponse {
  send(status: number, cb: (err: unknown, msg: SrfMessage) => void): void;
}
type Handler = (req: SrfMessage, res: SrfResponse) => void;
interface SrfClient extends EventEmitter {
  connect(opts: Record<string, unknown>): void;
  disconnect(): void;
  invite(fn: Handler): void;
  options(fn: Handler): void;
  request(
    uri: string,
    opts: { method: string },
    cb: (err: unknown, req: SrfMessage & SrfEvents) => void,
  ): void;
}
interface SrfEvents {
  on(event: 'response', fn: (res: SrfMessage) => void): void;
}

const require = createRequire(import.meta.url);
const Srf = require('drachtio-srf') as new (tags?: string | string[]) => SrfClient;

const SECRET = 'cymru';
const HOSTPORTS = 'udp/127.0.0.1:5060,tcp/127.0.0.1:5060';

const INVITE = [
  'INVITE sip:3646@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-srf-1',
  'From: <sip:caller@127.0.0.1:5070>;tag=abc123',
  'To: <sip:3646@127.0.0.1:5060>',
  'Call-ID: srf-test-1@127.0.0.1',
  'CSeq: 1 INVITE',
  'Contact: <sip:caller@127.0.0.1:5070>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function netMeta(transactionId: string, dialogId = ''): Parameters<typeof formatSipFrame>[0] {
  return {
    source: 'network',
    bytes: Buffer.byteLength(INVITE),
    protocol: 'udp',
    address: '127.0.0.1',
    port: 5070,
    time: wireTime(new Date()),
    transactionId,
    dialogId,
  };
}

/** Resolves with the first `count` route verbs registered by one connection. */
function routesFrom(server: WireServer, count: number): Promise<{ conn: WireConnection; verbs: string[] }> {
  return new Promise((resolve) => {
    const verbs: string[] = [];
    const onRoute = (conn: WireConnection, verb: string): void => {
      verbs.push(verb);
      if (verbs.length === count) {
        server.off('route', onRoute);
        resolve({ conn, verbs });
      }
    };
    server.on('route', onRoute);
  });
}

void describe('drachtio-srf against WireServer', () => {
  let server: WireServer;
  let port: number;
  const clients: SrfClient[] = [];

  const newSrf = (tags?: string[]): SrfClient => {
    const srf = new Srf(tags);
    srf.on('error', () => undefined);
    clients.push(srf);
    return srf;
  };

  before(async () => {
    server = new WireServer({ port: 0, secret: SECRET, hostports: () => HOSTPORTS });
    ({ port } = await server.listen());
  });

  after(async () => {
    // Clients first: a client whose server vanished would start reconnecting.
    for (const srf of clients) {
      srf.disconnect();
    }
    await server.close();
  });

  void it('connects, authenticates, registers invite/options routes, and exchanges requests and echoes', async () => {
    const srf = newSrf(['ivr']);
    const invites: SrfMessage[] = [];
    const sentResponses: SrfMessage[] = [];
    srf.invite((req, res) => {
      invites.push(req);
      res.send(486, (err, msg) => {
        assert.equal(err, null);
        sentResponses.push(msg);
      });
    });
    srf.options(() => undefined);
    const routes = routesFrom(server, 2);
    const connected = once(srf, 'connect') as Promise<[Error | null, string, string, string]>;
    srf.connect({ host: '127.0.0.1', port, secret: SECRET, reconnect: { maxAttempts: 1 } });

    const [err, hostport, version, localHostports] = await connected;
    assert.equal(err, null);
    assert.equal(hostport, HOSTPORTS);
    assert.equal(version, 'v0.9.10');
    assert.equal(localHostports, HOSTPORTS);

    const { conn, verbs } = await routes;
    assert.deepEqual(verbs.sort(), ['invite', 'options']);
    assert.equal(conn.authenticated, true);
    assert.deepEqual(conn.tags, ['ivr']);
    assert.equal(server.selectConnection('INVITE'), conn);
    assert.equal(server.hasRoute('options'), true);

    // Server → app: a new INVITE; the app's 486 comes back as a `sip` message on that transaction.
    const gotSip = once(server, 'sip') as Promise<[WireConnection, WireSipMessage]>;
    conn.send(
      formatSipFrame({ ...netMeta('txn-in-1'), receivedOn: { host: '127.0.0.1', port: 5060 } }, INVITE),
    );
    const [from, msg] = await gotSip;
    assert.equal(from, conn);
    assert.equal(invites.length, 1);
    assert.equal(invites[0]!.stackTxnId, 'txn-in-1');
    assert.equal(invites[0]!.source, 'network');
    assert.equal(invites[0]!.receivedOn, '127.0.0.1:5060');
    assert.equal(msg.txnId, 'txn-in-1');
    assert.equal(msg.dialogId, '');
    assert.match(msg.sipText, /^SIP\/2\.0 486 Busy Here\r\n/);

    // The engine's echo of the response as sent releases the app's callback with the parsed message.
    const sent = msg.sipText.replace(/^(to:.*)$/im, '$1;tag=srv-tag-1');
    const dialogId = 'srf-test-1@127.0.0.1;from-tag=abc123';
    conn.reply(msg.id, 'OK', formatEchoFields({ ...netMeta('txn-in-1'), dialogId }), sent);
    await waitFor(() => sentResponses.length === 1);
    assert.equal(sentResponses[0]!.status, 486);
    assert.match(sentResponses[0]!.get('To'), /tag=srv-tag-1/);
  });

  void it('app-originated request: echo gives the transaction id, the network response reaches the request', async () => {
    const srf = newSrf();
    const connected = once(srf, 'connect');
    const authenticated = once(server, 'authenticated') as Promise<[WireConnection]>;
    srf.connect({ host: '127.0.0.1', port, secret: SECRET, reconnect: { maxAttempts: 1 } });
    await connected;
    const [conn] = await authenticated;

    const gotSip = once(server, 'sip') as Promise<[WireConnection, WireSipMessage]>;
    const requestSent = new Promise<SrfMessage & SrfEvents>((resolve, reject) => {
      srf.request('sip:peer@127.0.0.1:5080', { method: 'OPTIONS' }, (err, req) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        } else {
          resolve(req);
        }
      });
    });
    const [, msg] = await gotSip;
    assert.equal(msg.txnId, '');
    assert.equal(msg.dialogId, '');
    assert.match(msg.sipText, /^OPTIONS sip:peer@127\.0\.0\.1:5080 SIP\/2\.0\r\n/);

    const asSent = msg.sipText.replace('\r\n', '\r\nCall-ID: out-1@127.0.0.1\r\nCSeq: 7 OPTIONS\r\n');
    conn.reply(
      msg.id,
      'OK',
      formatRequestEchoFields({ ...netMeta('txn-out-1'), port: 5060, bytes: Buffer.byteLength(asSent) }),
      asSent,
    );
    const req = await requestSent;
    assert.equal(req.stackTxnId, 'txn-out-1');
    assert.equal(req.source, 'application');

    const response = new Promise<SrfMessage>((resolve) => req.on('response', resolve));
    const ok = 'SIP/2.0 200 OK\r\nCall-ID: out-1@127.0.0.1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n';
    conn.send(formatSipFrame({ ...netMeta('txn-out-1'), port: 5080 }, ok));
    assert.equal((await response).status, 200);
  });

  void it('CDR listeners register cdr:* routes and receive cdr frames', async () => {
    const srf = newSrf();
    const attempts: Array<[string, string, { method: string }]> = [];
    srf.on('cdr:attempt', (source: string, time: string, m: { method: string }) =>
      attempts.push([source, time, m]),
    );
    const routes = routesFrom(server, 1);
    srf.connect({ host: '127.0.0.1', port, secret: SECRET, reconnect: { maxAttempts: 1 } });
    const { conn, verbs } = await routes;
    assert.deepEqual(verbs, ['cdr:attempt']);
    conn.send(formatCdrFrame({ kind: 'attempt', source: 'network', time: '10:00:00.000000' }, INVITE));
    await waitFor(() => attempts.length === 1);
    assert.equal(attempts[0]![0], 'network');
    assert.equal(attempts[0]![1], '10:00:00.000000');
    assert.equal(attempts[0]![2].method, 'INVITE');
  });

  void it('a wrong secret is refused: connect reports the failure and the socket is closed', async () => {
    const srf = new Srf();
    srf.on('error', () => undefined);
    const connected = once(srf, 'connect') as Promise<[Error | null]>;
    const closed = once(srf, 'close');
    const serverClosed = once(server, 'connection-closed') as Promise<[WireConnection]>;
    srf.connect({ host: '127.0.0.1', port, secret: 'not-the-secret', reconnect: { maxAttempts: 1 } });
    const [err] = await connected;
    assert.ok(err instanceof Error);
    assert.match(err.message, /failed to authenticate/);
    await closed;
    const [conn] = await serverClosed;
    assert.equal(conn.authenticated, false);
  });

  void it('pings from enablePing (srf minimum interval 5 s) are answered', { timeout: 15_000 }, async () => {
    const srf = newSrf();
    const connected = once(srf, 'connect');
    srf.connect({
      host: '127.0.0.1',
      port,
      secret: SECRET,
      enablePing: true,
      pingInterval: 5000,
      reconnect: { maxAttempts: 1 },
    });
    await connected;
    const [conn] = (await once(server, 'ping')) as [WireConnection];
    assert.equal(conn.authenticated, true);
    assert.equal(conn.closed, false);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
