import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../../src/sip/engine/message/parser.js';
import type { SipRequest, SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import { responseDestination, stampReceived } from '../../../src/sip/engine/transport/via-routing.js';
import type { Remote } from '../../../src/sip/engine/transport/transport-types.js';

const SOURCE: Remote = { protocol: 'udp', address: '192.0.2.10', port: 40000 };

function withVia(via: string, extraVia?: string): string {
  return [
    'OPTIONS sip:ivr@192.0.2.1 SIP/2.0',
    `Via: ${via}${extraVia === undefined ? '' : `, ${extraVia}`}`,
    'Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK-lower',
    'Max-Forwards: 70',
    'From: <sip:a@192.0.2.10>;tag=1',
    'To: <sip:ivr@192.0.2.1>',
    'Call-ID: c1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function req(via: string, extraVia?: string): SipRequest {
  return parseMessage(Buffer.from(withVia(via, extraVia))) as SipRequest;
}

function resp(via: string): SipResponse {
  const text = [
    'SIP/2.0 200 OK',
    `Via: ${via}`,
    'From: <sip:a@x>;tag=1',
    'To: <sip:b@y>;tag=2',
    'Call-ID: c1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ];
  return parseMessage(Buffer.from(text.join('\r\n'))) as SipResponse;
}

describe('stampReceived (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by host differs from the source address', () => {
    const r = req('SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK-1');
    stampReceived(r, SOURCE);
    assert.equal(
      r.headers.get('Via'),
      'SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK-1;received=192.0.2.10',
    );
    assert.equal(
      r.headers.getFields('Via')[1],
      'SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK-lower',
      'other Vias untouched',
    );
  });

  it('leaves the Via alone when the host is the source address and there is no rport', () => {
    const r = req('SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1');
    stampReceived(r, SOURCE);
    assert.equal(r.headers.get('Via'), 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1');
  });

  it('fills an empty rport with the source port and then always adds received', () => {
    const r = req('SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bK-1');
    stampReceived(r, SOURCE);
    assert.equal(
      r.headers.get('Via'),
      'SIP/2.0/UDP 192.0.2.10:5060;rport=40000;branch=z9hG4bK-1;received=192.0.2.10',
    );
  });

  it('keeps an rport that already has a value and is idempotent', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1:5060;rport=1234;branch=z9hG4bK-1');
    stampReceived(r, SOURCE);
    stampReceived(r, SOURCE);
    assert.equal(
      r.headers.get('Via'),
      'SIP/2.0/UDP 10.0.0.1:5060;rport=1234;branch=z9hG4bK-1;received=192.0.2.10',
    );
  });

  it('rewrites only the first value of a comma-separated Via field', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK-1', 'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2');
    stampReceived(r, SOURCE);
    assert.deepEqual(r.headers.getAll('Via').slice(0, 2), [
      'SIP/2.0/UDP 10.0.0.1;rport=40000;branch=z9hG4bK-1;received=192.0.2.10',
      'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2',
    ]);
  });

  it('handles IPv6 sources', () => {
    const r = req('SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-1;rport');
    stampReceived(r, { protocol: 'udp', address: '::1', port: 5099 });
    assert.equal(r.headers.get('Via'), 'SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-1;rport=5099;received=::1');
  });
});

describe('responseDestination (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  it('UDP: received + rport win', () => {
    const d = responseDestination(
      resp('SIP/2.0/UDP 10.0.0.1:5062;rport=40000;received=192.0.2.10;branch=z9hG4bK-1'),
      SOURCE,
    );
    assert.deepEqual(d, { protocol: 'udp', address: '192.0.2.10', port: 40000 });
  });

  it('UDP: received alone uses the sent-by port, default 5060', () => {
    assert.deepEqual(responseDestination(resp('SIP/2.0/UDP a.example:5062;received=192.0.2.10'), SOURCE), {
      protocol: 'udp',
      address: '192.0.2.10',
      port: 5062,
    });
    assert.deepEqual(responseDestination(resp('SIP/2.0/UDP a.example;received=192.0.2.10'), SOURCE), {
      protocol: 'udp',
      address: '192.0.2.10',
      port: 5060,
    });
  });

  it('UDP: maddr comes first', () => {
    const d = responseDestination(
      resp('SIP/2.0/UDP 10.0.0.1:5070;maddr=239.255.255.1;received=192.0.2.10;rport=4'),
      SOURCE,
    );
    assert.deepEqual(d, { protocol: 'udp', address: '239.255.255.1', port: 5070 });
  });

  it('UDP: otherwise the sent-by host and port', () => {
    assert.deepEqual(responseDestination(resp('SIP/2.0/UDP 192.0.2.10:5080;branch=z9hG4bK-1'), SOURCE), {
      protocol: 'udp',
      address: '192.0.2.10',
      port: 5080,
    });
    assert.deepEqual(responseDestination(resp('SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK-1'), SOURCE), {
      protocol: 'udp',
      address: '2001:db8::1',
      port: 5060,
    });
  });

  it('TCP: back on the same connection, with the §18.2.2 fallback address', () => {
    const source: Remote = { protocol: 'tcp', address: '192.0.2.10', port: 51000, connectionId: 'tcp1-7' };
    const d = responseDestination(
      resp('SIP/2.0/TCP 10.0.0.1:5062;received=192.0.2.10;branch=z9hG4bK-1'),
      source,
    );
    assert.deepEqual(d, { protocol: 'tcp', address: '192.0.2.10', port: 5062, connectionId: 'tcp1-7' });
  });

  it('a response without a usable Via goes back to the source', () => {
    const r = resp('SIP/2.0/UDP 10.0.0.1');
    r.headers.remove('Via');
    assert.deepEqual(responseDestination(r, SOURCE), SOURCE);
  });
});
