import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import { PEER_UDP, harness, inbound, request, responseTo } from './transaction-fixtures.js';

const noop = { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined };

describe('client matching (RFC 3261 §17.1.3): branch + CSeq method', () => {
  it('routes the 200 for a CANCEL to the CANCEL transaction and the 487 to the INVITE transaction', () => {
    const h = harness();
    const got: string[] = [];
    const invite = request({ branch: 'z9hG4bK-same' });
    const cancel = request({ method: 'CANCEL', branch: 'z9hG4bK-same' });
    h.layer.sendRequest(invite, PEER_UDP, {
      ...noop,
      onResponse: (r: SipResponse) => got.push(`invite:${r.status}`),
    });
    h.layer.sendRequest(cancel, PEER_UDP, {
      ...noop,
      onResponse: (r: SipResponse) => got.push(`cancel:${r.status}`),
    });
    assert.equal(h.layer.receive(inbound(responseTo(cancel, 200))), true);
    assert.equal(h.layer.receive(inbound(responseTo(invite, 487, 'x'))), true);
    assert.deepEqual(got, ['cancel:200', 'invite:487']);
  });

  it('leaves a response with an unknown branch to the TU', () => {
    const h = harness();
    h.layer.sendRequest(request({ branch: 'z9hG4bK-a' }), PEER_UDP, noop);
    assert.equal(h.layer.receive(inbound(responseTo(request({ branch: 'z9hG4bK-b' }), 200, 't'))), false);
    assert.equal(
      h.layer.receive(inbound(responseTo(request({ branch: 'z9hG4bK-a', cseqMethod: 'BYE' }), 200))),
      false,
    );
  });
});

