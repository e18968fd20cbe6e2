import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import type { ServerTransaction } from '../../../src/sip/engine/transaction/transaction-types.js';
import {
  PEER_TCP,
  PEER_UDP,
  flush,
  harness,
  inbound,
  request,
  responseTo,
  times,
  type Harness,
} from './transaction-fixtures.js';

interface Events {
  log: string[];
}

function watch(tx: ServerTransaction): Events {
  const events: Events = { log: [] };
  tx.onTerminated = () => events.log.push('terminated');
  tx.onTimeout = () => events.log.push('timeout');
  tx.onAckTimeout = () => events.log.push('ackTimeout');
  tx.onTransportError = (err) => events.log.push(`transportError:${err.message}`);
  return events;
}

function newInvite(h: Harness, spec: Parameters<typeof request>[0] = {}, remote = PEER_UDP) {
  const req = request(spec);
  assert.equal(h.layer.receive(inbound(req, remote)), false, 'a new request goes to the TU');
  const tx = h.layer.createServerTransaction(inbound(req, remote));
  return { req, tx, events: watch(tx) };
}

const statusOf = (m: { kind: string }): number => (m as SipResponse).status;

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('starts in Proceeding and absorbs a retransmission before any response without answering', () => {
    const h = harness();
    const { req, tx } = newInvite(h);
    assert.equal(tx.state, 'proceeding');
    assert.equal(h.layer.receive(inbound(request())), true);
    assert.equal(h.sent.length, 0);
    assert.equal(tx.request, req);
  });

  it('re-sends the last provisional on a retransmitted INVITE', () => {
    const h = harness();
    const { req, tx } = newInvite(h);
    assert.equal(tx.respond(responseTo(req, 100)), true);
    assert.equal(tx.respond(responseTo(req, 180, 'uas')), true);
    assert.equal(tx.lastResponse?.status, 180);
    assert.equal(h.layer.receive(inbound(request())), true);
    assert.deepEqual(
      h.sent.map((s) => statusOf(s.message)),
      [100, 180, 180],
    );
  });

  it('sends responses to the source port when the Via asks for rport (RFC 3581)', () => {
    const h = harness();
    const { req, tx } = newInvite(h, { viaHost: '10.9.9.9', viaPort: 5999, viaExtra: ';rport' });
    assert.match(req.headers.get('Via')!, /;rport=5070;received=127\.0\.0\.1$/);
    tx.respond(responseTo(req, 100));
    assert.deepEqual(h.sent[0]!.remote, { protocol: 'udp', address: '127.0.0.1', port: 5070 });
  });

  it('retransmits a non-2xx with timer G (T1 doubling up to T2) and gives up with timer H at 32 s', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h);
    tx.respond(responseTo(req, 486, 'uas'));
    assert.equal(tx.state, 'completed');
    h.clock.advance(31_999);
    assert.deepEqual(
      times(h.sent),
      [0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500],
    );
    assert.deepEqual(events.log, []);
    h.clock.advance(1);
    assert.deepEqual(events.log, ['timeout', 'terminated']);
    assert.equal(h.layer.size(), 0);
    assert.equal(h.clock.pending(), 0);
  });

  it('absorbs the ACK of a non-2xx (Completed → Confirmed) and ends after timer I', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h);
    tx.respond(responseTo(req, 404, 'uas'));
    h.clock.advance(600);
    const ack = request({ method: 'ACK', toTag: 'uas' });
    assert.equal(h.layer.receive(inbound(ack)), true);
    assert.equal(tx.state, 'confirmed');
    assert.equal(h.layer.receive(inbound(ack)), true, 'ACK retransmissions absorbed in Confirmed');
    assert.equal(h.layer.receive(inbound(request())), true, 'INVITE retransmission absorbed too');
    h.clock.advance(4999);
    assert.equal(tx.state, 'confirmed');
    assert.deepEqual(times(h.sent), [0, 500], 'timer G stopped by the ACK');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(events.log, ['terminated']);
    assert.equal(tx.respond(responseTo(req, 500)), false);
  });

  it('re-sends the final response on a retransmitted INVITE in Completed', () => {
    const h = harness();
    const { req, tx } = newInvite(h);
    tx.respond(responseTo(req, 603, 'uas'));
    h.clock.advance(100);
    assert.equal(h.layer.receive(inbound(request())), true);
    assert.deepEqual(
      h.sent.map((s) => [s.at, statusOf(s.message)]),
      [
        [0, 603],
        [100, 603],
      ],
    );
  });

  it('over TCP: no timer G, and the ACK ends the transaction at once (timer I is zero)', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h, { viaTransport: 'TCP' }, PEER_TCP);
    tx.respond(responseTo(req, 486, 'uas'));
    h.clock.advance(20_000);
    assert.equal(h.sent.length, 1);
    assert.deepEqual(h.sent[0]!.remote, {
      protocol: 'tcp',
      address: '127.0.0.1',
      port: 5070,
      connectionId: 'tcp1-1',
    });
    assert.equal(
      h.layer.receive(inbound(request({ method: 'ACK', viaTransport: 'TCP', toTag: 'uas' }), PEER_TCP)),
      true,
    );
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(events.log, ['terminated']);
  });

  it('retransmits a 2xx (T1 doubling up to T2) until acknowledged, then ends with timer L', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h);
    tx.respond(responseTo(req, 200, 'uas'));
    assert.equal(tx.state, 'accepted');
    h.clock.advance(4000);
    assert.deepEqual(times(h.sent), [0, 500, 1500, 3500]);
    // The ACK for a 2xx has its own branch: not a transaction match, the TU handles it (§17.1.1.3, §13.3.1.4).
    const ack = request({ method: 'ACK', branch: 'z9hG4bK-ack-2xx', toTag: 'uas' });
    assert.equal(h.layer.receive(inbound(ack)), false);
    tx.acknowledge();
    h.clock.advance(27_999);
    assert.equal(h.sent.length, 4);
    assert.equal(tx.state, 'accepted');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(events.log, ['terminated']);
  });

  it('fires onAckTimeout after 64·T1 without ACK, having sent the 2xx 11 times', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h);
    tx.respond(responseTo(req, 200, 'uas'));
    h.clock.advance(31_999);
    assert.deepEqual(
      times(h.sent),
      [0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500],
    );
    assert.deepEqual(events.log, []);
    h.clock.advance(1);
    assert.deepEqual(events.log, ['ackTimeout', 'terminated']);
    assert.equal(h.clock.pending(), 0);
  });

  it('in Accepted: passes further 2xx, refuses non-2xx, absorbs INVITE retransmissions', () => {
    const h = harness();
    const { req, tx } = newInvite(h);
    tx.respond(responseTo(req, 200, 'uas'));
    assert.equal(tx.respond(responseTo(req, 486, 'uas')), false);
    assert.equal(tx.respond(responseTo(req, 200, 'uas')), true);
    assert.equal(h.layer.receive(inbound(request())), true);
    assert.equal(h.sent.length, 3, '2xx, 2xx from the TU, 2xx re-sent for the retransmitted INVITE');
    tx.acknowledge();
    assert.equal(h.layer.receive(inbound(request())), true);
    assert.equal(h.sent.length, 3, 'absorbed silently once acknowledged');
  });

  it('over TCP the 2xx is sent once but the ACK deadline still applies', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h, { viaTransport: 'TCP' }, PEER_TCP);
    tx.respond(responseTo(req, 200, 'uas'));
    h.clock.advance(32_000);
    assert.equal(h.sent.length, 1);
    assert.deepEqual(events.log, ['ackTimeout', 'terminated']);
  });

  it('reports a transport failure and terminates (§17.2.4)', async () => {
    const h = harness();
    const { req, tx, events } = newInvite(h);
    h.failSends(new Error('unreachable'));
    tx.respond(responseTo(req, 180, 'uas'));
    await flush();
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(events.log, ['transportError:unreachable', 'terminated']);
    assert.equal(h.layer.size(), 0);
  });

  it('close() ends every transaction and timer', () => {
    const h = harness();
    const { req, tx, events } = newInvite(h);
    tx.respond(responseTo(req, 486, 'uas'));
    h.layer.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-o' }), PEER_UDP, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    assert.equal(h.layer.size(), 2);
    h.layer.close();
    assert.equal(h.layer.size(), 0);
    assert.equal(h.clock.pending(), 0);
    assert.deepEqual(events.log, ['terminated']);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  function newRequest(h: Harness, spec: Parameters<typeof request>[0], remote = PEER_UDP) {
    const req = request(spec);
    assert.equal(h.layer.receive(inbound(req, remote)), false);
    const tx = h.layer.createServerTransaction(inbound(req, remote));
    return { req, tx, events: watch(tx) };
  }

  it('absorbs retransmissions in Trying, answers them with the last response afterwards, ends after timer J', () => {
    const h = harness();
    const spec = { method: 'BYE', branch: 'z9hG4bK-bye', toTag: 'a' };
    const { req, tx, events } = newRequest(h, spec);
    assert.equal(tx.state, 'trying');
    assert.equal(h.layer.receive(inbound(request(spec))), true);
    assert.equal(h.sent.length, 0);
    tx.respond(responseTo(req, 200));
    assert.equal(tx.state, 'completed');
    h.clock.advance(1000);
    assert.equal(h.layer.receive(inbound(request(spec))), true);
    assert.deepEqual(times(h.sent), [0, 1000]);
    assert.equal(tx.respond(responseTo(req, 500)), false, 'one final response only');
    h.clock.advance(31_999 - 1000);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(events.log, ['terminated']);
    assert.equal(h.layer.receive(inbound(request(spec))), false, 'a copy after timer J is new again');
  });

  it('re-sends the last provisional in Proceeding', () => {
    const h = harness();
    const spec = { method: 'REGISTER', branch: 'z9hG4bK-reg' };
    const { req, tx } = newRequest(h, spec);
    tx.respond(responseTo(req, 100));
    assert.equal(tx.state, 'proceeding');
    h.layer.receive(inbound(request(spec)));
    assert.deepEqual(
      h.sent.map((s) => statusOf(s.message)),
      [100, 100],
    );
  });

  it('over TCP timer J is zero', () => {
    const h = harness();
    const { req, tx, events } = newRequest(
      h,
      { method: 'INFO', branch: 'z9hG4bK-i', viaTransport: 'TCP' },
      PEER_TCP,
    );
    tx.respond(responseTo(req, 200));
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(events.log, ['terminated']);
    assert.equal(h.sent[0]!.remote.connectionId, 'tcp1-1');
  });

  it('still reports a failed final response over TCP after the transaction ended', async () => {
    const h = harness();
    const { req, tx, events } = newRequest(
      h,
      { method: 'INFO', branch: 'z9hG4bK-i2', viaTransport: 'TCP' },
      PEER_TCP,
    );
    h.failSends(new Error('reset'));
    tx.respond(responseTo(req, 200));
    await flush();
    assert.deepEqual(events.log, ['terminated', 'transportError:reset']);
  });

  it('answers a request whose Via cannot be read, back to its source', () => {
    const h = harness();
    const req = request({ method: 'OPTIONS', branch: 'z9hG4bK-bad' });
    req.headers.set('Via', 'garbage');
    assert.equal(h.layer.receive(inbound(req)), false);
    const tx = h.layer.createServerTransaction(inbound(req));
    const again = h.layer.createServerTransaction(inbound(req));
    assert.notEqual(again, tx, 'nothing can match it, not even itself');
    assert.equal(tx.respond(responseTo(req, 400)), true);
    assert.deepEqual(h.sent[0]!.remote, PEER_UDP);
    assert.equal(tx.state, 'completed');
  });
});
