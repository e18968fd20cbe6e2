// `aiguilleur flows check` and `aiguilleur flows graph`, run as the designer runs them: a real process, the
// server config given with --config, exit codes and output as documented.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const repoRoot = resolve(import.meta.dirname, '../..');
const fixtures = join(repoRoot, 'test/fixtures/flows');
const scratch = mkdtempSync(join(tmpdir(), 'aig-flows-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const config = join(scratch, 'aiguilleur.yaml');
writeFileSync(
  config,
  [
    `routing: { groupsFile: ${JSON.stringify(join(repoRoot, 'test/fixtures/routing/minimal.yaml'))} }`,
    `flows: { directory: ${JSON.stringify(join(fixtures, 'good'))} }`,
    '',
  ].join('\n'),
);

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('aiguilleur flows check', () => {
  it('prints "ok <flow> <version>" for each valid flow of the configured folder and exits 0', () => {
    const run = cli(['flows', 'check', '--config', config]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^ok complete [0-9a-f]{12}\nok minimal [0-9a-f]{12}\n$/);
  });

  it('prints each problem as file:line:column  state  message and exits 1', () => {
    const run = cli(['flows', 'check', 'test/fixtures/flows/bad/vocabulary', '-c', config]);
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 14, run.stdout);
    assert.ok(
      lines.every((line) =>
        /^test\/fixtures\/flows\/bad\/vocabulary\/machine\.json:\d+:\d+ {2}\S+ {2}\S/.test(line),
      ),
      run.stdout,
    );
    assert.ok(
      lines.includes(
        'test/fixtures/flows/bad/vocabulary/machine.json:8:26  vocabulary.greeting  unknown actor "play" (known: say, listen, collectDigits, classify, confirm, lookup, route, transfer, offerCallback, hangup)',
      ),
      run.stdout,
    );
  });

  it('runs the path tests: an unbounded reprompt loop fails the check', () => {
    const run = cli(['flows', 'check', 'test/fixtures/flows/bad/unbounded-loop', '-c', config]);
    assert.equal(run.status, 1);
    assert.match(
      run.stdout,
      /^test\/fixtures\/flows\/bad\/unbounded-loop\/machine\.json:5:5 {2}unbounded-loop\.ask {2}unbounded loop: ask —listen done/,
    );
  });

  it('checks every flow of a folder, valid and invalid, and exits 1 if any is invalid', () => {
    const run = cli(['flows', 'check', 'test/fixtures/flows/bad', '-c', config]);
    assert.equal(run.status, 1);
    for (const flow of [
      'dead-ends',
      'languages',
      'settings-schema',
      'structure',
      'unparsable',
      'vocabulary',
      'xstate-rejected',
    ]) {
      assert.match(run.stdout, new RegExp(`^test/fixtures/flows/bad/${flow}/`, 'm'), flow);
    }
    assert.doesNotMatch(run.stdout, /^ok /m);
  });
});

describe('aiguilleur flows graph', () => {
  it('prints a Mermaid state diagram by default (a flow id resolves under the configured folder)', () => {
    const run = cli(['flows', 'graph', 'complete', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^stateDiagram-v2\n/);
    assert.match(run.stdout, /\n {2}s_ask --> s_confirming : listen done \[confidence\(atLeast=medium\)\]\n/);
  });

  it('prints the createMachine text Stately imports with --format stately', () => {
    const run = cli(['flows', 'graph', 'test/fixtures/flows/good/minimal', '--format', 'stately']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^createMachine\(\{\n {2}"id": "minimal",/);
    const config = JSON.parse(run.stdout.slice('createMachine('.length, -');\n'.length)) as {
      initial: string;
    };
    assert.equal(config.initial, 'ask');
  });

  it('exits 2 on a bad format or a missing flow argument, 1 on an unparsable machine', () => {
    assert.equal(cli(['flows', 'graph', 'test/fixtures/flows/good/minimal', '--format', 'svg']).status, 2);
    assert.equal(cli(['flows', 'graph']).status, 2);
    const broken = cli(['flows', 'graph', 'test/fixtures/flows/bad/unparsable']);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /machine\.json:15:7 {2}- {2}not valid JSON: trailing comma/);
  });
});
