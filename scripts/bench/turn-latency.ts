/**
 * Turn latency inside the IVR (issue 5, "Benchmark"): from the recognizer's final result to the first RTP packet
 * of the next prompt (or to the REFER), over simulated calls running the reference flow, and memory per live call.
 *
 *   node --import tsx scripts/bench/turn-latency.ts [--calls 200] [--concurrency 20] [--caller wait|barge-in]
 *        [--park N]
 *
 * Everything is real and in one process, as `app.ts` `startConversation` wires it, minus SIP: a `MediaEngine` on
 * 127.0.0.1, the `LiveCallPort` over its session, the `websocket` recognizer (vosk protocol) in a
 * `RecognizerChain`, the reference flow (`flows/assurance-maladie`, config `groups`) run by `runFlow` with an
 * in-memory timeline, and TTS through `CachingTtsProvider` over `EspeakTtsProvider` (memory cache only, no disk:
 * the cold call is really cold). The caller is a UDP socket per call sending G.711 µ-law RTP every 20 ms (speech
 * rendered once with espeak-ng, then low-level noise) and receiving the IVR's RTP. The recognizer talks to the
 * in-process vosk-protocol test server (one per call, so each call's turns can be scripted), which answers the
 * scripted transcript to the end of audio after a random 0–20 ms: the endpointer's speech-end (which sends the end
 * of audio) fires inside a media tick, so an instant answer would always land ~3 ms after a tick and wait ~17 ms
 * for the next one, where a real recognizer's decoding time spreads the wait over the whole period. The call
 * control records when `transfer()` is called (where the app sends the REFER) and answers `transferred`.
 *
 * Times are `performance.now()` in this process:
 *   t0 = the vosk server sent the final result (hooked on its per-connection answer log);
 *   t1 = the first RTP packet received by the caller after t0 whose payload is not all 0xFF: between prompts the
 *        IVR sends µ-law silence packets (`sendSilence`, 0xFF), so this is the first audible packet of the next
 *        prompt; or the `transfer()` call.
 * The flow plays "transferring" before every transfer, so a transfer turn has two figures: final → first packet
 * of that prompt (what the caller hears), and end of that prompt → `transfer()` (the REFER). The in-process
 * `playback-started` event is reported beside t1 as a cross-check.
 *
 * Phases: (1) one call with a cold TTS cache (reported alone); (2) every static prompt of the flow synthesized
 * once per language, as the app does at flow load; (3) the measured calls, a pool of `--concurrency`; (4) memory:
 * `--park` calls (default `--calls`) opened at once and parked in the open question's listen, heap and RSS
 * measured after forced GCs against a baseline taken with the callers' sockets already open (the harness's own
 * share is printed apart).
 *
 * `--caller wait` (default) speaks 300 ms after the question's prompt has finished, as a polite caller does;
 * `barge-in` speaks 300 ms into it (listen prompts allow barge-in), which shortens calls (smoke test) and does
 * not change what is measured.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AiguilleurConfig, ConversationLanguage } from '../../src/config/config-types.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadFlow } from '../../src/conversation/flow/flow-loader.js';
import type { LoadedFlow } from '../../src/conversation/flow/flow-types.js';
import { LiveCallPort, type LiveCallPortOptions } from '../../src/conversation/live/live-call-port.js';
import type {
  CollectDigitsOutcome,
  CollectDigitsRequest,
  ListenOutcome,
  ListenRequest,
} from '../../src/conversation/runtime/call-port.js';
import { runFlow, type FlowRunResult } from '../../src/conversation/runtime/flow-runtime.js';
import { MediaEngine } from '../../src/media/media-engine.js';
import type { CallMediaSession } from '../../src/media/media-session-types.js';
import type { CallControl } from '../../src/sip/call/sip-app-types.js';
import { RecognizerChain, type ChainSession } from '../../src/speech/recognition/recognizer-chain.js';
import { createWebsocketRecognizer } from '../../src/speech/recognition/websocket/websocket-recognizer.js';
import { EspeakTtsProvider } from '../../src/speech/tts/espeak-tts-provider.js';
import { CachingTtsProvider } from '../../src/speech/tts/tts-cache.js';
import { MemoryCallTimeline } from '../../src/store/memory-call-timeline.js';
import { loadTransferTargets } from '../../src/routing/static-targets.js';
import type { AgentGroupConfig } from '../../src/config/config-types.js';
import { audioToolsAvailable, G711_PACKET_BYTES, renderCallerAudio } from '../../test/support/media-audio.js';
import { VoskProtocolServer } from '../../test/support/vosk-protocol-server.js';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    caller: { type: 'string', default: 'wait' },
    park: { type: 'string' },
  },
});
const callCount = positiveInteger('calls', values.calls);
const concurrency = positiveInteger('concurrency', values.concurrency);
const parkCount = positiveInteger('park', values.park ?? values.calls);
if (values.caller !== 'wait' && values.caller !== 'barge-in') {
  fail(`--caller must be wait or barge-in, got ${values.caller}`);
}
const callerMode: 'wait' | 'barge-in' = values.caller;

const FLOW_ID = 'assurance-maladie';
const LANGUAGE: ConversationLanguage = 'fr';
const FRAME_MS = 20;
/** µ-law code of a zero sample (ITU-T G.711): what the IVR sends when no prompt plays. */
const MU_LAW_SILENCE = 0xff;
const RTP_HEADER_BYTES = 12;
const SPEAK_AFTER_PROMPT_MS = 300;
const BARGE_IN_AFTER_MS = 300;
/** A call that has not ended by then is counted as failed and hung up. */
const CALL_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------------------------------
// The caller's side: RTP over UDP, paced by one shared 20 ms clock.

