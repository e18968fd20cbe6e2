/**
 * The transaction layer (RFC 3261 §17): owns every live client and server transaction, matches incoming messages
 * to them through Map look-ups (§17.1.3, §17.2.3) and runs all timers on the injected Clock.
 */
import { AigError } from '../../../errors/aig-error.js';
import type { Clock } from '../../../shared/clock.js';
import { getTag } from '../message/name-addr.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/sip-message.js';
import type { InboundMessage, Remote } from '../transport/transport-types.js';
import { stampReceived } from '../transport/via-routing.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { TransactionContext } from './transaction-context.js';
import {
  clientKey,
  clientKeyOfResponse,
  isRfc3261Branch,
  readCSeq,
  readTopVia,
  serverKeys,
  type ServerKeys,
} from './transaction-keys.js';
import {
  DEFAULT_TIMERS,
  type ClientTransaction,
  type ClientTransactionHandlers,
  type ServerTransaction,
  type TimerSettings,
  type TransactionLayerApi,
  type TransactionLayerOptions,
} from './transaction-types.js';

type ClientMachine = InviteClientTransaction | NonInviteClientTransaction;
type ServerMachine = InviteServerTransaction | NonInviteServerTransaction;

export class TransactionLayer implements TransactionLayerApi, TransactionContext {
  readonly clock: Clock;
  readonly timers: Readonly<TimerSettings>;
  private readonly options: TransactionLayerOptions;
  private readonly clients = new Map<string, ClientMachine>();
  private readonly servers = new Map<string, ServerMachine>();
  /** RFC 2543 fallback: INVITE server transactions by their ACK key (see transaction-keys.ts). */
  private readonly legacyAcks = new Map<string, InviteServerTransaction>();
  /** receive() then createServerTransaction() run back to back on the same request: keep its keys for one call. */
  private lastKeyed: { request: SipRequest; keys: ServerKeys } | undefined;
  private unmatchableSeq = 0;

  constructor(options: TransactionLayerOptions) {
    this.options = options;
    this.clock = options.clock;
    this.timers = Object.freeze({ ...DEFAULT_TIMERS, ...options.timers });
  }

  receive(inbound: InboundMessage): boolean {
    const message = inbound.message;
    if (message.kind === 'response') {
      return this.receiveResponse(message, inbound);
    }
    if (message.method === 'ACK') {
      return this.receiveAck(message);
    }
    const keys = this.keysOf(message, message.method);
    if (keys === undefined) {
      return false;
    }
    const transaction = this.servers.get(keys.key);
    if (transaction === undefined) {
      return false;
    }
    // §17.2.1, §17.2.2: a retransmitted request is handled by its transaction, never by the TU.
    transaction.receiveRetransmission();
    return true;
  }

  createServerTransaction(inbound: InboundMessage): ServerTransaction {
    const request = inbound.message;
    if (request.kind !== 'request' || request.method === 'ACK') {
      throw new AigError('AIG_ERR_SIP_TRANSACTION', 'a server transaction needs a request other than ACK');
    }
    // A request that cannot be keyed (no usable top Via, or an RFC 2543 one without CSeq, Call-ID, From or To)
    // still gets a transaction, under a key nothing else matches, so that the TU can answer it (400) normally.
    const keys = this.keysOf(request, request.method) ?? {
      key: `unmatchable|${++this.unmatchableSeq}`,
      legacyAckKey: undefined,
      legacyToTag: undefined,
    };
    const existing = this.servers.get(keys.key);
    if (existing !== undefined) {
      return existing;
    }
    try {
      // §18.2.1 / RFC 3581 §4, idempotent: responses copy this Via, and their destination is read from it.
      stampReceived(request, inbound.remote);
    } catch {
      // A malformed top Via: responseDestination() then falls back to the source address.
    }
    let transaction: ServerMachine;
    if (request.method === 'INVITE') {
      const invite = new InviteServerTransaction(this, keys.key, request, inbound.remote, keys.legacyAckKey);
      if (keys.legacyAckKey !== undefined) {
        this.legacyAcks.set(keys.legacyAckKey, invite);
      }
      transaction = invite;
    } else {
      transaction = new NonInviteServerTransaction(this, keys.key, request, inbound.remote);
    }
    this.servers.set(keys.key, transaction);
    return transaction;
  }

