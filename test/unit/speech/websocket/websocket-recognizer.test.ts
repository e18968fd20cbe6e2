// The `websocket` recognizer against a local server speaking the vosk-server protocol (test/support/
// vosk-protocol-server.ts), fed by a real media AudioFork: what it sends (config, PCM bytes, eof), the events it
// gives (speechStart, partial, final, end), latency, single utterance, init, and every failure path. Loopback only.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { WebsocketSpeechConfig } from '../../../../src/config/config-types.js';
import { isAigError } from '../../../../src/errors/aig-error.js';
import { AudioFork } from '../../../../src/media/fork/audio-fork.js';
import {
  DEFAULT_RECOGNITION_TURN_OPTIONS,
  type RecognitionTurn,
  type RecognitionTurnEvents,
  type RecognitionTurnOptions,
  type Recognizer,
} from '../../../../src/speech/recognition/recognizer-types.js';
import { createWebsocketRecognizer } from '../../../../src/speech/recognition/websocket/websocket-recognizer.js';
import { RecordingLogger } from '../../../helpers/recording-logger.js';
import {
  until,
  VOSK_SERVER_EOF,
  VoskProtocolServer,
  type VoskHandshake,
  type VoskServerScript,
} from '../../../support/vosk-protocol-server.js';

const FRAME_8K_BYTES = 320;
const BATCH_8K_BYTES = 5 * FRAME_8K_BYTES;

let servers: VoskProtocolServer[] = [];
let recognizers: Recognizer[] = [];