interface CallerSounds {
  /** 20 ms µ-law payloads of the caller's utterance (background noise under it). */
  readonly speech: readonly Buffer[];
  /** 20 ms µ-law payloads of background noise, looped when the caller is not speaking. */
  readonly noise: readonly Buffer[];
}

/** Sends every caller's next packet on one 20 ms grid (after a late timer, at most 3 packets catch up). */
class RtpPacer {
  private readonly callers = new Set<SimulatedCaller>();
  private readonly origin = performance.now();
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;

  add(caller: SimulatedCaller): void {
    this.callers.add(caller);
    if (this.timer === undefined) {
      this.schedule();
    }
  }

  remove(caller: SimulatedCaller): void {
    this.callers.delete(caller);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const next = this.origin + this.ticks * FRAME_MS - performance.now();
    this.timer = setTimeout(() => this.tick(), Math.max(0, next));
  }

  private tick(): void {
    const due = Math.floor((performance.now() - this.origin) / FRAME_MS) + 1;
    for (let sent = 0; this.ticks < due && sent < 3; sent++, this.ticks++) {
      for (const caller of this.callers) {
        caller.sendFrame();
      }
    }
    this.ticks = Math.max(this.ticks, due);
    this.schedule();
  }
}

/** One caller: a UDP socket sending µ-law RTP (RFC 3550 §5.1 header, payload type 0) and receiving the IVR's. */
class SimulatedCaller {
  private remote: { address: string; port: number } | undefined;
  private sequence = Math.floor(Math.random() * 0x10000);
  private timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  private readonly ssrc = Math.floor(Math.random() * 0x1_0000_0000);
  private speechFrame = -1;
  private noiseFrame = Math.floor(Math.random() * 50);
  private audibleWaiter: { sinceMs: number; resolve: (atMs: number) => void } | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly sounds: CallerSounds,
    private readonly pacer: RtpPacer,
  ) {
    socket.on('message', (packet) => this.onPacket(packet));
    socket.on('error', () => undefined);
  }

  static async open(sounds: CallerSounds, pacer: RtpPacer): Promise<SimulatedCaller> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new SimulatedCaller(socket, sounds, pacer);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Starts sending to the IVR's RTP port. */
  connect(port: number): void {
    this.remote = { address: '127.0.0.1', port };
    this.pacer.add(this);
  }

  speak(): void {
    this.speechFrame = 0;
  }

  /** Resolves with the arrival time of the first audible IVR packet received at or after `sinceMs`. */
  nextAudiblePacket(sinceMs: number): Promise<number> {
    return new Promise((resolve) => {
      this.audibleWaiter = { sinceMs, resolve };
    });
  }

  sendFrame(): void {
    if (this.remote === undefined) {
      return;
    }
    let payload: Buffer;
    if (this.speechFrame >= 0 && this.speechFrame < this.sounds.speech.length) {
      payload = this.sounds.speech[this.speechFrame++]!;
    } else {
      this.speechFrame = -1;
      payload = this.sounds.noise[this.noiseFrame++ % this.sounds.noise.length]!;
    }
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    packet[0] = 0x80; // V=2, no padding, no extension, no CSRC
    packet[1] = 0; // PCMU
    packet.writeUInt16BE(this.sequence, 2);
    packet.writeUInt32BE(this.timestamp, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    payload.copy(packet, RTP_HEADER_BYTES);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + G711_PACKET_BYTES) >>> 0;
    this.socket.send(packet, this.remote.port, this.remote.address);
  }

  close(): void {
    this.pacer.remove(this);
    this.socket.close();
  }

  private onPacket(packet: Buffer): void {
    const waiter = this.audibleWaiter;
    if (waiter === undefined || packet.length <= RTP_HEADER_BYTES || (packet[0]! & 0xc0) !== 0x80) {
      return;
    }
    if ((packet[1]! & 0x7f) !== 0) {
      return; // RTCP (RFC 5761 §4 numbers) or RFC 4733 events: not prompt audio
    }
    const atMs = performance.now();
    if (atMs < waiter.sinceMs) {
      return;
    }
    let offset = RTP_HEADER_BYTES + (packet[0]! & 0x0f) * 4;
    if ((packet[0]! & 0x10) !== 0 && packet.length >= offset + 4) {
      offset += 4 + packet.readUInt16BE(offset + 2) * 4; // RFC 3550 §5.3.1 header extension
    }
    for (let i = offset; i < packet.length; i++) {
      if (packet[i] !== MU_LAW_SILENCE) {
        this.audibleWaiter = undefined;
        waiter.resolve(atMs);
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios: what the recognizer answers, turn by turn, and what the flow must do.

/** What a final result leads to: a static prompt, a prompt with per-call text (TTS at call time), a transfer. */
type TurnKind = 'prompt' | 'dynamic-prompt' | 'transfer';

interface ScenarioTurn {
  readonly kind: TurnKind;
  /** The prompt the flow answers with (for the report). */
  readonly prompt: string;
  readonly transcript: (callIndex: number) => string;
}

interface Scenario {
  readonly name: string;
  readonly turns: readonly ScenarioTurn[];
  readonly target: string;
}

const SCENARIOS: readonly Scenario[] = [
  {
    // High confidence, no NIR needed: "transferring", then the REFER to `cards`.
    name: 'health card',
    target: 'cards',
    turns: [{ kind: 'transfer', prompt: 'transferring', transcript: () => "j'ai perdu ma carte vitale" }],
  },
  {
    // Medium confidence: the confirmation prompt, "oui", transfer to `rights`.
    name: 'confirmation',
    target: 'rights',
    turns: [
      { kind: 'prompt', prompt: 'confirm_change_of_details', transcript: () => 'mes coordonnées sur ameli' },
      { kind: 'transfer', prompt: 'transferring', transcript: () => 'oui' },
    ],
  },
  {
    // NIR: the static question, then the read-back of a NIR that differs per call (synthesized during the call).
    name: 'reimbursement + NIR',
    target: 'reimbursements',
    turns: [
      { kind: 'prompt', prompt: 'nirAsk', transcript: () => "c'est pour un remboursement" },
      { kind: 'dynamic-prompt', prompt: 'nirReadBack', transcript: (i) => spokenNir(i) },
      { kind: 'transfer', prompt: 'transferring', transcript: () => 'oui' },
    ],
  },
];

/** A valid NIR per call (key = 97 − NIR mod 97), as a recognizer would write it when dictated in groups. */
function spokenNir(callIndex: number): string {
  const sex = String(1 + (callIndex % 2));
  const year = String(50 + (callIndex % 50)).padStart(2, '0');
  const month = String(1 + (callIndex % 12)).padStart(2, '0');
  const department = String(10 + (callIndex % 80)).padStart(2, '0');
  const commune = String(1 + ((callIndex * 7) % 990)).padStart(3, '0');
  const order = String(1 + (callIndex % 998)).padStart(3, '0');
  const body = `${sex}${year}${month}${department}${commune}${order}`;
  const key = String(97n - (BigInt(body) % 97n)).padStart(2, '0');
  return [sex, year, month, department, commune, order, key].join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// One call.

interface TurnRecord {
  readonly kind: TurnKind;
  readonly prompt: string;
  /** The vosk server sent the final result. */
  finalAt: number | null;
  /** First audible IVR packet at the caller after the final. */
  audibleAt: number | null;
  /** In-process `playback-started` after the final. */
  startedAt: number | null;
  /** The prompt after the final finished (transfer turns: "transferring"). */
  promptEndAt: number | null;
  /** The port's listen (or digit entry) returned its outcome to the runtime. */
  listenResultAt: number | null;
  /** The next `play()` on the media session: the flow has decided and asks for the prompt. */
  playAt: number | null;
  transferAt: number | null;
}

interface CallRecord {
  readonly index: number;
  readonly scenario: Scenario;
  readonly turns: TurnRecord[];
  result: FlowRunResult | null;
  problem: string | null;
}

interface Stage {
  readonly groups: Record<string, AgentGroupConfig>;
  readonly config: AiguilleurConfig;
  readonly flow: LoadedFlow;
  readonly media: MediaEngine;
  readonly sounds: CallerSounds;
  readonly pacer: RtpPacer;
}

/** The call's wiring as `app.ts` `startConversation` does it, with the SIP side replaced by `control`. */
class ObservedCallPort extends LiveCallPort {
  constructor(
    options: LiveCallPortOptions,
    private readonly observer: CallObserver,
  ) {
    super(options);
  }

  override listen(request: ListenRequest): Promise<ListenOutcome> {
    const outcome = super.listen(request); // the prompt is queued synchronously
    this.observer.onListening();
    return outcome.then((value) => {
      this.observer.onListenResult();
      return value;
    });
  }

  override collectDigits(request: CollectDigitsRequest): Promise<CollectDigitsOutcome> {
    const outcome = super.collectDigits(request);
    this.observer.onListening();
    return outcome.then((value) => {
      this.observer.onListenResult();
      return value;
    });
  }
}

/** What a call tells the harness: a listening step opened or returned, a prompt was asked for. */
interface CallObserver {
  onListening(): void;
  onListenResult(): void;
  onPlay(): void;
}

interface OpenedCall {
  readonly session: CallMediaSession;
  readonly caller: SimulatedCaller;
  readonly result: Promise<FlowRunResult>;
  readonly transfers: number[];
}

/** Opens the media for `caller` and starts the flow on it. */
async function openCall(
  stage: Stage,
  callId: string,
  caller: SimulatedCaller,
  recognition: ChainSession,
  observe: (session: CallMediaSession) => CallObserver,
): Promise<OpenedCall> {
  const lease = await stage.media.reservePort();
  const session = await stage.media.openSession(lease, {
    callId,
    codec: 'PCMU',
    payloadType: 0,
    remote: { address: '127.0.0.1', port: caller.port },
    language: LANGUAGE,
  });
  caller.connect(lease.port);
  const observer = observe(session);
  const play = session.play.bind(session);
  session.play = (items, options) => {
    observer.onPlay();
    return play(items, options);
  };
  const transfers: number[] = [];
  const control: CallControl = {
    transfer: () => {
      transfers.push(performance.now());
      return Promise.resolve({
        status: 'transferred',
        method: 'refer',
        uri: 'sip:bench@127.0.0.1',
        sipStatus: 200,
        attempts: [],
      });
    },
    hangup: () => void session.close('hangup'),
  };
  const port = new ObservedCallPort(
    {
      callId,
      number: '3646',
      media: session,
      control,
      recognition: (language) => (language === LANGUAGE ? recognition : undefined),
    },
    observer,
  );
  const result = runFlow(stage.flow, port, {
    groups: stage.groups,
    language: LANGUAGE,
    variables: stage.config.flows.variables[FLOW_ID] ?? {},
    timeline: new MemoryCallTimeline(),
  });
  return { session, caller, result, transfers };
}

/** Calls `onFinal` when the server sends a final result (an answer to the eof), and keeps no audio copies. */
function hookFinalResults(server: VoskProtocolServer, onFinal: (atMs: number) => void): void {
  const connections = server.connections;
  const addConnection = connections.push.bind(connections);
  connections.push = (...records) => {
    for (const record of records) {
      record.audio.push = () => record.audio.length;
      const answers = record.answers;
      const addAnswer = answers.push.bind(answers);
      answers.push = (...texts) => {
        const atMs = performance.now(); // ws.send() has just written the frame
        if (record.eofAtMs !== null && texts.some((t) => t.startsWith('{"alternatives"'))) {
          onFinal(atMs);
        }
        return addAnswer(...texts);
      };
    }
    return addConnection(...records);
  };
}

/** One scripted call; `hangUpAfterLastTurn` ends it at the last turn's first audible packet (cold call). */
async function runScriptedCall(
  stage: Stage,
  index: number,
  scenario: Scenario,
  hangUpAfterLastTurn = false,
): Promise<CallRecord> {
  const record: CallRecord = { index, scenario, turns: [], result: null, problem: null };
  const callId = `bench-${index}`;
  const vosk = await VoskProtocolServer.start();
  const recognizer = createWebsocketRecognizer({ ...stage.config.speech.websocket, url: vosk.url });
  const recognition = new RecognizerChain(LANGUAGE, [recognizer]).openSession({ callId });
  const caller = await SimulatedCaller.open(stage.sounds, stage.pacer);
  let call: OpenedCall | undefined;
  let current: TurnRecord | undefined;
  let waitingForPromptEnd = false;

  const speakNextTurn = (): void => {
    const turn = scenario.turns[record.turns.length];
    if (turn === undefined || call === undefined) {
      return;
    }
    current = {
      kind: turn.kind,
      prompt: turn.prompt,
      finalAt: null,
      audibleAt: null,
      startedAt: null,
      listenResultAt: null,
      playAt: null,
      promptEndAt: null,
      transferAt: null,
    };
    record.turns.push(current);
    vosk.script = {
      eofAnswer: { alternatives: [{ text: turn.transcript(index), confidence: 412.5 }] },
      eofDelayMs: Math.random() * FRAME_MS,
    };
    caller.speak();
  };
  hookFinalResults(vosk, (atMs) => {
    const turn = current;
    const session = call?.session;
    if (turn === undefined || session === undefined || turn.finalAt !== null) {
      return;
    }
    turn.finalAt = atMs;
    void caller.nextAudiblePacket(atMs).then((at) => {
      turn.audibleAt = at;
      if (hangUpAfterLastTurn && record.turns.length === scenario.turns.length) {
        session.close('hangup');
      }
    });
    session.once('playback-started', () => {
      turn.startedAt = performance.now();
    });
    session.once('playback-finished', () => {
      turn.promptEndAt = performance.now();
    });
  });

  try {
    call = await openCall(stage, callId, caller, recognition, (session) => ({
      onListening: () => {
        if (record.turns.length >= scenario.turns.length) {
          return; // off script: let the flow's timeouts take the call somewhere
        }
        if (callerMode === 'barge-in') {
          setTimeout(speakNextTurn, BARGE_IN_AFTER_MS);
          return;
        }
        waitingForPromptEnd = true;
        setTimeout(() => {
          if (waitingForPromptEnd && !session.playing) {
            waitingForPromptEnd = false; // a listen without a prompt
            speakNextTurn();
          }
        }, 200);
      },
      onListenResult: () => {
        if (current?.finalAt !== null && current?.listenResultAt === null) {
          current.listenResultAt = performance.now();
        }
      },
      onPlay: () => {
        if (current?.finalAt !== null && current?.playAt === null) {
          current.playAt = performance.now();
        }
      },
    }));
    const { session } = call;
    session.on('playback-finished', () => {
      if (waitingForPromptEnd) {
        waitingForPromptEnd = false;
        setTimeout(speakNextTurn, SPEAK_AFTER_PROMPT_MS);
      }
    });
    const timeout = sleep(CALL_TIMEOUT_MS, null, { ref: false });
    const result = await Promise.race([call.result, timeout]);
    if (result === null) {
      record.problem = `not ended within ${CALL_TIMEOUT_MS} ms`;
    } else {
      record.result = result;
      const transferAt = call.transfers[0];
      const last = record.turns.at(-1);
      if (last?.kind === 'transfer' && transferAt !== undefined) {
        last.transferAt = transferAt;
      }
      if (!hangUpAfterLastTurn && (result.outcome !== 'transfer' || result.target !== scenario.target)) {
        record.problem = `ended with ${result.outcome} to ${result.target ?? '-'}, expected transfer to ${scenario.target}`;
      } else if (record.turns.length !== scenario.turns.length || result.turns !== scenario.turns.length) {
        record.problem = `${result.turns} turns, expected ${scenario.turns.length}`;
      } else if (record.turns.some((t) => t.finalAt === null || t.audibleAt === null)) {
        record.problem = 'a turn without a final result or without a next prompt';
      }
    }
  } catch (err) {
    record.problem = err instanceof Error ? err.message : String(err);
  } finally {
    call?.session.close('hangup');
    await call?.result;
    await recognition.close();
    caller.close();
    await vosk.close();
  }
  return record;
}

// ---------------------------------------------------------------------------------------------------------------
// Figures.

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    fail(`--${name} must be a positive integer, got ${text}`);
  }
  return value;
}

function fail(message: string): never {
  process.stderr.write(`turn-latency: ${message}\n`);
  process.exit(1);
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface SeriesRow {
  readonly label: string;
  readonly samples: readonly number[];
}

function printSeries(rows: readonly SeriesRow[]): void {
  const width = Math.max(...rows.map((r) => r.label.length));
  const cells = ['n', 'p50', 'p95', 'p99', 'max'];
  process.stdout.write(`${'latency (ms)'.padEnd(width)}  ${cells.map((c) => c.padStart(8)).join('')}\n`);
  for (const row of rows) {
    const sorted = [...row.samples].sort((a, b) => a - b);
    const figures =
      sorted.length === 0
        ? ['0', '—', '—', '—', '—']
        : [String(sorted.length), ...[0.5, 0.95, 0.99, 1].map((q) => percentile(sorted, q).toFixed(1))];
    process.stdout.write(`${row.label.padEnd(width)}  ${figures.map((f) => f.padStart(8)).join('')}\n`);
  }
}

function printPairs(title: string, pairs: readonly [string, string][]): void {
  const width = Math.max(...pairs.map(([name]) => name.length));
  process.stdout.write(`\n${title}\n`);
  for (const [name, value] of pairs) {
    process.stdout.write(`  ${name.padEnd(width)}  ${value}\n`);
  }
}

/** CPU time of waited-for child processes (espeak-ng), ms: `cutime + cstime` of /proc/self/stat (Linux). */
function childCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10; // USER_HZ = 100 on Linux
  } catch {
    return 0;
  }
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  ((): (() => void) => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(100);
  }
  return process.memoryUsage();
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// ---------------------------------------------------------------------------------------------------------------
// Main.

if (!(await audioToolsAvailable())) {
  fail('espeak-ng and sox are needed (scripts/setup installs them)');
}
const loadAtStart = loadavg();
const config = loadConfig({ env: {}, cwd: root });
const directory = await mkdtemp(join(tmpdir(), 'aig-turn-latency-'));

progress('rendering caller audio, loading the flow...');
const split = (audio: Buffer): Buffer[] => {
  const frames: Buffer[] = [];
  for (let i = 0; i + G711_PACKET_BYTES <= audio.length; i += G711_PACKET_BYTES) {
    frames.push(audio.subarray(i, i + G711_PACKET_BYTES));
  }
  return frames;
};
const speechFile = await renderCallerAudio({
  text: 'oui, merci',
  voice: 'fr',
  directory,
  name: 'speech',
  leadingSilenceMs: 100,
  trailingSilenceMs: 0,
});
const noiseFile = await renderCallerAudio({
  text: '',
  directory,
  name: 'noise',
  leadingSilenceMs: 2000,
  trailingSilenceMs: 0,
});
const sounds: CallerSounds = {
  speech: split(await readFile(speechFile.path)),
  noise: split(await readFile(noiseFile.path)),
};
await rm(directory, { recursive: true, force: true });

const flowLoadStarted = performance.now();
const groups = await loadTransferTargets(config);
const flow = await loadFlow(join(root, 'flows', FLOW_ID), {
  groups,
  variables: config.flows.variables[FLOW_ID] ?? {},
});
const flowLoadMs = performance.now() - flowLoadStarted;
const tts = new CachingTtsProvider(await EspeakTtsProvider.create({}), {});
const media = new MediaEngine({
  bindAddress: '127.0.0.1',
  rtpPortMin: config.media.rtpPortMin,
  rtpPortMax: config.media.rtpPortMax,
  promptsDirectory: resolve(config.media.promptsDirectory ?? join(root, 'prompts')),
  synthesizer: tts,
  endpointer: { ...config.media.endpointing },
  jitterDepthMs: config.media.jitterDepthMs,
  recordingDirectory: null,
});
const pacer = new RtpPacer();
const stage: Stage = { config, groups, flow, media, sounds, pacer };

// (1) The first call, cold TTS cache.
progress('cold call (empty TTS cache)...');
const coldScenario = SCENARIOS[2]!;
const cold = await runScriptedCall(stage, callCount, coldScenario, true);

// (2) Static prompts synthesized once per language, as the app does when a flow loads.
progress('synthesizing the flow prompts...');
const presynthStarted = performance.now();
const staticPrompts = Object.entries(flow.prompts).flatMap(([language, prompts]) =>
  Object.values(prompts ?? {})
    .filter((text) => !text.includes('{{') && text.trim() !== '')
    .map((text) => ({ language, text })),
);
await Promise.all(staticPrompts.map(({ language, text }) => tts.synthesize(text, { language })));
const presynthMs = performance.now() - presynthStarted;
const ttsBefore = tts.stats();

// (3) The measured calls.
progress(`${callCount} calls, ${concurrency} at a time, caller ${callerMode}...`);
const LOOP_SAMPLING_MS = 10;
const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLING_MS });
loop.enable();
const cpuStarted = process.cpuUsage();
const childCpuStarted = childCpuMs();
const wallStarted = performance.now();
const records: CallRecord[] = [];
let nextIndex = 0;
const worker = async (slot: number): Promise<void> => {
  await sleep(slot * 150); // the first calls do not all answer in the same tick
  while (nextIndex < callCount) {
    const index = nextIndex++;
    records.push(await runScriptedCall(stage, index, SCENARIOS[index % SCENARIOS.length]!));
    if (records.length % 20 === 0) {
      progress(`  ${records.length}/${callCount} calls`);
    }
  }
};
await Promise.all(Array.from({ length: Math.min(concurrency, callCount) }, (_, slot) => worker(slot)));
const wallMs = performance.now() - wallStarted;
const cpu = process.cpuUsage(cpuStarted);
const childCpu = childCpuMs() - childCpuStarted;
loop.disable();
const ttsAfter = tts.stats();