describe('server matching (RFC 3261 §17.2.3): branch + sent-by + method', () => {
  it('treats the same branch from another sent-by, or with another method, as a new request', () => {
    const h = harness();
    const req = request({ branch: 'z9hG4bK-x' });
    h.layer.createServerTransaction(inbound(req));
    assert.equal(h.layer.receive(inbound(request({ branch: 'z9hG4bK-x' }))), true);
    assert.equal(h.layer.receive(inbound(request({ branch: 'z9hG4bK-x', viaPort: 5071 }))), false);
    assert.equal(h.layer.receive(inbound(request({ branch: 'z9hG4bK-x', viaHost: '127.0.0.2' }))), false);
    assert.equal(h.layer.receive(inbound(request({ branch: 'z9hG4bK-x', method: 'OPTIONS' }))), false);
  });

  it('matches a sent-by without port with the same sent-by on port 5060', () => {
    const h = harness();
    h.layer.createServerTransaction(inbound(request({ branch: 'z9hG4bK-p', viaPort: 5060 })));
    const noPort = request({ branch: 'z9hG4bK-p' });
    noPort.headers.set('Via', 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-p');
    assert.equal(h.layer.receive(inbound(noPort)), true);
  });

  it('finds the INVITE a CANCEL refers to, not another one (§9.2)', () => {
    const h = harness();
    const tx = h.layer.createServerTransaction(inbound(request({ branch: 'z9hG4bK-c' })));
    const cancel = request({ method: 'CANCEL', branch: 'z9hG4bK-c' });
    assert.equal(h.layer.findInviteForCancel(cancel), tx);
    assert.equal(
      h.layer.findInviteForCancel(request({ method: 'CANCEL', branch: 'z9hG4bK-other' })),
      undefined,
    );
    // The CANCEL is a transaction of its own, distinct from the INVITE's.
    assert.equal(h.layer.receive(inbound(cancel)), false);
    const cancelTx = h.layer.createServerTransaction(inbound(cancel));
    assert.notEqual(cancelTx, tx);
    assert.equal(h.layer.size(), 2);
  });

  it('returns the existing transaction when asked to create it twice', () => {
    const h = harness();
    const req = request();
    assert.equal(
      h.layer.createServerTransaction(inbound(req)),
      h.layer.createServerTransaction(inbound(req)),
    );
  });

  it('hands malformed requests back to the TU', () => {
    const h = harness();
    const noVia = request();
    noVia.headers.remove('Via');
    assert.equal(h.layer.receive(inbound(noVia)), false);
    const badVia = request();
    badVia.headers.set('Via', 'not a via');
    assert.equal(h.layer.receive(inbound(badVia)), false);
  });
});

describe('RFC 2543 fallback matching (§17.2.3): no magic cookie', () => {
  const legacy = { branch: null, cseq: 7 } as const;

  it('matches a retransmitted INVITE by Request-URI, tags, Call-ID, CSeq and top Via', () => {
    const h = harness();
    const req = request(legacy);
    assert.equal(h.layer.receive(inbound(req)), false);
    const tx = h.layer.createServerTransaction(inbound(req));
    tx.respond(responseTo(req, 180, 'uas'));
    assert.equal(h.layer.receive(inbound(request(legacy))), true);
    assert.equal(h.sent.length, 2);
    assert.equal(h.layer.receive(inbound(request({ ...legacy, cseq: 8 }))), false);
    assert.equal(h.layer.receive(inbound(request({ ...legacy, callId: 'other' }))), false);
    assert.equal(h.layer.receive(inbound(request({ ...legacy, fromTag: 'other' }))), false);
    assert.equal(h.layer.receive(inbound(request({ ...legacy, uri: 'sip:other@127.0.0.1' }))), false);
    assert.equal(h.layer.receive(inbound(request({ ...legacy, viaPort: 5071 }))), false);
  });

  it('also works with a branch that lacks the cookie', () => {
    const h = harness();
    const spec = { branch: 'old-branch-1', cseq: 3 };
    h.layer.createServerTransaction(inbound(request(spec)));
    assert.equal(h.layer.receive(inbound(request(spec))), true);
    assert.equal(h.layer.receive(inbound(request({ ...spec, branch: 'old-branch-2' }))), false);
  });

  it('absorbs the ACK whose To tag is the one of the non-2xx response, not another', () => {
    const h = harness();
    const req = request(legacy);
    const tx = h.layer.createServerTransaction(inbound(req));
    tx.respond(responseTo(req, 486, 'uas-tag'));
    assert.equal(h.layer.receive(inbound(request({ ...legacy, method: 'ACK', toTag: 'wrong' }))), false);
    assert.equal(tx.state, 'completed');
    assert.equal(h.layer.receive(inbound(request({ ...legacy, method: 'ACK', toTag: 'uas-tag' }))), true);
    assert.equal(tx.state, 'confirmed');
  });

  it('lets the TU have the ACK of a 2xx', () => {
    const h = harness();
    const req = request(legacy);
    const tx = h.layer.createServerTransaction(inbound(req));
    tx.respond(responseTo(req, 200, 'uas-tag'));
    assert.equal(h.layer.receive(inbound(request({ ...legacy, method: 'ACK', toTag: 'uas-tag' }))), false);
  });

  it('finds the INVITE for a legacy CANCEL', () => {
    const h = harness();
    const tx = h.layer.createServerTransaction(inbound(request(legacy)));
    assert.equal(h.layer.findInviteForCancel(request({ ...legacy, method: 'CANCEL' })), tx);
    assert.equal(h.layer.findInviteForCancel(request({ ...legacy, method: 'CANCEL', cseq: 9 })), undefined);
  });

  it('forgets the legacy ACK key when the transaction ends', () => {
    const h = harness();
    const req = request(legacy);
    const tx = h.layer.createServerTransaction(inbound(req));
    tx.respond(responseTo(req, 486, 'uas-tag'));
    h.clock.advance(32_000);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.receive(inbound(request({ ...legacy, method: 'ACK', toTag: 'uas-tag' }))), false);
    assert.equal(h.layer.size(), 0);
  });
});
