/**
 * Routing end to end (issue 6), against the real `aiguilleur serve` process with real peers: sipp callers, sipp
 * agents and a sipp citizen, the app's private redis-server (AOF under its dataDir), the reference flow, and the call
 * records JSONL file. Each case is one or more real calls, checked on the wire (the sipp scenarios fail on a missing
 * message or header; the agent's INVITE is read from sipp's message trace) and in the records file:
 *
 *   1. speech (Google's protocol, scripted) → cards in bridge mode: the agent's INVITE carries every context header and
 *      the same data in User-to-User; the record says transferred/cards/bridge with the number hashed and masked;
 *   2. keypad → cards, whose agent answers 486 → the call is bridged to general (overflow);
 *   3. the same number twice about the same intent (REFER mode): the second REFER's Refer-To and record carry the
 *      repeat-caller priority;
 *   4. group closed → callback offered and booked by keypad → the IVR process is killed (SIGKILL) and started again on
 *      the same dataDir → at the slot the citizen is dialled through the gateway, presses 1 (RFC 4733) and is bridged
 *      to the cards agent with the context;
 *   5. the ops API: groups, staffing with and without the token;
 *   6. a groups file with a problem: serve exits 1 and stops the private redis-server it had started.
 *
 * Two IVR processes run side by side (cases 1-3 and 5 on one, 4 and 6 on their own dataDirs), each with its own
 * private Redis: the callback case waits for the next whole minute at least 25 s away (the closure's end; the groups
 * file has minute resolution), the others run meanwhile. About 80 s in all on 2 cores.
 */
import { localDateTimeKey } from '../../src/routing/zoned-time.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { decodeUserToUser } from '../../src/sip/call/transfer-context-headers.js';
import { freePort } from '../helpers/free-port.js';
import {
  SIPP_BINARY,
  describeSippRun,
  startSipp,
  type SippOptions,
  type SippProcess,
  type SippResult,
} from '../helpers/sipp.js';
import { GoogleSpeechServer, speechResponses } from '../support/google-speech-server.js';
import { audioToolsAvailable, renderCallerAudio } from '../support/media-audio.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const skip = !existsSync(SIPP_BINARY)
  ? `sipp not installed at ${SIPP_BINARY}`
  : !(await audioToolsAvailable())
    ? 'espeak-ng or sox missing (scripts/setup installs them)'
    : process.getuid?.() !== 0
      ? "sipp's play_dtmf needs a raw socket (root)"
      : false;

/** The callers' number (From user part of the routing-*.xml and uac-speak-refer.xml scenarios). */
const CALLER = '0612345678';
/** Clear forms of the caller's number that must never reach the records file. */
const CLEAR_FORMS = [CALLER, CALLER.slice(1), `+33${CALLER.slice(1)}`, '06 12 34 56 78'];
/** The agent's media in its answer: what the bridged caller's re-INVITE must offer. No RTP is sent there. */
const AGENT_MEDIA = { agent_rtp_ip: '127.0.0.1', agent_rtp_port: '46790' };
const ALWAYS_OPEN = resolve(import.meta.dirname, '../fixtures/routing/always-open.yaml');

/** The parts of the groups file the tests change (docs/routing.md). */
interface GroupsDocument {
  calendars: Record<string, { closures: { from: string; to: string; reason: string }[] }>;
  groups: Record<string, { uris: string[]; transfer?: { mode: 'refer' | 'bridge'; timeoutMs?: number } }>;
  priority: Record<string, unknown>;
  callbacks: Record<string, unknown>;
}

function groupsDocument(): GroupsDocument {
  return parse(readFileSync(ALWAYS_OPEN, 'utf8')) as GroupsDocument;
}

/** A record line of the JSONL file (docs/call-records.md), the fields the tests read. */
interface RecordLine {
  kind: 'call' | 'callback-attempt';
  callId: string;
  callbackId: string | null;
  attempt: number | null;
  numberHash: string | null;
  numberMasked: string | null;
  dialledNumber: string;
  intents: string[];
  finalIntent: string | null;
  outcome: string;
  group: string | null;
  transferMethod: 'refer' | 'bridge' | null;
  priority: number;
  priorityReasons: string[];
  sipEndReason: string;
}

