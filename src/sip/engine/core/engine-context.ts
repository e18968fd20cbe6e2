/**
 * State the engine's handlers share: the layers below (transport, transactions, dialogs, wire) and the
 * drachtio transaction bookkeeping (protocol doc §1.5: the server invents a UUID for every transaction it
 * exposes to the app).
 */
import type { Clock, TimerHandle } from '../../../shared/clock.js';
import type { SipRequest } from '../message/sip-message.js';
import type { DialogStore } from '../dialog/dialog-store.js';
import type { Dialog, DialogOwner } from '../dialog/dialog.js';
import type {
  ClientTransaction,
  ServerTransaction,
  TimerSettings,
  TransactionLayerApi,
} from '../transaction/transaction-types.js';
import type { InboundMessage, Remote } from '../transport/transport-types.js';
import type { LocalAddresses } from './local-addresses.js';
import type { EngineLogger } from './engine-types.js';
import type { CdrEmitter } from './cdr-emitter.js';

/** A request from the network handed to the app and not yet answered finally. */
export interface InboundPending {
  readonly txnId: string;
  readonly request: SipRequest;
  readonly inbound: InboundMessage;
  readonly serverTxn: ServerTransaction;
  readonly owner: DialogOwner;
  /** Dialog the request belongs to (in-dialog requests) or creates (INVITE once answered with a tag). */
  dialog: Dialog | undefined;
  /** Our To tag, fixed by the first response > 100 (doc §1.7). */
  localTag: string | undefined;
  /** An initial (out-of-dialog) INVITE. */
  readonly initialInvite: boolean;
  provisionalSent: boolean;
  finalSent: boolean;
  /** Forget requests the app never answers (drachtio: 64 s); we answer 500 instead of leaving them open. */
  expiry: TimerHandle | undefined;
}

/** A request the app sent to the network, waiting for responses. */
export interface OutboundPending {
  readonly txnId: string;
  readonly owner: DialogOwner;
  readonly request: SipRequest;
  readonly remote: Remote;
  clientTxn: ClientTransaction | undefined;
  /** drachtio dialog id for INVITE/SUBSCRIBE sent outside a dialog, or the dialog's id inside one. */
  readonly dialogId: string;
  /** The dialog the request was sent in (in-dialog) or that it creates (UAC INVITE). */
  dialog: Dialog | undefined;
  cancelled: boolean;
  /** A provisional response arrived: a CANCEL may be sent now (RFC 3261 §9.1). */
  provisionalReceived: boolean;
  /** A CANCEL the app asked for before any provisional response, sent when one arrives. */
  queuedCancel: (() => void) | undefined;
  finalStatus: number | undefined;
}

export interface EngineContext {
  readonly clock: Clock;
  readonly timers: TimerSettings;
  readonly logger: EngineLogger;
  readonly txns: TransactionLayerApi;
  readonly dialogs: DialogStore;
  readonly addresses: LocalAddresses;
  readonly userAgent: string;
  readonly cdr: CdrEmitter;
  /** By drachtio transaction id. */
  readonly inbound: Map<string, InboundPending>;
  /** By the server transaction's matching key (CANCEL finds its INVITE this way). */
  readonly inboundByTxnKey: Map<string, InboundPending>;
  /** By drachtio transaction id. */
  readonly outbound: Map<string, OutboundPending>;
  /** Sends outside a transaction (ACK for 2xx, stateless responses); failures are logged. */
  sendStateless(message: SipRequest | import('../message/sip-message.js').SipResponse, remote: Remote): void;
}

/**
 * A network request got its final response (from the app, or from the engine on its behalf): stop the app-response
 * timer and forget the bookkeeping, so nothing of it stays alive for the 32 s its transaction lingers.
 */
export function finishInbound(ctx: EngineContext, pending: InboundPending): void {
  pending.finalSent = true;
  pending.expiry?.cancel();
  ctx.inbound.delete(pending.txnId);
  if (ctx.inboundByTxnKey.get(pending.serverTxn.key) === pending) {
    ctx.inboundByTxnKey.delete(pending.serverTxn.key);
  }
}
