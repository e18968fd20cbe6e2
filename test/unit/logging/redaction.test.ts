import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  censorSensitiveValue,
  maskNumber,
  REDACT_PATHS,
  REDACTED,
  redactSipUri,
} from '../../../src/logging/redaction.js';

describe('maskNumber', () => {
  it('keeps the first two and last two digits', () => {
    assert.equal(maskNumber('0612345678'), '06******78');
    assert.equal(maskNumber('+33612345678'), '+33*******78');
    assert.equal(maskNumber('06 12 34 56 78'), '06 ** ** ** 78');
  });

  it('masks short values entirely', () => {
    assert.equal(maskNumber('3646'), '****');
    assert.equal(maskNumber('12345'), '*****');
    assert.equal(maskNumber(''), '');
  });

  it('masks letters too (SIP user names)', () => {
    assert.equal(maskNumber('jean.dupont'), 'je**.****nt');
  });
});

describe('redactSipUri', () => {
  it('masks the user part of sip and sips URIs and hides quoted display names', () => {
    assert.equal(
      redactSipUri('"Jean Dupont" <sip:0612345678@example.org>;tag=abc'),
      '"***" <sip:06******78@example.org>;tag=abc',
    );
    assert.equal(
      redactSipUri('<sips:+33612345678@10.0.0.1:5061;transport=tls>'),
      '<sips:+33*******78@10.0.0.1:5061;transport=tls>',
    );
  });

  it('hides unquoted display names and passwords in the userinfo', () => {
    assert.equal(
      redactSipUri('Jean Dupont <sip:jdupont:secret@example.org>'),
      '*** <sip:jd***nt:***@example.org>',
    );
  });

  it('masks tel URIs and every URI in a longer line', () => {
    assert.equal(redactSipUri('tel:+33612345678;phone-context=x'), 'tel:+33*******78;phone-context=x');
    assert.equal(
      redactSipUri('INVITE sip:3646@ivr.example.org SIP/2.0 from sip:0612345678@carrier'),
      'INVITE sip:****@ivr.example.org SIP/2.0 from sip:06******78@carrier',
    );
  });

  it('leaves URIs without a user part alone', () => {
    assert.equal(redactSipUri('sip:ivr.example.org;lr'), 'sip:ivr.example.org;lr');
  });
});

describe('censorSensitiveValue', () => {
  it('masks identity keys and replaces content keys', () => {
    assert.equal(censorSensitiveValue('0612345678', ['caller']), '06******78');
    assert.equal(censorSensitiveValue(612345678, ['call', 'callingNumber']), '61*****78');
    assert.equal(censorSensitiveValue('<sip:0612345678@x>', ['from']), '<sip:06******78@x>');
    assert.equal(censorSensitiveValue('1 85 05 78 006 084 36', ['nir']), REDACTED);
    assert.equal(censorSensitiveValue(['1', '2'], ['digits']), REDACTED);
    assert.equal(censorSensitiveValue('je voudrais mon attestation', ['x', 'transcript']), REDACTED);
    assert.equal(censorSensitiveValue({ user: '0612345678' }, ['caller']), REDACTED);
  });

  it('keeps state names readable under from/to (logged transitions)', () => {
    assert.equal(censorSensitiveValue('proceeding', ['from']), 'proceeding');
    assert.equal(censorSensitiveValue('completed', ['tx', 'to']), 'completed');
  });

  it('covers every key at the top level and two levels deep', () => {
    assert.ok(REDACT_PATHS.includes('caller'));
    assert.ok(REDACT_PATHS.includes('*.caller'));
    assert.ok(REDACT_PATHS.includes('*.*.caller'));
    assert.ok(REDACT_PATHS.includes('*["p-asserted-identity"]'));
  });
});
