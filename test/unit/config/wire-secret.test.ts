import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.js';
import { resolveWireSecret, WIRE_SECRET_FILE } from '../../../src/config/wire-secret.js';
import { isAigError } from '../../../src/errors/aig-error.js';

const scratch = mkdtempSync(join(tmpdir(), 'aig-secret-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('resolveWireSecret', () => {
  it('returns the configured secret without touching the data directory', async () => {
    const dataDir = join(scratch, 'configured');
    const config = loadConfig({
      cwd: scratch,
      env: { AIGUILLEUR_WIRE_SECRET: 'given', AIGUILLEUR_DATA_DIR: dataDir },
    });
    assert.equal(await resolveWireSecret(config), 'given');
    assert.throws(() => statSync(dataDir), { code: 'ENOENT' });
  });

  it('generates 32 random bytes once, stores them with mode 0600 and reuses them', async () => {
    const dataDir = join(scratch, 'generated', 'nested');
    const config = loadConfig({ cwd: scratch, env: { AIGUILLEUR_DATA_DIR: dataDir } });
    const first = await resolveWireSecret(config);
    assert.match(first, /^[0-9a-f]{64}$/);
    const file = join(dataDir, WIRE_SECRET_FILE);
    assert.equal(readFileSync(file, 'utf8').trim(), first);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await resolveWireSecret(config), first);
  });

  it('two concurrent first starts agree on one secret', async () => {
    const config = loadConfig({ cwd: scratch, env: { AIGUILLEUR_DATA_DIR: join(scratch, 'race') } });
    const [a, b] = await Promise.all([resolveWireSecret(config), resolveWireSecret(config)]);
    assert.equal(a, b);
  });

  it('refuses an empty secret file rather than silently replacing it', async () => {
    const dataDir = join(scratch, 'empty');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, WIRE_SECRET_FILE), '\n');
    const config = loadConfig({ cwd: scratch, env: { AIGUILLEUR_DATA_DIR: dataDir } });
    await assert.rejects(resolveWireSecret(config), (err) => isAigError(err, 'AIG_ERR_CONFIG_INVALID'));
  });
});
