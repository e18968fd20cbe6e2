/**
 * Requests from the network: what drachtio-server does before and while handing them to the app
 * (protocol doc §1.8.1, §1.8.2, §1.8.5, §1.9) on top of RFC 3261 transactions and dialogs.
 */
import type { SipRequest } from '../message/sip-message.js';
import { getTag } from '../message/name-addr.js';
import { parseCSeq } from '../message/cseq.js';
import type { DialogOwner } from '../dialog/dialog.js';
import type { InboundMessage } from '../transport/transport-types.js';
import { finishInbound, type EngineContext, type InboundPending } from './engine-context.js';
import { buildResponse } from './message-factory.js';
import { newTag, newTransactionId } from './identifiers.js';
import { deliverFromNetwork } from './app-delivery.js';
import { byeFromEngine } from './dialog-requests.js';

/** Out-of-dialog methods drachtio delivers to apps (doc §1.8.1); others are answered by the engine. */
const DELIVERED_NEW = new Set([
  'INVITE',
  'REGISTER',
  'MESSAGE',
  'OPTIONS',
  'INFO',
  'NOTIFY',
  'SUBSCRIBE',
  'PUBLISH',
]);
export const ENGINE_ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, PRACK, UPDATE, MESSAGE';

export interface AppRouter {
  /** Round-robin pick among app connections that routed this lowercase verb. */
  select(verb: string): DialogOwner | undefined;
}

