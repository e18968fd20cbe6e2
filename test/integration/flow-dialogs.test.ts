/**
 * The reference flow (`flows/assurance-maladie`) played end to end in text mode: every scripted dialog of
 * `test/fixtures/dialogs/{fr,en}/*.txt` goes through the designer's simulator — the real loader (validation,
 * classifier training), the real runtime, and the `SimulatedCallPort` that `aiguilleur flows simulate` uses — and
 * must reach the outcome its header expects. The groups are those of the shipped `config/aiguilleur.yaml`, so a
 * transfer target missing from the default config fails here too.
 *
 * Script headers (see `test/fixtures/dialogs/README.md`): `// expect: {...}` (outcome, target, intent, reason —
 * reason defaults to `flow`: a backstop taking over is a failure of the flow), `// expect-prompts: a,b` (said in
 * that order, others may come between), `// expect-max-turns: N`, `// vars: {...}` (flow variables,
 * `{{lookupUrl}}` is this test's HTTP server), `// recognizer: none`, `// transfer-fails: group,...|all`.
 *
 * The flow is loaded once: training both languages' classifiers is most of this file's time.
 */
import { loadTransferTargets } from '../../src/routing/static-targets.js';
import type { AgentGroupConfig } from '../../src/config/config-types.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import type { AiguilleurConfig, ConversationLanguage } from '../../src/config/config-types.js';
import { formatFlowProblem } from '../../src/conversation/flow/flow-problems.js';
import { tryLoadFlow } from '../../src/conversation/flow/flow-loader.js';
import type { LoadedFlow } from '../../src/conversation/flow/flow-types.js';
import { runFlow, type FlowRunResult } from '../../src/conversation/runtime/flow-runtime.js';
import { runFlowsSimulate } from '../../src/conversation/simulation/flows-simulate-command.js';
import { scriptedTurns, SimulatedCallPort } from '../../src/conversation/simulation/simulated-call-port.js';
import { parseSimulatedScript } from '../../src/conversation/simulation/simulated-turns.js';
import { MemoryCallTimeline } from '../../src/store/memory-call-timeline.js';

const FLOW_DIR = 'flows/assurance-maladie';
const DIALOGS_DIR = 'test/fixtures/dialogs';
const LANGUAGES: readonly ConversationLanguage[] = ['fr', 'en'];
/** The numbers the flow answers (config `numbers`). */
const NUMBER: Readonly<Record<ConversationLanguage, string>> = { fr: '3646', en: '3647' };
/** Issue 5: at least 40 dialogs, both languages. */
const MIN_DIALOGS_PER_LANGUAGE = 20;
/** Intents whose prompts the machine picks by template (`confirm_{{context.intent}}`...). */
const TEMPLATED_PROMPT_FAMILIES = ['confirm_', 'disambiguate_', 'or_'] as const;

interface DialogScript {
  readonly name: string;
  readonly language: ConversationLanguage;
  readonly text: string;
  readonly expect: Readonly<Record<string, unknown>>;
  readonly prompts: readonly string[];
  readonly maxTurns: number | null;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly recognizer: boolean;
  readonly failingTransfers: ReadonlySet<string> | 'all';
}

/** `// key: value` header lines (the rest of the `//` lines are comments). */
function readHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\/\/\s*([a-z-]+):\s*(.*)$/.exec(line.trim());
    if (match !== null) {
      headers.set(match[1]!, match[2]!.trim());
    }
  }
  return headers;
}

function parseDialog(name: string, language: ConversationLanguage, text: string): DialogScript {
  const headers = readHeaders(text);
  const expect = headers.get('expect');
  assert.ok(expect !== undefined, `${language}/${name}: no "// expect: {...}" header`);
  const fails = headers.get('transfer-fails');
  return {
    name,
    language,
    text,
    expect: JSON.parse(expect) as Record<string, unknown>,
    prompts: (headers.get('expect-prompts') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
    maxTurns: headers.has('expect-max-turns') ? Number(headers.get('expect-max-turns')) : null,
    vars: JSON.parse(headers.get('vars') ?? '{}') as Record<string, unknown>,
    recognizer: headers.get('recognizer') !== 'none',
    failingTransfers:
      fails === 'all' ? 'all' : new Set((fails ?? '').split(',').filter((group) => group !== '')),
  };
}

async function readDialogs(language: ConversationLanguage): Promise<DialogScript[]> {
  const folder = join(DIALOGS_DIR, language);
  const names = (await readdir(folder)).filter((file) => file.endsWith('.txt')).sort();
  return Promise.all(
    names.map(async (file) => parseDialog(file, language, await readFile(join(folder, file), 'utf8'))),
  );
}

/** `{{lookupUrl}}` in variables → this test's HTTP server. */
function withLookupUrl(vars: Readonly<Record<string, unknown>>, lookupUrl: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(vars).map(([name, value]) => [
      name,
      typeof value === 'string' ? value.replaceAll('{{lookupUrl}}', lookupUrl) : value,
    ]),
  );
}

