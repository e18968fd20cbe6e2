/**
 * Options of the `websocket` recognizer (a vosk-server compatible, self-hosted streaming ASR: the sovereign option).
 * The server URL, sample rate and timeouts come from `config.speech.websocket`; what is here is what the
 * composition root adds.
 */
import type { ConversationLanguage } from '../../../config/config-types.js';
import type { Clock } from '../../../shared/clock.js';

/** The pino subset the provider logs through (a call's child logger fits). */
export interface RecognizerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WebsocketRecognizerOptions {
  /** Time source for timers and event time stamps. @default systemClock */
  clock?: Clock;
  /** Never given transcripts: lines carry the call id, counts and timings only. @default no logging */
  logger?: RecognizerLogger;
  /**
   * One server per language. A vosk server runs one model, and a model is one language, so the operator chooses
   * a French or an English model server; with both here each language goes to its own. A language missing here
   * is served by `config.url` when that is set. @default {} (both languages on `config.url`)
   */
  urls?: Partial<Record<ConversationLanguage, string>>;
}

/** What one turn needs of the recognizer's configuration, resolved. */
export interface WebsocketTurnSettings {
  /** null: no server for the turn's language (the turn ends with an error). */
  readonly url: string | null;
  readonly sampleRate: 8000 | 16000;
  readonly connectTimeoutMs: number;
  readonly finalTimeoutMs: number;
  /** Audio per binary message, ms. @default 100 */
  readonly batchMs: number;
  readonly clock: Clock;
  readonly logger: RecognizerLogger | null;
  readonly callId: string;
}
