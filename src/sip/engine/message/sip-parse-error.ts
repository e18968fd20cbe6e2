/**
 * The error every message/grammar parser in this folder throws. It is an `AigError` with code `AIG_ERR_SIP_PARSE`
 * (so it maps to SIP 400) and keeps the short reason apart, ready to be used as the reason phrase of the 400
 * response (RFC 3261 §21.4.1 lets the phrase say what was wrong).
 */
import { AigError } from '../../../errors/aig-error.js';

export class SipParseError extends AigError {
  /** Short human reason, e.g. "Bad CSeq", usable as a SIP reason phrase. */
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super('AIG_ERR_SIP_PARSE', reason, options);
    this.name = 'SipParseError';
    this.reason = reason;
  }
}

/** The reason phrase to answer with for an error thrown while parsing; "Bad Request" when it is not ours. */
export function parseErrorReason(error: unknown): string {
  return error instanceof SipParseError ? error.reason : 'Bad Request';
}