async function readRecords(file: string): Promise<RecordLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordLine);
}

async function waitForRecord(
  file: string,
  predicate: (record: RecordLine) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<RecordLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await readRecords(file)).find(predicate);
    if (found !== undefined) {
      return found;
    }
    assert.ok(
      Date.now() < deadline,
      `no record ${what} in ${file}:\n${await readFile(file, 'utf8').catch(() => '')}`,
    );
    await sleep(100);
  }
}

async function assertNoClearNumber(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  for (const form of CLEAR_FORMS) {
    assert.ok(!text.includes(form), `the records file holds the caller's number in clear (${form})`);
  }
}

function assertRun(result: SippResult, serve?: ServeProcess): void {
  const server =
    serve === undefined
      ? ''
      : `\nserver:\n${serve.logs
          .slice(-40)
          .map((l) => JSON.stringify(l))
          .join('\n')}`;
  assert.equal(result.ok, true, `${describeSippRun(result)}${server}`);
}

/** The INVITE an agent (or citizen) received, from sipp's message trace. */
function receivedInvite(result: SippResult): string {
  const log = result.messageLog ?? '';
  const start = log.indexOf('INVITE sip:');
  assert.ok(start >= 0, `no INVITE in the trace:\n${log}`);
  const end = log.indexOf('\n\n', start);
  return log.slice(start, end > 0 ? end : undefined);
}

function header(message: string, name: string): string | null {
  const escaped = name.replace(/[-]/g, '\\-');
  return new RegExp(`^${escaped}: ?(.*)$`, 'mi').exec(message)?.[1]?.trim() ?? null;
}

interface UuiData {
  v: number;
  id: string;
  i?: string;
  c?: number;
  p: number;
  pr?: string[];
  r?: string;
  l?: string;
  n?: string;
}

function uuiOf(value: string | null): UuiData {
  const decoded = decodeUserToUser(value ?? '');
  assert.ok(decoded !== null, `User-to-User not hex JSON: ${value}`);
  assert.deepEqual(decoded.params, { encoding: 'hex', purpose: 'aiguilleur', content: 'aiguilleur-context' });
  return decoded.data as UuiData;
}

/** sipp play_dtmf key presses, one every `gapMs` after `firstMs`. */
function keyPresses(keys: string, firstMs: number, gapMs: number): string {
  return [...keys]
    .map(
      (key, i) =>
        `  <pause milliseconds="${i === 0 ? firstMs : gapMs}"/>\n  <nop><action><exec play_dtmf="${key}"/></action></nop>`,
    )
    .join('\n');
}

/**
 * The headers embedded in a SIP URI (RFC 3261 §19.1.1: `?hname=hvalue&…`, %-escaped). Not URLSearchParams: a `+`
 * in an hvalue is a plus, not a space.
 */
function uriHeaders(uri: string): Map<string, string> {
  const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '';
  return new Map(
    query
      .split('&')
      .filter((pair) => pair !== '')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return [decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))] as const;
      }),
  );
}

function regexpEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Google streaming script: after some audio and the end of the utterance, one final transcript. */
function scriptTranscript(google: GoogleSpeechServer, transcript: string): void {
  google.reset();
  google.script = async (stream) => {
    await stream.whenAudioBytes(320 * 10);
    await stream.whenHalfClosed();
    stream.send(speechResponses.final([transcript, 0.92]));
    stream.end();
  };
}

/** Local wall-clock time in Paris as the groups file writes it: `YYYY-MM-DDTHH:MM`. */
function parisLocal(at: Date): string {
  return localDateTimeKey(at, 'Europe/Paris');
}

/**
 * Resolves once the process has synthesized the flow's prompts and its event loop is calm again: the overload guard
 * refuses INVITEs (503) while the last 1 s window's loop delay p99 is above `calls.eventLoopDelayMs`, which the
 * start-up work (classifier training, prompt synthesis) exceeds.
 */
