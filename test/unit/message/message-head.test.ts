import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leadingCrlfLength, parseMessage, parseMessageHead } from '../../../src/sip/engine/message/parser.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';
import { sipBytes, typicalInvite } from './sip-text.js';

void describe('parseMessageHead (stream framing, §18.3)', () => {
  void it('finds the end of the header block and Content-Length', () => {
    const data = typicalInvite();
    const head = parseMessageHead(data);
    assert.ok(head !== undefined);
    assert.equal(head.headStart, 0);
    assert.equal(data.toString('latin1', head.headerEnd - 4, head.headerEnd), '\r\n\r\n');
    assert.equal(head.headerEnd + (head.contentLength ?? 0), data.length);
    assert.deepEqual(
      parseMessage(data.subarray(0, head.headerEnd + head.contentLength!)).body,
      parseMessage(data).body,
    );
  });

  void it('frames two messages back to back', () => {
    const one = sipBytes(['MESSAGE sip:a@b SIP/2.0', 'l: 3'], 'one');
    const two = sipBytes(['MESSAGE sip:a@b SIP/2.0', 'content-LENGTH :  3'], 'two');
    const stream = Buffer.concat([one, two]);
    const first = parseMessageHead(stream)!;
    const end = first.headerEnd + first.contentLength!;
    assert.equal(end, one.length);
    const rest = stream.subarray(end);
    const second = parseMessageHead(rest)!;
    assert.equal(
      parseMessage(rest.subarray(0, second.headerEnd + second.contentLength!)).body.toString(),
      'two',
    );
  });

  void it('returns undefined until the blank line has arrived', () => {
    const data = typicalInvite();
    const head = parseMessageHead(data)!;
    for (const cut of [0, 10, head.headerEnd - 3, head.headerEnd - 2, head.headerEnd - 1]) {
      assert.equal(parseMessageHead(data.subarray(0, cut)), undefined, `cut at ${cut}`);
    }
    assert.deepEqual(parseMessageHead(data.subarray(0, head.headerEnd)), head);
  });

  void it('skips leading CRLF keep-alives and reports them', () => {
    const data = Buffer.concat([
      Buffer.from('\r\n\r\n'),
      sipBytes(['OPTIONS sip:a@b SIP/2.0', 'Content-Length: 0']),
    ]);
    const head = parseMessageHead(data)!;
    assert.equal(head.headStart, 4);
    assert.equal(head.contentLength, 0);
    assert.equal(head.headerEnd, data.length);
    assert.equal(leadingCrlfLength(Buffer.from('\r\n\r\n')), 4);
    assert.equal(parseMessageHead(Buffer.from('\r\n\r\n')), undefined);
  });

  void it('handles LF-only heads, a folded value and an absent Content-Length', () => {
    const lf = parseMessageHead(Buffer.from('OPTIONS sip:a@b SIP/2.0\nContent-Length:\n  12\n\n'))!;
    assert.equal(lf.contentLength, 12);
    const none = parseMessageHead(sipBytes(['OPTIONS sip:a@b SIP/2.0', 'Call-ID: c', 'Contact: <sip:l@x>']))!;
    assert.equal(none.contentLength, undefined);
  });

  void it('does not mistake other headers starting with c or l for Content-Length', () => {
    const head = parseMessageHead(
      sipBytes([
        'OPTIONS sip:a@b SIP/2.0',
        'Content-Type: text/plain',
        'Call-ID: l: 5',
        'Location-Info: 7',
        'c: x',
        'L : 2',
      ]),
    )!;
    assert.equal(head.contentLength, 2);
  });

  void it('throws on a bad or repeated Content-Length', () => {
    assert.throws(
      () => parseMessageHead(sipBytes(['OPTIONS sip:a@b SIP/2.0', 'Content-Length: -1'])),
      SipParseError,
    );
    assert.throws(
      () => parseMessageHead(sipBytes(['OPTIONS sip:a@b SIP/2.0', 'l: 1', 'Content-Length: 1'])),
      SipParseError,
    );
  });
});
