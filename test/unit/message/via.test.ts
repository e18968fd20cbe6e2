import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatVia, parseVia, viaBranch } from '../../../src/sip/engine/message/via.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';

void describe('parseVia', () => {
  void it('parses protocol, transport, sent-by and params', () => {
    const via = parseVia('SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-74bf9;rport;received=192.0.2.99');
    assert.equal(via.protocol, 'SIP/2.0');
    assert.equal(via.transport, 'UDP');
    assert.equal(via.host, '192.0.2.10');
    assert.equal(via.port, 5060);
    assert.equal(via.params.get('rport'), null);
    assert.equal(via.params.get('received'), '192.0.2.99');
    assert.equal(viaBranch(via), 'z9hG4bK-74bf9');
  });

  void it('upper-cases protocol and transport and accepts LWS around "/", ":" and ";" (§25.1)', () => {
    const via = parseVia(
      'sip  /   2.0 /tcp    spindle.example.fr  :  5061  ;  branch  =   z9hG4bK9ikj8 ;rport=5062',
    );
    assert.equal(via.protocol, 'SIP/2.0');
    assert.equal(via.transport, 'TCP');
    assert.equal(via.host, 'spindle.example.fr');
    assert.equal(via.port, 5061);
    assert.equal(viaBranch(via), 'z9hG4bK9ikj8');
    assert.equal(via.params.get('rport'), '5062');
  });

  void it('parses an IPv6 sent-by and an IPv6 received value', () => {
    const via = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bK30239;received=2001:db8::9:255');
    assert.equal(via.host, '2001:db8::9:1');
    assert.equal(via.port, 5070);
    assert.equal(via.params.get('received'), '2001:db8::9:255');
  });

  void it('parses WS transports and a host without port or params', () => {
    const via = parseVia('SIP/2.0/WSS df7jal23ls0d.invalid');
    assert.equal(via.transport, 'WSS');
    assert.equal(via.port, undefined);
    assert.equal(via.params.size, 0);
    assert.equal(viaBranch(via), undefined);
  });

  void it('rejects malformed values', () => {
    for (const text of [
      '',
      'SIP/2.0/UDP',
      'SIP/2.0 192.0.2.1',
      'SIP/2.0/UDP192.0.2.1',
      'SIP/2.0/UDP 192.0.2.1:',
      'SIP/2.0/UDP 192.0.2.1:99999',
      'SIP/2.0/UDP [2001:db8::1',
      'SIP/2.0/UDP [zz]',
      'SIP/2.0/UDP 192.0.2.1;branch=',
      'SIP/2.0/UDP 192.0.2.1 branch=x',
      'SIP/2.0/UDP 192.0.2.1, SIP/2.0/UDP 192.0.2.2',
      'SIP//UDP 192.0.2.1',
    ]) {
      assert.throws(
        () => parseVia(text),
        (e: unknown) => e instanceof SipParseError && e.reason === 'Bad Via',
        `expected ${JSON.stringify(text)} to be rejected`,
      );
    }
  });
});

void describe('formatVia', () => {
  void it('writes the canonical form', () => {
    const via = parseVia('SIP / 2.0 / udp  [2001:db8::1] : 5060 ; branch = z9hG4bKx ; rport');
    assert.equal(formatVia(via), 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx;rport');
    assert.deepEqual(parseVia(formatVia(via)), via);
  });

  void it('writes a Via built in code', () => {
    const text = formatVia({
      protocol: 'SIP/2.0',
      transport: 'TCP',
      host: '127.0.0.1',
      params: new Map([
        ['branch', 'z9hG4bK-1'],
        ['rport', null],
      ]),
    });
    assert.equal(text, 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-1;rport');
  });
});
