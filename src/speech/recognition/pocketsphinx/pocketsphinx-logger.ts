/**
 * The logger the pocketsphinx provider writes to: the subset of pino's `Logger` it uses, so that the app's root or
 * per-call logger can be passed as is. Nothing the caller said is logged (transcripts would go under the redacted
 * `transcript` key); grammar words are flow data, not personal data.
 */
export interface PocketsphinxLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const SILENT_LOGGER: PocketsphinxLogger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
