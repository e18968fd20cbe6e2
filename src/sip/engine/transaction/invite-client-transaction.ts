/**
 * The INVITE client transaction, RFC 3261 §17.1.1 (Figure 5) as amended by RFC 6026 §7.2 (Figure 3):
 * Calling → Proceeding → Completed (300-699, ACK sent here) or Accepted (2xx) → Terminated.
 * Timer A retransmits over unreliable transports (T1, doubling), timer B (64·T1) times out a "Calling"
 * transaction, timer D absorbs final response retransmissions, timer M keeps the transaction in "Accepted" so that
 * 2xx retransmissions reach the TU (which re-sends its ACK).
 */
import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { InboundMessage, Remote } from '../transport/transport-types.js';
import { buildNon2xxAck } from './non-2xx-ack.js';
import { timerAInitial, timerANext, timerB, timerD, timerM } from './timers.js';
import { TransactionBase } from './transaction-base.js';
import type { TransactionContext } from './transaction-context.js';
import type { ClientTransaction, ClientTransactionHandlers } from './transaction-types.js';

export class InviteClientTransaction extends TransactionBase implements ClientTransaction {
  readonly branch: string;
  readonly request: SipRequest;
  private readonly handlers: ClientTransactionHandlers;
  private retransmitInterval = 0;
  /** The ACK built for the 300-699 response, re-sent on each retransmission of that response (§17.1.1.2). */
  private ack: SipRequest | undefined;

  constructor(
    ctx: TransactionContext,
    key: string,
    branch: string,
    request: SipRequest,
    remote: Remote,
    handlers: ClientTransactionHandlers,
  ) {
    super(ctx, key, remote, 'calling');
    this.branch = branch;
    this.request = request;
    this.handlers = handlers;
  }

  /** §17.1.1.2: the INVITE is passed to the transport; timer A (unreliable only) and timer B start. */
  start(): void {
    this.transmit(this.request, this.remote);
    if (!this.reliable) {
      this.retransmitInterval = timerAInitial(this.ctx.timers);
      this.startRetransmit(this.onTimerA, this.retransmitInterval);
    }
    this.startDeadline(this.onTimerB, timerB(this.ctx.timers));
  }

  receiveResponse(response: SipResponse, inbound: InboundMessage): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          // §17.1.1.2: no more retransmissions once a provisional arrived; timer B only guards "Calling".
          this.clearRetransmit();
          this.clearDeadline();
          this.transition('proceeding');
        } else if (status < 300) {
          // RFC 6026 §7.2: 2xx → "Accepted"; the TU (not the transaction) sends the ACK.
          this.clearRetransmit();
          this.transition('accepted');
          this.startDeadline(this.onTimerM, timerM(this.ctx.timers));
        } else {
          this.clearRetransmit();
          this.transition('completed');
          this.ack = buildNon2xxAck(this.request, response);
          this.transmit(this.ack, this.remote);
          this.startDeadline(this.onTimerD, timerD(this.ctx.timers, this.reliable));
        }
        this.deliver(response, inbound);
        return;
      case 'accepted':
        // RFC 6026 §7.2: every 2xx retransmission goes up so the TU can re-send its ACK; anything else is dropped.
        if (status >= 200 && status < 300) {
          this.deliver(response, inbound);
        }
        return;
      case 'completed':
        // §17.1.1.2: a retransmitted final response is answered with the same ACK and not passed up.
        if (status >= 300 && this.ack !== undefined) {
          this.transmit(this.ack, this.remote);
        }
        return;
      default:
        return;
    }
  }

  /** Stops the timers without sending anything and without telling the TU (shutdown). */
  terminate(): void {
    this.abort();
  }

  private readonly onTimerA = (): void => {
    if (this.state !== 'calling') {
      return;
    }
    this.transmit(this.request, this.remote);
    this.retransmitInterval = timerANext(this.retransmitInterval);
    this.startRetransmit(this.onTimerA, this.retransmitInterval);
  };

  /** §17.1.1.2: timer B fired in "Calling": the TU is told (it reports 408). */
  private readonly onTimerB = (): void => {
    if (this.state !== 'calling') {
      return;
    }
    this.transition('terminated');
    try {
      this.handlers.onTimeout();
    } catch (err) {
      this.callbackFailed(err);
    }
  };

  private readonly onTimerD = (): void => {
    this.transition('terminated');
  };

  private readonly onTimerM = (): void => {
    this.transition('terminated');
  };

  protected transportFailed(err: Error): void {
    this.transition('terminated');
    try {
      this.handlers.onTransportError(err);
    } catch (cbErr) {
      this.callbackFailed(cbErr);
    }
  }

  protected afterTerminated(): void {
    // The TU learns the outcome from onResponse/onTimeout/onTransportError.
  }

  private deliver(response: SipResponse, inbound: InboundMessage): void {
    try {
      this.handlers.onResponse(response, inbound);
    } catch (err) {
      this.callbackFailed(err);
    }
  }
}
