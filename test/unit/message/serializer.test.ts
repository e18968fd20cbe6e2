import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/engine/message/parser.js';
import { serializeMessage } from '../../../src/sip/engine/message/serializer.js';
import { SipHeaders, type SipMessage } from '../../../src/sip/engine/message/sip-message.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';
import { SDP, sipBytes, typicalInvite } from './sip-text.js';

function text(m: SipMessage): string {
  return serializeMessage(m).toString('utf8');
}

void describe('serializeMessage', () => {
  void it('writes a request: start line, headers in order with names verbatim, Content-Length, blank line, body', () => {
    const out = text({
      kind: 'request',
      method: 'OPTIONS',
      uri: 'sip:ivr.example.fr',
      headers: new SipHeaders([
        { name: 'v', value: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1' },
        { name: 'cseq', value: '1 OPTIONS' },
        { name: 'X-Custom', value: 'yes' },
      ]),
      body: Buffer.from('ping'),
    });
    assert.equal(
      out,
      'OPTIONS sip:ivr.example.fr SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\ncseq: 1 OPTIONS\r\n' +
        'X-Custom: yes\r\nContent-Length: 4\r\n\r\nping',
    );
  });

  void it('writes a response, including an empty reason phrase', () => {
    const m: SipMessage = {
      kind: 'response',
      status: 100,
      reason: '',
      headers: new SipHeaders(),
      body: Buffer.alloc(0),
    };
    assert.equal(text(m), 'SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n');
  });

  void it('replaces a stale Content-Length where it stood, keeping its spelling, and counts body bytes', () => {
    const headers = new SipHeaders([
      { name: 'l', value: '999' },
      { name: 'Subject', value: 'x' },
      { name: 'Content-Length', value: '5' },
    ]);
    const body = Buffer.from('Hélène ☎', 'utf8');
    const out = text({ kind: 'request', method: 'MESSAGE', uri: 'sip:a@b', headers, body });
    assert.equal(out, `MESSAGE sip:a@b SIP/2.0\r\nl: ${body.length}\r\nSubject: x\r\n\r\nHélène ☎`);
    assert.equal(body.length, 12); // bytes, not the 8 characters
  });

  void it('keeps a binary body byte for byte', () => {
    const body = Buffer.from([0, 255, 13, 10, 13, 10, 0]);
    const out = serializeMessage({
      kind: 'request',
      method: 'INFO',
      uri: 'sip:a@b',
      headers: new SipHeaders(),
      body,
    });
    assert.deepEqual(out.subarray(out.length - body.length), body);
    assert.deepEqual(parseMessage(out).body, body);
  });

  void it('writes UTF-8 header values as UTF-8', () => {
    const headers = new SipHeaders([{ name: 'From', value: '"Zoë" <sip:z@x>;tag=1' }]);
    const out = serializeMessage({
      kind: 'response',
      status: 200,
      reason: 'OK',
      headers,
      body: Buffer.alloc(0),
    });
    assert.equal(parseMessage(out).headers.get('From'), '"Zoë" <sip:z@x>;tag=1');
  });

  void it('turns line breaks inside a value into one space instead of letting them end the header (§7.3.1)', () => {
    const headers = new SipHeaders([{ name: 'Subject', value: 'first\r\nInjected: yes\n\tthird' }]);
    const out = text({ kind: 'request', method: 'MESSAGE', uri: 'sip:a@b', headers, body: Buffer.alloc(0) });
    assert.ok(out.includes('Subject: first Injected: yes third\r\n'));
    assert.equal(parseMessage(Buffer.from(out)).headers.has('Injected'), false);
  });

  void it('refuses what cannot be written as a valid start line or header name', () => {
    const empty = { headers: new SipHeaders(), body: Buffer.alloc(0) };
    assert.throws(
      () => serializeMessage({ kind: 'request', method: 'IN VITE', uri: 'sip:a@b', ...empty }),
      SipParseError,
    );
    assert.throws(
      () => serializeMessage({ kind: 'request', method: 'INVITE', uri: 'sip:a b', ...empty }),
      SipParseError,
    );
    assert.throws(
      () => serializeMessage({ kind: 'response', status: 1000, reason: 'x', ...empty }),
      SipParseError,
    );
    const badName = new SipHeaders([{ name: 'Bad: Name', value: 'x' }]);
    assert.throws(
      () =>
        serializeMessage({
          kind: 'request',
          method: 'INFO',
          uri: 'sip:a@b',
          headers: badName,
          body: Buffer.alloc(0),
        }),
      SipParseError,
    );
  });
});

/** Header fields and body, leaving out Content-Length, which the serializer always (re)writes. */
function comparable(m: SipMessage): unknown {
  const fields = m.headers.fields.filter((f) => !/^(content-length|l)$/i.test(f.name));
  const start = m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason];
  return { kind: m.kind, start, fields, body: m.body.toString('hex') };
}

void describe('round trip: parse(serialize(parse(x))) equals parse(x)', () => {
  const samples: Record<string, Buffer> = {
    'typical INVITE': typicalInvite(),
    'folded, compact, odd-case headers': sipBytes(
      [
        'INVITE sip:%61lice@[2001:db8::10]:5070;lr SIP/2.0',
        'v:  SIP  / 2.0  / TCP     spindle.example.fr   ;',
        '  branch  =   z9hG4bK9ikj8  ,',
        ' SIP/2.0/UDP 192.0.2.1;rport',
        'tO :',
        ' sip:a@b ;   tag    = 8321',
        'from: "Q \\"x\\", y" <sip:q@x>;tag=1',
        'i: rt@host',
        'cseq: 0009',
        '  INVITE',
        's :',
        'Content-Type: application/sdp',
      ],
      SDP,
    ),
    'response without reason, no Content-Length, LF only': Buffer.from(
      'SIP/2.0 180\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\nCSeq: 1 INVITE\n\n',
    ),
    'binary body with NUL': sipBytes(['INFO sip:a@b SIP/2.0', 'l: 4'], Buffer.from([0, 1, 0, 2])),
  };

  for (const [name, data] of Object.entries(samples)) {
    void it(name, () => {
      const first = parseMessage(data);
      const again = parseMessage(serializeMessage(first));
      assert.deepEqual(comparable(again), comparable(first));
      // And serializing is a fixed point after the first pass.
      assert.deepEqual(serializeMessage(again), serializeMessage(first));
    });
  }
});
