import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAigError } from '../../../src/errors/aig-error.js';
import { isLikelyRequest, parseMessage } from '../../../src/sip/engine/message/parser.js';
import { isRequest, type SipRequest, type SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';
import { SDP, sipBytes, typicalInvite } from './sip-text.js';

function request(data: Buffer): SipRequest {
  const m = parseMessage(data);
  assert.ok(isRequest(m), 'expected a request');
  return m;
}

function response(data: Buffer): SipResponse {
  const m = parseMessage(data);
  assert.equal(m.kind, 'response');
  return m;
}

function rejects(data: Buffer, reason: string): void {
  assert.throws(
    () => parseMessage(data),
    (e: unknown) => {
      assert.ok(isAigError(e, 'AIG_ERR_SIP_PARSE'), `expected AIG_ERR_SIP_PARSE, got ${String(e)}`);
      assert.ok(e instanceof SipParseError);
      assert.equal(e.reason, reason);
      assert.equal(e.sipStatus, 400);
      return true;
    },
  );
}

const BASE = [
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-base',
  'From: <sip:a@example.com>;tag=f1',
  'To: <sip:b@example.com>',
  'Call-ID: base-call@192.0.2.1',
  'CSeq: 1 OPTIONS',
];

void describe('parseMessage: ordinary messages', () => {
  void it('parses a typical INVITE: start line, ordered headers, body by Content-Length', () => {
    const m = request(typicalInvite());
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:3949@ivr.example.fr');
    assert.equal(m.headers.fields.length, 12);
    assert.equal(m.headers.fields[0]?.name, 'Via');
    assert.equal(m.headers.get('call-id'), '3848276298220188511@192.0.2.10');
    assert.equal(m.headers.get('From'), '"Claire Martin" <sip:0612345678@pbx.example.fr>;tag=9fxced76sl');
    assert.deepEqual(m.headers.getAll('Allow'), [
      'INVITE',
      'ACK',
      'CANCEL',
      'BYE',
      'OPTIONS',
      'REFER',
      'NOTIFY',
    ]);
    assert.equal(m.body.toString('utf8'), SDP);
  });

  void it('parses a response with a reason phrase containing spaces and UTF-8', () => {
    const m = response(sipBytes(['SIP/2.0 486 Occupé pour le moment', ...BASE]));
    assert.equal(m.status, 486);
    assert.equal(m.reason, 'Occupé pour le moment');
    assert.equal(m.body.length, 0);
  });

  void it('accepts an empty reason phrase, with or without the trailing space (§7.2)', () => {
    assert.equal(response(sipBytes(['SIP/2.0 100 ', ...BASE])).reason, '');
    assert.equal(response(sipBytes(['SIP/2.0 183', ...BASE])).status, 183);
  });

  void it('accepts bare LF line endings and mixed endings', () => {
    const lf = Buffer.from(
      ['OPTIONS sip:ivr.example.fr SIP/2.0', ...BASE, 'Content-Length: 2', '', 'ok'].join('\n'),
    );
    const m = request(lf);
    assert.equal(m.headers.get('CSeq'), '1 OPTIONS');
    assert.equal(m.body.toString(), 'ok');
    const mixed = Buffer.from('OPTIONS sip:ivr.example.fr SIP/2.0\r\n' + BASE.join('\n') + '\r\n\nhi');
    assert.equal(request(mixed).body.toString(), 'hi');
  });

  void it('ignores CRLFs before the start line (§7.5)', () => {
    const m = request(
      Buffer.concat([Buffer.from('\r\n\r\n'), sipBytes(['OPTIONS sip:x@y SIP/2.0', ...BASE])]),
    );
    assert.equal(m.method, 'OPTIONS');
  });

  void it('reads the SIP version case-insensitively', () => {
    assert.equal(request(sipBytes(['OPTIONS sip:x@y sip/2.0', ...BASE])).method, 'OPTIONS');
  });

  void it('takes the rest of the datagram as body when Content-Length is absent', () => {
    const m = request(sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE], 'hello'));
    assert.equal(m.body.toString(), 'hello');
  });

  void it('ignores bytes past Content-Length (§18.3)', () => {
    const m = request(sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE, 'Content-Length: 5'], 'helloEXTRA'));
    assert.equal(m.body.toString(), 'hello');
  });

  void it('keeps a binary body with NUL bytes intact, counted in bytes', () => {
    const body = Buffer.from([0x00, 0x01, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x00]);
    const m = request(
      sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE, 'Content-Type: application/octet-stream', 'l: 9'], body),
    );
    assert.deepEqual(m.body, body);
  });

  void it('copies the body so later reuse of the input buffer cannot change it', () => {
    const data = sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE, 'Content-Length: 3'], 'abc');
    const m = request(data);
    data.fill(0x7a);
    assert.equal(m.body.toString(), 'abc');
  });

  void it('reads a datagram whose blank line is missing but whose last header line is complete', () => {
    const data = Buffer.from(['OPTIONS sip:x@y SIP/2.0', ...BASE].join('\r\n') + '\r\n');
    assert.equal(request(data).headers.get('Call-ID'), 'base-call@192.0.2.1');
  });

  void it('parses a request with no header at all (validation is a separate step)', () => {
    const m = request(Buffer.from('OPTIONS sip:x@y SIP/2.0\r\n\r\n'));
    assert.equal(m.headers.fields.length, 0);
  });
});