/** True when `wanted` appears in `said` in that order (other prompts may come between). */
function saidInOrder(said: readonly string[], wanted: readonly string[]): boolean {
  let next = 0;
  for (const id of said) {
    if (next < wanted.length && id === wanted[next]) {
      next++;
    }
  }
  return next === wanted.length;
}

/** A certificate service: POST /certificate sends it (200), POST /broken fails (500). */
interface CertificateService {
  readonly server: Server;
  readonly url: string;
  readonly requests: { readonly path: string; readonly body: Record<string, unknown> }[];
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

async function startCertificateService(): Promise<CertificateService> {
  const requests: CertificateService['requests'] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const path = request.url ?? '/';
      requests.push({ path, body });
      const ok = request.method === 'POST' && path === '/certificate';
      response.writeHead(ok ? 200 : 500, { 'content-type': 'application/json' });
      response.end(JSON.stringify(ok ? { status: 'sent', channel: 'post' } : { error: 'unavailable' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

interface DialogRun {
  readonly result: FlowRunResult;
  readonly said: string[];
  readonly remainingTurns: number;
  readonly timeline: string;
}

async function runDialog(
  flow: LoadedFlow,
  config: AiguilleurConfig,
  dialog: DialogScript,
  lookupUrl: string,
): Promise<DialogRun> {
  const turns = scriptedTurns(parseSimulatedScript(dialog.text, `${dialog.language}/${dialog.name}`));
  const said: string[] = [];
  const port = new SimulatedCallPort({
    turns,
    callId: `dialog-${dialog.language}-${dialog.name}`,
    number: NUMBER[dialog.language],
    recognizerAvailable: dialog.recognizer,
    onEvent: (event) => {
      if (event.event === 'prompt') {
        said.push(event.id);
      }
    },
    transfer: ({ target }) =>
      dialog.failingTransfers === 'all' || dialog.failingTransfers.has(target)
        ? { status: 'failed', reason: 'simulated: no agent answers', sipStatus: 486 }
        : { status: 'transferred', method: 'refer', uri: 'sip:agent@127.0.0.1' },
  });
  const timeline = new MemoryCallTimeline();
  const result = await runFlow(flow, port, {
    groups,
    language: dialog.language,
    variables: withLookupUrl(dialog.vars, lookupUrl),
    timeline,
  });
  return { result, said, remainingTurns: turns.remaining, timeline: JSON.stringify(timeline.entries) };
}

/** Every 15-digit run of a script: the NIRs the caller gave, which the timeline must never hold in clear. */
function nirsOf(text: string): string[] {
  return [...text.matchAll(/\d{15}/g)].map((match) => match[0]);
}

/** The groups file's targets (loaded once in `before`). */
let groups: Record<string, AgentGroupConfig> = {};

describe('reference flow assurance-maladie: scripted dialogs', () => {
  let config: AiguilleurConfig;
  let flow: LoadedFlow;
  let service: CertificateService;
  const dialogs = new Map<ConversationLanguage, DialogScript[]>();

  before(async () => {
    config = loadConfig({ file: 'config/aiguilleur.yaml', env: {} });
    service = await startCertificateService();
    groups = await loadTransferTargets(config);
    const loaded = await tryLoadFlow(FLOW_DIR, { groups });
    if (!loaded.ok) {
      assert.fail(
        `the flow is invalid:\n${loaded.problems.map((problem) => formatFlowProblem(problem)).join('\n')}`,
      );
    }
    flow = loaded.flow;
    for (const language of LANGUAGES) {
      dialogs.set(language, await readDialogs(language));
    }
  });

  after(async () => {
    service.server.close();
    await once(service.server, 'close');
  });

  it(`has at least ${MIN_DIALOGS_PER_LANGUAGE} dialogs in each language`, () => {
    for (const language of LANGUAGES) {
      const count = dialogs.get(language)?.length ?? 0;
      assert.ok(count >= MIN_DIALOGS_PER_LANGUAGE, `${language}: ${count} dialogs`);
    }
  });

  it('has the templated prompts of every intent in both languages, and the same prompt ids', () => {
    const intents = [...(flow.phrases.fr?.intents.keys() ?? [])];
    assert.ok(intents.length >= 12, `intents: ${intents.join(', ')}`);
    const fr = flow.prompts.fr ?? {};
    const en = flow.prompts.en ?? {};
    assert.deepEqual(Object.keys(en).sort(), Object.keys(fr).sort());
    for (const family of TEMPLATED_PROMPT_FAMILIES) {
      for (const intent of intents) {
        assert.ok(Object.hasOwn(fr, `${family}${intent}`), `prompts/fr.json lacks ${family}${intent}`);
      }
    }
  });

  for (const language of LANGUAGES) {
    describe(language, () => {
      it('every dialog reaches its expected outcome', async (t) => {
        for (const dialog of dialogs.get(language) ?? []) {
          await t.test(dialog.name, async () => {
            const { result, said, remainingTurns, timeline } = await runDialog(
              flow,
              config,
              dialog,
              service.url,
            );
            const where = `${language}/${dialog.name}: got ${JSON.stringify(result)}, said ${said.join(',')}`;
            const expected = { reason: 'flow', ...dialog.expect };
            for (const [field, value] of Object.entries(expected)) {
              assert.deepEqual(result[field as keyof FlowRunResult], value, `${field} — ${where}`);
            }
            assert.ok(saidInOrder(said, dialog.prompts), `prompts ${dialog.prompts.join(',')} — ${where}`);
            if (dialog.maxTurns !== null) {
              assert.ok(result.turns <= dialog.maxTurns, `at most ${dialog.maxTurns} turns — ${where}`);
            }
            assert.equal(remainingTurns, 0, `every scripted turn is used — ${where}`);
            for (const nir of nirsOf(dialog.text)) {
              assert.ok(!timeline.includes(nir), `the timeline holds a NIR in clear — ${where}`);
            }
          });
        }
      });
    });
  }

  it('the certificate service receives the confirmed NIR and the language', async () => {
    const dialog = dialogs.get('fr')?.find((script) => script.name === '27-certificate-lookup.txt');
    assert.ok(dialog !== undefined);
    const before = service.requests.length;
    const { result } = await runDialog(flow, config, dialog, service.url);
    assert.equal(result.outcome, 'hangup');
    assert.deepEqual(service.requests.slice(before), [
      { path: '/certificate', body: { nir: '185057800608491', language: 'fr', request: 'certificate' } },
    ]);
  });

  it('`flows simulate --script` prints the same outcome as its last line', async () => {
    const dialog = dialogs.get('en')?.find((script) => script.name === '22-certificate-lookup.txt');
    assert.ok(dialog !== undefined);
    const folder = await mkdtemp(join(tmpdir(), 'aig-dialogs-'));
    try {
      const configFile = join(folder, 'aiguilleur.config.json');
      const variables = withLookupUrl(dialog.vars, service.url);
      await writeFile(
        configFile,
        JSON.stringify({ flows: { variables: { 'assurance-maladie': variables } } }),
      );
      const script = join(folder, dialog.name);
      await writeFile(script, dialog.text);
      const lines: string[] = [];
      const code = await runFlowsSimulate({
        flow: FLOW_DIR,
        language: 'en',
        script,
        configFile,
        input: new PassThrough(),
        print: (line) => lines.push(line),
        progress: () => undefined,
      });
      assert.equal(code, 0);
      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(events.at(-1), {
        outcome: 'hangup',
        target: null,
        intent: 'certificate',
        turns: 4,
        reason: 'flow',
      });
      const prompts = events.filter((event) => event.event === 'prompt').map((event) => event.id as string);
      assert.ok(saidInOrder(prompts, dialog.prompts), prompts.join(','));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
