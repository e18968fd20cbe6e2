/**
 * The INVITE server transaction, RFC 3261 §17.2.1 (Figure 7) as amended by RFC 6026 §7.1 (Figure 5):
 * Proceeding → Completed (300-699) → Confirmed (ACK) → Terminated, or Proceeding → Accepted (2xx) → Terminated.
 *
 * Non-2xx: timer G retransmits over unreliable transports (T1 doubling up to T2), timer H (64·T1) gives up
 * waiting for the ACK, which is absorbed here; timer I then soaks up ACK retransmissions.
 * 2xx: the transaction itself retransmits the 2xx over unreliable transports on the RFC 3261 §13.3.1.4 schedule
 * (T1 doubling up to T2) until the TU calls `acknowledge()`; timer L (64·T1, RFC 6026) ends the transaction, and
 * `onAckTimeout` fires first when no ACK came by then (the §13.3.1.4 deadline; drachtio-server then sends a BYE).
 * Over TCP the 2xx is not retransmitted (our hop cannot lose it, as sofia/drachtio-server behave) but the ACK
 * deadline still applies.
 */
import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Remote } from '../transport/transport-types.js';
import { responseDestination } from '../transport/via-routing.js';
import { timerGInitial, timerGNext, timerH, timerI, timerL } from './timers.js';
import { TransactionBase } from './transaction-base.js';
import type { TransactionContext } from './transaction-context.js';
import type { ServerTransaction } from './transaction-types.js';

type EndCause =
  { kind: 'ackTimeout' } | { kind: 'timeout' } | { kind: 'transport'; error: Error } | undefined;

export class InviteServerTransaction extends TransactionBase implements ServerTransaction {
  readonly request: SipRequest;
  /** RFC 2543 peers only: key under which the layer finds this transaction for the non-2xx ACK. */
  readonly legacyAckKey: string | undefined;
  onTerminated: (() => void) | undefined = undefined;
  onAckTimeout: (() => void) | undefined = undefined;
  onTimeout: (() => void) | undefined = undefined;
  onTransportError: ((err: Error) => void) | undefined = undefined;
  private last: SipResponse | undefined;
  private destination: Remote | undefined;
  private retransmitInterval = 0;
  private acknowledged = false;
  private endCause: EndCause;

