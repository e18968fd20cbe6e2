/**
 * The non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6): Trying → Proceeding → Completed → Terminated.
 * Timer E retransmits over unreliable transports (T1 doubling up to T2, then T2 once a provisional arrived),
 * timer F (64·T1) times the transaction out, timer K absorbs response retransmissions.
 */
import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { InboundMessage, Remote } from '../transport/transport-types.js';
import { timerEInitial, timerENext, timerF, timerK } from './timers.js';
import { TransactionBase } from './transaction-base.js';
import type { TransactionContext } from './transaction-context.js';
import type { ClientTransaction, ClientTransactionHandlers } from './transaction-types.js';

export class NonInviteClientTransaction extends TransactionBase implements ClientTransaction {
  readonly branch: string;
  readonly request: SipRequest;
  private readonly handlers: ClientTransactionHandlers;
  private retransmitInterval = 0;

  constructor(
    ctx: TransactionContext,
    key: string,
    branch: string,
    request: SipRequest,
    remote: Remote,
    handlers: ClientTransactionHandlers,
  ) {
    super(ctx, key, remote, 'trying');
    this.branch = branch;
    this.request = request;
    this.handlers = handlers;
  }

  /** §17.1.2.2: the request is passed to the transport, timer E (unreliable only) and timer F start. */
  start(): void {
    this.transmit(this.request, this.remote);
    if (!this.reliable) {
      this.retransmitInterval = timerEInitial(this.ctx.timers);
      this.startRetransmit(this.onTimerE, this.retransmitInterval);
    }
    this.startDeadline(this.onTimerF, timerF(this.ctx.timers));
  }

  receiveResponse(response: SipResponse, inbound: InboundMessage): void {
    const state = this.state;
    if (state === 'completed' || state === 'terminated') {
      // §17.1.2.2: retransmitted final responses are absorbed in "Completed".
      return;
    }
    if (response.status < 200) {
      this.transition('proceeding');
      this.deliver(response, inbound);
      return;
    }
    this.clearRetransmit();
    this.transition('completed');
    this.startDeadline(this.onTimerK, timerK(this.ctx.timers, this.reliable));
    this.deliver(response, inbound);
  }

  /** Stops the timers without sending anything and without telling the TU (shutdown). */
  terminate(): void {
    this.abort();
  }

  private readonly onTimerE = (): void => {
    if (this.state !== 'trying' && this.state !== 'proceeding') {
      return;
    }
    this.transmit(this.request, this.remote);
    this.retransmitInterval = timerENext(
      this.retransmitInterval,
      this.ctx.timers,
      this.state === 'proceeding',
    );
    this.startRetransmit(this.onTimerE, this.retransmitInterval);
  };

  /** §17.1.2.2: timer F fired in Trying or Proceeding, the TU is told (it reports 408). */
  private readonly onTimerF = (): void => {
    this.transition('terminated');
    try {
      this.handlers.onTimeout();
    } catch (err) {
      this.callbackFailed(err);
    }
  };

  private readonly onTimerK = (): void => {
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

  private deliver(response: SipResponse, inbound: InboundMessage): void {
    try {
      this.handlers.onResponse(response, inbound);
    } catch (err) {
      this.callbackFailed(err);
    }
  }

  protected afterTerminated(): void {
    // The TU learns the outcome from onResponse/onTimeout/onTransportError; nothing more to say on termination.
  }
}
