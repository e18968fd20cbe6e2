/**
 * What an outbound INVITE's final response means for a callback (RFC 3261 §21): busy, no answer, declined or
 * failed, and how the call is recorded as ended. Pure: the dialer passes what it knows of the call.
 */
import type { OutboundCallOutcome } from './outbound-call-types.js';
import type { CallEndReason } from './sip-app-types.js';

/** What the dialer knows of a call whose INVITE got a non-2xx final response (or none). */
export interface UnansweredCall {
  readonly callId: string;
  /** Why we gave up before the answer, if we did. */
  readonly pendingEnd: CallEndReason | 'ring-timeout' | undefined;
  /** We sent a CANCEL: a 487 is then ours. */
  readonly cancelSent: boolean;
}

/** The call's end reason when we gave up on it before the answer. */
export function endReasonOfGivingUp(why: CallEndReason | 'ring-timeout'): CallEndReason {
  return why === 'ring-timeout' ? 'cancelled' : why;
}

/**
 * The outcome of a final `status` (undefined: no response at all) with `detail` as the failure text, and the end
 * reason to record. A shutdown we started wins over whatever the callee answered.
 */
export function outcomeOfFinalStatus(
  call: UnansweredCall,
  status: number | undefined,
  detail: string,
): { outcome: OutboundCallOutcome; endReason: CallEndReason } {
  const callId = call.callId;
  if (call.pendingEnd === 'shutdown') {
    const outcome = { kind: 'failed', callId, status: status ?? null, reason: 'shutdown' } as const;
    return { outcome: { ...outcome, code: 'AIG_ERR_DRAINING' }, endReason: 'shutdown' };
  }
  switch (status) {
    case 486: // Busy Here
    case 600: // Busy Everywhere
      return { outcome: { kind: 'busy', callId, status }, endReason: 'rejected' };
    case 480: // Temporarily Unavailable
    case 408: // Request Timeout: nothing came back (Timer B, §17.1.1.2), or no 487 after our CANCEL (§9.1)
      return { outcome: { kind: 'no-answer', callId, status }, endReason: 'rejected' };
    case 487: // Request Terminated: ours when we cancelled it; otherwise someone else's doing
      return call.cancelSent
        ? { outcome: { kind: 'no-answer', callId, status }, endReason: 'cancelled' }
        : { outcome: { kind: 'failed', callId, status, reason: detail }, endReason: 'rejected' };
    case 603: // Decline
    case 403: // Forbidden
      return { outcome: { kind: 'declined', callId, status }, endReason: 'rejected' };
    default:
      return {
        outcome: { kind: 'failed', callId, status: status ?? null, reason: detail },
        endReason: status === undefined ? 'error' : 'rejected',
      };
  }
}
