/**
 * Contract of the transaction layer (RFC 3261 §17, with RFC 6026's "Accepted" state for INVITE 2xx).
 * Implemented by `transaction-layer.ts` and the four machines beside it; used by the engine core.
 */
import type { Clock } from '../../../shared/clock.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/sip-message.js';
import type { InboundMessage, Remote } from '../transport/transport-types.js';

/** RFC 3261 §17.1.1.1 timer values, in ms. Defaults: T1 500, T2 4000, T4 5000. */
export interface TimerSettings {
  t1: number;
  t2: number;
  t4: number;
}

export const DEFAULT_TIMERS: Readonly<TimerSettings> = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

export type TransactionState =
  'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export interface ServerTransaction {
  /** Matching key per §17.2.3 (branch + sent-by + method; ACK/CANCEL map to the INVITE's). */
  readonly key: string;
  readonly request: SipRequest;
  readonly remote: Remote;
  readonly state: TransactionState;
  /** Last response sent, re-sent when the request is retransmitted (§17.2.1, §17.2.2). */
  readonly lastResponse: SipResponse | undefined;
  /**
   * Sends a response through the transport (to the §18.2.2 destination).
   * INVITE + 2xx: the transaction enters "accepted" and retransmits the 2xx itself, T1 doubling up to T2
   * (RFC 3261 §13.3.1.4), until `acknowledge()` is called or 64×T1 passes, which fires `onAckTimeout`.
   * INVITE + 300-699: timer G retransmission, the ACK is absorbed (completed → confirmed), timer H/I.
   * Non-INVITE: timer J.
   * Returns false (and sends nothing) when the transaction can no longer send it: after a non-2xx final
   * response, a non-2xx after a 2xx, any response to a non-INVITE after its final response, or once terminated.
   */
  respond(response: SipResponse): boolean;
  /** The TU saw the ACK for the 2xx: stop retransmitting it (the transaction then ends after timer L = 64×T1). */
  acknowledge(): void;
  /** Called once when the transaction ends, whatever the cause. */
  onTerminated: (() => void) | undefined;
  /** INVITE 2xx never acknowledged within 64×T1 (drachtio sends a BYE then). */
  onAckTimeout: (() => void) | undefined;
  /** Timer H fired: no ACK for a non-2xx final response. */
  onTimeout: (() => void) | undefined;
  onTransportError: ((err: Error) => void) | undefined;
}

export interface ClientTransactionHandlers {
  /**
   * Every response matched to the transaction. For INVITE, 2xx retransmissions received in the "accepted"
   * state (RFC 6026 §7.2, timer M = 64×T1) are passed up again so the TU can re-send its ACK.
   */
  onResponse(response: SipResponse, inbound: InboundMessage): void;
  /** Timer B or F fired (§17.1.1.2, §17.1.2.2): the TU reports 408. */
  onTimeout(): void;
  onTransportError(err: Error): void;
}

export interface ClientTransaction {
  /** branch + method key. */
  readonly key: string;
  readonly branch: string;
  readonly request: SipRequest;
  readonly remote: Remote;
  readonly state: TransactionState;
  /** Stops the transaction's timers without sending anything (used at shutdown). */
  terminate(): void;
}

export interface TransactionLayerOptions {
  timers: TimerSettings;
  clock: Clock;
  /** Writes a message to the network. Errors surface through the transaction's onTransportError. */
  send(message: SipMessage, remote: Remote): Promise<void>;
  /**
   * Receives the exception of a TU callback (onResponse, onTimeout, onTerminated…); the transaction carries on
   * regardless. Without it the exception becomes a process warning
   * (`process.emitWarning`), never a crash.
   */
  onHandlerError?: (err: unknown) => void;
}

export interface TransactionLayerApi {
  /**
   * Feeds a message from the transport. Returns true when the layer absorbed it: a retransmitted request
   * (the last response is re-sent), an ACK for a non-2xx final response, or a response matched to a client
   * transaction (delivered through its handlers). Returns false when the TU must handle it: a new request,
   * an ACK for a 2xx, a CANCEL, or a stray response.
   */
  receive(inbound: InboundMessage): boolean;
  /** Creates the server transaction for a new request (INVITE: state "proceeding"; others: "trying"). */
  createServerTransaction(inbound: InboundMessage): ServerTransaction;
  /** The INVITE server transaction a CANCEL refers to (§9.2: same branch, sent-by, not the method). */
  findInviteForCancel(cancel: SipRequest): ServerTransaction | undefined;
  /**
   * Sends a request in a new client transaction. The request must already carry its top Via with a
   * `z9hG4bK` branch. ACK is not a transaction: send it with `sendStateless`.
   */
  sendRequest(request: SipRequest, remote: Remote, handlers: ClientTransactionHandlers): ClientTransaction;
  /** Sends outside any transaction (ACK for 2xx, stateless replies). */
  sendStateless(message: SipMessage, remote: Remote): Promise<void>;
  /** Number of live transactions (metrics and tests). */
  size(): number;
  /** Ends every transaction and timer. */
  close(): void;
}