void describe('parseMessage: strange but valid forms (RFC 4475 §3.1.1 style)', () => {
  // Written for this suite; exercises the same features as the RFC's "short tortuous INVITE".
  const tortuous = sipBytes(
    [
      'INVITE sip:accueil@ivr.example.fr;unknownparam;x=%20y SIP/2.0',
      'tO       :',
      ' sip:accueil@ivr.example.fr ;   tag    = 8321234356',
      'from   : "Agent \\\\\\"Double\\" Quote\\\\"       <sip:agent@pbx.example.fr>',
      '  ;',
      '  tag = 12aZ-x',
      'MaX-fOrWaRdS: 0069',
      'i: tortuous.0ha0isndaksdj@192.0.2.7',
      'Content-Length   : 18',
      'cseq: 0042',
      '  INVITE',
      'Via  : SIP  /   2.0',
      ' /UDP',
      '    192.0.2.2;branch=z9hG4bK390skdjuw',
      's :',
      'X-Strange-Header:   first part',
      ' of a value \t continued',
      '\t  and again',
      'X-Unusual-Value: ;;,,;;,;',
      'c: application/sdp',
      'Route:',
      ' <sip:edge.example.fr;lr;unknownwith=value;unknown-no-value>',
      'v:  SIP  / 2.0  / TCP     spindle.example.fr   ;',
      '  branch  =   z9hG4bK9ikj8  ,',
      ' SIP  /    2.0   / UDP  [2001:db8::9:1]:5070   ; branch=',
      ' z9hG4bK30239;received=2001:db8::9:255 ;rport',
      'm:"Quoted string \\"\\"" <sip:agent@pbx.example.fr> ; newparam =',
      '      newvalue ;',
      '  secondparam ; q = 0.33',
    ],
    'v=0\r\ns=-\r\nt=0 0\r\n\0',
  );

  void it('unfolds continuation lines and trims values', () => {
    const m = request(tortuous);
    assert.equal(m.headers.get('To'), 'sip:accueil@ivr.example.fr ;   tag    = 8321234356');
    assert.equal(m.headers.get('X-Strange-Header'), 'first part of a value \t continued and again');
    assert.equal(m.headers.get('cseq'), '0042 INVITE');
    assert.equal(m.headers.get('Via'), 'SIP  /   2.0 /UDP 192.0.2.2;branch=z9hG4bK390skdjuw');
    assert.equal(m.headers.get('Route'), '<sip:edge.example.fr;lr;unknownwith=value;unknown-no-value>');
  });

  void it('keeps names as received, trims the space before the colon, and looks them up in any case or compact form', () => {
    const m = request(tortuous);
    const names = m.headers.fields.map((f) => f.name);
    assert.deepEqual(names.slice(0, 6), ['tO', 'from', 'MaX-fOrWaRdS', 'i', 'Content-Length', 'cseq']);
    assert.equal(m.headers.get('CALL-ID'), 'tortuous.0ha0isndaksdj@192.0.2.7');
    assert.equal(m.headers.get('content-type'), 'application/sdp');
    assert.equal(m.headers.get('Subject'), '');
    assert.equal(m.headers.get('Max-Forwards'), '0069');
    assert.equal(m.headers.get('x-unusual-value'), ';;,,;;,;');
  });

  void it('collects Via values from the full and compact names, comma lists and separate lines, in order', () => {
    const vias = request(tortuous).headers.getAll('via');
    assert.equal(vias.length, 3);
    assert.equal(vias[1], 'SIP  / 2.0  / TCP     spindle.example.fr   ; branch  =   z9hG4bK9ikj8');
    assert.equal(
      vias[2],
      'SIP  /    2.0   / UDP  [2001:db8::9:1]:5070   ; branch= z9hG4bK30239;received=2001:db8::9:255 ;rport',
    );
  });

  void it('keeps quoted display names with escaped quotes and backslashes in the raw value', () => {
    const m = request(tortuous);
    assert.equal(
      m.headers.get('f'),
      '"Agent \\\\\\"Double\\" Quote\\\\"       <sip:agent@pbx.example.fr> ; tag = 12aZ-x',
    );
    assert.deepEqual(m.headers.getAll('Contact'), [
      '"Quoted string \\"\\"" <sip:agent@pbx.example.fr> ; newparam = newvalue ; secondparam ; q = 0.33',
    ]);
  });

  void it('frames the body with a NUL byte by Content-Length', () => {
    const m = request(tortuous);
    assert.equal(m.body.length, 18);
    assert.equal(m.body[17], 0);
  });

  void it('accepts an unusual but legal method token and escaped Request-URI', () => {
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    const m = request(sipBytes([`${method} sip:%61lice@[2001:db8::10]:5070;lr SIP/2.0`, ...BASE]));
    assert.equal(m.method, method);
    assert.equal(m.uri, 'sip:%61lice@[2001:db8::10]:5070;lr');
  });

  void it('splits comma lists but not commas inside quotes or angle brackets', () => {
    const m = request(
      sipBytes([
        'INVITE sip:x@y SIP/2.0',
        ...BASE,
        'Route: <sip:p1.example.fr;lr>, <sip:p2.example.fr;lr>',
        'Route: <sip:p3.example.fr;lr>',
        'Contact: "Doe, John" <sip:j@x;a=b,c>;q=0.5, <sip:k@x>',
      ]),
    );
    assert.equal(m.headers.getAll('Route').length, 3);
    assert.deepEqual(m.headers.getAll('m'), ['"Doe, John" <sip:j@x;a=b,c>;q=0.5', '<sip:k@x>']);
  });
});