afterEach(async () => {
  await Promise.all(recognizers.map((r) => r.close()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  recognizers = [];
});

async function startServer(
  script: VoskServerScript = {},
  handshake: VoskHandshake = 'accept',
): Promise<VoskProtocolServer> {
  const server = await VoskProtocolServer.start({ script, handshake });
  servers.push(server);
  return server;
}

function config(url: string | null, overrides: Partial<WebsocketSpeechConfig> = {}): WebsocketSpeechConfig {
  return { url, sampleRate: 8000, connectTimeoutMs: 2000, finalTimeoutMs: 2000, ...overrides };
}

function recognizer(
  speechConfig: WebsocketSpeechConfig,
  options: Parameters<typeof createWebsocketRecognizer>[1] = {},
): Recognizer {
  const created = createWebsocketRecognizer(speechConfig, options);
  recognizers.push(created);
  return created;
}

function turnOptions(overrides: Partial<RecognitionTurnOptions> = {}): RecognitionTurnOptions {
  return { ...DEFAULT_RECOGNITION_TURN_OPTIONS, language: 'fr', ...overrides };
}

type Recorded = {
  [K in keyof RecognitionTurnEvents]: { name: K; event: RecognitionTurnEvents[K][0] };
}[keyof RecognitionTurnEvents];

/** Every event of a turn, in order. */
function record(turn: RecognitionTurn): Recorded[] {
  const events: Recorded[] = [];
  turn.on('speechStart', (event) => events.push({ name: 'speechStart', event }));
  turn.on('partial', (event) => events.push({ name: 'partial', event }));
  turn.on('final', (event) => events.push({ name: 'final', event }));
  turn.on('error', (event) => events.push({ name: 'error', event }));
  turn.on('end', (event) => events.push({ name: 'end', event }));
  return events;
}

const names = (events: Recorded[]): string[] => events.map((e) => e.name);

/** `count` 20 ms frames at 8 kHz, each filled with `value`. */
function pushFrames(fork: AudioFork, count: number, value = 0x1234): void {
  for (let i = 0; i < count; i++) {
    fork.push(new Int16Array(160).fill(value));
  }
}

describe('websocket recognizer: a turn', () => {
  it('sends the config, 100 ms of 8 kHz PCM per message and the eof; partials, final, latency, end', async () => {
    const server = await startServer({
      partials: [
        { afterBytes: BATCH_8K_BYTES, text: 'bon' },
        { afterBytes: 3 * BATCH_8K_BYTES, text: 'bonjour' },
      ],
      eofAnswer: {
        alternatives: [
          { text: 'bonjour', confidence: 220 },
          { text: 'bon jour', confidence: 218.5 },
        ],
      },
      eofDelayMs: 150,
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-1' });
    const turn = session.startTurn(fork.subscribe({ queueFrames: 100 }), turnOptions());
    const events = record(turn);
    pushFrames(fork, 25);
    const connection = await server.connection(0);
    await until(() => connection.answers.length === 5, 5000, 'five answers');
    await until(() => events.filter((e) => e.name === 'partial').length === 2, 2000, 'two partials');
    const endOfSpeechAt = performance.now();
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    const measured = performance.now() - endOfSpeechAt;

    assert.deepEqual(connection.config, { sample_rate: 8000, max_alternatives: 3, words: false });
    assert.deepEqual(connection.textMessages, [
      JSON.stringify({ config: connection.config }),
      VOSK_SERVER_EOF,
    ]);
    assert.deepEqual(connection.audioMessageBytes, [1600, 1600, 1600, 1600, 1600]);
    assert.equal(connection.audioBytes, 25 * FRAME_8K_BYTES);
    // 16-bit little-endian: 0x1234 → 34 12
    assert.deepEqual([...connection.audio[0]!.subarray(0, 4)], [0x34, 0x12, 0x34, 0x12]);

    assert.deepEqual(names(events), ['speechStart', 'partial', 'partial', 'final', 'end']);
    assert.deepEqual(
      events.filter((e) => e.name === 'partial').map((e) => e.event.transcript),
      ['bon', 'bonjour'],
    );
    const third = events[3]!;
    const final = third.name === 'final' ? third.event : assert.fail('no final');
    assert.deepEqual(
      final.alternatives.map((a) => a.transcript),
      ['bonjour', 'bon jour'],
    );
    assert.ok(Math.abs(final.alternatives[0]!.confidence - 1 / (1 + Math.exp(-1.5))) < 1e-9);
    assert.ok(
      final.latencyMs !== null && final.latencyMs >= 140 && final.latencyMs <= measured + 5,
      `latency ${final.latencyMs}`,
    );
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final, final);
    assert.equal(outcome.error, null);
    assert.equal(outcome.provider, 'websocket');
    await connection.closed;
    assert.equal(connection.closeCode, 1000);
    assert.equal(fork.subscriberCount, 0, 'the turn released its audio');
    console.log(
      `websocket recognizer: end of speech → final ${final.latencyMs.toFixed(1)} ms (server delay 150 ms)`,
    );
  });

  it('measures end of speech → final on loopback with an answer at once', async () => {
    const server = await startServer({
      partials: [{ afterBytes: 1, text: 'oui' }],
      eofAnswer: { text: 'oui' },
    });
    const latencies: number[] = [];
    const session = recognizer(config(server.url)).openSession({ callId: 'call-latency' });
    for (let i = 0; i < 10; i++) {
      const fork = new AudioFork();
      const turn = session.startTurn(fork.subscribe(), turnOptions());
      pushFrames(fork, 10);
      await until(() => server.connections[i]?.audioBytes === 10 * FRAME_8K_BYTES, 5000, 'audio received');
      turn.endOfSpeech();
      const outcome = await turn.outcome;
      assert.equal(outcome.reason, 'final');
      latencies.push(outcome.final!.latencyMs!);
    }
    latencies.sort((a, b) => a - b);
    assert.ok(latencies[9]! < 1000, `latencies ${latencies.join(', ')}`);
    console.log(
      `websocket recognizer: loopback end of speech → final, 10 turns: median ${latencies[5]!.toFixed(2)} ms, max ${latencies[9]!.toFixed(2)} ms`,
    );
  });

  it('at 16 kHz sends 640 bytes per frame, 3,200 per message; the audio ending finishes the turn (latency null)', async () => {
    const server = await startServer({ eofAnswer: { text: 'yes' } });
    const fork = new AudioFork();
    const session = recognizer(config(server.url, { sampleRate: 16000 })).openSession({ callId: 'call-16k' });
    const turn = session.startTurn(fork.subscribe({ sampleRate: 16000 }), turnOptions({ language: 'en' }));
    const events = record(turn);
    pushFrames(fork, 12);
    fork.close();
    const outcome = await turn.outcome;
    const connection = server.connections[0]!;
    assert.equal(connection.config?.['sample_rate'], 16000);
    assert.deepEqual(connection.audioMessageBytes, [3200, 3200, 1280]);
    assert.equal(connection.textMessages.at(-1), VOSK_SERVER_EOF);
    assert.equal(outcome.reason, 'final');
    assert.deepEqual(outcome.final?.alternatives, [{ transcript: 'yes', confidence: 0.5 }]);
    assert.equal(outcome.final?.latencyMs, null);
    assert.deepEqual(names(events), ['speechStart', 'final', 'end']);
  });

  it('single utterance: the first final ends the turn, the eof is sent and the connection closed', async () => {
    const server = await startServer({
      partials: [{ afterBytes: BATCH_8K_BYTES, text: 'ou' }],
      result: { afterBytes: 2 * BATCH_8K_BYTES, answer: { text: 'oui' } },
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-single' });
    const turn = session.startTurn(
      fork.subscribe({ queueFrames: 200 }),
      turnOptions({ singleUtterance: true }),
    );
    const events = record(turn);
    pushFrames(fork, 10);
    const outcome = await turn.outcome;
    const connection = server.connections[0]!;
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.alternatives[0]?.transcript, 'oui');
    assert.equal(outcome.final?.latencyMs, null, 'no endOfSpeech() was called');
    assert.deepEqual(names(events), ['speechStart', 'partial', 'final', 'end']);
    await connection.closed;
    assert.equal(connection.textMessages.at(-1), VOSK_SERVER_EOF);
    assert.equal(fork.subscriberCount, 0);
    // Frames pushed after the end go nowhere.
    pushFrames(fork, 10);
    assert.equal(connection.audioBytes, 10 * FRAME_8K_BYTES);
  });

  it('several utterances: every final is given, the last answers the eof', async () => {
    const server = await startServer({
      result: { afterBytes: BATCH_8K_BYTES, answer: { text: 'premier' } },
      eofAnswer: { text: 'second' },
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-multi' });
    const turn = session.startTurn(fork.subscribe(), turnOptions({ singleUtterance: false }));
    const events = record(turn);
    pushFrames(fork, 10);
    await until(() => events.some((e) => e.name === 'final'), 5000, 'first final');
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    const finals = events.flatMap((e) => (e.name === 'final' ? [e.event.alternatives[0]!.transcript] : []));
    assert.deepEqual(finals, ['premier', 'second']);
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.alternatives[0]?.transcript, 'second');
    assert.equal(names(events).filter((n) => n === 'speechStart').length, 1);
  });

  it('an empty answer to the eof is no-match (mid-stream empty results are silence, not an end)', async () => {
    const server = await startServer({
      result: { afterBytes: BATCH_8K_BYTES, answer: { text: '' } },
      eofAnswer: { alternatives: [{ text: '', confidence: 1.0 }] },
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-nomatch' });
    const turn = session.startTurn(fork.subscribe(), turnOptions());
    const events = record(turn);
    pushFrames(fork, 10);
    await until(() => server.connections[0]?.answers.length === 2, 5000, 'answers');
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'no-match');
    assert.equal(outcome.final, null);
    assert.deepEqual(names(events), ['end']);
  });

  it('a result that is only [unk] (speech outside the grammar) is no-match', async () => {
    const server = await startServer({
      partials: [{ afterBytes: 1, text: '[unk]' }],
      eofAnswer: { text: '[unk]' },
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-unk' });
    const turn = session.startTurn(fork.subscribe(), turnOptions({ grammar: ['oui', 'non'] }));
    const events = record(turn);
    pushFrames(fork, 5);
    await until(() => server.connections[0]?.answers.length === 1, 5000, 'answer');
    turn.endOfSpeech();
    assert.equal((await turn.outcome).reason, 'no-match');
    assert.deepEqual(names(events), ['end']);
  });

  it('sends a closed grammar as phrase_list and one alternative as vosk single result', async () => {
    const server = await startServer({ eofAnswer: { text: 'non merci' } });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-grammar' });
    const turn = session.startTurn(
      fork.subscribe(),
      turnOptions({ grammar: ['Oui', 'Non, merci.', 'oui'], maxAlternatives: 1 }),
    );
    fork.close();
    const outcome = await turn.outcome;
    assert.deepEqual(server.connections[0]!.config, {
      sample_rate: 8000,
      max_alternatives: 0,
      words: false,
      phrase_list: ['oui', 'non merci', '[unk]'],
    });
    assert.equal(outcome.final?.alternatives[0]?.transcript, 'non merci');
  });

  it('without interim results gives speechStart but no partial', async () => {
    const server = await startServer({
      partials: [{ afterBytes: 1, text: 'allô' }],
      eofAnswer: { text: 'allô' },
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-nointerim' });
    const turn = session.startTurn(fork.subscribe(), turnOptions({ interimResults: false }));
    const events = record(turn);
    pushFrames(fork, 10);
    await until(() => events.length === 1, 5000, 'speechStart');
    turn.endOfSpeech();
    await turn.outcome;
    assert.deepEqual(names(events), ['speechStart', 'final', 'end']);
  });

  it('no speech within noInputTimeoutMs: end no-input, connection closed', async () => {
    const server = await startServer({});
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-noinput' });
    const started = performance.now();
    const turn = session.startTurn(fork.subscribe(), turnOptions({ noInputTimeoutMs: 300 }));
    const events = record(turn);
    pushFrames(fork, 10);
    const outcome = await turn.outcome;
    const elapsed = performance.now() - started;
    assert.equal(outcome.reason, 'no-input');
    assert.ok(elapsed >= 290 && elapsed < 3000, `ended after ${elapsed} ms`);
    assert.deepEqual(names(events), ['end']);
    const connection = await server.connection(0);
    await connection.closed;
    assert.equal(connection.closeCode, 1000);
    assert.equal(connection.eofAtMs, null);
  });

  it('speech longer than maxUtteranceMs: the eof is sent without endOfSpeech()', async () => {
    const server = await startServer({
      partials: [{ afterBytes: 1, text: 'je voudrais' }],
      eofAnswer: { text: 'je voudrais' },
    });
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-max' });
    const turn = session.startTurn(fork.subscribe(), turnOptions({ maxUtteranceMs: 200 }));
    pushFrames(fork, 10);
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.latencyMs, null);
    assert.notEqual(server.connections[0]!.eofAtMs, null);
  });

  it('a listener that throws never kills the turn; logs carry no transcript', async () => {
    const server = await startServer({
      partials: [{ afterBytes: 1, text: 'secret' }],
      eofAnswer: { text: 'secret' },
    });
    const logger = new RecordingLogger();
    const fork = new AudioFork();
    const session = recognizer(config(server.url), { logger }).openSession({ callId: 'call-throw' });
    const turn = session.startTurn(fork.subscribe(), turnOptions());
    for (const event of ['speechStart', 'partial', 'final', 'end'] as const) {
      turn.on(event, () => {
        throw new Error(`listener of ${event} failed: secret`);
      });
    }
    pushFrames(fork, 10);
    await until(() => server.connections[0]?.answers.length === 2, 5000, 'answers');
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    assert.equal(logger.lines.filter((l) => l.msg === 'recognition turn listener failed').length, 4);
    assert.ok(!JSON.stringify(logger.lines).includes('secret'));
    assert.equal(
      (logger.find('recognition turn ended')?.obj as { reason?: string } | undefined)?.reason,
      'final',
    );
  });
});

describe('websocket recognizer: failures', () => {
  async function failedTurn(
    url: string,
    overrides: Partial<WebsocketSpeechConfig> = {},
    feed: (fork: AudioFork, turn: RecognitionTurn) => Promise<void> | void = (fork) => pushFrames(fork, 10),
  ): Promise<{ events: Recorded[]; elapsedMs: number; fork: AudioFork }> {
    const fork = new AudioFork();
    const session = recognizer(config(url, overrides)).openSession({ callId: 'call-fail' });
    const started = performance.now();
    const turn = session.startTurn(fork.subscribe({ queueFrames: 200 }), turnOptions());
    const events = record(turn);
    await feed(fork, turn);
    const outcome = await turn.outcome;
    const elapsedMs = performance.now() - started;
    assert.equal(outcome.reason, 'error');
    assert.deepEqual(names(events), ['error', 'end']);
    assert.equal(outcome.error, events[0]!.event);
    assert.equal(fork.subscriberCount, 0);
    return { events, elapsedMs, fork };
  }

  it('connection refused: unavailable, AIG_ERR_ASR_UNAVAILABLE, retryable', async () => {
    const { events } = await failedTurn(await VoskProtocolServer.refusedUrl());
    assert.deepEqual(
      { ...events[0]!.event, atMs: 0, message: '' },
      { kind: 'unavailable', code: 'AIG_ERR_ASR_UNAVAILABLE', retryable: true, atMs: 0, message: '' },
    );
    assert.match((events[0]!.event as { message: string }).message, /ECONNREFUSED/);
  });

  it('no handshake within connectTimeoutMs: unavailable after the timeout', async () => {
    const server = await startServer({}, 'hang');
    const { events, elapsedMs } = await failedTurn(server.url, { connectTimeoutMs: 300 });
    const error = events[0]!.event as { kind: string; code: string; retryable: boolean; message: string };
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'AIG_ERR_ASR_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /within 300 ms/);
    assert.ok(elapsedMs >= 290 && elapsedMs < 3000, `failed after ${elapsedMs} ms`);
    assert.equal(server.upgradeRequests, 1);
  });

  it('HTTP 503 instead of the upgrade: unavailable', async () => {
    const server = await startServer({}, 'reject');
    const { events } = await failedTurn(server.url);
    const error = events[0]!.event as { kind: string; code: string; message: string };
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'AIG_ERR_ASR_UNAVAILABLE');
    assert.match(error.message, /503/);
  });

  it('the server drops the connection mid-turn: unavailable, AIG_ERR_ASR_PROTOCOL, retryable', async () => {
    const server = await startServer({ dropAfterBytes: 2 * BATCH_8K_BYTES });
    const { events } = await failedTurn(server.url);
    const error = events[0]!.event as { kind: string; code: string; retryable: boolean; message: string };
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'AIG_ERR_ASR_PROTOCOL');
    assert.equal(error.retryable, true);
    assert.match(error.message, /before the final result/);
  });

  it('an answer that is not JSON: internal, AIG_ERR_ASR_PROTOCOL, not retryable; the client closes', async () => {
    const server = await startServer({ garbageAfterBytes: BATCH_8K_BYTES });
    const { events } = await failedTurn(server.url);
    const error = events[0]!.event as { kind: string; code: string; retryable: boolean; message: string };
    assert.equal(error.kind, 'internal');
    assert.equal(error.code, 'AIG_ERR_ASR_PROTOCOL');
    assert.equal(error.retryable, false);
    assert.doesNotMatch(error.message, /Gateway/);
    const connection = server.connections[0]!;
    await connection.closed;
    assert.equal(connection.closeCode, 1000);
  });

  it('no answer to the eof within finalTimeoutMs: timeout, AIG_ERR_ASR_TIMEOUT', async () => {
    const server = await startServer({ ignoreEof: true });
    let endOfSpeechAt = 0;
    const { events } = await failedTurn(server.url, { finalTimeoutMs: 300 }, async (fork, turn) => {
      pushFrames(fork, 10);
      await until(() => server.connections[0]?.answers.length === 2, 5000, 'answers');
      endOfSpeechAt = performance.now();
      turn.endOfSpeech();
    });
    const waited = performance.now() - endOfSpeechAt;
    const error = events[0]!.event as { kind: string; code: string; retryable: boolean };
    assert.deepEqual([error.kind, error.code, error.retryable], ['timeout', 'AIG_ERR_ASR_TIMEOUT', true]);
    assert.ok(waited >= 290 && waited < 3000, `gave up after ${waited} ms`);
  });

  it('an error nobody listens to still ends the turn and resolves the outcome', async () => {
    const fork = new AudioFork();
    const session = recognizer(config(await VoskProtocolServer.refusedUrl())).openSession({
      callId: 'call-quiet',
    });
    const turn = session.startTurn(fork.subscribe(), turnOptions());
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'error');
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_UNAVAILABLE');
  });

  it('a language without a server: bad-request, AIG_ERR_ASR_NOT_CONFIGURED, retryable (another provider may serve it)', async () => {
    const server = await startServer({});
    const fork = new AudioFork();
    const session = recognizer(config(null), { urls: { fr: server.url } }).openSession({ callId: 'call-en' });
    const turn = session.startTurn(fork.subscribe(), turnOptions({ language: 'en' }));
    const events = record(turn);
    const outcome = await turn.outcome;
    assert.deepEqual(names(events), ['error', 'end']);
    assert.deepEqual(
      [outcome.error?.kind, outcome.error?.code, outcome.error?.retryable],
      ['bad-request', 'AIG_ERR_ASR_NOT_CONFIGURED', true],
    );
    assert.equal(server.upgradeRequests, 0);
  });
});

describe('websocket recognizer: abort and close', () => {
  it('abort() ends the turn at once (aborted, once) and closes the connection', async () => {
    const server = await startServer({});
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-abort' });
    const turn = session.startTurn(fork.subscribe(), turnOptions());
    const events = record(turn);
    pushFrames(fork, 10);
    const connection = await server.connection(0);
    await until(() => connection.audioBytes > 0, 5000, 'audio');
    turn.abort();
    turn.abort();
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'aborted');
    assert.deepEqual(names(events), ['end']);
    await connection.closed;
    assert.equal(connection.closeCode, 1000);
    assert.equal(connection.eofAtMs, null);
    assert.equal(fork.subscriberCount, 0);
  });

  it('abort() right after startTurn: end aborted, no connection made', async () => {
    const server = await startServer({});
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-abort-early' });
    const turn = session.startTurn(fork.subscribe(), turnOptions());
    const events = record(turn);
    turn.abort();
    assert.equal((await turn.outcome).reason, 'aborted');
    assert.deepEqual(names(events), ['end']);
    assert.equal(server.upgradeRequests, 0);
    assert.equal(fork.subscriberCount, 0);
  });

  it('abort() while connecting terminates the handshake', async () => {
    const server = await startServer({}, 'hang');
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-abort-connecting' });
    const turn = session.startTurn(fork.subscribe(), turnOptions());
    await until(() => server.upgradeRequests === 1, 5000, 'upgrade request');
    turn.abort();
    assert.equal((await turn.outcome).reason, 'aborted');
  });

  it('a new turn aborts the running one; session.close() aborts the current turn and later turns', async () => {
    const server = await startServer({});
    const fork = new AudioFork();
    const session = recognizer(config(server.url)).openSession({ callId: 'call-close' });
    const first = session.startTurn(fork.subscribe(), turnOptions());
    await server.connection(0);
    const second = session.startTurn(fork.subscribe(), turnOptions());
    assert.equal((await first.outcome).reason, 'aborted');
    const connection = await server.connection(1);
    await session.close();
    assert.equal((await second.outcome).reason, 'aborted');
    await connection.closed;
    await session.close();
    const late = session.startTurn(fork.subscribe(), turnOptions());
    const events = record(late);
    assert.equal((await late.outcome).reason, 'aborted');
    assert.deepEqual(names(events), ['end']);
    assert.equal(server.upgradeRequests, 2);
  });

  it('recognizer.close() closes open sessions', async () => {
    const server = await startServer({});
    const fork = new AudioFork();
    const provider = recognizer(config(server.url));
    const turn = provider.openSession({ callId: 'call-shutdown' }).startTurn(fork.subscribe(), turnOptions());
    await server.connection(0);
    await provider.close();
    assert.equal((await turn.outcome).reason, 'aborted');
    await provider.close();
  });
});

describe('websocket recognizer: init and languages', () => {
  it('without a URL: no languages, init rejects AIG_ERR_ASR_NOT_CONFIGURED', async () => {
    const provider = recognizer(config(null));
    assert.deepEqual(provider.languages, []);
    await assert.rejects(provider.init(), (e) => isAigError(e, 'AIG_ERR_ASR_NOT_CONFIGURED'));
  });

  it('rejects a URL that is not ws:// or wss://', async () => {
    await assert.rejects(recognizer(config('http://127.0.0.1:1')).init(), (e) =>
      isAigError(e, 'AIG_ERR_ASR_NOT_CONFIGURED'),
    );
  });

  it('checks the server: one connection, the eof answered by a vosk result, closed', async () => {
    const server = await startServer({});
    const provider = recognizer(config(server.url, { sampleRate: 16000 }));
    assert.deepEqual(provider.languages, ['fr', 'en']);
    assert.equal(provider.sampleRate, 16000);
    assert.equal(provider.name, 'websocket');
    await provider.init();
    const connection = await server.connection(0);
    await connection.closed;
    assert.deepEqual(connection.textMessages, [VOSK_SERVER_EOF]);
    assert.equal(server.connections.length, 1);
  });

  it('a server per language: languages report what is configured, each is checked', async () => {
    const french = await startServer({});
    const english = await startServer({});
    assert.deepEqual(recognizer(config(null), { urls: { en: english.url } }).languages, ['en']);
    const provider = recognizer(config(null), { urls: { fr: french.url, en: english.url } });
    assert.deepEqual(provider.languages, ['fr', 'en']);
    await provider.init();
    assert.equal(french.connections.length, 1);
    assert.equal(english.connections.length, 1);
    const fork = new AudioFork();
    const turn = provider
      .openSession({ callId: 'call-lang' })
      .startTurn(fork.subscribe(), turnOptions({ language: 'en' }));
    fork.close();
    await turn.outcome;
    assert.equal(english.connections.length, 2);
    assert.equal(french.connections.length, 1);
  });

  it('a server that is down: AIG_ERR_ASR_UNAVAILABLE', async () => {
    await assert.rejects(recognizer(config(await VoskProtocolServer.refusedUrl())).init(), (e) =>
      isAigError(e, 'AIG_ERR_ASR_UNAVAILABLE'),
    );
  });

  it('a server that never completes the handshake: AIG_ERR_ASR_UNAVAILABLE after connectTimeoutMs', async () => {
    const server = await startServer({}, 'hang');
    const started = performance.now();
    await assert.rejects(recognizer(config(server.url, { connectTimeoutMs: 300 })).init(), (e) =>
      isAigError(e, 'AIG_ERR_ASR_UNAVAILABLE'),
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 3000, `rejected after ${elapsed} ms`);
  });

  it('a server speaking something else: AIG_ERR_ASR_PROTOCOL; one that never answers: AIG_ERR_ASR_TIMEOUT', async () => {
    const garbage = await startServer({ eofRawAnswer: 'HELLO' });
    await assert.rejects(recognizer(config(garbage.url)).init(), (e) =>
      isAigError(e, 'AIG_ERR_ASR_PROTOCOL'),
    );
    const silent = await startServer({ ignoreEof: true });
    await assert.rejects(recognizer(config(silent.url, { finalTimeoutMs: 300 })).init(), (e) =>
      isAigError(e, 'AIG_ERR_ASR_TIMEOUT'),
    );
  });
});
