import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCSeq, parseCSeq } from '../../../src/sip/engine/message/cseq.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';

void describe('parseCSeq / formatCSeq', () => {
  void it('parses number and method, with leading zeros and extra LWS', () => {
    assert.deepEqual(parseCSeq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
    assert.deepEqual(parseCSeq('  0009 \t  INVITE  '), { seq: 9, method: 'INVITE' });
    assert.deepEqual(parseCSeq('0 ACK'), { seq: 0, method: 'ACK' });
    assert.deepEqual(parseCSeq('2147483647 x-Custom'), { seq: 2 ** 31 - 1, method: 'x-Custom' });
  });

  void it('rejects out-of-range numbers and malformed values (§8.1.1.5)', () => {
    for (const text of [
      '2147483648 INVITE',
      '99999999999999999999 INVITE',
      '-1 INVITE',
      'INVITE',
      '1',
      '1INVITE',
      '1 INVITE BYE',
      '1 INV(ITE',
      '',
      '1.5 INVITE',
    ]) {
      assert.throws(
        () => parseCSeq(text),
        (e: unknown) => e instanceof SipParseError && e.reason === 'Bad CSeq',
        `expected ${JSON.stringify(text)} to be rejected`,
      );
    }
  });

  void it('formats', () => {
    assert.equal(formatCSeq({ seq: 12, method: 'BYE' }), '12 BYE');
    assert.deepEqual(parseCSeq(formatCSeq({ seq: 7, method: 'REFER' })), { seq: 7, method: 'REFER' });
  });
});
