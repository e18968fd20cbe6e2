/**
 * What our SIP messages say about why: the Warning of an SDP refusal (RFC 3261 §20.43), the Reason of our BYEs
 * (RFC 3326), and how to read a dialog end we did not cause.
 */
import type { CallEndReason, CallState } from './sip-app-types.js';
import type { SrfHeaders } from './srf-types.js';

/** RFC 3261 §20.43 warn-agent: a pseudonym is allowed when the host name is not to be disclosed. */
const WARN_AGENT = 'aiguilleur';

/** RFC 3326 Reason of our BYEs. Q.850 cause 16 is "normal call clearing". */
const BYE_REASONS: Partial<Record<CallEndReason, string>> = {
  'max-duration': 'Q.850;cause=16;text="Maximum call duration reached"',
  shutdown: 'Q.850;cause=16;text="Service shutting down"',
  'media-rejected': 'SIP;cause=488;text="Not Acceptable Here"',
  transferred: 'Q.850;cause=16;text="Call transferred"',
  completed: 'Q.850;cause=16;text="Call completed"',
};

/**
 * Who ended a dialog we did not hang up. drachtio-srf marks a BYE the server sent by itself (§1.8.10 of the
 * wire protocol: ACK timeout, CANCEL after 200, session expiry) with source `application`; a BYE from the peer
 * comes from the `network`. The server's BYE before any ACK is the RFC 3261 §13.3.1.4 give-up. We do not rely
 * on our own 'ack' event there: drachtio-srf emits it asynchronously and drops it when a BYE follows at once.
 */
export function endedByPeerOrServer(msg: unknown, state: CallState): CallEndReason {
  const source = typeof msg === 'object' && msg !== null ? (msg as { source?: unknown }).source : undefined;
  if (source !== 'application') {
    return 'remote-hangup';
  }
  return state === 'answered' ? 'ack-timeout' : 'error';
}

/** A warning text is a quoted-string (RFC 3261 §25.1): no quotes, backslashes or line breaks inside. */
export function warningHeader(code: number, text: string): string {
  return `${code} ${WARN_AGENT} "${text.replace(/["\\\r\n]/g, ' ')}"`;
}

/** Headers of our BYE for `reason`: an RFC 3326 Reason where one explains the hang-up. */
export function byeHeaders(reason: CallEndReason): SrfHeaders {
  const text = BYE_REASONS[reason];
  return text === undefined ? {} : { Reason: text };
}
