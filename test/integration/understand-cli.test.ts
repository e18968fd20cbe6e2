// `aiguilleur understand`, run as a real process the way a flow designer runs it: utterances on stdin, JSON lines
// on stdout (one per line, as soon as the line is read), `--eval` tables and JSON, and clear failures.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const repoRoot = resolve(import.meta.dirname, '../..');
const FLOW = 'flows/assurance-maladie';
const scratch = mkdtempSync(join(tmpdir(), 'aig-understand-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI from source; `feed` drives stdin (the default closes it at once). */
function cli(
  args: string[],
  feed: (child: ReturnType<typeof spawn>) => void = (child) => child.stdin?.end(),
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'understand', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
    feed(child);
  });
}

interface Line {
  text: string;
  intent: string;
  confidence: number;
  runnerUp: { intent: string; confidence: number } | null;
  outOfScope: boolean;
  entities: { type: string }[];
}

describe('aiguilleur understand', () => {
  it('answers each stdin line with a JSON line as soon as the line is read', async () => {
    const utterances = [
      "j'ai perdu ma carte vitale",
      'je veux parler à un conseiller pour ma carte vitale',
      'mon numéro de sécu 1 85 05 78 006 084 clé 91',
      'je voudrais réserver un billet de train',
    ];
    let answeredBeforeNextLine = 0;
    const run = await cli(['--flow', FLOW, '--lang', 'fr'], (child) => {
      // Interactive use: write one line, wait for its answer, then the next; only then close stdin.
      let sent = 0;
      let seen = 0;
      const next = (): void => {
        if (sent < utterances.length) {
          child.stdin!.write(`${utterances[sent]}\n${sent === 1 ? '\n' : ''}`);
          sent += 1;
        } else {
          child.stdin!.end();
        }
      };
      child.stdout!.on('data', (chunk: Buffer) => {
        const lines = chunk.toString('utf8').split('\n').length - 1;
        for (let i = 0; i < lines; i += 1) {
          seen += 1;
          answeredBeforeNextLine += seen === sent ? 1 : 0;
          next();
        }
      });
      next();
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stderr,
      /assurance-maladie fr: linear classifier, \d+ phrases, 12 intents, rejection threshold/,
    );
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    assert.equal(lines.length, utterances.length, 'the blank line gets no answer');
    assert.equal(answeredBeforeNextLine, utterances.length);
    assert.deepEqual(
      lines.map((l) => l.text),
      utterances,
    );
    for (const line of lines) {
      assert.deepEqual(Object.keys(line), [
        'text',
        'intent',
        'confidence',
        'runnerUp',
        'outOfScope',
        'entities',
      ]);
      assert.ok(line.confidence >= 0 && line.confidence <= 1);
      assert.ok(Array.isArray(line.entities));
    }
    assert.equal(lines[0]!.intent, 'health_card');
    assert.equal(lines[1]!.intent, 'agent');
    assert.equal(lines[1]!.runnerUp?.intent, 'health_card');
    assert.ok(lines[2]!.entities.some((entity) => entity.type === 'nir'));
    assert.equal(lines[3]!.intent, 'out_of_scope');
    assert.equal(lines[3]!.outOfScope, true);
  });

  it('--eval prints accuracy, per-intent precision and recall, confused pairs and out-of-scope detection', async () => {
    const run = await cli([
      '--flow',
      FLOW,
      '--lang',
      'fr',
      '--eval',
      'test/fixtures/understanding/held-out-fr.tsv',
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^test\/fixtures\/understanding\/held-out-fr\.tsv: 315 utterances, fr, linear classifier/,
    );
    assert.match(run.stdout, /accuracy \(out_of_scope as a class\)\s+\d+\.\d%\s+\(\d+\/315\)/);
    assert.match(run.stdout, /out-of-scope detection rate\s+\d+\.\d%\s+\(\d+\/49\)/);
    assert.match(run.stdout, /intent\s+support\s+precision\s+recall/);
    assert.match(run.stdout, /health_card\s+26\s+\d+\.\d%\s+\d+\.\d%/);
    assert.match(run.stdout, /most confused \(expected → predicted\)|no confusion/);
  });

  it('--eval --json prints one machine-readable report', async () => {
    const run = await cli([
      '--flow',
      FLOW,
      '--lang',
      'en',
      '--eval',
      'test/fixtures/understanding/held-out-en.tsv',
      '--json',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      language: string;
      engine: string;
      samples: number;
      accuracy: number;
      outOfScopeDetectionRate: number;
      perIntent: { intent: string; precision: number; recall: number }[];
      confusions: unknown[];
    };
    assert.equal(report.language, 'en');
    assert.equal(report.engine, 'linear');
    assert.equal(report.samples, 300);
    assert.ok(report.accuracy >= 0.95, `accuracy ${report.accuracy}`);
    assert.ok(report.outOfScopeDetectionRate >= 0.9);
    assert.equal(report.perIntent.length, 12);
    assert.ok(Array.isArray(report.confusions));
  });

  it('exits 1 naming the path when the flow has no phrases', async () => {
    const run = await cli(['--flow', 'flows/no-such-flow', '--lang', 'fr']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /AIG_ERR_NLU_PHRASES: .*flows\/no-such-flow\/phrases: ENOENT/);
  });

  it('exits 1 with file and line when a phrase file is broken', async () => {
    const flow = join(scratch, 'broken-flow');
    mkdirSync(join(flow, 'phrases'), { recursive: true });
    writeFileSync(
      join(flow, 'phrases', 'fr.json'),
      '{\n  "language": "fr",\n  "intents": {\n    "agent": [],\n    "out_of_scope": ["météo"]\n  }\n}\n',
    );
    const run = await cli(['--flow', flow, '--lang', 'fr']);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /AIG_ERR_NLU_PHRASES: .*broken-flow\/phrases\/fr\.json:4: intent "agent" has no phrases/,
    );
  });

  it('exits 1 with file and line when the evaluation file is bad, before training', async () => {
    const file = join(scratch, 'bad.tsv');
    writeFileSync(file, 'intent\tutterance\nhealth_card\tma carte vitale\nhealth card without tab\n');
    const run = await cli(['--flow', FLOW, '--lang', 'fr', '--eval', file]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      new RegExp(`AIG_ERR_NLU_EVAL_FILE: .*${file}:3: expected "intent<TAB>utterance"`),
    );
    assert.doesNotMatch(run.stderr, /trained in/);
  });

  it('exits 2 on a language it does not know', async () => {
    const run = await cli(['--flow', FLOW, '--lang', 'de']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--lang de: expected one of fr, en/);
  });
});