// (4) Memory per live call: calls parked in the open question's listen.
progress(`memory: ${parkCount} calls parked in a listen...`);
const parkVosk = await VoskProtocolServer.start();
const parkChain = new RecognizerChain(LANGUAGE, [
  createWebsocketRecognizer({ ...config.speech.websocket, url: parkVosk.url }),
]);
const memoryBaseline = await settledMemory();
const parkedCallers = await Promise.all(
  Array.from({ length: parkCount }, () => SimulatedCaller.open(sounds, pacer)),
);
const memoryCallers = await settledMemory();
const parkCpuStarted = process.cpuUsage();
let listening = 0;
const parkedRecognition = parkedCallers.map((_, i) => parkChain.openSession({ callId: `park-${i}` }));
const parked = await Promise.all(
  parkedCallers.map((caller, i) => {
    let counted = false;
    return openCall(stage, `park-${i}`, caller, parkedRecognition[i]!, () => ({
      onListening: () => {
        if (!counted) {
          counted = true;
          listening++;
        }
      },
      onListenResult: () => undefined,
      onPlay: () => undefined,
    }));
  }),
);
const parkDeadline = performance.now() + 30_000;
while (listening < parkCount && performance.now() < parkDeadline) {
  await sleep(50);
}
await sleep(500);
const parkedListening = listening;
const memoryParked = await settledMemory();
const parkCpu = process.cpuUsage(parkCpuStarted);
const parkedSessions = media.activeSessions;
for (const call of parked) {
  call.session.close('hangup');
}
await Promise.all(parked.map((call) => call.result));
await Promise.all(parkedRecognition.map((r) => r.close()));
for (const caller of parkedCallers) {
  caller.close();
}
await parkVosk.close();
pacer.stop();
media.close();

