/**
 * One recognition turn on Google Speech v1 streaming: reads the caller's frames, streams them, turns Google's
 * answers into `speechStart` / `partial` / `final` / `error` / `end`, and always ends — `outcome` never rejects and
 * nothing is thrown out of the turn.
 *
 * Life of a turn (`state` changes in `beginFinishing` and `finish` only):
 *   - `listening`: a call is open (the config went first), audio goes out in ~100 ms chunks. Every
 *     `restartAfterMs` the call is half-closed and a new one opened with the same config, because Google ends a
 *     stream after about 5 minutes (cloud.google.com/speech-to-text/quotas: "streaming request: 5 minutes"); the
 *     old call still delivers the results of the audio it had, and they are kept;
 *   - `finishing`: no more audio is sent and the live call is half-closed. Entered on `endOfSpeech()` (the media
 *     endpointer), on Google's `END_OF_SINGLE_UTTERANCE`, after `maxUtteranceMs` of speech, when the audio source
 *     ends, or when Google closes the live call by itself. Google then sends its final result and closes;
 *   - `ended`: `end` was emitted (exactly once), every call cancelled, the audio source released.
 *
 * How a turn ends:
 *   - `final`: in single-utterance mode at the first final result; otherwise the final results of every call, in
 *     call order, are joined into one `final` when the calls have all closed after end of speech;
 *   - `no-input`: no speech (neither Google's `SPEECH_ACTIVITY_BEGIN` nor any transcript) within `noInputTimeoutMs`,
 *     or Google closed without hearing anything and nobody called `endOfSpeech()`;
 *   - `no-match`: speech was heard (by Google or by our endpointer) but Google closed the stream with no final
 *     transcript;
 *   - `error`: a gRPC failure of the live call, or **the final timeout**: `finalTimeoutMs` after end of speech
 *     Google has neither answered nor closed. That is reported as an `error` of kind `timeout` (retryable), not as
 *     `no-match`: a healthy Google answers an utterance it cannot transcribe by closing the stream quickly, so
 *     silence from it means the service is slow or stuck, and the runtime should try the next provider rather
 *     than tell the caller they were not understood. (In multi-utterance mode, final results already received
 *     are still given as the `final`.)
 *   - `aborted`: `abort()` (hangup, key press, a new turn, session close).
 *
 * A retired call's failure (after a restart) is logged and otherwise ignored: the live call carries on. Listener
 * errors are swallowed (`safeEmit`): a faulty listener never kills the turn. Transcripts are never logged.
 */
import { TurnTimers, emitSafely } from '../turn-timers.js';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../../shared/clock.js';
import type {
  FinalResultEvent,
  RecognitionAlternative,
  RecognitionEndReason,
  RecognitionErrorEvent,
  RecognitionOutcome,
  RecognitionTurn,
  RecognitionTurnEvents,
  RecognitionTurnOptions,
} from '../recognizer-types.js';
import { GoogleAudioChunker, type GoogleAudioEncoding } from './google-audio-chunker.js';
import { recognitionError, recognitionErrorOfStatus, recognitionErrorOfStream } from './google-errors.js';
import type { GoogleRecognizerLogger } from './google-recognizer-types.js';
import { parseStreamingResponse } from './google-response.js';
import {
  GoogleStreamCall,
  type StreamCallEnd,
  type StreamingRecognizeResponse,
  type StreamingRecognizeSource,
} from './google-stream-call.js';
import { buildStreamingConfig, type GoogleStreamingConfig } from './google-streaming-config.js';

export interface GoogleTurnSettings {
  readonly clock: Clock;
  readonly logger: GoogleRecognizerLogger;
  readonly encoding: GoogleAudioEncoding;
  readonly model: string;
  readonly finalTimeoutMs: number;
  readonly restartAfterMs: number;
  readonly framesPerChunk: number;
}

/** Where the turn's calls come from, or why there are none. */
export type GoogleTurnSource =
  | { readonly client: StreamingRecognizeSource }
  /** `not-ready`: the recognizer is not initialised (error); `closed`: the session is closed (aborted). */
  | { readonly refusal: 'not-ready' | 'closed'; readonly detail: string };

type TurnState = 'listening' | 'finishing' | 'ended';

type TimerName = 'noInput' | 'maxUtterance' | 'restart' | 'final';

interface FinalSegment {
  readonly callIndex: number;
  readonly alternatives: readonly RecognitionAlternative[];
}

export class GoogleStreamingTurn extends EventEmitter<RecognitionTurnEvents> implements RecognitionTurn {
  readonly provider = 'google' as const;
  readonly outcome: Promise<RecognitionOutcome>;
  /** The config every call of this turn sends first. */
  readonly streamingConfig: GoogleStreamingConfig;

