/**
 * One recognition turn against a vosk-server compatible recognizer, over one WebSocket connection opened for the
 * turn and closed when it ends: a vosk recognizer lives as long as its connection (alphacep/vosk-server
 * `websocket/asr_server.py` creates one per connection), so turns never share one.
 *
 * The turn, in order (protocol details in `vosk-protocol.ts`):
 *   1. connect, at most `connectTimeoutMs`; audio read meanwhile is held and sent once the connection is open, so
 *      the first words are not lost;
 *   2. `{"config": {...}}`, then the caller's audio as 16-bit little-endian PCM, 100 ms per binary message
 *      (a 20 ms frame per message would be five server round trips per 100 ms for nothing);
 *   3. answers: a non-empty `partial` → `speechStart` (the first) and `partial` (identical repeats dropped: vosk
 *      answers every chunk with the whole partial so far); a non-empty result → `final`, and with
 *      `singleUtterance` the turn ends there (eof sent, connection closed);
 *   4. `endOfSpeech()` (or the audio ending, or `maxUtteranceMs` of speech) → `{"eof" : 1}` → the server's answer
 *      to it within `finalTimeoutMs` (timer started when the eof is sent) → `final`, or `no-match` when empty.
 *      `latencyMs` of a final counts from the `endOfSpeech()` call.
 *
 * Which answer is the eof's: the server answers each binary message once and the eof once, in order, so the eof
 * answer is answer number (binary messages sent). An endpoint result for audio sent before the eof that arrives
 * after it is a `final` of its own, not mistaken for the end.
 *
 * Failures become `error` then `end` (reason `error`); nothing throws out of a turn, `outcome` never rejects and a
 * listener that throws is logged and ignored:
 *   - refused, HTTP error instead of the upgrade, no handshake within `connectTimeoutMs`: `unavailable`,
 *     AIG_ERR_ASR_UNAVAILABLE, retryable;
 *   - connection lost before the final answer: `unavailable`, AIG_ERR_ASR_PROTOCOL, retryable;
 *   - an answer that is not a vosk result (not JSON, binary, unknown shape): `internal`, AIG_ERR_ASR_PROTOCOL, not
 *     retryable (the server speaks another protocol: a configuration error that a new turn will not fix);
 *   - no answer to the eof within `finalTimeoutMs`: `timeout`, AIG_ERR_ASR_TIMEOUT, retryable;
 *   - no server for the turn's language: `bad-request`, AIG_ERR_ASR_NOT_CONFIGURED, retryable (another provider
 *     may serve the language).
 */
import { TurnTimers, emitSafely } from '../turn-timers.js';
import { EventEmitter } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import { AigError } from '../../../errors/aig-error.js';
import type { ErrorCode } from '../../../errors/error-codes.js';
import type {
  FinalResultEvent,
  RecognitionAlternative,
  RecognitionEndReason,
  RecognitionErrorEvent,
  RecognitionErrorKind,
  RecognitionOutcome,
  RecognitionTurn,
  RecognitionTurnEvents,
  RecognitionTurnOptions,
} from '../recognizer-types.js';
import { redactServerUrl } from './server-url.js';
import { encodePcm16le, parseVoskMessage, VOSK_EOF_MESSAGE, voskConfigMessage } from './vosk-protocol.js';
import type { WebsocketTurnSettings } from './websocket-recognizer-types.js';

/**
 * `idle` until the turn starts (next macrotask, so listeners attached after `startTurn` see every event);
 * `connecting`; `streaming` (config sent, audio flowing); `finishing` (eof sent, waiting for its answer); `ended`.
 */
export type WebsocketTurnState = 'idle' | 'connecting' | 'streaming' | 'finishing' | 'ended';

type TimerName = 'connect' | 'noInput' | 'maxUtterance' | 'final';

export class WebsocketRecognitionTurn extends EventEmitter<RecognitionTurnEvents> implements RecognitionTurn {
  readonly provider = 'websocket' as const;
  readonly outcome: Promise<RecognitionOutcome>;

  private readonly settings: WebsocketTurnSettings;
  private readonly audio: AsyncIterable<Int16Array>;
  private readonly options: RecognitionTurnOptions;
  private readonly serverName: string;
  private readonly samplesPerBatch: number;
  private resolveOutcome: (outcome: RecognitionOutcome) => void = () => undefined;
  private turnState: WebsocketTurnState = 'idle';
  private socket: WebSocket | null = null;
  private iterator: AsyncIterator<Int16Array> | null = null;
  private audioReleased = false;
  private readonly timers: TurnTimers<TimerName>;
  /** Frames read but not yet sent (less than one batch). */
  private batch: Int16Array[] = [];
  private batchSamples = 0;
  /** Batches read while connecting. */
  private readonly held: Buffer[] = [];
  private binaryMessagesSent = 0;
  private audioBytesSent = 0;
  private answersReceived = 0;
  private abortRequested = false;
  private eofRequested = false;
  private eofSent = false;
  /** Index of the answer to the eof; -1 until it is sent. */
  private eofAnswerIndex = -1;
  private startedAt = 0;
  private connectedAt: number | null = null;
  private endOfSpeechAt: number | null = null;
  private speechStarted = false;
  private lastPartial = '';
  private lastFinal: FinalResultEvent | null = null;

