import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScanner } from '../../../src/sip/engine/guard/scanner-filter.js';

const PATTERNS = ['friendly-scanner', 'sipvicious', 'VaxSIPUserAgent', 'Nmap NSE'];

describe('isScanner', () => {
  it('matches a pattern anywhere in the User-Agent, ignoring case', () => {
    assert.ok(isScanner('friendly-scanner', PATTERNS));
    assert.ok(isScanner('SIPVicious 0.3.4', PATTERNS));
    assert.ok(isScanner('vaxsipuseragent/3.1', PATTERNS));
    assert.ok(isScanner('Nmap NSE', PATTERNS));
  });

  it('lets ordinary user agents and a missing header through', () => {
    assert.ok(!isScanner('Linphone/5.2.0 (belle-sip/5.2.0)', PATTERNS));
    assert.ok(!isScanner('sipsak 0.9.8', PATTERNS));
    assert.ok(!isScanner(undefined, PATTERNS));
    assert.ok(!isScanner('', PATTERNS));
  });

  it('an empty pattern list (or an empty pattern) matches nothing', () => {
    assert.ok(!isScanner('friendly-scanner', []));
    assert.ok(!isScanner('friendly-scanner', ['']));
  });
});