  private state: TurnState = 'listening';
  private resolveOutcome: (outcome: RecognitionOutcome) => void = () => {};
  private readonly calls: GoogleStreamCall[] = [];
  private live: GoogleStreamCall | null = null;
  private readonly segments: FinalSegment[] = [];
  private speechStarted = false;
  private endOfSpeechAtMs: number | null = null;
  private readonly timers: TurnTimers<TimerName>;
  private readonly chunker: GoogleAudioChunker;
  private audioIterator: AsyncIterator<Int16Array> | null = null;
  private audioReleased = false;
  private readonly startedAtMs: number;

  constructor(
    private readonly source: GoogleTurnSource,
    private readonly audio: AsyncIterable<Int16Array>,
    private readonly options: RecognitionTurnOptions,
    private readonly settings: GoogleTurnSettings,
  ) {
    super();
    this.timers = new TurnTimers(settings.clock);
    this.outcome = new Promise((resolve) => {
      this.resolveOutcome = resolve;
    });
    this.startedAtMs = settings.clock.now();
    this.chunker = new GoogleAudioChunker(settings.encoding, settings.framesPerChunk);
    this.streamingConfig = buildStreamingConfig(options, settings);
    this.start();
  }

  /** Calls opened so far (1 + restarts). */
  get callCount(): number {
    return this.calls.length;
  }

  endOfSpeech(): void {
    if (this.state === 'ended') {
      return;
    }
    this.endOfSpeechAtMs ??= this.settings.clock.now();
    if (this.state === 'listening') {
      this.beginFinishing('end-of-speech');
    }
  }

  abort(): void {
    this.finish('aborted', null, null);
  }

  /**
   * Opens the first call and starts reading audio, from the constructor: the stream is on its way while the caller
   * attaches its listeners, and nothing is emitted synchronously (a refusal or a failed open ends the turn on the
   * next microtask).
   */
  private start(): void {
    if ('refusal' in this.source) {
      const { refusal, detail } = this.source;
      queueMicrotask(() => {
        if (refusal === 'closed') {
          this.finish('aborted', null, null);
        } else {
          this.finish('error', null, {
            kind: 'unavailable',
            code: 'AIG_ERR_ASR_NOT_CONFIGURED',
            message: `Google Speech is not ready: ${detail}`,
            retryable: true,
            atMs: this.settings.clock.now(),
          });
        }
      });
      return;
    }
    if (!this.openCall()) {
      return;
    }
    if (this.options.noInputTimeoutMs > 0) {
      this.timers.arm('noInput', this.options.noInputTimeoutMs, () => {
        if (this.state === 'listening' && !this.speechStarted) {
          this.finish('no-input', null, null);
        }
      });
    }
    void this.pumpAudio();
  }

  /** Opens the next call and makes it the live one; false (and the turn ended) when that failed. */
  private openCall(): boolean {
    if ('refusal' in this.source) {
      return false;
    }
    const index = this.calls.length;
    try {
      const call = new GoogleStreamCall(this.source.client, index, this.streamingConfig, {
        onResponse: (c, response) => this.onResponse(c, response),
        onEnd: (c, end) => this.onCallEnd(c, end),
      });
      this.calls.push(call);
      this.live = call;
    } catch (err) {
      const error = recognitionErrorOfStream(err, this.settings.clock.now());
      queueMicrotask(() => this.finish('error', null, error));
      return false;
    }
    this.settings.logger.debug({ call: index }, 'google stream opened');
    this.timers.arm('restart', this.settings.restartAfterMs, () => this.restart());
    return true;
  }

  /** Google ends a stream after ~5 minutes: hand over to a fresh call before that, keeping the old one's results. */
  private restart(): void {
    if (this.state !== 'listening' || this.live === null) {
      return;
    }
    const old = this.live;
    this.sendPendingAudio();
    old.halfClose();
    this.settings.logger.debug({ call: old.index, bytes: old.bytesSent }, 'google stream restarted');
    this.openCall();
  }

  private async pumpAudio(): Promise<void> {
    try {
      const iterator = this.audio[Symbol.asyncIterator]();
      this.audioIterator = iterator;
      for (;;) {
        const next = await iterator.next();
        if (this.state !== 'listening') {
          break;
        }
        if (next.done === true) {
          this.beginFinishing('audio-ended');
          break;
        }
        const chunk = this.chunker.push(next.value);
        if (chunk !== null) {
          this.live?.write(chunk);
        }
      }
    } catch (err) {
      if (this.state !== 'ended') {
        this.finish(
          'error',
          null,
          recognitionError(
            'internal',
            `audio source failed: ${(err as Error).message}`,
            this.settings.clock.now(),
          ),
        );
      }
    } finally {
      this.releaseAudio();
    }
  }

