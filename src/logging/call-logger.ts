/**
 * The per-call child logger: every line about one call carries its id and the dialled (service) number, so
 * a call can be followed across the SIP, media and conversation layers. The caller's own number is not bound
 * here: it is personal data and only appears masked, under a redacted key.
 */
import type { Logger } from 'pino';

export interface CallLogContext {
  /** Aiguilleur's call id (or the SIP Call-ID until one is assigned). */
  callId: string;
  /** The dialled service number (Request-URI user part), e.g. `3646`. */
  number: string;
}

export function callLogger(root: Logger, context: CallLogContext): Logger {
  return root.child({ callId: context.callId, number: context.number });
}