// ---------------------------------------------------------------------------------------------------------------
// Report.

const ok = records.filter((r) => r.problem === null);
const failed = records.filter((r) => r.problem !== null);
const turns = ok.flatMap((r) => r.turns);
const since = (t: TurnRecord, at: number | null): number[] =>
  t.finalAt === null || at === null ? [] : [at - t.finalAt];
const ofKind = (kind: TurnKind): TurnRecord[] => turns.filter((t) => t.kind === kind);
const allFirstResponse = turns.flatMap((t) => since(t, t.audibleAt));
const staticFirstResponse = turns
  .filter((t) => t.kind !== 'dynamic-prompt')
  .flatMap((t) => since(t, t.audibleAt));

process.stdout.write(
  `\nTurn latency, reference flow ${FLOW_ID} (${LANGUAGE}), websocket (vosk protocol) recognizer, espeak-ng TTS; ` +
    `${ok.length}/${records.length} calls as scripted, caller ${callerMode}, concurrency ${concurrency}\n\n`,
);
printSeries([
  {
    label: 'final → next prompt, 1st audible RTP (static: nirAsk, confirm)',
    samples: ofKind('prompt').flatMap((t) => since(t, t.audibleAt)),
  },
  {
    label: 'final → next prompt, 1st audible RTP (NIR read-back, TTS now)',
    samples: ofKind('dynamic-prompt').flatMap((t) => since(t, t.audibleAt)),
  },
  {
    label: 'final → "transferring" prompt, 1st audible RTP',
    samples: ofKind('transfer').flatMap((t) => since(t, t.audibleAt)),
  },
  { label: 'final → 1st audible RTP, all turns', samples: allFirstResponse },
  {
    label: '"transferring" prompt end → transfer() (REFER)',
    samples: ofKind('transfer').flatMap((t) =>
      t.promptEndAt === null || t.transferAt === null ? [] : [t.transferAt - t.promptEndAt],
    ),
  },
  {
    label: 'final → playback-started (in process), all turns',
    samples: turns.flatMap((t) => since(t, t.startedAt)),
  },
  {
    label: '  of which final → port listen/digits step returns',
    samples: turns.flatMap((t) => since(t, t.listenResultAt)),
  },
  {
    label: '  of which final → play() (flow decided)',
    samples: turns.flatMap((t) => since(t, t.playAt)),
  },
  {
    label: '  of which play() → playback-started (static prompts)',
    samples: turns.flatMap((t) =>
      t.kind === 'dynamic-prompt' || t.playAt === null || t.startedAt === null
        ? []
        : [t.startedAt - t.playAt],
    ),
  },
]);
const verdict = (samples: readonly number[]): string => {
  if (samples.length === 0) {
    return 'no data';
  }
  const p99 = percentile(
    [...samples].sort((a, b) => a - b),
    0.99,
  );
  return `${p99 < 50 ? 'met' : 'NOT met'} (p99 ${p99.toFixed(1)} ms)`;
};
process.stdout.write(
  `\ntarget p99 < 50 ms, final → 1st audible RTP: all turns ${verdict(allFirstResponse)}; ` +
    `static prompts and transfers ${verdict(staticFirstResponse)}\n`,
);