  private sendPendingAudio(): void {
    const chunk = this.chunker.flush();
    if (chunk !== null) {
      this.live?.write(chunk);
    }
  }

  /**
   * Stops reading the caller's audio, once: `return()` on the iterator makes a fork subscription leave the fork
   * (and settles a pending `next()`), even when the turn never started reading.
   */
  private releaseAudio(): void {
    if (this.audioReleased) {
      return;
    }
    this.audioReleased = true;
    try {
      const iterator = this.audioIterator ?? this.audio[Symbol.asyncIterator]();
      this.audioIterator = null;
      iterator.return?.().catch(() => {});
    } catch {
      // a source that cannot be closed is left to its owner
    }
  }

  private beginFinishing(
    why: 'end-of-speech' | 'single-utterance' | 'max-utterance' | 'audio-ended' | 'closed',
  ): void {
    if (this.state !== 'listening') {
      return;
    }
    this.state = 'finishing';
    this.timers.cancel('noInput');
    this.timers.cancel('maxUtterance');
    this.timers.cancel('restart');
    this.sendPendingAudio();
    this.live?.halfClose();
    this.releaseAudio();
    this.settings.logger.debug(
      { why, calls: this.calls.length, bytes: this.calls.reduce((sum, c) => sum + c.bytesSent, 0) },
      'google turn finishing',
    );
    this.timers.arm('final', this.settings.finalTimeoutMs, () => this.onFinalTimeout());
    this.concludeIfDone();
  }

  private onResponse(call: GoogleStreamCall, response: StreamingRecognizeResponse): void {
    if (this.state === 'ended') {
      return;
    }
    const parsed = parseStreamingResponse(response);
    if (parsed.error !== null) {
      this.onCallFailure(call, recognitionErrorOfStatus(parsed.error, this.settings.clock.now()));
      return;
    }
    if (parsed.speechEvent === 'activity-begin') {
      this.markSpeechStart();
    } else if (parsed.speechEvent === 'end-of-single-utterance' && call === this.live) {
      // Google takes no more audio on this stream (cloud_speech.proto, END_OF_SINGLE_UTTERANCE): half-close it.
      this.beginFinishing('single-utterance');
    }
    for (const alternatives of parsed.finals) {
      this.markSpeechStart();
      this.segments.push({ callIndex: call.index, alternatives });
      if (this.options.singleUtterance) {
        this.deliverFinal();
        return;
      }
    }
    if (parsed.interim !== null && call === this.live) {
      this.markSpeechStart();
      if (this.options.interimResults && !this.isEnded()) {
        const transcript = [
          ...this.orderedSegments().map((s) => s.alternatives[0]!.transcript),
          parsed.interim.transcript,
        ].join(' ');
        this.safeEmit('partial', {
          transcript,
          stability: parsed.interim.stability,
          atMs: this.settings.clock.now(),
        });
      }
    }
  }

  private onCallEnd(call: GoogleStreamCall, end: StreamCallEnd): void {
    if (this.state === 'ended') {
      return;
    }
    if (!end.ok) {
      this.onCallFailure(call, recognitionErrorOfStream(end.error, this.settings.clock.now()));
      return;
    }
    this.settings.logger.debug({ call: call.index, bytes: call.bytesSent }, 'google stream closed');
    if (call === this.live && this.state === 'listening') {
      // Google closed the live stream by itself (single utterance over, or the stream limit): nothing more to send.
      this.beginFinishing('closed');
      return;
    }
    this.concludeIfDone();
  }

  private onCallFailure(call: GoogleStreamCall, error: RecognitionErrorEvent): void {
    if (call !== this.live) {
      this.settings.logger.warn(
        { call: call.index, kind: error.kind, code: error.code, err: error.message },
        'retired google stream failed',
      );
      call.cancel();
      this.concludeIfDone();
      return;
    }
    this.finish('error', null, error);
  }

  /** Read through a method: listeners called by `safeEmit` may end the turn, which narrowing cannot know. */
  private isEnded(): boolean {
    return this.state === 'ended';
  }

