/**
 * The one recognizer interface every speech provider implements (`google`, `websocket`, `pocketsphinx`).
 *
 * Lifecycle:
 *   - a `Recognizer` is process-wide (one client, one loaded model); `init()` fails loudly (bad credentials, missing
 *     library) so a misconfigured provider is known at start, not at the first caller;
 *   - a `RecognizerSession` is per call (pocketsphinx keeps one decoder per call across turns; Google and websocket
 *     open one stream per turn);
 *   - a `RecognitionTurn` is one question: it reads 16-bit PCM frames from the media audio fork (an async iterable of
 *     `Int16Array`, 20 ms each at the recognizer's `sampleRate`) and emits `speechStart`, `partial`, `final`, `end`
 *     and `error`.
 *
 * The runtime tells the turn when the caller stopped speaking (`endOfSpeech()`, from the media endpointer) so the
 * provider can close its stream and every turn measures end-of-speech → final latency.
 *
 * Time stamps are milliseconds from the `Clock` given to the provider (monotonic), so latency figures are
 * comparable across providers.
 */
import type { EventEmitter } from 'node:events';
import type { ConversationLanguage } from '../../config/config-types.js';

export type RecognizerName = 'google' | 'websocket' | 'pocketsphinx';

export interface RecognitionTurnOptions {
  /** Conversation language; providers map it to their locale (`fr-FR`, `en-US`). */
  readonly language: ConversationLanguage;
  /** Phrases to boost (Google speech contexts; ignored by providers that cannot use them). @default [] */
  readonly hints: readonly string[];
  /** Boost for the hints (Google: 0–20). @default 10 */
  readonly hintBoost: number;
  /**
   * A closed grammar: the only phrases the caller is expected to say (pocketsphinx builds a JSGF grammar from
   * them; vosk receives them as its `phrase_list`; Google adds them to the hints). null = open speech. @default null
   */
  readonly grammar: readonly string[] | null;
  /** Stop after the first utterance (short answers: yes/no, digits). @default true */
  readonly singleUtterance: boolean;
  /** Emit `partial` results while the caller speaks. @default true */
  readonly interimResults: boolean;
  /** No speech at all within this time → `end` with reason `no-input`. @default 5000 */
  readonly noInputTimeoutMs: number;
  /** Longest utterance; the provider is told to finish after it. @default 15000 */
  readonly maxUtteranceMs: number;
  /** Alternatives wanted in `final`. @default 3 */
  readonly maxAlternatives: number;
}

export const DEFAULT_RECOGNITION_TURN_OPTIONS: Readonly<Omit<RecognitionTurnOptions, 'language'>> =
  Object.freeze({
    hints: [],
    hintBoost: 10,
    grammar: null,
    singleUtterance: true,
    interimResults: true,
    noInputTimeoutMs: 5000,
    maxUtteranceMs: 15000,
    maxAlternatives: 3,
  });

export interface RecognitionAlternative {
  /** Lower-case text as recognized. */
  readonly transcript: string;
  /** 0–1; providers that give none report 0.5 for the first alternative and less for the others. */
  readonly confidence: number;
}

export interface SpeechStartEvent {
  readonly atMs: number;
}

export interface PartialResultEvent {
  readonly transcript: string;
  /** 0–1 when the provider says how stable the partial is. */
  readonly stability: number | null;
  readonly atMs: number;
}

export interface FinalResultEvent {
  /** Best first; at least one. */
  readonly alternatives: readonly RecognitionAlternative[];
  readonly atMs: number;
  /** `atMs` minus the time `endOfSpeech()` was called; null when it was not called (provider ended first). */
  readonly latencyMs: number | null;
}

/**
 * Why a turn ended: `final` (a result was given), `no-input` (no speech before the timeout), `no-match` (speech
 * but nothing recognized), `aborted` (the runtime stopped it: hangup, barge-in of another kind), `error`.
 */
export type RecognitionEndReason = 'final' | 'no-input' | 'no-match' | 'aborted' | 'error';

export interface RecognitionEndEvent {
  readonly reason: RecognitionEndReason;
  readonly atMs: number;
}

/**
 * Error kinds a flow can route on. `unavailable` (service down or unreachable: gRPC UNAVAILABLE, socket refused),
 * `quota` (RESOURCE_EXHAUSTED), `timeout` (DEADLINE_EXCEEDED or no answer in time), `auth` (UNAUTHENTICATED,
 * PERMISSION_DENIED, bad credentials), `bad-request` (INVALID_ARGUMENT: our fault), `internal` (anything else).
 */
export type RecognitionErrorKind = 'unavailable' | 'quota' | 'timeout' | 'auth' | 'bad-request' | 'internal';

export interface RecognitionErrorEvent {
  readonly kind: RecognitionErrorKind;
  /** Stable code from the error catalogue (`AIG_ERR_ASR_*`). */
  readonly code: string;
  readonly message: string;
  /** A new turn (or the fallback provider) may succeed. */
  readonly retryable: boolean;
  readonly atMs: number;
}

export interface RecognitionTurnEvents {
  speechStart: [event: SpeechStartEvent];
  partial: [event: PartialResultEvent];
  final: [event: FinalResultEvent];
  error: [event: RecognitionErrorEvent];
  /** Always the last event, exactly once. */
  end: [event: RecognitionEndEvent];
}

/** What a turn came to; `RecognitionTurn.outcome` resolves with it (never rejects). */
export interface RecognitionOutcome {
  readonly reason: RecognitionEndReason;
  readonly final: FinalResultEvent | null;
  readonly error: RecognitionErrorEvent | null;
  readonly provider: RecognizerName;
}

export interface RecognitionTurn extends EventEmitter<RecognitionTurnEvents> {
  readonly provider: RecognizerName;
  /** Resolves after `end`. */
  readonly outcome: Promise<RecognitionOutcome>;
  /** The caller stopped speaking (media endpointer): finish and give the final result as fast as possible. */
  endOfSpeech(): void;
  /** Stop now; `end` with reason `aborted` unless the turn had already ended. */
  abort(): void;
}

export interface RecognizerSession {
  /**
   * Starts one recognition turn reading `audio` (20 ms frames at the recognizer's `sampleRate`). At most one turn
   * runs per session at a time: starting another aborts the previous one.
   */
  startTurn(audio: AsyncIterable<Int16Array>, options: RecognitionTurnOptions): RecognitionTurn;
  /** Aborts a running turn and releases per-call resources. Idempotent. */
  close(): Promise<void>;
}

export interface RecognizerSessionContext {
  /** For logs and stats (never logged with personal data). */
  readonly callId: string;
}

export interface Recognizer {
  readonly name: RecognizerName;
  /** Languages this provider can serve with its configuration. */
  readonly languages: readonly ConversationLanguage[];
  /** PCM rate the provider reads: the audio fork is subscribed at this rate. */
  readonly sampleRate: 8000 | 16000;
  /** Connects, loads models, checks credentials. Rejects with an `AigError` (`AIG_ERR_ASR_*`) saying why. */
  init(): Promise<void>;
  openSession(context: RecognizerSessionContext): RecognizerSession;
  /** Releases the client/model; sessions still open are closed. Idempotent. */
  close(): Promise<void>;
}
