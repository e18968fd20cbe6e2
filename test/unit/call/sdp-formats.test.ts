import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonEvents, formatEventList, parseEventList } from '../../../src/sip/call/sdp-formats.js';
import { sdpFromRequest } from '../../../src/sip/call/request-sdp.js';

void describe('RFC 4733 event lists', () => {
  void it('parses ranges and single events', () => {
    assert.deepEqual([...(parseEventList('0-3,11, 15 - 16') ?? [])], [0, 1, 2, 3, 11, 15, 16]);
    for (const bad of ['', 'a-b', '5-1', '0-300', '1,,2', '-1']) {
      assert.equal(parseEventList(bad), undefined, bad);
    }
  });

  void it('writes compact lists', () => {
    assert.equal(formatEventList([3, 0, 1, 2, 7, 9, 10, 11]), '0-3,7,9-11');
    assert.equal(formatEventList([5]), '5');
    assert.equal(formatEventList([]), '');
  });

  void it('keeps only the DTMF events we receive (0-15)', () => {
    assert.equal(commonEvents('0-16'), '0-15');
    assert.equal(commonEvents('0-9,32-41'), '0-9');
    assert.equal(commonEvents('32-41'), undefined);
  });
});

void describe('sdpFromRequest', () => {
  const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n';

  void it('sees an empty body as a late offer', () => {
    assert.deepEqual(sdpFromRequest(undefined, undefined, undefined), { kind: 'none' });
    assert.deepEqual(sdpFromRequest('application/sdp', '\r\n', undefined), { kind: 'none' });
  });

  void it('takes application/sdp, or an untyped body that looks like SDP', () => {
    assert.deepEqual(sdpFromRequest('Application/SDP; charset=utf-8', sdp, undefined), { kind: 'sdp', sdp });
    assert.deepEqual(sdpFromRequest(undefined, sdp, undefined), { kind: 'sdp', sdp });
  });

  void it('takes the SDP part of a multipart body and drops the closing delimiter', () => {
    const parts = [
      { type: 'application/isup; version=itu-t92+', content: 'x' },
      { type: 'application/sdp', content: `${sdp}\r\n--unique-boundary--\r\n` },
    ];
    assert.deepEqual(sdpFromRequest('multipart/mixed; boundary=unique-boundary', 'ignored', parts), {
      kind: 'sdp',
      sdp: `${sdp}\r\n`,
    });
  });

  void it('reports other content types as unsupported', () => {
    assert.deepEqual(sdpFromRequest('text/plain', 'hello', undefined), {
      kind: 'unsupported',
      contentType: 'text/plain',
    });
    assert.deepEqual(
      sdpFromRequest('multipart/mixed;boundary=b', 'x', [{ type: 'text/plain', content: 'x' }]),
      {
        kind: 'unsupported',
        contentType: 'multipart/mixed',
      },
    );
    assert.deepEqual(sdpFromRequest(undefined, 'hello', undefined), {
      kind: 'unsupported',
      contentType: 'unknown',
    });
  });
});