  private markSpeechStart(): void {
    if (this.speechStarted || this.state === 'ended') {
      return;
    }
    this.speechStarted = true;
    this.timers.cancel('noInput');
    if (this.state === 'listening' && this.options.maxUtteranceMs > 0) {
      this.timers.arm('maxUtterance', this.options.maxUtteranceMs, () =>
        this.beginFinishing('max-utterance'),
      );
    }
    this.safeEmit('speechStart', { atMs: this.settings.clock.now() });
  }

  /** After end of speech, once every call has closed: the joined finals, or no-match / no-input. */
  private concludeIfDone(): void {
    if (this.state !== 'finishing' || this.calls.some((c) => c.state !== 'done')) {
      return;
    }
    if (this.segments.length > 0) {
      this.deliverFinal();
    } else {
      this.finish(this.speechStarted || this.endOfSpeechAtMs !== null ? 'no-match' : 'no-input', null, null);
    }
  }

  private onFinalTimeout(): void {
    if (this.state !== 'finishing') {
      return;
    }
    if (this.segments.length > 0) {
      this.deliverFinal();
      return;
    }
    this.finish(
      'error',
      null,
      recognitionError(
        'timeout',
        `no final result ${this.settings.finalTimeoutMs} ms after end of speech`,
        this.settings.clock.now(),
      ),
    );
  }

  private deliverFinal(): void {
    if (this.state === 'ended') {
      return;
    }
    const atMs = this.settings.clock.now();
    const final: FinalResultEvent = {
      alternatives: joinSegments(this.orderedSegments(), this.options.maxAlternatives),
      atMs,
      latencyMs: this.endOfSpeechAtMs === null ? null : atMs - this.endOfSpeechAtMs,
    };
    this.finish('final', final, null);
  }

  private orderedSegments(): FinalSegment[] {
    // Stable sort: a call's results stay in arrival order, calls in the order they carried the audio.
    return [...this.segments].sort((a, b) => a.callIndex - b.callIndex);
  }

  /** The one place a turn ends. */
  private finish(
    reason: RecognitionEndReason,
    final: FinalResultEvent | null,
    error: RecognitionErrorEvent | null,
  ): void {
    if (this.state === 'ended') {
      return;
    }
    this.state = 'ended';
    this.timers.cancelAll();
    for (const call of this.calls) {
      call.cancel();
    }
    this.chunker.clear();
    this.releaseAudio();
    const atMs = final?.atMs ?? error?.atMs ?? this.settings.clock.now();
    const log = {
      reason,
      calls: this.calls.length,
      bytes: this.calls.reduce((sum, c) => sum + c.bytesSent, 0),
      durationMs: Math.round(atMs - this.startedAtMs),
      ...(final === null
        ? {}
        : {
            latencyMs: final.latencyMs === null ? null : Math.round(final.latencyMs),
            alternatives: final.alternatives.length,
            confidence: final.alternatives[0]?.confidence,
          }),
      ...(error === null ? {} : { kind: error.kind, code: error.code, err: error.message }),
    };
    if (error === null) {
      this.settings.logger.debug(log, 'google turn ended');
    } else {
      this.settings.logger.warn(log, 'google turn failed');
    }
    if (final !== null) {
      this.safeEmit('final', final);
    }
    if (error !== null) {
      this.safeEmit('error', error);
    }
    this.safeEmit('end', { reason, atMs });
    this.resolveOutcome({ reason, final, error, provider: this.provider });
  }

  /** A listener error never kills the turn; an `error` with no listener is not thrown either. */
  private safeEmit<K extends keyof RecognitionTurnEvents>(event: K, ...args: RecognitionTurnEvents[K]): void {
    emitSafely<RecognitionTurnEvents, K>(this, event, args, (e, err) =>
      this.settings.logger.warn({ event: e, err }, 'recognition listener failed'),
    );
  }
}

/**
 * One list of alternatives for several final results (multi-utterance mode): the best transcripts of the earlier
 * results, then each alternative of the last one. A joined confidence is the lowest of its parts.
 */
export function joinSegments(
  segments: readonly { readonly alternatives: readonly RecognitionAlternative[] }[],
  maxAlternatives: number,
): RecognitionAlternative[] {
  const last = segments[segments.length - 1];
  if (last === undefined) {
    return [];
  }
  const earlier = segments.slice(0, -1).map((s) => s.alternatives[0]!);
  const prefix = earlier.map((a) => a.transcript).join(' ');
  const prefixConfidence = Math.min(1, ...earlier.map((a) => a.confidence));
  return last.alternatives.slice(0, Math.max(1, maxAlternatives)).map((alternative) => ({
    transcript: prefix === '' ? alternative.transcript : `${prefix} ${alternative.transcript}`,
    confidence: Math.min(prefixConfidence, alternative.confidence),
  }));
}
