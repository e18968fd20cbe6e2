/**
 * Errors with stable codes (catalogue in `error-codes.ts`). Each code names its message template and, where it
 * maps to one, the SIP or HTTP status.
 */
import { ERROR_CODES, type ErrorCode, type ErrorCodeEntry } from './error-codes.js';

export class AigError extends Error {
  readonly code: ErrorCode;
  readonly sipStatus: number | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const entry: ErrorCodeEntry = ERROR_CODES[code];
    super(detail === undefined ? entry.message : `${entry.message}: ${detail}`, options);
    this.name = 'AigError';
    this.code = code;
    this.sipStatus = entry.sip;
    this.httpStatus = entry.http;
  }
}

export function isAigError(e: unknown, code?: ErrorCode): e is AigError {
  return e instanceof AigError && (code === undefined || e.code === code);
}
