import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitInvite, admitOptions, type AdmissionState } from '../../../src/sip/call/call-admission.js';
import { NumberDirectory } from '../../../src/sip/call/number-directory.js';

const directory = new NumberDirectory({ '3646': { language: 'fr', label: 'Assurance Maladie' } });
const idle: AdmissionState = {
  draining: false,
  activeCalls: 0,
  maxConcurrent: 10,
  overloaded: false,
  retryAfterSeconds: 45,
};
const request = { requestUri: 'sip:3646@192.0.2.1', hasContact: true };

void describe('admitInvite', () => {
  void it('admits a configured number', () => {
    const result = admitInvite(request, idle, directory);
    assert.equal(result.admit, true);
    assert.equal(result.admit && result.match.number, '3646');
  });

  void it('refuses in a fixed order: malformed, draining, full, overloaded, unknown number', () => {
    const everythingWrong: AdmissionState = { ...idle, draining: true, activeCalls: 10, overloaded: true };
    const unknown = { requestUri: 'sip:999@192.0.2.1', hasContact: true };
    const steps: [Parameters<typeof admitInvite>[0], AdmissionState, number, string | undefined][] = [
      [{ ...unknown, hasContact: false }, everythingWrong, 400, undefined],
      [unknown, everythingWrong, 503, 'AIG_ERR_DRAINING'],
      [unknown, { ...everythingWrong, draining: false }, 503, 'AIG_ERR_OVERLOAD'],
      [unknown, { ...idle, overloaded: true }, 503, 'AIG_ERR_OVERLOAD'],
      [unknown, idle, 404, 'AIG_ERR_NUMBER_UNKNOWN'],
    ];
    for (const [req, state, status, code] of steps) {
      const result = admitInvite(req, state, directory);
      assert.equal(result.admit, false);
      if (!result.admit) {
        assert.equal(result.status, status);
        assert.equal(result.code, code);
      }
    }
  });

  void it('answers 420 with Unsupported to a Require we do not support, and accepts Require: 100rel', () => {
    const bad = admitInvite({ ...request, require: '100rel, Timer,replaces' }, idle, directory);
    assert.equal(!bad.admit && bad.status, 420);
    assert.deepEqual(!bad.admit && bad.headers, { Unsupported: 'timer, replaces' });
    assert.equal(admitInvite({ ...request, require: '100rel' }, idle, directory).admit, true);
    assert.equal(admitInvite({ ...request, require: '' }, idle, directory).admit, true);
  });

  void it('puts Retry-After on every 503 and nothing on a 404', () => {
    const full = admitInvite(request, { ...idle, activeCalls: 10 }, directory);
    assert.equal(!full.admit && full.headers['Retry-After'], '45');
    assert.equal(!full.admit && full.detail, '10 calls, limit 10');
    const unknown = admitInvite({ ...request, requestUri: 'sip:1@h' }, idle, directory);
    assert.deepEqual(!unknown.admit && unknown.headers, {});
  });

  void it('refuses a Request-URI without user part with 404', () => {
    const result = admitInvite({ ...request, requestUri: 'sip:192.0.2.1' }, idle, directory);
    assert.equal(!result.admit && result.status, 404);
    assert.equal(!result.admit && result.detail, 'Request-URI has no user part');
  });
});

void describe('admitOptions (RFC 3261 §11.2)', () => {
  void it('answers about the server for a host-only or non-numeric URI, about the number otherwise', () => {
    assert.deepEqual(admitOptions('sip:192.0.2.1', idle, directory), { admit: true, match: undefined });
    assert.deepEqual(admitOptions('sip:ping@192.0.2.1', idle, directory), { admit: true, match: undefined });
    const known = admitOptions('sip:3646@192.0.2.1', idle, directory);
    assert.equal(known.admit && known.match?.number, '3646');
    const unknown = admitOptions('sip:0800@192.0.2.1', idle, directory);
    assert.equal(!unknown.admit && unknown.status, 404);
  });

  void it('answers 503 like an INVITE while draining or full, without needing a Contact', () => {
    const draining = admitOptions('sip:192.0.2.1', { ...idle, draining: true }, directory);
    assert.equal(!draining.admit && draining.status, 503);
    const full = admitOptions('sip:3646@192.0.2.1', { ...idle, activeCalls: 99 }, directory);
    assert.equal(!full.admit && full.code, 'AIG_ERR_OVERLOAD');
  });
});