async function settled(serve: ServeProcess): Promise<ServeProcess> {
  await serve.waitForLog((l) => l.msg === 'flow prompts synthesized', 60_000);
  let calm = 0;
  const deadline = Date.now() + 20_000;
  while (calm < 2) {
    assert.ok(Date.now() < deadline, 'the IVR process stayed overloaded after its start');
    await sleep(600);
    const health = (await (await fetch(`http://127.0.0.1:${serve.httpPort}/healthz`)).json()) as {
      eventLoopDelayMs: number;
    };
    calm = health.eventLoopDelayMs < 100 ? calm + 1 : 0;
  }
  return serve;
}

/** redis-server processes running in `directory` (the private Redis runs in its data folder), by pid. */
function redisServersIn(directory: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return isRedisServer(pid) && readlinkSync(`/proc/${pid}/cwd`).startsWith(directory);
      } catch {
        return false; // ended meanwhile
      }
    });
}

function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis-server');
  } catch {
    return false;
  }
}

/** SIGKILL to `pid` if it is still a redis-server (never to a process that took over a recycled pid). */
function killRedisServer(pid: number): void {
  if (isRedisServer(pid)) {
    process.kill(pid, 'SIGKILL');
  }
}

void describe(
  'routing end to end: aiguilleur serve, sipp peers, private Redis',
  { skip, concurrency: true },
  () => {
    void describe(
      'transfers, priority and the ops API (one IVR process)',
      { concurrency: 1, timeout: 240_000 },
      () => {
        let dir: string;
        let google: GoogleSpeechServer;
        let serve: ServeProcess;
        let recordsFile: string;
        let cardsPort: number;
        let generalPort: number;
        const peers: SippProcess[] = [];

        async function peer(options: SippOptions): Promise<SippProcess> {
          const sipp = await startSipp({ timeoutMs: 60_000, traceMessages: true, ...options });
          peers.push(sipp);
          await sipp.ready;
          return sipp;
        }

        async function speechAudio(
          text: string,
          name: string,
        ): Promise<{ path: string; durationMs: number }> {
          return renderCallerAudio({
            text,
            directory: dir,
            name,
            voice: 'fr',
            wordsPerMinute: 150,
            leadingSilenceMs: 300,
            trailingSilenceMs: 1500,
          });
        }

        before(async () => {
          dir = await mkdtemp(join(tmpdir(), 'aig-routing-e2e-'));
          google = await GoogleSpeechServer.start();
          cardsPort = await freePort('both');
          generalPort = await freePort('both');
          const groups = groupsDocument();
          groups.groups.cards!.uris = [`sip:cards@127.0.0.1:${cardsPort}`];
          groups.groups.cards!.transfer = { mode: 'bridge', timeoutMs: 10_000 };
          groups.groups.general!.uris = [`sip:general@127.0.0.1:${generalPort}`];
          groups.groups.general!.transfer = { mode: 'bridge', timeoutMs: 10_000 };
          // REFER only: the caller plays the transferee, nothing listens at this URI.
          groups.groups.rights!.uris = ['sip:rights@127.0.0.1:5999'];
          groups.priority.repeatCaller = { calls: 2, days: 7, raiseBy: 2 };
          const groupsFile = join(dir, 'groups.yaml');
          await writeFile(groupsFile, stringify(groups));
          recordsFile = join(dir, 'call-records.jsonl');
          serve = await settled(
            await startServe(
              {
                sip: { port: 0, wire: { port: 0 } },
                http: { port: 0 },
                log: { level: 'info' },
                numbers: {
                  '3646': { language: 'fr', label: 'Assurance Maladie' },
                  '3648': { language: 'fr', label: 'Assurance Maladie (Google)', recognizers: ['google'] },
                },
                speech: {
                  recognizers: { fr: [], en: [] },
                  google: { apiEndpoint: '127.0.0.1', port: google.port, insecure: true },
                },
                routing: { groupsFile },
                records: { file: recordsFile },
                callbacks: { gateway: 'sip:127.0.0.1:9' },
              },
              { METADATA_SERVER_DETECTION: 'none' },
            ),
          );
        });
        after(async () => {
          for (const sipp of peers) {
            await sipp.stop();
          }
          await serve?.stop();
          await google?.close();
          await rm(dir, { recursive: true, force: true });
        });

        void it('speech → cards (bridge): the agent INVITE carries the context headers and User-to-User; the record hashes and masks the number', async () => {
          scriptTranscript(google, "j'ai perdu ma carte vitale");
          const audio = await speechAudio("j'ai perdu ma carte vitale", 'lost-card');
          const agent = await peer({
            scenario: 'routing-uas-agent',
            localPort: cardsPort,
            template: { ...AGENT_MEDIA, bye_timeout_ms: '40000' },
          });
          const caller = await peer({
            scenario: 'routing-uac-bridged',
            target: `127.0.0.1:${serve.sipPort}`,
            service: '3648',
            template: {
              ...AGENT_MEDIA,
              // Speak once the greeting is over (the listen opens after it).
              caller_actions: `  <pause milliseconds="7000"/>\n  <nop><action><exec rtp_stream="${audio.path},1,0"/></action></nop>`,
              reinvite_timeout_ms: '40000',
              talk_ms: '500',
            },
          });
          assertRun(await caller.done, serve);
          const agentRun = await agent.done;
          assertRun(agentRun, serve);

          const invite = receivedInvite(agentRun);
          assert.match(invite, new RegExp(`^INVITE sip:cards@127\\.0\\.0\\.1:${cardsPort}`));
          const callId = header(invite, 'X-Aiguilleur-Call-Id') ?? '';
          assert.notEqual(callId, '');
          assert.equal(header(invite, 'X-Aiguilleur-Intent'), 'health_card');
          assert.match(header(invite, 'X-Aiguilleur-Confidence') ?? '', /^(0\.\d\d|1\.00)$/);
          assert.equal(header(invite, 'X-Aiguilleur-Priority'), '0');
          assert.match(header(invite, 'X-Aiguilleur-Reasons') ?? '', /^rule=flow skill=cards\/1 group=cards/);
          assert.equal(header(invite, 'X-Aiguilleur-Language'), 'fr');
          assert.match(header(invite, 'X-Aiguilleur-Flow-Version') ?? '', /^assurance-maladie@/);
          assert.equal(header(invite, 'X-Aiguilleur-Nir-Status'), 'absent');
          assert.equal(header(invite, 'X-Aiguilleur-Nir'), null);
          const uui = uuiOf(header(invite, 'User-to-User'));
          assert.equal(uui.v, 1);
          assert.equal(uui.id, callId);
          assert.equal(uui.i, 'health_card');
          assert.equal(uui.p, 0);
          assert.equal(uui.n, 'absent');
          // The agent is offered the caller's own SDP (media end to end).
          assert.match(invite, /^o=sipp \d+ 1 IN IP4 127\.0\.0\.1/m);

          const record = await waitForRecord(recordsFile, (r) => r.callId === callId, `for call ${callId}`);
          assert.equal(record.kind, 'call');
          assert.equal(record.outcome, 'transferred');
          assert.equal(record.group, 'cards');
          assert.equal(record.transferMethod, 'bridge');
          assert.equal(record.dialledNumber, '3648');
          assert.equal(record.finalIntent, 'health_card');
          assert.deepEqual(record.intents, ['health_card']);
          assert.equal(record.priority, 0);
          assert.match(record.numberHash ?? '', /^[0-9a-f]{64}$/);
          assert.match(record.numberMasked ?? '', /78$/);
          assert.doesNotMatch(record.numberMasked ?? '', /12345/);
          await assertNoClearNumber(recordsFile);
        });

        void it('keypad → cards answers 486 → the call overflows to general and is bridged there', async () => {
          const busy = await peer({
            scenario: 'uas-reject',
            localPort: cardsPort,
            template: { reject_status: '486', reject_reason: 'Busy Here' },
          });
          const agent = await peer({
            scenario: 'routing-uas-agent',
            localPort: generalPort,
            template: { ...AGENT_MEDIA, bye_timeout_ms: '40000' },
          });
          const caller = await peer({
            scenario: 'routing-uac-bridged',
            target: `127.0.0.1:${serve.sipPort}`,
            service: '3646',
            template: {
              ...AGENT_MEDIA,
              caller_actions: keyPresses('1', 1000, 0),
              reinvite_timeout_ms: '40000',
              talk_ms: '500',
            },
          });
          assertRun(await caller.done, serve);
          const busyRun = await busy.done;
          assertRun(busyRun, serve);
          const agentRun = await agent.done;
          assertRun(agentRun, serve);

          const refused = receivedInvite(busyRun);
          const invite = receivedInvite(agentRun);
          assert.match(refused, new RegExp(`^INVITE sip:cards@127\\.0\\.0\\.1:${cardsPort}`));
          assert.match(invite, new RegExp(`^INVITE sip:general@127\\.0\\.0\\.1:${generalPort}`));
          const callId = header(invite, 'X-Aiguilleur-Call-Id') ?? '';
          assert.equal(header(refused, 'X-Aiguilleur-Call-Id'), callId);
          // A menu key routes by skill: no intent was qualified.
          assert.equal(header(invite, 'X-Aiguilleur-Intent'), null);
          assert.match(header(invite, 'X-Aiguilleur-Reasons') ?? '', /skill=cards\/1 group=cards/);
          assert.equal(uuiOf(header(invite, 'User-to-User')).id, callId);

          const record = await waitForRecord(recordsFile, (r) => r.callId === callId, `for call ${callId}`);
          assert.equal(record.outcome, 'transferred');
          assert.equal(record.group, 'general');
          assert.equal(record.transferMethod, 'bridge');
          assert.equal(record.dialledNumber, '3646');
          await assertNoClearNumber(recordsFile);
        });

        void it('repeat caller: the second call about the same intent is raised by 2 in the REFER and the record', async () => {
          const text = 'je voudrais changer mon adresse postale';
          const audio = await speechAudio(text, 'change-address');
          const referTo: Map<string, string>[] = [];
          const callIds: string[] = [];
          for (let call = 0; call < 2; call++) {
            scriptTranscript(google, text);
            const caller = await peer({
              scenario: 'uac-speak-refer',
              target: `127.0.0.1:${serve.sipPort}`,
              service: '3648',
              traceMessages: false,
              template: {
                codec: 'PCMU',
                payload_type: '0',
                audio_file: audio.path,
                speak_after_ms: '7000',
                key_presses: '',
                refer_timeout_ms: '40000',
                refer_to_regexp: 'sip:rights@[^>]*',
              },
            });
            const run = await caller.done;
            assertRun(run, serve);
            const uri = /REFER to (\S+)/.exec(run.logs)?.[1] ?? '';
            assert.match(uri, /^sip:rights@127\.0\.0\.1:5999\?/);
            const query = uriHeaders(uri);
            referTo.push(query);
            const callId = query.get('X-Aiguilleur-Call-Id') ?? '';
            callIds.push(callId);
            // The history counts a call once its record is written (when it ends).
            await waitForRecord(recordsFile, (r) => r.callId === callId, `for call ${callId}`);
          }
          const [first, second] = referTo as [Map<string, string>, Map<string, string>];
          assert.equal(first.get('X-Aiguilleur-Intent'), 'change_of_details');
          assert.equal(first.get('X-Aiguilleur-Priority'), '0');
          assert.equal(first.get('X-Aiguilleur-Priority-Reasons'), undefined);
          assert.equal(second.get('X-Aiguilleur-Intent'), 'change_of_details');
          assert.equal(second.get('X-Aiguilleur-Priority'), '2');
          assert.match(
            second.get('X-Aiguilleur-Priority-Reasons') ?? '',
            /^repeatCaller-\+2:-2-calls-about-change_of_details-within-7-days/,
          );
          const uui = uuiOf(second.get('User-to-User') ?? null);
          assert.equal(uui.p, 2);
          assert.equal(uui.id, callIds[1] ?? '');

          const records = await readRecords(recordsFile);
          const [one, two] = callIds.map((id) => records.find((r) => r.callId === id)!);
          assert.equal(one?.priority, 0);
          assert.deepEqual(one?.priorityReasons, []);
          assert.equal(two?.priority, 2);
          assert.deepEqual(two?.priorityReasons, [
            'repeatCaller +2: 2 calls about change_of_details within 7 days (rule: 2)',
          ]);
          assert.equal(two?.outcome, 'transferred');
          assert.equal(two?.group, 'rights');
          assert.equal(two?.transferMethod, 'refer');
          assert.equal(two?.numberHash, one?.numberHash);
          await assertNoClearNumber(recordsFile);
        });

        void it('ops API: groups listed; staffing needs the token, takes a whole number, shows as set through the API', async () => {
          const base = `http://127.0.0.1:${serve.httpPort}`;
          const listed = (await (await fetch(`${base}/api/groups`)).json()) as {
            groups: { id: string; open: boolean; staffedAgents: number; staffedFrom: string }[];
          };
          assert.deepEqual(
            listed.groups.map((g) => g.id),
            [
              'cards',
              'reimbursements',
              'reimbursements_disputes',
              'allowances',
              'rights',
              'digital',
              'general',
            ],
          );
          assert.ok(listed.groups.every((g) => g.open));
          assert.equal(listed.groups.find((g) => g.id === 'cards')?.staffedFrom, 'file');

          const put = (body: unknown, token?: string, group = 'cards'): Promise<Response> =>
            fetch(`${base}/api/groups/${group}/staffing`, {
              method: 'PUT',
              headers: {
                'content-type': 'application/json',
                ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
              },
              body: JSON.stringify(body),
            });
          const anonymous = await put({ agents: 4 });
          assert.equal(anonymous.status, 401);
          assert.equal(((await anonymous.json()) as { error: string }).error, 'AIG_ERR_API_AUTH');
          const wrong = await put({ agents: 4 }, 'not-the-token-at-all');
          assert.equal(wrong.status, 401);

          const token = (await readFile(join(serve.dir, 'var', 'api-token'), 'utf8')).trim();
          const set = await put({ agents: 4, by: 'routing-e2e' }, token);
          assert.equal(set.status, 200);
          const view = ((await set.json()) as { group: { staffedAgents: number; staffedFrom: string } })
            .group;
          assert.deepEqual([view.staffedAgents, view.staffedFrom], [4, 'api']);
          const after = (await (await fetch(`${base}/api/groups`)).json()) as typeof listed;
          const cards = after.groups.find((g) => g.id === 'cards');
          assert.deepEqual([cards?.staffedAgents, cards?.staffedFrom], [4, 'api']);

          for (const bad of [{ agents: -1 }, { agents: 2.5 }, { agents: '4' }, {}]) {
            const response = await put(bad, token);
            assert.equal(response.status, 400, JSON.stringify(bad));
            assert.equal(((await response.json()) as { error: string }).error, 'AIG_ERR_API_INPUT');
          }
          assert.equal((await put({ agents: 1 }, token, 'nobody')).status, 404);
        });
      },
    );

    void describe(
      'callback: booked while closed, survives a SIGKILL of the IVR, dialled at the slot',
      { concurrency: 1, timeout: 240_000 },
      () => {
        let dir: string;
        let dataDir: string;
        let groupsFile: string;
        let recordsFile: string;
        let citizenPort: number;
        let agentPort: number;
        let config: Record<string, unknown>;
        const serves: ServeProcess[] = [];
        const peers: SippProcess[] = [];
        function groupsClosedUntil(reopensAt: Date): string {
          const groups = groupsDocument();
          groups.calendars.standard!.closures = [
            {
              from: parisLocal(new Date(Date.now() - 3_600_000)),
              to: parisLocal(reopensAt),
              reason: 'routing e2e: closed until the next minute',
            },
          ];
          groups.groups.cards!.uris = [`sip:cards@127.0.0.1:${agentPort}`];
          groups.groups.cards!.transfer = { mode: 'bridge', timeoutMs: 10_000 };
          groups.callbacks = {
            offerAboveWaitSeconds: 600,
            slotMinutes: 5,
            minLeadMinutes: 0,
            slotsOffered: 3,
            slotCapacity: 5,
            ringSeconds: 10,
            maxAttempts: 2,
            retryBackoffMinutes: [1],
          };
          return stringify(groups);
        }

        before(async () => {
          dir = await mkdtemp(join(tmpdir(), 'aig-routing-callback-'));
          dataDir = join(dir, 'var');
          citizenPort = await freePort('both');
          agentPort = await freePort('both');
          groupsFile = join(dir, 'groups.yaml');
          recordsFile = join(dir, 'call-records.jsonl');
          // Closed for a while; the reopening minute is set once the process is up (hot reload), so the time the
          // process takes to start does not count against it.
          await writeFile(groupsFile, groupsClosedUntil(new Date(Date.now() + 3_600_000)));
          config = {
            dataDir,
            sip: { port: 0, wire: { port: 0 } },
            http: { port: 0 },
            log: { level: 'info' },
            numbers: { '3646': { language: 'fr', label: 'Assurance Maladie' } },
            speech: { recognizers: { fr: [], en: [] } },
            routing: { groupsFile },
            records: { file: recordsFile },
            callbacks: { gateway: `sip:127.0.0.1:${citizenPort}` },
          };
          serves.push(await settled(await startServe(config)));
        });
        after(async () => {
          for (const sipp of peers) {
            await sipp.stop();
          }
          for (const serve of serves) {
            await serve.stop();
          }
          redisServersIn(dataDir).forEach(killRedisServer);
          await rm(dir, { recursive: true, force: true });
        });

        void it('a groups file with a problem: serve refuses to start and leaves no redis-server behind', async () => {
          const badGroups = join(dir, 'bad-groups.yaml');
          const bad = groupsDocument();
          bad.callbacks = { slotMinutes: 1 };
          await writeFile(badGroups, stringify(bad));
          const badDataDir = join(dir, 'bad-var');
          await assert.rejects(
            startServe({ ...config, dataDir: badDataDir, routing: { groupsFile: badGroups } }),
            (err: Error) =>
              /serve did not start \(exit 1\)/.test(err.message) &&
              err.message.includes('AIG_ERR_ROUTING_INVALID') &&
              err.message.includes('callbacks.slotMinutes'),
          );
          // Its private redis-server had started before the groups file was read.
          assert.ok(existsSync(join(badDataDir, 'redis')));
          assert.deepEqual(redisServersIn(badDataDir), []);
        });

        void it('closed → callback booked by keypad → IVR killed and restarted → the citizen presses 1 at the slot and is bridged to cards', async (t) => {
          const first = serves[0]!;
          const ready = await first.waitForLog((l) => l.msg === 'routing ready');
          // The whole minute at least 25 s from now: the booking call (17.5 s measured) ends before it.
          const reopensAt = new Date(Math.ceil((Date.now() + 25_000) / 60_000) * 60_000);
          await writeFile(groupsFile, groupsClosedUntil(reopensAt));
          await first.waitForLog(
            (l) => l.msg === 'groups file loaded' && l.version !== ready.version,
            10_000,
          );

          const callStarted = Date.now();
          // The booking call: 1 (menu: cards) → closed, callback? 1 (yes) → number ending 78? 1 (yes) → slot 1.
          const booking = await startSipp({
            scenario: 'routing-uac-keys-bye',
            target: `127.0.0.1:${first.sipPort}`,
            service: '3646',
            timeoutMs: 90_000,
            template: { key_presses: keyPresses('1111', 1000, 1000), bye_timeout_ms: '60000' },
          });
          peers.push(booking);
          assertRun(await booking.done, first);
          t.diagnostic(`booking call: ${Date.now() - callStarted} ms`);
          const booked = await waitForRecord(
            recordsFile,
            (r) => r.kind === 'call' && r.outcome === 'callback-booked',
            'of the booking call',
          );
          const callbackId = booked.callbackId ?? '';
          assert.match(callbackId, /^cb-/);
          assert.equal(booked.group, 'cards');
          assert.match(booked.numberHash ?? '', /^[0-9a-f]{64}$/);
          const bookedLog = await first.waitForLog(
            (l) => l.msg === 'callback booked' && l.slot !== undefined,
          );
          assert.equal(bookedLog.slot, reopensAt.toISOString());
          assert.ok(
            Date.now() < reopensAt.getTime(),
            'the booking call ended after the slot: the test cannot go on',
          );

          // The IVR dies without a word. Its private redis-server runs on (an orphan); the next start stops it
          // (SIGTERM: the AOF is synced) before starting its own on the same folder, so the bookings come back from
          // the AOF and two servers never share it.
          first.child.kill('SIGKILL');
          await first.exited;
          const orphans = redisServersIn(dataDir);
          t.diagnostic(
            `private redis-server left running after SIGKILL of the IVR: pid ${orphans.join(', ')}`,
          );
          assert.ok(
            !first.logs.some((l) => l.msg === 'callback attempt ended'),
            'the callback was dialled before the restart',
          );

          const citizen = await startSipp({
            scenario: 'routing-citizen-bridged',
            localPort: citizenPort,
            traceMessages: true,
            timeoutMs: Math.max(reopensAt.getTime() - Date.now(), 0) + 60_000,
            template: {
              ...AGENT_MEDIA,
              callee: CALLER,
              callback_id: regexpEscape(callbackId),
              before_digit_ms: '1500',
              digit: '1',
              reinvite_timeout_ms: '30000',
              talk_ms: '500',
            },
          });
          peers.push(citizen);
          const agent = await startSipp({
            scenario: 'routing-uas-agent',
            localPort: agentPort,
            traceMessages: true,
            timeoutMs: Math.max(reopensAt.getTime() - Date.now(), 0) + 60_000,
            template: { ...AGENT_MEDIA, bye_timeout_ms: '40000' },
          });
          peers.push(agent);
          await Promise.all([citizen.ready, agent.ready]);

          const restarted = Date.now();
          const second = await startServe(config);
          serves.push(second);
          const running = redisServersIn(dataDir);
          assert.equal(
            running.length,
            1,
            `one private redis-server on the folder, got ${running.join(', ')}`,
          );
          assert.ok(!orphans.some((pid) => running.includes(pid)), 'the orphan was stopped by the new start');
          t.diagnostic(
            `restart: ${Date.now() - restarted} ms; slot in ${reopensAt.getTime() - Date.now()} ms`,
          );
          const citizenRun = await citizen.done;
          assertRun(citizenRun, second);
          const agentRun = await agent.done;
          assertRun(agentRun, second);

          // Dialled at the slot, not before (the group reopens then), by the new process.
          const dialling = await second.waitForLog((l) => l.msg === 'dialling');
          assert.ok(
            (dialling.time as number) >= reopensAt.getTime(),
            `dialled at ${new Date(dialling.time as number).toISOString()}, before the slot`,
          );
          t.diagnostic(`dialled ${(dialling.time as number) - reopensAt.getTime()} ms after the slot start`);
          const dialled = receivedInvite(citizenRun);
          assert.equal(header(dialled, 'X-Aiguilleur-Callback-Id'), callbackId);
          const invite = receivedInvite(agentRun);
          assert.match(invite, new RegExp(`^INVITE sip:cards@127\\.0\\.0\\.1:${agentPort}`));
          const callId = header(invite, 'X-Aiguilleur-Call-Id') ?? '';
          assert.notEqual(callId, '');
          assert.equal(header(invite, 'X-Aiguilleur-Priority'), '0');
          assert.match(header(invite, 'X-Aiguilleur-Reasons') ?? '', /group=cards/);
          assert.equal(header(invite, 'X-Aiguilleur-Nir-Status'), 'absent');
          assert.equal(uuiOf(header(invite, 'User-to-User')).id, callId);

          const attempt = await waitForRecord(
            recordsFile,
            (r) => r.kind === 'callback-attempt' && r.callbackId === callbackId,
            `of the attempt of ${callbackId}`,
          );
          assert.equal(attempt.outcome, 'transferred');
          assert.equal(attempt.attempt, 1);
          assert.equal(attempt.callId, callId);
          assert.equal(attempt.group, 'cards');
          assert.equal(attempt.transferMethod, 'bridge');
          assert.equal(attempt.numberHash, booked.numberHash);
          assert.equal(attempt.numberMasked, booked.numberMasked);
          assert.equal(attempt.dialledNumber, '3646');
          await assertNoClearNumber(recordsFile);
        });
      },
    );
  },
);