export class NetworkRequestHandler {
  /** §8.2.2.2 merged-request detection: From tag + Call-ID + CSeq of INVITEs being processed → branch. */
  private readonly merged = new Map<string, string>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly router: AppRouter,
    private readonly appResponseTimeoutMs: number,
  ) {}

  handle(inbound: InboundMessage, request: SipRequest): void {
    if (request.method === 'ACK') {
      this.handleAck(inbound, request);
    } else if (request.method === 'CANCEL') {
      this.handleCancel(inbound, request);
    } else if (getTag(request.headers.get('to') ?? '') !== undefined) {
      this.handleInDialog(inbound, request);
    } else {
      this.handleNew(inbound, request);
    }
  }

  /** Answers in a server transaction of its own, so retransmissions are absorbed (§17.2). */
  private reject(
    inbound: InboundMessage,
    status: number,
    reason?: string,
    extra: Record<string, string> = {},
  ): void {
    const txn = this.ctx.txns.createServerTransaction(inbound);
    const request = inbound.message as SipRequest;
    txn.respond(
      buildResponse(request, status, reason, newTag(), { 'User-Agent': this.ctx.userAgent, ...extra }),
    );
  }

  private handleNew(inbound: InboundMessage, request: SipRequest): void {
    const method = request.method;
    if (method === 'BYE' || method === 'UPDATE' || method === 'PRACK') {
      this.reject(inbound, 481);
      return;
    }
    const owner = this.router.select(method.toLowerCase());
    if (owner === undefined) {
      if (DELIVERED_NEW.has(method)) {
        this.reject(inbound, 503, 'Service Unavailable', { 'Retry-After': '30' });
      } else {
        this.reject(inbound, 405, 'Method Not Allowed', { Allow: ENGINE_ALLOW });
      }
      return;
    }
    const callId = request.headers.get('call-id') ?? '';
    const fromTag = getTag(request.headers.get('from') ?? '') ?? '';
    const branch = topBranch(request);
    let mergedKey: string | undefined;
    if (method === 'INVITE') {
      mergedKey = `${callId}\u0000${fromTag}\u0000${request.headers.get('cseq') ?? ''}`;
      const seen = this.merged.get(mergedKey);
      if (seen !== undefined && seen !== branch) {
        this.reject(inbound, 482, 'Loop Detected');
        return;
      }
      this.merged.set(mergedKey, branch);
    }
    const txn = this.ctx.txns.createServerTransaction(inbound);
    if (method === 'INVITE') {
      // doc §1.8.1: 100 Trying goes out before the app is consulted.
      txn.respond(buildResponse(request, 100, 'Trying'));
    }
    const pending: InboundPending = {
      txnId: newTransactionId(),
      request,
      inbound,
      serverTxn: txn,
      owner,
      dialog: undefined,
      localTag: undefined,
      initialInvite: method === 'INVITE',
      provisionalSent: false,
      finalSent: false,
      expiry: undefined,
    };
    this.track(pending, mergedKey);
    pending.expiry = this.ctx.clock.setTimeout(() => this.expire(pending), this.appResponseTimeoutMs);
    if (method === 'INVITE') {
      this.ctx.cdr.attempt('network', request);
    }
    deliverFromNetwork(owner, inbound, request, pending.txnId, '', inbound.local);
  }

  private track(pending: InboundPending, mergedKey?: string): void {
    const { txnId } = pending;
    const key = pending.serverTxn.key;
    this.ctx.inbound.set(txnId, pending);
    this.ctx.inboundByTxnKey.set(key, pending);
    // Captures ids only: a finished transaction lingers 32 s (timers J/L) and must not keep the parsed
    // request, its bytes and the app bookkeeping alive that long (GC pressure at hundreds of calls/s).
    pending.serverTxn.onTerminated = () => {
      const live = this.ctx.inbound.get(txnId);
      live?.expiry?.cancel();
      this.ctx.inbound.delete(txnId);
      const byKey = this.ctx.inboundByTxnKey.get(key);
      if (byKey !== undefined && byKey.txnId === txnId) {
        this.ctx.inboundByTxnKey.delete(key);
      }
      if (mergedKey !== undefined) {
        this.merged.delete(mergedKey);
      }
    };
  }

  /** The app never answered: drachtio forgets silently after 64 s; we answer 500 so no caller hangs. */
  private expire(pending: InboundPending): void {
    if (pending.finalSent || pending.provisionalSent) {
      return;
    }
    finishInbound(this.ctx, pending);
    this.ctx.logger.warn(
      { txnId: pending.txnId, method: pending.request.method },
      'app did not answer request',
    );
    pending.serverTxn.respond(
      buildResponse(pending.request, 500, 'No Response From Application', pending.localTag ?? newTag()),
    );
  }

  private handleInDialog(inbound: InboundMessage, request: SipRequest): void {
    const callId = request.headers.get('call-id') ?? '';
    const localTag = getTag(request.headers.get('to') ?? '') ?? '';
    const remoteTag = getTag(request.headers.get('from') ?? '') ?? '';
    const dialog = this.ctx.dialogs.match(callId, localTag, remoteTag);
    if (dialog === undefined || dialog.state === 'terminated') {
      this.reject(inbound, 481);
      return;
    }
    const { seq } = parseCSeq(request.headers.get('cseq') ?? '');
    // RFC 3261 §12.2.2: a lower CSeq than the last one is out of order → 500.
    if (dialog.remoteSeq !== undefined && seq <= dialog.remoteSeq) {
      this.reject(inbound, 500, 'CSeq Out Of Order');
      return;
    }
    if (request.method === 'INVITE') {
      if (dialog.pendingReinvite !== undefined) {
        this.reject(inbound, 491); // §14.2: our own re-INVITE is pending
        return;
      }
      if (dialog.pendingPeerReinvite !== undefined || dialog.pendingAck !== undefined) {
        this.reject(inbound, 500, 'Server Internal Error', { 'Retry-After': '1' }); // §14.2
        return;
      }
    }
    dialog.remoteSeq = seq;
    if (dialog.owner.closed) {
      this.reject(inbound, 481);
      if (request.method === 'BYE') {
        dialog.transition('terminated');
        this.ctx.dialogs.remove(dialog);
      }
      return;
    }
    const txn = this.ctx.txns.createServerTransaction(inbound);
    if (request.method === 'INVITE') {
      txn.respond(buildResponse(request, 100, 'Trying'));
      dialog.pendingPeerReinvite = txn;
    } else if (request.method === 'BYE') {
      // doc §1.8.2: the dialog is gone as soon as the BYE arrives; the app's 200 is relayed.
      dialog.transition('terminated');
      this.ctx.dialogs.remove(dialog);
      this.ctx.cdr.stop('network', 'normal-release', request);
    } else if (request.method === 'PRACK') {
      const rack = (request.headers.get('rack') ?? '').trim().split(/\s+/)[0];
      const rseq = rack === undefined ? NaN : Number(rack);
      dialog.unackedReliable.get(rseq)?.cancel();
      dialog.unackedReliable.delete(rseq);
    }
    const pending: InboundPending = {
      txnId: newTransactionId(),
      request,
      inbound,
      serverTxn: txn,
      owner: dialog.owner,
      dialog,
      localTag: dialog.localTag,
      initialInvite: false,
      provisionalSent: false,
      finalSent: false,
      expiry: undefined,
    };
    this.track(pending);
    pending.expiry = this.ctx.clock.setTimeout(() => this.expire(pending), this.appResponseTimeoutMs);
    deliverFromNetwork(
      dialog.owner,
      inbound,
      request,
      pending.txnId,
      request.method === 'BYE' ? dialog.id : dialog.id,
    );
  }

  /** An ACK the transaction layer did not absorb: the ACK for a 2xx (§13.3.1.4), a dialog matter. */
  private handleAck(inbound: InboundMessage, request: SipRequest): void {
    const callId = request.headers.get('call-id') ?? '';
    const localTag = getTag(request.headers.get('to') ?? '') ?? '';
    const remoteTag = getTag(request.headers.get('from') ?? '') ?? '';
    const dialog = this.ctx.dialogs.match(callId, localTag, remoteTag);
    const waiting = dialog?.pendingAck;
    if (dialog === undefined || waiting === undefined) {
      return; // retransmitted or stray ACK: nothing to do (§17.2.1 never answers an ACK)
    }
    const { seq } = parseCSeq(request.headers.get('cseq') ?? '');
    if (seq !== waiting.cseq) {
      return;
    }
    waiting.txn.acknowledge();
    dialog.pendingAck = undefined;
    dialog.transition('confirmed');
    // doc §1.5: the initial ACK reuses the INVITE's transaction id; a re-INVITE's ACK gets a fresh one.
    const txnId = waiting.initial ? waiting.txnId : newTransactionId();
    if (!dialog.owner.closed) {
      deliverFromNetwork(dialog.owner, inbound, request, txnId, dialog.id);
    }
  }

  private handleCancel(inbound: InboundMessage, cancel: SipRequest): void {
    const inviteTxn = this.ctx.txns.findInviteForCancel(cancel);
    if (inviteTxn === undefined) {
      this.reject(inbound, 481);
      return;
    }
    const pending = this.ctx.inboundByTxnKey.get(inviteTxn.key);
    const lastStatus = inviteTxn.lastResponse?.status ?? 0;
    if (pending === undefined || pending.finalSent) {
      const callId = cancel.headers.get('call-id') ?? '';
      const fromTag = getTag(cancel.headers.get('from') ?? '') ?? '';
      const dialog = pending?.dialog ?? this.ctx.dialogs.getById(`${callId};from-tag=${fromTag}`);
      if (lastStatus >= 200 && lastStatus < 300 && dialog !== undefined) {
        // doc §1.8.5: CANCEL after 200 → 481, then the engine ends the call.
        this.reject(inbound, 481);
        void byeFromEngine(this.ctx, dialog, 'CANCEL after 200 OK').catch((err: unknown) =>
          this.ctx.logger.warn({ err }, 'BYE after CANCEL failed'),
        );
        return;
      }
      this.reject(inbound, 200); // §9.2: the transaction exists; CANCEL has no effect on a final response
      return;
    }
    const cancelTxn = this.ctx.txns.createServerTransaction(inbound);
    cancelTxn.respond(buildResponse(cancel, 200, 'OK', pending.localTag ?? newTag()));
    finishInbound(this.ctx, pending);
    const tag = pending.localTag ?? newTag();
    inviteTxn.respond(buildResponse(pending.request, 487, 'Request Terminated', tag));
    const dialogId = pending.provisionalSent && pending.dialog !== undefined ? pending.dialog.id : '';
    if (pending.dialog !== undefined) {
      pending.dialog.transition('terminated');
      this.ctx.dialogs.remove(pending.dialog);
    }
    this.ctx.cdr.stop('network', 'call-canceled', cancel);
    if (!pending.owner.closed) {
      // doc §1.8.5: forwarded with the INVITE's transaction id; no receivedOn fields.
      deliverFromNetwork(pending.owner, inbound, cancel, pending.txnId, dialogId);
    }
  }
}

function topBranch(request: SipRequest): string {
  const via = request.headers.getAll('via')[0] ?? '';
  const m = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(via);
  return m?.[1] ?? '';
}
