/**
 * What a transaction machine needs from the layer that owns it. Internal to `transaction/`: the engine talks to
 * `TransactionLayer` only.
 */
import type { Clock } from '../../../shared/clock.js';
import type { SipMessage } from '../message/sip-message.js';
import type { Remote } from '../transport/transport-types.js';
import type { TimerSettings } from './transaction-types.js';

export interface TransactionContext {
  readonly clock: Clock;
  readonly timers: Readonly<TimerSettings>;
  send(message: SipMessage, remote: Remote): Promise<void>;
  /** The machine reached "terminated": forget it in every matching map. */
  release(transaction: { readonly key: string }): void;
  /** A TU callback threw; the machine carries on. */
  handlerFailed(err: unknown): void;
}
