import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDtmfInfo } from '../../../../src/media/dtmf/dtmf-info.js';

describe('parseDtmfInfo', () => {
  it('reads application/dtmf-relay with Signal and Duration', () => {
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), {
      digit: '5',
      source: 'sip-info',
      durationMs: 160,
    });
  });

  it('is lenient with case, spaces, LF line ends, parameters and a Buffer body', () => {
    assert.deepEqual(
      parseDtmfInfo('Application/DTMF-Relay; charset=utf-8', Buffer.from('signal = #\nduration= 250')),
      {
        digit: '#',
        source: 'sip-info',
        durationMs: 250,
      },
    );
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=b'), { digit: 'B', source: 'sip-info' });
  });

  it('accepts RFC 4733 event numbers in place of * and #', () => {
    assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal=10\r\nDuration=100')?.digit, '*');
    assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal=11')?.digit, '#');
    assert.equal(parseDtmfInfo('application/dtmf', '11')?.digit, '#');
  });

  it('reads application/dtmf (the digit alone)', () => {
    assert.deepEqual(parseDtmfInfo('application/dtmf', '7\r\n'), { digit: '7', source: 'sip-info' });
    assert.deepEqual(parseDtmfInfo('application/dtmf', '*'), { digit: '*', source: 'sip-info' });
  });

  it('returns undefined for other content types and invalid bodies', () => {
    assert.equal(parseDtmfInfo('application/sdp', 'Signal=5'), undefined);
    assert.equal(parseDtmfInfo('application/dtmf-relay', 'Duration=160'), undefined);
    assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal=E'), undefined);
    assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal=16'), undefined);
    assert.equal(parseDtmfInfo('application/dtmf-relay', ''), undefined);
    assert.equal(parseDtmfInfo('application/dtmf', '55'), undefined);
    assert.equal(parseDtmfInfo('application/dtmf', ''), undefined);
  });

  it('ignores a malformed Duration but keeps the digit', () => {
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=3\r\nDuration=abc'), {
      digit: '3',
      source: 'sip-info',
    });
  });
});
