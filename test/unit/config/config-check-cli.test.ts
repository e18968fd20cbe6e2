// `aiguilleur config check` and friends, run as a real process (the CLI is the operator's interface).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';

const repoRoot = resolve(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'aig-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI from source with a clean environment plus `env`. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('aiguilleur CLI', () => {
  it('config check prints the resolved configuration with secrets masked', () => {
    const file = join(scratch, 'good.yaml');
    writeFileSync(file, 'sip:\n  port: 5070\n  wire: { secret: file-secret }\n');
    const run = cli(['config', 'check', '--config', file], { REDIS_URL: 'redis://:pa55@127.0.0.1:6379' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^# Aiguilleur configuration: ${file}`));
    const printed = parse(run.stdout) as {
      sip: { port: number; wire: { secret: string } };
      redis: { url: string };
    };
    assert.equal(printed.sip.port, 5070);
    assert.equal(printed.sip.wire.secret, '********');
    assert.ok(!run.stdout.includes('file-secret'));
    assert.ok(!run.stdout.includes('pa55'));
  });

  it('config check exits 1 and lists every problem when the configuration is invalid', () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(file, 'sip: { port: -1 }\nmedia: { ptime: 7 }\n');
    const run = cli(['config', 'check', '-c', file], { AIGUILLEUR_HTTP_PORT: 'x' });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /AIG_ERR_CONFIG_INVALID/);
    assert.match(run.stderr, new RegExp(`${file}: sip\\.port:`));
    assert.match(run.stderr, new RegExp(`${file}: media\\.ptime:`));
    assert.match(run.stderr, /env AIGUILLEUR_HTTP_PORT: http\.port:/);
  });

  it('version, help and usage errors', () => {
    const version = cli(['version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^aiguilleur \d+\.\d+\.\d+\n$/);
    const help = cli(['help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /config check/);
    const unknown = cli(['frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.equal(cli(['serve', '--no-such-flag']).status, 2);
  });
});