printPairs(
  `Cold TTS cache, first call (${coldScenario.name}), ms` +
    (cold.problem === null ? '' : ` — problem: ${cold.problem}`),
  cold.turns.map((t) => [
    `final → ${t.prompt}, 1st audible RTP`,
    t.finalAt === null || t.audibleAt === null ? '—' : (t.audibleAt - t.finalAt).toFixed(1),
  ]),
);

const perCall = (a: number, b: number): string => `${kib((a - b) / parkCount)} per call`;
printPairs('Memory per live call (parked in the open question listen; forced GC before each reading)', [
  ['calls parked / in a listen / media sessions', `${parkCount} / ${parkedListening} / ${parkedSessions}`],
  ['heap used, IVR side', perCall(memoryParked.heapUsed, memoryCallers.heapUsed)],
  ['RSS, IVR side', perCall(memoryParked.rss, memoryCallers.rss)],
  [
    'external + array buffers, IVR side',
    perCall(
      memoryParked.external + memoryParked.arrayBuffers,
      memoryCallers.external + memoryCallers.arrayBuffers,
    ),
  ],
  [
    'heap / RSS, harness caller sockets',
    `${kib((memoryCallers.heapUsed - memoryBaseline.heapUsed) / parkCount)} / ${kib((memoryCallers.rss - memoryBaseline.rss) / parkCount)} per call`,
  ],
  ['process heap / RSS with calls parked', `${mib(memoryParked.heapUsed)} / ${mib(memoryParked.rss)}`],
  ['CPU while parking (open + greet + listen)', `${cpuMs(parkCpu).toFixed(0)} ms`],
]);

