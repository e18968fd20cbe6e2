import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { TransactionLayer } from '../../../src/sip/engine/transaction/transaction-layer.js';
import { DEFAULT_TIMERS } from '../../../src/sip/engine/transaction/transaction-types.js';
import type { SipRequest, SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import { isAigError } from '../../../src/errors/aig-error.js';
import type { ClientTransactionHandlers } from '../../../src/sip/engine/transaction/transaction-types.js';
import type { InboundMessage } from '../../../src/sip/engine/transport/transport-types.js';
import {
  PEER_TCP,
  PEER_UDP,
  flush,
  harness,
  inbound,
  request,
  responseTo,
  times,
} from './transaction-fixtures.js';

interface Recorder extends ClientTransactionHandlers {
  responses: SipResponse[];
  timeouts: number;
  errors: Error[];
}

function recorder(): Recorder {
  const r: Recorder = {
    responses: [],
    timeouts: 0,
    errors: [],
    onResponse(response: SipResponse, _inbound: InboundMessage) {
      r.responses.push(response);
    },
    onTimeout() {
      r.timeouts++;
    },
    onTransportError(err: Error) {
      r.errors.push(err);
    },
  };
  return r;
}

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  it('retransmits over UDP at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and times out at 32 s (timer A, B)', () => {
    const h = harness();
    const r = recorder();
    const tx = h.layer.sendRequest(request(), PEER_UDP, r);
    assert.equal(tx.state, 'calling');
    h.clock.advance(31_999);
    assert.deepEqual(times(h.sent), [0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    assert.equal(r.timeouts, 0);
    h.clock.advance(1);
    assert.equal(r.timeouts, 1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size(), 0);
    h.clock.advance(100_000);
    assert.equal(h.sent.length, 7);
    assert.equal(h.clock.pending(), 0);
  });

  it('does not retransmit over TCP but still times out after 64·T1', () => {
    const h = harness();
    const r = recorder();
    h.layer.sendRequest(request({ viaTransport: 'TCP' }), PEER_TCP, r);
    h.clock.advance(31_999);
    assert.deepEqual(times(h.sent), [0]);
    h.clock.advance(1);
    assert.equal(r.timeouts, 1);
  });

  it('stops retransmitting on a provisional response and passes it up', () => {
    const h = harness();
    const r = recorder();
    const req = request();
    const tx = h.layer.sendRequest(req, PEER_UDP, r);
    h.clock.advance(600);
    assert.equal(h.layer.receive(inbound(responseTo(req, 180, 'uas'))), true);
    assert.equal(tx.state, 'proceeding');
    h.clock.advance(60_000);
    assert.deepEqual(times(h.sent), [0, 500]);
    assert.equal(r.timeouts, 0, 'timer B only guards Calling');
    assert.deepEqual(
      r.responses.map((x) => x.status),
      [180],
    );
  });

  it('acknowledges a 486 itself (§17.1.1.3), re-sends the ACK on retransmissions, ends after timer D', () => {
    const h = harness();
    const r = recorder();
    const req = request({
      extraHeaders: ['Route: <sip:proxy1@127.0.0.1;lr>', 'Route: <sip:proxy2@127.0.0.1;lr>'],
    });
    const tx = h.layer.sendRequest(req, PEER_UDP, r);
    h.clock.advance(100);
    const busy = responseTo(req, 486, 'uas-tag');
    assert.equal(h.layer.receive(inbound(busy)), true);
    assert.equal(tx.state, 'completed');
    const ack = h.sent[1]!.message as SipRequest;
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.uri, req.uri);
    assert.deepEqual(ack.headers.getAll('Via'), ['SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-inv-1']);
    assert.equal(ack.headers.get('To'), '<sip:ivr@127.0.0.1:5060>;tag=uas-tag');
    assert.equal(ack.headers.get('From'), req.headers.get('From'));
    assert.equal(ack.headers.get('Call-ID'), req.headers.get('Call-ID'));
    assert.equal(ack.headers.get('CSeq'), '1 ACK');
    assert.deepEqual(ack.headers.getFields('Route'), [
      '<sip:proxy1@127.0.0.1;lr>',
      '<sip:proxy2@127.0.0.1;lr>',
    ]);
    assert.deepEqual(h.sent[1]!.remote, PEER_UDP);
    // A retransmitted 486 gets the same ACK and is not passed up again.
    assert.equal(h.layer.receive(inbound(busy)), true);
    assert.equal(h.sent.length, 3);
    assert.equal(h.sent[2]!.message, ack);
    assert.equal(r.responses.length, 1);
    h.clock.advance(31_999);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size(), 0);
    assert.equal(h.sent.length, 3, 'no INVITE retransmission after the final response');
  });

  it('over TCP timer D is zero: terminated as soon as the ACK is sent', () => {
    const h = harness();
    const r = recorder();
    const req = request({ viaTransport: 'TCP' });
    const tx = h.layer.sendRequest(req, PEER_TCP, r);
    h.layer.receive(inbound(responseTo(req, 503, 'x'), PEER_TCP));
    assert.equal(tx.state, 'terminated');
    assert.equal((h.sent[1]!.message as SipRequest).method, 'ACK');
    assert.equal(r.responses.length, 1);
    assert.equal(h.clock.pending(), 0);
  });

  it('enters Accepted on 2xx (RFC 6026) and passes every 2xx retransmission up until timer M', () => {
    const h = harness();
    const r = recorder();
    const req = request();
    const tx = h.layer.sendRequest(req, PEER_UDP, r);
    const ok = responseTo(req, 200, 'uas');
    assert.equal(h.layer.receive(inbound(ok)), true);
    assert.equal(tx.state, 'accepted');
    assert.equal(h.sent.length, 1, 'the TU sends the ACK for a 2xx, not the transaction');
    h.clock.advance(4000);
    assert.equal(h.layer.receive(inbound(ok)), true);
    assert.equal(h.layer.receive(inbound(responseTo(req, 486, 'uas'))), true, 'absorbed');
    assert.deepEqual(
      r.responses.map((x) => x.status),
      [200, 200],
    );
    h.clock.advance(28_000);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.receive(inbound(ok)), false, 'after timer M the 2xx is stray: the TU handles it');
  });

  it('reports a transport failure and terminates (§17.1.4)', async () => {
    const h = harness();
    const r = recorder();
    h.failSends(new Error('boom'));
    const tx = h.layer.sendRequest(request(), PEER_UDP, r);
    await flush();
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.message, 'boom');
    assert.equal(tx.state, 'terminated');
    assert.equal(h.clock.pending(), 0);
  });

  it('refuses ACK, a missing magic cookie and a reused branch', () => {
    const h = harness();
    assert.throws(
      () => h.layer.sendRequest(request({ method: 'ACK' }), PEER_UDP, recorder()),
      (e) => isAigError(e, 'AIG_ERR_SIP_TRANSACTION'),
    );
    assert.throws(
      () => h.layer.sendRequest(request({ branch: 'old-style' }), PEER_UDP, recorder()),
      (e) => isAigError(e, 'AIG_ERR_SIP_TRANSACTION'),
    );
    h.layer.sendRequest(request(), PEER_UDP, recorder());
    assert.throws(
      () => h.layer.sendRequest(request(), PEER_UDP, recorder()),
      (e) => isAigError(e),
    );
  });

  it('keeps running when a handler throws, and reports the exception', () => {
    const h = harness();
    const req = request();
    const tx = h.layer.sendRequest(req, PEER_UDP, {
      onResponse: () => {
        throw new Error('handler bug');
      },
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    assert.equal(h.layer.receive(inbound(responseTo(req, 180))), true);
    assert.equal(tx.state, 'proceeding');
    assert.equal(h.handlerErrors.length, 1);
  });
  it('without onHandlerError, a throwing timer callback becomes a process warning, not a crash', async () => {
    const clock = new ManualClock();
    const layer = new TransactionLayer({ timers: DEFAULT_TIMERS, clock, send: () => Promise.resolve() });
    layer.sendRequest(request(), PEER_UDP, {
      onResponse: () => undefined,
      onTimeout: () => {
        throw new Error('timeout handler bug');
      },
      onTransportError: () => undefined,
    });
    const warned = once(process, 'warning') as Promise<[Error]>;
    assert.doesNotThrow(() => clock.advance(32_000));
    const [warning] = await warned;
    assert.equal(warning.message, 'timeout handler bug');
    assert.equal(layer.size(), 0);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('retransmits with timer E doubling up to T2 and times out with timer F at 32 s', () => {
    const h = harness();
    const r = recorder();
    const tx = h.layer.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-opt' }), PEER_UDP, r);
    assert.equal(tx.state, 'trying');
    h.clock.advance(31_999);
    assert.deepEqual(
      times(h.sent),
      [0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500],
    );
    h.clock.advance(1);
    assert.equal(r.timeouts, 1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.clock.pending(), 0);
  });

  it('retransmits every T2 once a provisional arrived, then absorbs final retransmissions for timer K', () => {
    const h = harness();
    const r = recorder();
    const req = request({ method: 'BYE', branch: 'z9hG4bK-bye', toTag: 't' });
    const tx = h.layer.sendRequest(req, PEER_UDP, r);
    h.clock.advance(600); // sent at 0 and 500; next E due at 1500
    h.layer.receive(inbound(responseTo(req, 100)));
    assert.equal(tx.state, 'proceeding');
    h.clock.advance(10_000); // E fires at 1500 (interval now T2), 5500, 9500
    assert.deepEqual(times(h.sent), [0, 500, 1500, 5500, 9500]);
    const ok = responseTo(req, 200);
    assert.equal(h.layer.receive(inbound(ok)), true);
    assert.equal(tx.state, 'completed');
    assert.equal(h.layer.receive(inbound(ok)), true);
    assert.deepEqual(
      r.responses.map((x) => x.status),
      [100, 200],
    );
    h.clock.advance(4999);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.sent.length, 5);
  });

  it('over TCP: a single send, and timer K is zero', () => {
    const h = harness();
    const r = recorder();
    const req = request({ method: 'INFO', branch: 'z9hG4bK-info', viaTransport: 'TCP', toTag: 't' });
    const tx = h.layer.sendRequest(req, PEER_TCP, r);
    h.clock.advance(10_000);
    assert.equal(h.sent.length, 1);
    h.layer.receive(inbound(responseTo(req, 200), PEER_TCP));
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size(), 0);
  });
});
