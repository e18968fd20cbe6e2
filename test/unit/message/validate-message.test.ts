import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, validateRequest, validateResponse } from '../../../src/sip/engine/message/parser.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import { sipBytes, typicalInvite } from './sip-text.js';

const HEADERS: Record<string, string> = {
  Via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-v1;rport',
  From: '"Claire" <sip:claire@example.fr>;tag=f1',
  To: '<sip:3949@ivr.example.fr>',
  'Call-ID': 'v1@192.0.2.1',
  CSeq: '2 INVITE',
  'Max-Forwards': '70',
};

type Changes = Record<string, string | string[] | null>;

/** A start line plus HEADERS, with `changes` applied (null removes a header, an array repeats it). */
function build(line: string, changes: Changes): SipMessage {
  const merged: Changes = { ...HEADERS, ...changes };
  const lines = [line];
  for (const [name, value] of Object.entries(merged)) {
    for (const v of value === null ? [] : Array.isArray(value) ? value : [value]) {
      lines.push(`${name}: ${v}`);
    }
  }
  return parseMessage(sipBytes(lines));
}

function requestWith(changes: Changes, line = 'INVITE sip:3949@ivr.example.fr SIP/2.0'): SipRequest {
  return build(line, changes) as SipRequest;
}

function responseWith(changes: Changes): SipResponse {
  return build('SIP/2.0 200 OK', changes) as SipResponse;
}

