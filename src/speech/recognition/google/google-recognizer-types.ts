/**
 * Options of the `google` recognizer that are not configuration: what the process injects (clock, logger) and the
 * knobs tests turn (restart interval in ms, where Application Default Credentials come from).
 */
import type { Clock } from '../../../shared/clock.js';

/** The pino subset the provider logs with (a per-call child is made with `child`, when there is one). */
export interface GoogleRecognizerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: Record<string, unknown>): GoogleRecognizerLogger;
}

export interface GoogleRecognizerOptions {
  /** Time stamps and timers. @default systemClock */
  clock?: Clock;
  /** @default a logger that drops everything */
  logger?: GoogleRecognizerLogger;
  /**
   * Restart interval of a turn's stream, ms: overrides `streamRestartSeconds` (whose configured minimum is 10 s)
   * so tests can restart after a few hundred ms. @default config.streamRestartSeconds * 1000
   */
  restartAfterMs?: number;
  /** 20 ms frames per `audioContent` message. @default 5 (100 ms) */
  framesPerChunk?: number;
  /**
   * The Application Default Credentials file the library would read when `keyFilename` is null. It only decides
   * whether the provider is configured at all; the library reads the file itself.
   * @default process.env.GOOGLE_APPLICATION_CREDENTIALS ?? null
   */
  applicationCredentials?: string | null;
}

export const DEFAULT_FRAMES_PER_CHUNK = 5;

export const SILENT_LOGGER: GoogleRecognizerLogger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});