void describe('parseMessage: invalid messages', () => {
  void it('rejects empty input and pure CRLF keep-alives', () => {
    rejects(Buffer.alloc(0), 'Empty Message');
    rejects(Buffer.from('\r\n\r\n'), 'Empty Message');
  });

  void it('rejects bad request lines', () => {
    for (const line of [
      'INVITE sip:x@y',
      'INVITE  sip:x@y SIP/2.0',
      'INVITE sip:x@y SIP/2.0 ',
      'INVITE sip:x@y  SIP/2.0',
      'INVITE sip:x y@z SIP/2.0',
      'INV(TE sip:x@y SIP/2.0',
      ' INVITE sip:x@y SIP/2.0',
      'INVITE sip:x@y HTTP/1.1',
      'INVITE',
    ]) {
      rejects(sipBytes([line, ...BASE]), 'Bad Request Line');
    }
  });

  void it('answers "Version Not Supported" for a well-formed other SIP version', () => {
    rejects(sipBytes(['INVITE sip:x@y SIP/7.0', ...BASE]), 'Version Not Supported');
    rejects(sipBytes(['SIP/3.0 200 OK', ...BASE]), 'Version Not Supported');
  });

  void it('rejects bad status lines', () => {
    for (const line of [
      'SIP/2.0 2000 OK',
      'SIP/2.0 099 Low',
      'SIP/2.0 700 High',
      'SIP/2.0 20x OK',
      'SIP/2.0',
      'SIP/2.0  200 OK',
    ]) {
      rejects(sipBytes([line, ...BASE]), 'Bad Status Line');
    }
  });

  void it('rejects a header line without a colon, a bad name, or a continuation before any header', () => {
    rejects(sipBytes(['OPTIONS sip:x@y SIP/2.0', ...BASE, 'NoColonHere']), 'Bad Header');
    rejects(sipBytes(['OPTIONS sip:x@y SIP/2.0', ...BASE, 'Bad Name: x']), 'Bad Header');
    rejects(sipBytes(['OPTIONS sip:x@y SIP/2.0', ...BASE, ': empty name']), 'Bad Header');
    rejects(sipBytes(['OPTIONS sip:x@y SIP/2.0', '  folded: first', ...BASE]), 'Bad Header');
  });

  void it('rejects a Content-Length larger than the body', () => {
    rejects(
      sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE, 'Content-Length: 9999'], 'short'),
      'Content-Length exceeds body',
    );
  });

  void it('rejects negative, non-numeric, oversized and repeated Content-Length', () => {
    for (const value of ['-3', 'abc', '1 2', '0x10', '', '12345678901']) {
      rejects(
        sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE, `Content-Length: ${value}`], 'x'),
        'Bad Content-Length',
      );
    }
    rejects(
      sipBytes(['MESSAGE sip:x@y SIP/2.0', ...BASE, 'Content-Length: 1', 'l: 1'], 'x'),
      'Bad Content-Length',
    );
  });

  void it('rejects a datagram cut in the middle of a header line', () => {
    rejects(Buffer.from('OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;bra'), 'Missing Blank Line');
  });

  void it('rejects random garbage', () => {
    const garbage = Buffer.from([
      0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0a, 0x0a,
    ]);
    assert.throws(() => parseMessage(garbage), SipParseError);
    assert.throws(() => parseMessage(Buffer.from('hello world\r\n\r\n')), SipParseError);
  });
});

void describe('isLikelyRequest', () => {
  void it('recognises a request line even when the rest is broken', () => {
    assert.deepEqual(isLikelyRequest(Buffer.from('INVITE sip:x@y SIP/2.0\r\nVia SIP/2.0/UDP\r\n')), {
      method: 'INVITE',
    });
    assert.deepEqual(isLikelyRequest(Buffer.from('\r\nOPTIONS sip:x@y SIP/2.0')), { method: 'OPTIONS' });
    assert.deepEqual(isLikelyRequest(Buffer.from('BYE sip:x@y  SIP/2.0\r\n\r\n')), { method: 'BYE' });
  });

  void it('says no for responses and noise', () => {
    assert.equal(isLikelyRequest(Buffer.from('SIP/2.0 200 OK\r\n')), undefined);
    assert.equal(isLikelyRequest(Buffer.from('GET / HTTP/1.1\r\n')), undefined);
    assert.equal(isLikelyRequest(Buffer.from([0, 1, 2, 3])), undefined);
    assert.equal(isLikelyRequest(Buffer.from('\r\n\r\n')), undefined);
    assert.equal(isLikelyRequest(Buffer.from('INVITE SIP/2.0')), undefined);
  });
});