void describe('validateRequest', () => {
  void it('accepts a typical INVITE and the compact/odd-case forms of the same headers', () => {
    assert.equal(validateRequest(parseMessage(typicalInvite()) as SipRequest), undefined);
    const compact = parseMessage(
      sipBytes([
        'INVITE sip:3949@ivr.example.fr SIP/2.0',
        'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-c',
        'f: sip:claire@example.fr;tag=1',
        't: sip:3949@ivr.example.fr',
        'i: compact@192.0.2.1',
        'cSeQ: 0009',
        '  INVITE',
        'm: <sip:claire@192.0.2.1>',
      ]),
    ) as SipRequest;
    assert.equal(validateRequest(compact), undefined);
  });

  void it('treats Max-Forwards as optional on receive', () => {
    assert.equal(validateRequest(requestWith({ 'Max-Forwards': null })), undefined);
  });

  void it('names the missing mandatory header (§8.1.1)', () => {
    assert.equal(validateRequest(requestWith({ Via: null })), 'Missing Via');
    assert.equal(validateRequest(requestWith({ From: null })), 'Missing From');
    assert.equal(validateRequest(requestWith({ To: null })), 'Missing To');
    assert.equal(validateRequest(requestWith({ 'Call-ID': null })), 'Missing Call-ID');
    assert.equal(validateRequest(requestWith({ CSeq: null })), 'Missing CSeq');
  });

  void it('rejects single-valued headers given twice or as a comma list', () => {
    assert.equal(validateRequest(requestWith({ To: ['<sip:a@x>', '<sip:b@x>'] })), 'Duplicate To');
    assert.equal(validateRequest(requestWith({ From: '<sip:a@x>;tag=1, <sip:b@x>;tag=2' })), 'Bad From');
    assert.equal(validateRequest(requestWith({ 'Call-ID': ['a@x', 'b@x'] })), 'Duplicate Call-ID');
    assert.equal(validateRequest(requestWith({ CSeq: ['1 INVITE', '2 INVITE'] })), 'Duplicate CSeq');
  });

  void it('checks CSeq syntax, range and method', () => {
    assert.equal(validateRequest(requestWith({ CSeq: 'INVITE' })), 'Bad CSeq');
    assert.equal(validateRequest(requestWith({ CSeq: '4294967296 INVITE' })), 'Bad CSeq');
    assert.equal(validateRequest(requestWith({ CSeq: '2 BYE' })), 'CSeq Method Mismatch');
    assert.equal(validateRequest(requestWith({ CSeq: '2 invite' })), 'CSeq Method Mismatch');
    // ACK and CANCEL reuse the INVITE number but carry their own method (§17.1.1.3, §9.1).
    assert.equal(
      validateRequest(requestWith({ CSeq: '2 ACK' }, 'ACK sip:3949@ivr.example.fr SIP/2.0')),
      undefined,
    );
    assert.equal(
      validateRequest(requestWith({ CSeq: '2 INVITE' }, 'CANCEL sip:3949@ivr.example.fr SIP/2.0')),
      'CSeq Method Mismatch',
    );
  });

  void it('checks every Via value, across fields and comma lists', () => {
    assert.equal(validateRequest(requestWith({ Via: 'SIP/2.0/UDP' })), 'Bad Via');
    assert.equal(
      validateRequest(requestWith({ Via: ['SIP/2.0/UDP a.example;branch=1', 'garbage'] })),
      'Bad Via',
    );
    assert.equal(
      validateRequest(requestWith({ Via: 'SIP/2.0/UDP a.example;branch=1, SIP/2.0/TCP [::1]:5060' })),
      undefined,
    );
  });

  void it('checks From, To, Call-ID and Contact syntax', () => {
    assert.equal(validateRequest(requestWith({ From: 'Bob <sip:b@x' })), 'Bad From');
    assert.equal(validateRequest(requestWith({ To: 'sip:a@x?subject=y' })), 'Bad To');
    assert.equal(validateRequest(requestWith({ 'Call-ID': 'has space@x' })), 'Bad Call-ID');
    assert.equal(
      validateRequest(requestWith({ To: '"Watson, Thomas" < sip:t.watson@example.org >' })),
      'Bad To',
    );
    assert.equal(validateRequest(requestWith({ To: '"Mr. J. User <sip:j.user@example.com>' })), 'Bad To');
    assert.equal(validateRequest(requestWith({ Contact: 'Joe, Doe <sip:j@x>' })), 'Bad Contact');
    assert.equal(validateRequest(requestWith({ Contact: '*' })), 'Bad Contact');
    assert.equal(
      validateRequest(
        requestWith({ Contact: '*', CSeq: '2 REGISTER' }, 'REGISTER sip:ivr.example.fr SIP/2.0'),
      ),
      undefined,
    );
    // Any absoluteURI scheme is legal in To/From.
    assert.equal(validateRequest(requestWith({ To: '<nobodyknowsthisscheme:totallyopaque>' })), undefined);
  });

  void it('checks Max-Forwards is an integer 0-255', () => {
    assert.equal(validateRequest(requestWith({ 'Max-Forwards': '0' })), undefined);
    assert.equal(validateRequest(requestWith({ 'Max-Forwards': '256' })), 'Bad Max-Forwards');
    assert.equal(validateRequest(requestWith({ 'Max-Forwards': 'ten' })), 'Bad Max-Forwards');
  });

  void it('checks Content-Length in a message built in code', () => {
    const req = requestWith({});
    req.headers.set('Content-Length', 'abc');
    assert.equal(validateRequest(req), 'Bad Content-Length');
  });

  void it('checks the Request-URI: parsable, and a scheme the engine serves', () => {
    assert.equal(validateRequest(requestWith({}, 'INVITE sips:3949@ivr.example.fr SIP/2.0')), undefined);
    assert.equal(validateRequest(requestWith({}, 'INVITE tel:+33139493949 SIP/2.0')), undefined);
    assert.equal(
      validateRequest(requestWith({}, 'INVITE http://ivr.example.fr/ SIP/2.0')),
      'Unsupported URI Scheme',
    );
    assert.equal(validateRequest(requestWith({}, 'INVITE sip:3949@ SIP/2.0')), 'Bad Request-URI');
    const escapedHeaders = 'INVITE sip:3949@ivr.example.fr?Route=%3Csip:evil.example%3E SIP/2.0';
    assert.equal(validateRequest(requestWith({}, escapedHeaders)), 'Bad Request-URI');
    assert.equal(
      validateRequest(requestWith({}, 'INVITE <sip:3949@ivr.example.fr> SIP/2.0')),
      'Bad Request-URI',
    );
  });
});

void describe('validateResponse', () => {
  void it('accepts a well-formed response', () => {
    assert.equal(validateResponse(responseWith({ To: '<sip:3949@ivr.example.fr>;tag=t1' })), undefined);
  });

  void it('requires Via, From, To, Call-ID and CSeq but not Max-Forwards', () => {
    assert.equal(validateResponse(responseWith({ 'Max-Forwards': null })), undefined);
    assert.equal(validateResponse(responseWith({ Via: null })), 'Missing Via');
    assert.equal(validateResponse(responseWith({ CSeq: null })), 'Missing CSeq');
    assert.equal(validateResponse(responseWith({ CSeq: 'x INVITE' })), 'Bad CSeq');
  });

  void it('rejects a status outside 100-699 set in code', () => {
    const res = responseWith({});
    res.status = 99;
    assert.equal(validateResponse(res), 'Bad Status Code');
  });
});