  constructor(
    settings: WebsocketTurnSettings,
    audio: AsyncIterable<Int16Array>,
    options: RecognitionTurnOptions,
  ) {
    super();
    this.settings = settings;
    this.timers = new TurnTimers(settings.clock);
    this.audio = audio;
    this.options = options;
    this.serverName = settings.url === null ? '(none)' : redactServerUrl(settings.url);
    this.samplesPerBatch = Math.max(1, Math.round((settings.sampleRate * settings.batchMs) / 1000));
    this.outcome = new Promise((resolve) => {
      this.resolveOutcome = resolve;
    });
    setImmediate(() => this.run());
  }

  get state(): WebsocketTurnState {
    return this.turnState;
  }

  endOfSpeech(): void {
    if (this.turnState === 'ended') {
      return;
    }
    if (this.eofRequested) {
      // The audio ended first; the caller's end of speech still dates the final.
      this.endOfSpeechAt ??= this.now();
      return;
    }
    this.requestEof(this.now());
  }

  abort(): void {
    if (this.turnState === 'idle') {
      this.abortRequested = true;
      return;
    }
    this.finish('aborted');
  }

  private run(): void {
    if (this.turnState !== 'idle') {
      return;
    }
    if (this.abortRequested) {
      this.finish('aborted');
      return;
    }
    const url = this.settings.url;
    if (url === null) {
      this.fail(
        'bad-request',
        'AIG_ERR_ASR_NOT_CONFIGURED',
        `no websocket recognizer server for language '${this.options.language}'`,
        true,
      );
      return;
    }
    this.startedAt = this.now();
    this.setState('connecting');
    if (!this.eofRequested) {
      this.timers.arm('noInput', this.options.noInputTimeoutMs, () => this.onNoInput());
    }
    this.timers.arm('connect', this.settings.connectTimeoutMs, () =>
      this.fail(
        'unavailable',
        'AIG_ERR_ASR_UNAVAILABLE',
        `no connection to ${this.serverName} within ${this.settings.connectTimeoutMs} ms`,
        true,
      ),
    );
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, { perMessageDeflate: false });
    } catch (err) {
      this.fail('unavailable', 'AIG_ERR_ASR_UNAVAILABLE', `${this.serverName}: ${errorText(err)}`, true);
      return;
    }
    this.socket = socket;
    socket.on('open', () => this.onOpen());
    socket.on('message', (data, isBinary) => this.onAnswer(data, isBinary));
    // Also after the turn ended: ws reports a connection aborted by `terminate()` as an error event.
    socket.on('error', (err) => this.onSocketError(err));
    socket.on('close', (code) => this.onSocketClose(code));
    if (this.eofRequested) {
      this.releaseAudio();
    } else {
      void this.readAudio();
    }
  }

  private async readAudio(): Promise<void> {
    const iterator = this.iterator ?? this.audio[Symbol.asyncIterator]();
    this.iterator = iterator;
    try {
      for (;;) {
        const next = await iterator.next();
        if (this.turnState === 'ended' || this.eofRequested) {
          return;
        }
        if (next.done === true) {
          this.requestEof(null);
          return;
        }
        this.addFrame(next.value);
      }
    } catch (err) {
      if (this.turnState === 'ended' || this.eofRequested) {
        return;
      }
      this.settings.logger?.warn(
        { callId: this.settings.callId, error: errorText(err) },
        'recognition audio source failed; finishing the turn with the audio read so far',
      );
      this.requestEof(null);
    }
  }

  private addFrame(frame: Int16Array): void {
    this.batch.push(frame);
    this.batchSamples += frame.length;
    if (this.batchSamples >= this.samplesPerBatch) {
      this.flushBatch();
    }
  }

  private flushBatch(): void {
    if (this.batch.length === 0) {
      return;
    }
    const bytes = encodePcm16le(this.batch);
    this.batch = [];
    this.batchSamples = 0;
    if (this.turnState === 'streaming') {
      this.sendAudio(bytes);
    } else {
      this.held.push(bytes);
    }
  }

  private sendAudio(bytes: Buffer): void {
    this.socket!.send(bytes);
    this.binaryMessagesSent++;
    this.audioBytesSent += bytes.length;
  }

  private onOpen(): void {
    if (this.turnState !== 'connecting') {
      return;
    }
    this.timers.cancel('connect');
    this.connectedAt = this.now();
    this.setState('streaming');
    this.socket!.send(
      voskConfigMessage({
        sampleRate: this.settings.sampleRate,
        maxAlternatives: this.options.maxAlternatives,
        grammar: this.options.grammar,
      }),
    );
    for (const bytes of this.held) {
      this.sendAudio(bytes);
    }
    this.held.length = 0;
    if (this.eofRequested) {
      this.sendEof();
    }
  }

  /** No more audio will be sent: flush what is read, send the eof (now, or once connected). */
  private requestEof(endOfSpeechAt: number | null): void {
    if (this.turnState === 'ended' || this.eofRequested) {
      return;
    }
    this.eofRequested = true;
    this.endOfSpeechAt = endOfSpeechAt;
    this.timers.cancel('noInput');
    this.timers.cancel('maxUtterance');
    this.releaseAudio();
    this.flushBatch();
    if (this.turnState === 'streaming') {
      this.sendEof();
    }
  }

  private sendEof(): void {
    this.socket!.send(VOSK_EOF_MESSAGE);
    this.eofSent = true;
    this.eofAnswerIndex = this.binaryMessagesSent;
    this.setState('finishing');
    this.timers.arm('final', this.settings.finalTimeoutMs, () => this.onFinalTimeout());
  }

  private onAnswer(data: RawData, isBinary: boolean): void {
    if (this.turnState === 'ended') {
      return;
    }
    const index = this.answersReceived++;
    if (isBinary) {
      this.fail('internal', 'AIG_ERR_ASR_PROTOCOL', `${this.serverName} sent a binary message`, false);
      return;
    }
    const message = parseVoskMessage(rawText(data));
    switch (message.kind) {
      case 'invalid':
        this.fail(
          'internal',
          'AIG_ERR_ASR_PROTOCOL',
          `answer from ${this.serverName} is ${message.reason}`,
          false,
        );
        return;
      case 'partial':
        this.onPartial(message.transcript);
        return;
      case 'result':
        this.onResult(message.alternatives, this.eofAnswerIndex >= 0 && index >= this.eofAnswerIndex);
        return;
    }
  }

  private onPartial(transcript: string): void {
    if (transcript === '') {
      return;
    }
    this.markSpeechStart();
    if (this.turnState === 'ended' || !this.options.interimResults || transcript === this.lastPartial) {
      return;
    }
    this.lastPartial = transcript;
    this.safeEmit('partial', { transcript, stability: null, atMs: this.now() });
  }

  private onResult(alternatives: readonly RecognitionAlternative[], isEofAnswer: boolean): void {
    if (alternatives.length === 0) {
      // Mid-stream, an empty result is vosk's endpointer closing a stretch of silence: nothing to report.
      if (isEofAnswer) {
        this.finish(this.lastFinal === null ? 'no-match' : 'final');
      }
      return;
    }
    this.markSpeechStart();
    if (this.turnState === 'ended') {
      return;
    }
    const atMs = this.now();
    const final: FinalResultEvent = {
      alternatives,
      atMs,
      latencyMs: this.endOfSpeechAt === null ? null : atMs - this.endOfSpeechAt,
    };
    this.lastFinal = final;
    this.lastPartial = '';
    this.safeEmit('final', final);
    if (this.options.singleUtterance || isEofAnswer) {
      this.finish('final');
    }
  }

  private markSpeechStart(): void {
    if (this.speechStarted) {
      return;
    }
    this.speechStarted = true;
    this.timers.cancel('noInput');
    if (!this.eofRequested) {
      this.timers.arm('maxUtterance', this.options.maxUtteranceMs, () => this.requestEof(null));
    }
    this.safeEmit('speechStart', { atMs: this.now() });
  }

  private onNoInput(): void {
    if (!this.speechStarted && !this.eofRequested) {
      this.finish('no-input');
    }
  }

  private onFinalTimeout(): void {
    if (this.lastFinal !== null) {
      // Several utterances: the earlier finals stand even though the last answer never came.
      this.settings.logger?.warn(
        { callId: this.settings.callId, finalTimeoutMs: this.settings.finalTimeoutMs },
        'websocket recognizer gave no answer to the end of audio; keeping the finals already given',
      );
      this.finish('final');
      return;
    }
    this.fail(
      'timeout',
      'AIG_ERR_ASR_TIMEOUT',
      `no final result from ${this.serverName} within ${this.settings.finalTimeoutMs} ms of the end of audio`,
      true,
    );
  }

  private onSocketError(err: Error): void {
    if (this.turnState === 'ended') {
      return;
    }
    if (this.turnState === 'connecting') {
      this.fail('unavailable', 'AIG_ERR_ASR_UNAVAILABLE', `${this.serverName}: ${err.message}`, true);
      return;
    }
    this.onConnectionLost(`connection to ${this.serverName} failed before the final result (${err.message})`);
  }

  private onSocketClose(code: number): void {
    if (this.turnState === 'ended') {
      return;
    }
    if (this.turnState === 'connecting') {
      this.fail(
        'unavailable',
        'AIG_ERR_ASR_UNAVAILABLE',
        `${this.serverName} closed the connection during the handshake (code ${code})`,
        true,
      );
      return;
    }
    this.onConnectionLost(`${this.serverName} closed the connection before the final result (code ${code})`);
  }

  private onConnectionLost(detail: string): void {
    if (this.eofSent && this.lastFinal !== null) {
      // Several utterances and the eof sent: the finals already given stand.
      this.finish('final');
      return;
    }
    this.fail('unavailable', 'AIG_ERR_ASR_PROTOCOL', detail, true);
  }

  private fail(kind: RecognitionErrorKind, code: ErrorCode, detail: string, retryable: boolean): void {
    if (this.turnState === 'ended') {
      return;
    }
    const error: RecognitionErrorEvent = {
      kind,
      code,
      message: new AigError(code, detail).message,
      retryable,
      atMs: this.now(),
    };
    // An `error` event nobody listens to would throw (EventEmitter semantics); `outcome` carries it anyway.
    if (this.listenerCount('error') > 0) {
      this.safeEmit('error', error);
    }
    this.finish('error', error);
  }

  /** The one way a turn ends: timers off, audio released, socket closed, `end` emitted, `outcome` resolved. */
  private finish(reason: RecognitionEndReason, error: RecognitionErrorEvent | null = null): void {
    if (this.turnState === 'ended') {
      return;
    }
    this.setState('ended');
    this.timers.cancelAll();
    this.releaseAudio();
    this.closeSocket(reason);
    const atMs = this.now();
    this.settings.logger?.info(
      {
        callId: this.settings.callId,
        provider: this.provider,
        reason,
        errorCode: error?.code,
        audioBytes: this.audioBytesSent,
        audioMessages: this.binaryMessagesSent,
        answers: this.answersReceived,
        connectMs: this.connectedAt === null ? null : Math.round(this.connectedAt - this.startedAt),
        latencyMs: this.lastFinal?.latencyMs ?? null,
        alternatives: this.lastFinal?.alternatives.length ?? 0,
      },
      'recognition turn ended',
    );
    this.safeEmit('end', { reason, atMs });
    this.resolveOutcome({ reason, final: this.lastFinal, error, provider: this.provider });
  }

  private closeSocket(reason: RecognitionEndReason): void {
    const socket = this.socket;
    if (socket === null) {
      return;
    }
    if (socket.readyState === WebSocket.OPEN) {
      if (reason === 'final' && !this.eofSent) {
        // Single utterance ended mid-stream: let the server finish its recognizer cleanly.
        socket.send(VOSK_EOF_MESSAGE);
      }
      socket.close(1000);
    } else if (socket.readyState === WebSocket.CONNECTING) {
      socket.terminate();
    }
  }

  /** Stops reading the audio (the iterator's `return()`: a fork subscription leaves its fork). */
  private releaseAudio(): void {
    if (this.audioReleased) {
      return;
    }
    this.audioReleased = true;
    const iterator = this.iterator ?? this.audio[Symbol.asyncIterator]();
    this.iterator = iterator;
    try {
      const done = iterator.return?.();
      void done?.catch(() => undefined);
    } catch {
      // An audio source that fails to stop has nothing more to give us.
    }
  }

  private setState(next: WebsocketTurnState): void {
    const previous = this.turnState;
    this.turnState = next;
    this.settings.logger?.debug(
      { callId: this.settings.callId, from: previous, to: next },
      'websocket recognition turn state',
    );
  }

  /** A listener error never kills the turn. */
  private safeEmit<K extends keyof RecognitionTurnEvents>(event: K, ...args: RecognitionTurnEvents[K]): void {
    emitSafely<RecognitionTurnEvents, K>(this, event, args, (e, err) =>
      // The error's name only: its message could quote a transcript.
      this.settings.logger?.warn(
        { callId: this.settings.callId, event: e, error: err instanceof Error ? err.name : typeof err },
        'recognition turn listener failed',
      ),
    );
  }

  private now(): number {
    return this.settings.clock.now();
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) {
    return data.toString('utf8');
  }
  if (Array.isArray(data)) {
    return Buffer.concat(data).toString('utf8');
  }
  return Buffer.from(data).toString('utf8');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
