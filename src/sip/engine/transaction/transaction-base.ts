/**
 * What the four RFC 3261 §17 machines share: the one place where a transaction changes state, its two timer slots,
 * and sending through the layer with transport failures turned into the §17.1.4 / §17.2.4 outcome (inform the TU,
 * then "Terminated").
 */
import type { TimerHandle } from '../../../shared/clock.js';
import type { SipMessage } from '../message/sip-message.js';
import type { Remote } from '../transport/transport-types.js';
import type { TransactionContext } from './transaction-context.js';
import type { TransactionState } from './transaction-types.js';

export abstract class TransactionBase {
  readonly key: string;
  readonly remote: Remote;
  /** TCP: no retransmissions, zero wait timers (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2). */
  readonly reliable: boolean;
  protected readonly ctx: TransactionContext;
  private current: TransactionState;
  /** At most one retransmission timer (A, E, G or the 2xx one) is live at a time. */
  private retransmitTimer: TimerHandle | undefined;
  /** At most one deadline timer (B, D, F, H, I, J, K, L, M) is live at a time. */
  private deadlineTimer: TimerHandle | undefined;

  protected constructor(ctx: TransactionContext, key: string, remote: Remote, initial: TransactionState) {
    this.ctx = ctx;
    this.key = key;
    this.remote = remote;
    this.reliable = remote.protocol !== 'udp';
    this.current = initial;
  }

  get state(): TransactionState {
    return this.current;
  }

  /** Ends the transaction now, whatever its state (shutdown); the usual end-of-transaction notices still fire. */
  abort(): void {
    this.transition('terminated');
  }

  /** The single state transition point. Entering "terminated" clears every timer and leaves the layer's maps. */
  protected transition(next: TransactionState): void {
    if (this.current === 'terminated' || this.current === next) {
      return;
    }
    this.current = next;
    if (next === 'terminated') {
      this.clearRetransmit();
      this.clearDeadline();
      this.ctx.release(this);
      this.afterTerminated();
    }
  }

  /** Runs once, after the transaction left the layer; subclasses notify their TU here. */
  protected abstract afterTerminated(): void;

  /** A send failed (§17.1.4, §17.2.4): the subclass tells its TU, then terminates. */
  protected abstract transportFailed(err: Error): void;

  protected startRetransmit(fn: () => void, ms: number): void {
    this.retransmitTimer?.cancel();
    this.retransmitTimer = this.ctx.clock.setTimeout(fn, ms);
  }

  protected clearRetransmit(): void {
    this.retransmitTimer?.cancel();
    this.retransmitTimer = undefined;
  }

  /** Starts a deadline timer; a zero duration (reliable transports) acts at once, with no timer at all. */
  protected startDeadline(fn: () => void, ms: number): void {
    this.deadlineTimer?.cancel();
    this.deadlineTimer = undefined;
    if (ms <= 0) {
      fn();
      return;
    }
    this.deadlineTimer = this.ctx.clock.setTimeout(fn, ms);
  }

  protected clearDeadline(): void {
    this.deadlineTimer?.cancel();
    this.deadlineTimer = undefined;
  }

  protected transmit(message: SipMessage, remote: Remote): void {
    this.ctx.send(message, remote).then(undefined, this.onSendRejected);
  }

  /** Bound once per transaction, so sending allocates no closure per message. */
  private readonly onSendRejected = (err: unknown): void => {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.current === 'terminated') {
      this.transportFailedAfterEnd(error);
      return;
    }
    this.transportFailed(error);
  };

  /**
   * A send that was still in flight when the transaction ended failed (a reliable transport ends a transaction as
   * soon as its final message is handed over, timers J/K/D at zero). Default: nothing left to tell.
   */
  protected transportFailedAfterEnd(_err: Error): void {}

  /** A TU callback threw: report it and carry on, the machine's state is already consistent. */
  protected callbackFailed(err: unknown): void {
    this.ctx.handlerFailed(err);
  }
}