printPairs('Run', [
  ['calls as scripted / failed', `${ok.length} / ${failed.length}`],
  ...failed
    .slice(0, 5)
    .map((r): [string, string] => [`  call ${r.index} (${r.scenario.name})`, r.problem ?? '']),
  ['wall time of the measured calls', `${(wallMs / 1000).toFixed(1)} s`],
  [
    'CPU time, this process (user + system)',
    `${cpuMs(cpu).toFixed(0)} ms (${(cpuMs(cpu) / Math.max(1, records.length)).toFixed(1)} ms per call, ` +
      `${((cpuMs(cpu) / wallMs) * 100).toFixed(0)}% of one core)`,
  ],
  ['CPU time, espeak-ng children', `${childCpu.toFixed(0)} ms`],
  [
    'event-loop delay p50 / p99 / max',
    [loop.percentile(50), loop.percentile(99), loop.max]
      .map((ns) => Math.max(0, ns / 1e6 - LOOP_SAMPLING_MS).toFixed(1))
      .join(' / ') + ` ms (beyond the ${LOOP_SAMPLING_MS} ms sampling timer)`,
  ],
  [
    'TTS: prompts pre-synthesized',
    `${staticPrompts.length} in ${presynthMs.toFixed(0)} ms (2 languages, espeak-ng)`,
  ],
  [
    'TTS during the calls: syntheses / memory hits',
    `${ttsAfter.syntheses - ttsBefore.syntheses} / ${ttsAfter.memoryHits - ttsBefore.memoryHits}`,
  ],
  ['flow load (validate + train classifiers)', `${flowLoadMs.toFixed(0)} ms`],
  [
    'load average at start / end',
    `${loadAtStart.map((v) => v.toFixed(1)).join(' ')} / ${loadavg()
      .map((v) => v.toFixed(1))
      .join(' ')} (${availableParallelism()} CPUs)`,
  ],
  ['node', `${process.version}, ${process.platform}/${process.arch}`],
]);
process.exitCode = failed.length > 0 || cold.problem !== null ? 1 : 0;
