import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.js';
import { redactConfigSecrets, SECRET_MASK } from '../../../src/config/redact-config.js';

describe('redactConfigSecrets', () => {
  it('masks the wire and drachtio secrets and the Redis password, leaving the config untouched', () => {
    const config = loadConfig({
      cwd: '/',
      env: {
        AIGUILLEUR_WIRE_SECRET: 'wire-pass',
        AIGUILLEUR_DRACHTIO_SECRET: 'cymru',
        REDIS_URL: 'redis://user:hunter2@10.0.0.5:6379/1',
      },
    });
    const shown = redactConfigSecrets(config);
    assert.equal(shown.sip.wire.secret, SECRET_MASK);
    assert.equal(shown.sip.drachtio.secret, SECRET_MASK);
    assert.equal(shown.redis.url, `redis://user:${SECRET_MASK}@10.0.0.5:6379/1`);
    const text = JSON.stringify(shown);
    for (const secret of ['wire-pass', 'cymru', 'hunter2']) {
      assert.ok(!text.includes(secret), `${secret} leaked`);
    }
    assert.equal(config.sip.wire.secret, 'wire-pass');
    assert.equal(shown.sip.port, config.sip.port);
  });

  it('keeps null secrets null (so "generated at start" stays visible)', () => {
    const shown = redactConfigSecrets(loadConfig({ cwd: '/', env: { REDIS_URL: 'redis://127.0.0.1:6379' } }));
    assert.equal(shown.sip.wire.secret, null);
    assert.equal(shown.redis.url, 'redis://127.0.0.1:6379');
  });
});
