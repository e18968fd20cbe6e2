/**
 * The non-INVITE server transaction, RFC 3261 §17.2.2 (Figure 8): Trying → Proceeding → Completed → Terminated.
 * Request retransmissions are answered with the last response (none in "Trying"); timer J (64·T1 unreliable,
 * zero reliable) absorbs them after the final response.
 *
 * §17.2.2 has no timer for a TU that never answers: the TU must send a final response for every transaction it
 * creates (the engine's app-response timeout does), or the transaction lives on.
 */
import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Remote } from '../transport/transport-types.js';
import { responseDestination } from '../transport/via-routing.js';
import { timerJ } from './timers.js';
import { TransactionBase } from './transaction-base.js';
import type { TransactionContext } from './transaction-context.js';
import type { ServerTransaction } from './transaction-types.js';

export class NonInviteServerTransaction extends TransactionBase implements ServerTransaction {
  readonly request: SipRequest;
  onTerminated: (() => void) | undefined = undefined;
  /** Never fired: a non-INVITE request has no 2xx ACK. Present for the common `ServerTransaction` shape. */
  onAckTimeout: (() => void) | undefined = undefined;
  /** Never fired: no timer of §17.2.2 reports a timeout to the TU. */
  onTimeout: (() => void) | undefined = undefined;
  onTransportError: ((err: Error) => void) | undefined = undefined;
  private last: SipResponse | undefined;
  private destination: Remote | undefined;
  private transportError: Error | undefined;

  constructor(ctx: TransactionContext, key: string, request: SipRequest, remote: Remote) {
    super(ctx, key, remote, 'trying');
    this.request = request;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** Returns false once a final response was sent (§17.2.2: later responses from the TU are discarded). */
  respond(response: SipResponse): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') {
      return false;
    }
    this.last = response;
    this.destination ??= responseDestination(response, this.remote);
    this.transmit(response, this.destination);
    if (response.status < 200) {
      this.transition('proceeding');
      return true;
    }
    this.transition('completed');
    this.startDeadline(this.onTimerJ, timerJ(this.ctx.timers, this.reliable));
    return true;
  }

  /** Nothing to acknowledge outside INVITE. */
  acknowledge(): void {}

  /** §17.2.2: absorbed in "Trying"; the last response is re-sent in "Proceeding" and "Completed". */
  receiveRetransmission(): void {
    const last = this.last;
    if (last !== undefined && (this.state === 'proceeding' || this.state === 'completed')) {
      this.transmit(last, this.destination ?? responseDestination(last, this.remote));
    }
  }

  private readonly onTimerJ = (): void => {
    this.transition('terminated');
  };

  protected transportFailed(err: Error): void {
    this.transportError = err;
    this.transition('terminated');
  }

  /** Over TCP the transaction ends as soon as the final response is handed over (timer J is zero). */
  protected override transportFailedAfterEnd(err: Error): void {
    this.callSafely(this.onTransportError, err);
  }

  protected afterTerminated(): void {
    const error = this.transportError;
    this.transportError = undefined;
    if (error !== undefined) {
      this.callSafely(this.onTransportError, error);
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
