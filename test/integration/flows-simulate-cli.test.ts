// `aiguilleur flows simulate`, run as a real process the way a flow designer runs it: a script of caller turns
// in, one JSON object per event out with the outcome last; the interactive mode over a pipe; clear failures.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const repoRoot = resolve(import.meta.dirname, '../..');
const FLOW = 'test/fixtures/flows/runtime-basic';
const scratch = mkdtempSync(join(tmpdir(), 'aig-simulate-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const config = join(scratch, 'aiguilleur.yaml');
writeFileSync(
  config,
  [
    `routing: { groupsFile: ${JSON.stringify(join(repoRoot, 'test/fixtures/routing/minimal.yaml'))} }`,
    '',
  ].join('\n'),
);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function simulate(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'flows', 'simulate', ...args, '--config', config],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function script(name: string, lines: string[]): string {
  const file = join(scratch, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('aiguilleur flows simulate', () => {
  it('--script: one JSON object per event, the outcome last', async () => {
    const file = script('nir.txt', [
      '// sick leave, NIR on the keypad',
      'je suis en arrêt maladie',
      '#185057800608491#',
    ]);
    const run = await simulate([FLOW, '--lang', 'fr', '--script', file]);
    assert.equal(run.status, 0, run.stderr);
    const events = jsonLines(run.stdout);
    assert.deepEqual(events.at(-1), {
      outcome: 'transfer',
      target: 'allowances',
      intent: 'sick_leave',
      turns: 2,
      reason: 'flow',
    });
    const kinds = new Set(events.map((event) => event.event));
    for (const kind of ['prompt', 'state', 'recognition', 'classification', 'transfer', 'decision', 'note']) {
      assert.ok(kinds.has(kind), `has ${kind} events`);
    }
    assert.deepEqual(
      events.find((event) => event.event === 'prompt'),
      {
        event: 'prompt',
        id: 'welcome',
        text: "Bienvenue à l'assurance maladie.",
      },
    );
    assert.deepEqual(
      events.filter((event) => event.event === 'prompt').map((event) => event.id),
      ['welcome', 'askReason', 'nirAsk', 'nirReadBack', 'transferring'],
    );
    const classification = events.find((event) => event.event === 'classification');
    assert.equal(classification?.intent, 'sick_leave');
    assert.equal(typeof (classification?.scores as Record<string, number>).sick_leave, 'number');
    assert.equal(events.find((event) => event.event === 'state')?.to, 'greeting');
  });

  it('when the script runs out the caller is silent, and the flow still ends', async () => {
    const run = await simulate([FLOW, '--script', script('short.txt', ['// nothing said'])]);
    assert.equal(run.status, 0, run.stderr);
    const outcome = jsonLines(run.stdout).at(-1);
    assert.deepEqual(outcome, {
      outcome: 'transfer',
      target: 'general',
      intent: null,
      turns: 5,
      reason: 'flow',
    });
  });

  it('--no-recognizer: speech fails, the keypad works; --lang en speaks English', async () => {
    const run = await simulate([
      FLOW,
      '--lang',
      'en',
      '--no-recognizer',
      '--script',
      script('keys.txt', ['#2']),
    ]);
    assert.equal(run.status, 0, run.stderr);
    const events = jsonLines(run.stdout);
    assert.deepEqual(
      events.filter((event) => event.event === 'prompt').map((event) => event.text),
      [
        'Welcome to health insurance.',
        'Press 1 for cards, 2 for sick leave, 0 for an adviser.',
        'Putting you through.',
      ],
    );
    assert.equal(events.at(-1)?.target, 'allowances');
  });

  it('interactive over a pipe: readable lines with the intent and its scores, the decision', async () => {
    const run = await simulate([FLOW, '--lang', 'fr'], "j'ai perdu ma carte vitale\n");
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /caller> /);
    assert.match(run.stdout, /\[ivr\] +askReason: En quelques mots/);
    assert.match(run.stdout, /\[intent\] +health_card 0\.\d\d/);
    assert.match(run.stdout, /\[state\] +transfer/);
    assert.match(run.stdout, /\[outcome\] +transfer → cards, intent health_card, 1 turns \(flow\)/);
  });

  it('fails clearly: an invalid flow (exit 1), a bad script line (exit 1), a bad language (exit 2)', async () => {
    const broken = join(scratch, 'broken');
    cpSync(resolve(repoRoot, FLOW), broken, { recursive: true });
    writeFileSync(join(broken, 'machine.json'), '{ "id": "broken", "initial": "nowhere", "states": {} ');
    const invalid = await simulate([broken, '--script', script('x.txt', ['bonjour'])]);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /the flow is invalid/);
    assert.match(invalid.stderr, /machine\.json/);

    const badLine = await simulate([FLOW, '--script', script('bad.txt', ['bonjour', '!dance'])]);
    assert.equal(badLine.status, 1);
    assert.match(badLine.stderr, /bad\.txt:2: "!dance": unknown command/);

    const badLanguage = await simulate([FLOW, '--lang', 'de']);
    assert.equal(badLanguage.status, 2);
    assert.match(badLanguage.stderr, /--lang de/);
  });
});