  findInviteForCancel(cancel: SipRequest): ServerTransaction | undefined {
    const keys = this.keysOf(cancel, 'INVITE');
    if (keys === undefined) {
      return undefined;
    }
    const transaction = this.servers.get(keys.key);
    return transaction instanceof InviteServerTransaction ? transaction : undefined;
  }

  sendRequest(request: SipRequest, remote: Remote, handlers: ClientTransactionHandlers): ClientTransaction {
    if (request.method === 'ACK') {
      throw new AigError('AIG_ERR_SIP_TRANSACTION', 'ACK is not a transaction: use sendStateless');
    }
    const branch = readTopVia(request)?.branch;
    const cseq = readCSeq(request);
    if (!isRfc3261Branch(branch) || cseq === undefined) {
      throw new AigError(
        'AIG_ERR_SIP_TRANSACTION',
        'request needs a top Via with a z9hG4bK branch and a CSeq',
      );
    }
    const key = clientKey(branch, cseq.method);
    if (this.clients.has(key)) {
      throw new AigError('AIG_ERR_SIP_TRANSACTION', `branch ${branch} already used by a live ${cseq.method}`);
    }
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(this, key, branch, request, remote, handlers)
        : new NonInviteClientTransaction(this, key, branch, request, remote, handlers);
    this.clients.set(key, transaction);
    transaction.start();
    return transaction;
  }

  sendStateless(message: SipMessage, remote: Remote): Promise<void> {
    return this.send(message, remote);
  }

  size(): number {
    return this.clients.size + this.servers.size;
  }

  close(): void {
    for (const transaction of [...this.clients.values()]) {
      transaction.terminate();
    }
    for (const transaction of [...this.servers.values()]) {
      transaction.abort();
    }
    this.clients.clear();
    this.servers.clear();
    this.legacyAcks.clear();
    this.lastKeyed = undefined;
  }

  /** TransactionContext: a synchronous throw from the transport's send becomes a rejection. */
  send(message: SipMessage, remote: Remote): Promise<void> {
    try {
      return this.options.send(message, remote);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** TransactionContext. */
  release(transaction: { readonly key: string }): void {
    if (this.clients.get(transaction.key) === transaction) {
      this.clients.delete(transaction.key);
    }
    if (this.servers.get(transaction.key) === transaction) {
      this.servers.delete(transaction.key);
    }
    if (transaction instanceof InviteServerTransaction && transaction.legacyAckKey !== undefined) {
      this.legacyAcks.delete(transaction.legacyAckKey);
    }
  }

  /** TransactionContext. */
  handlerFailed(err: unknown): void {
    const report = this.options.onHandlerError;
    if (report !== undefined) {
      report(err);
      return;
    }
    // No reporter given: visible, without letting one faulty callback take the process (and its calls) down.
    process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'TransactionHandlerError');
  }

  private receiveResponse(response: SipResponse, inbound: InboundMessage): boolean {
    const key = clientKeyOfResponse(response);
    const transaction = key === undefined ? undefined : this.clients.get(key);
    if (transaction === undefined) {
      return false;
    }
    transaction.receiveResponse(response, inbound);
    return true;
  }

  /** §17.2.3: an ACK matches the INVITE; only the ACK of a non-2xx final response is absorbed (§17.2.1). */
  private receiveAck(ack: SipRequest): boolean {
    const keys = this.keysOf(ack, 'INVITE');
    if (keys === undefined) {
      return false;
    }
    let transaction: ServerMachine | undefined;
    if (keys.legacyAckKey === undefined) {
      transaction = this.servers.get(keys.key);
    } else {
      // RFC 2543: the ACK's To tag must be the one of the response the transaction sent.
      const invite = this.legacyAcks.get(keys.legacyAckKey);
      const sentTo = invite?.lastResponse?.headers.get('To');
      if (invite !== undefined && sentTo !== undefined && getTag(sentTo) === keys.legacyToTag) {
        transaction = invite;
      }
    }
    return transaction instanceof InviteServerTransaction ? transaction.receiveAck() : false;
  }

  private keysOf(request: SipRequest, method: string): ServerKeys | undefined {
    const cached = this.lastKeyed;
    if (cached !== undefined && cached.request === request && method === request.method) {
      return cached.keys;
    }
    const top = readTopVia(request);
    const keys = top === undefined ? undefined : serverKeys(request, top, method);
    if (keys !== undefined && method === request.method) {
      this.lastKeyed = { request, keys };
    }
    return keys;
  }
}