  constructor(
    ctx: TransactionContext,
    key: string,
    request: SipRequest,
    remote: Remote,
    legacyAckKey: string | undefined,
  ) {
    super(ctx, key, remote, 'proceeding');
    this.request = request;
    this.legacyAckKey = legacyAckKey;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** Returns false when the response cannot be sent any more (a final response was already sent, or ended). */
  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.state === 'accepted') {
      // RFC 6026 §7.1: further 2xx from the TU are passed to the transport while "Accepted".
      if (status < 200 || status >= 300) {
        return false;
      }
      this.sendResponse(response);
      return true;
    }
    if (this.state !== 'proceeding') {
      return false;
    }
    this.sendResponse(response);
    if (status < 200) {
      return true;
    }
    if (status < 300) {
      this.transition('accepted');
      if (!this.reliable) {
        this.retransmitInterval = timerGInitial(this.ctx.timers);
        this.startRetransmit(this.onRetransmit2xx, this.retransmitInterval);
      }
      this.startDeadline(this.onTimerL, timerL(this.ctx.timers));
      return true;
    }
    this.transition('completed');
    if (!this.reliable) {
      this.retransmitInterval = timerGInitial(this.ctx.timers);
      this.startRetransmit(this.onTimerG, this.retransmitInterval);
    }
    this.startDeadline(this.onTimerH, timerH(this.ctx.timers));
    return true;
  }

  /** §13.3.1.4: the ACK for the 2xx arrived, stop retransmitting; timer L still runs to absorb stragglers. */
  acknowledge(): void {
    if (this.state !== 'accepted' || this.acknowledged) {
      return;
    }
    this.acknowledged = true;
    this.clearRetransmit();
  }

  /**
   * A retransmission of the INVITE (§17.2.1): re-send the last provisional in "Proceeding", the final response in
   * "Completed", and the 2xx in "Accepted" while it is not acknowledged (RFC 6026 only requires absorbing it; the
   * early copy just saves the peer a retransmission interval). Absorbed silently otherwise.
   */
  receiveRetransmission(): void {
    const last = this.last;
    if (last === undefined) {
      return;
    }
    const state = this.state;
    if (state === 'proceeding' || state === 'completed' || (state === 'accepted' && !this.acknowledged)) {
      this.resend(last);
    }
  }

  /**
   * An ACK matched this transaction. §17.2.1: in "Completed" it moves to "Confirmed" (timer I); in "Confirmed" it
   * is absorbed. Returns false when the TU must see it (the ACK for a 2xx, or an ACK before any final response).
   */
  receiveAck(): boolean {
    if (this.state === 'completed') {
      this.clearRetransmit();
      this.transition('confirmed');
      this.startDeadline(this.onTimerI, timerI(this.ctx.timers, this.reliable));
      return true;
    }
    return this.state === 'confirmed';
  }

  private sendResponse(response: SipResponse): void {
    this.last = response;
    this.destination ??= responseDestination(response, this.remote);
    this.transmit(response, this.destination);
  }

  private resend(response: SipResponse): void {
    this.transmit(response, this.destination ?? responseDestination(response, this.remote));
  }

  private readonly onRetransmit2xx = (): void => {
    const last = this.last;
    if (this.state !== 'accepted' || this.acknowledged || last === undefined) {
      return;
    }
    this.resend(last);
    this.retransmitInterval = timerGNext(this.retransmitInterval, this.ctx.timers);
    this.startRetransmit(this.onRetransmit2xx, this.retransmitInterval);
  };

  private readonly onTimerG = (): void => {
    const last = this.last;
    if (this.state !== 'completed' || last === undefined) {
      return;
    }
    this.resend(last);
    this.retransmitInterval = timerGNext(this.retransmitInterval, this.ctx.timers);
    this.startRetransmit(this.onTimerG, this.retransmitInterval);
  };

  /** §17.2.1: no ACK for the non-2xx final response within 64·T1. */
  private readonly onTimerH = (): void => {
    if (this.state !== 'completed') {
      return;
    }
    this.endCause = { kind: 'timeout' };
    this.transition('terminated');
  };

  private readonly onTimerI = (): void => {
    this.transition('terminated');
  };

  /** RFC 6026 §7.1 timer L; when the 2xx was never acknowledged this is also the §13.3.1.4 ACK deadline. */
  private readonly onTimerL = (): void => {
    if (!this.acknowledged) {
      this.endCause = { kind: 'ackTimeout' };
    }
    this.transition('terminated');
  };

  protected transportFailed(err: Error): void {
    this.endCause = { kind: 'transport', error: err };
    this.transition('terminated');
  }

  protected override transportFailedAfterEnd(err: Error): void {
    this.callSafely(this.onTransportError, err);
  }

  /** The cause first (onTimeout, onAckTimeout or onTransportError), then onTerminated: each exactly once. */
  protected afterTerminated(): void {
    const cause = this.endCause;
    this.endCause = undefined;
    if (cause?.kind === 'timeout') {
      this.callSafely(this.onTimeout, undefined);
    } else if (cause?.kind === 'ackTimeout') {
      this.callSafely(this.onAckTimeout, undefined);
    } else if (cause?.kind === 'transport') {
      this.callSafely(this.onTransportError, cause.error);
    }
    this.callSafely(this.onTerminated, undefined);
  }

  private callSafely<T>(fn: ((arg: T) => void) | undefined, arg: T): void {
    if (fn === undefined) {
      return;
    }
    try {
      fn.call(this, arg);
    } catch (err) {
      this.callbackFailed(err);
    }
  }
}
