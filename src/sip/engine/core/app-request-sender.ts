/**
 * Requests the app sends (protocol doc §1.6, §1.8.3–§1.8.7): new out-of-dialog requests with the defaults
 * drachtio-server fills in, requests inside a dialog, CANCEL of the app's own INVITE, ACK for a 2xx, and PRACK.
 */
import { SipHeaders, type SipRequest, type SipResponse } from '../message/sip-message.js';
import { serializeMessage } from '../message/serializer.js';
import { getTag, setTag } from '../message/name-addr.js';
import { parseCSeq } from '../message/cseq.js';
import { Dialog, type DialogOwner } from '../dialog/dialog.js';
import type { InboundMessage, Remote } from '../transport/transport-types.js';
import type { ClientTransactionHandlers } from '../transaction/transaction-types.js';
import type { EngineContext, OutboundPending } from './engine-context.js';
import { applyAppHeaders, detectContentType, rewriteLocalhost } from './app-headers.js';
import {
  buildCancel,
  buildInDialogRequest,
  buildResponse,
  hasOptionTag,
  uriOf,
  viaFor,
} from './message-factory.js';
import { initialCSeq, newCallId, newTag, newTransactionId } from './identifiers.js';
import { resolveTarget } from './target-resolver.js';
import { byeFromEngine, dialogRemote, ignoreResponses, senderFor } from './dialog-requests.js';
import { deliverFromNetwork, deliverSynthesized } from './app-delivery.js';
import { formatRequestEchoFields, wireTime } from '../wire/wire-messages.js';
import type { AppReply } from './app-response-sender.js';

const DIALOG_FIELDS = new Set(['from', 'to', 'call-id', 'cseq']);
const NO_DIALOG = 'Server error: unable to find dialog for dialog id provided';

export class AppRequestSender {
  constructor(private readonly ctx: EngineContext) {}

  /** §1.6 case 4: a new request outside any dialog. */
  async sendNew(
    owner: DialogOwner,
    appRequest: SipRequest,
    routeUri: string | undefined,
    reply: AppReply,
  ): Promise<void> {
    let remote: Remote;
    try {
      remote = await resolveTarget(routeUri !== undefined && routeUri !== '' ? routeUri : appRequest.uri);
    } catch (err) {
      reply('NOK', [`requested protocol/transport not available: ${(err as Error).message}`]);
      return;
    }
    if (!this.ctx.addresses.has(remote.protocol)) {
      reply('NOK', ['requested protocol/transport not available']);
      return;
    }
    if (this.ctx.addresses.isSelf(remote.address, remote.port)) {
      reply('NOK', ['can not send request to myself']);
      return;
    }
    const method = appRequest.method;
    const hostport = this.ctx.addresses.hostport(remote.protocol);
    const headers = new SipHeaders();
    headers.append('Via', viaFor(senderFor(this.ctx, remote)));
    const app = appRequest.headers;
    headers.append('Max-Forwards', app.get('max-forwards') ?? '70');
    const from = rewriteLocalhost(app.get('from') ?? `<sip:${hostport}>`, hostport);
    const localTag = getTag(from) ?? newTag();
    headers.append('From', getTag(from) === undefined ? setTag(from, localTag) : from);
    headers.append('To', rewriteLocalhost(app.get('to') ?? `<${appRequest.uri}>`, hostport));
    const callId = app.get('call-id') ?? newCallId();
    headers.append('Call-ID', callId);
    const cseq = app.has('cseq') ? parseCSeq(app.get('cseq') ?? '').seq : initialCSeq();
    headers.append('CSeq', `${cseq} ${method}`);
    applyAppHeaders(app, headers, hostport, DIALOG_FIELDS);
    if ((method === 'INVITE' || method === 'SUBSCRIBE') && !headers.has('contact')) {
      headers.append('Contact', this.ctx.addresses.contact(remote.protocol));
    }
    if (!headers.has('user-agent')) {
      headers.append('User-Agent', this.ctx.userAgent);
    }
    const request: SipRequest = {
      kind: 'request',
      method,
      uri: appRequest.uri,
      headers,
      body: appRequest.body,
    };
    if (!this.typeBody(request, reply)) {
      return;
    }
    const dialogId = method === 'INVITE' || method === 'SUBSCRIBE' ? `${callId};from-tag=${localTag}` : '';
    const pending = this.track(owner, request, remote, dialogId, undefined);
    if (method === 'INVITE') {
      this.ctx.cdr.attempt('application', request);
    }
    this.echoRequest(reply, request, remote, pending.txnId);
    pending.clientTxn = this.ctx.txns.sendRequest(request, remote, this.handlers(pending));
  }

  /** §1.6 case 2 / §1.8.3: a request inside a dialog the engine knows. */
  async sendInDialog(
    owner: DialogOwner,
    dialogId: string,
    appRequest: SipRequest,
    reply: AppReply,
  ): Promise<void> {
    const dialog = this.ctx.dialogs.getById(dialogId);
    if (dialog === undefined || dialog.state === 'terminated') {
      reply('NOK', [NO_DIALOG]);
      return;
    }
    dialog.owner = owner;
    if (appRequest.method === 'ACK') {
      await this.sendAck(dialog, appRequest, reply);
      return;
    }
    const method = appRequest.method;
    if (method === 'PRACK' && dialog.uacInvite?.final !== undefined) {
      reply('NOK', ['Server error: unable to find IIP when sending PRACK']);
      return;
    }
    const remote = await dialogRemote(dialog);
    if (method === 'BYE' && dialog.pendingReinvite !== undefined) {
      // doc §1.8.3: a BYE while our re-INVITE is pending CANCELs it first.
      this.ctx.txns.sendRequest(buildCancel(dialog.pendingReinvite.request), remote, ignoreResponses);
    }
    const cseq = ++dialog.localSeq;
    const request = buildInDialogRequest(dialog, method, cseq, senderFor(this.ctx, remote));
    if (!appRequest.uri.includes('placeholder')) {
      request.uri = appRequest.uri;
    }
    const hostport = this.ctx.addresses.hostport(remote.protocol);
    applyAppHeaders(appRequest.headers, request.headers, hostport, DIALOG_FIELDS);
    if (
      (method === 'INVITE' || method === 'SUBSCRIBE' || method === 'REFER') &&
      !request.headers.has('contact')
    ) {
      request.headers.append('Contact', dialog.localContact);
    }
    request.body = appRequest.body;
    if (!this.typeBody(request, reply)) {
      return;
    }
    const pending = this.track(owner, request, remote, dialog.id, dialog);
    if (method === 'INVITE') {
      dialog.uacInvite = { request, cseq, lastAck: undefined, final: undefined };
    }
    this.echoRequest(reply, request, remote, pending.txnId);
    const txn = this.ctx.txns.sendRequest(request, remote, this.handlers(pending));
    pending.clientTxn = txn;
    if (method === 'INVITE') {
      dialog.pendingReinvite = txn;
    }
  }

  /** §1.6 case 3 / §1.8.5: CANCEL of the app's pending INVITE, built from it (§9.1). */
  sendCancel(txnId: string, reply: AppReply): void {
    const pending = this.ctx.outbound.get(txnId);
    if (pending === undefined || pending.request.method !== 'INVITE' || pending.finalStatus !== undefined) {
      reply('NOK', [`unable to cancel unknown transaction id: ${txnId}`]);
      return;
    }
    const cancel = buildCancel(pending.request);
    pending.cancelled = true;
    const fire = (): void => {
      this.ctx.txns.sendRequest(cancel, pending.remote, ignoreResponses);
      // §9.1: no final response 64×T1 after the CANCEL → consider the INVITE cancelled and destroy it.
      this.ctx.clock.setTimeout(() => {
        if (pending.finalStatus === undefined) {
          pending.clientTxn?.terminate();
          this.onFailure(pending, 408, 'Request Timeout');
        }
      }, 64 * this.ctx.timers.t1);
    };
    // RFC 3261 §9.1: no CANCEL before a provisional response; hold it until one arrives.
    if (pending.provisionalReceived) {
      fire();
    } else {
      pending.queuedCancel = fire;
    }
    this.echoRequest(reply, cancel, pending.remote, newTransactionId());
  }

  /** §1.8.6 / §13.2.2.4: the ACK for a 2xx is built by the engine from the dialog. */
  private async sendAck(dialog: Dialog, appAck: SipRequest, reply: AppReply): Promise<void> {
    const invite = dialog.uacInvite;
    if (invite?.final === undefined || invite.final.status < 200 || invite.final.status >= 300) {
      reply('NOK', ['Server error: ACK for non-success final response is automatically generated by server']);
      return;
    }
    const remote = await dialogRemote(dialog);
    const ack = buildInDialogRequest(dialog, 'ACK', invite.cseq, senderFor(this.ctx, remote));
    const hostport = this.ctx.addresses.hostport(remote.protocol);
    applyAppHeaders(appAck.headers, ack.headers, hostport, DIALOG_FIELDS);
    ack.body = appAck.body;
    if (ack.body.length > 0 && !ack.headers.has('content-type')) {
      ack.headers.set('Content-Type', detectContentType(ack.body) ?? 'application/sdp');
    }
    invite.lastAck = ack;
    dialog.transition('confirmed');
    this.ctx.sendStateless(ack, remote);
    this.echoRequest(reply, ack, remote, newTransactionId());
    if (dialog.ackBye) {
      await byeFromEngine(this.ctx, dialog, 'ACK-BYE due to cancel race condition');
    }
  }

  /** doc §1.6: a body needs a type; `v=0` is SDP, anything else untyped is refused for requests. */
  private typeBody(request: SipRequest, reply: AppReply): boolean {
    if (request.body.length === 0 || request.headers.has('content-type')) {
      return true;
    }
    const type = detectContentType(request.body);
    if (type === undefined) {
      reply('NOK', ['missing content-type']);
      return false;
    }
    request.headers.set('Content-Type', type);
    return true;
  }

  private track(
    owner: DialogOwner,
    request: SipRequest,
    remote: Remote,
    dialogId: string,
    dialog: Dialog | undefined,
  ): OutboundPending {
    const pending: OutboundPending = {
      txnId: newTransactionId(),
      owner,
      request,
      remote,
      clientTxn: undefined,
      dialogId,
      dialog,
      cancelled: false,
      provisionalReceived: false,
      queuedCancel: undefined,
      finalStatus: undefined,
    };
    this.ctx.outbound.set(pending.txnId, pending);
    return pending;
  }

  /** Request echo (doc §1.8.3/§1.8.4): `OK|application|bytes|proto|localAddr|localPort|time|txnId|Msg sent:|`. */
  private echoRequest(reply: AppReply, request: SipRequest, remote: Remote, txnId: string): void {
    const text = serializeMessage(request);
    const local = this.ctx.addresses.local(remote.protocol);
    reply(
      'OK',
      formatRequestEchoFields({
        bytes: text.length,
        protocol: remote.protocol,
        address: local.address,
        port: local.port,
        time: wireTime(new Date()),
        transactionId: txnId,
      }),
      text.toString('utf8'),
    );
  }

  private handlers(pending: OutboundPending): ClientTransactionHandlers {
    return {
      onResponse: (response, inbound) => this.onResponse(pending, response, inbound),
      onTimeout: () => this.onFailure(pending, 408, 'Request Timeout'),
      onTransportError: (err) => {
        this.ctx.logger.warn({ err, txnId: pending.txnId }, 'transport error sending request');
        this.onFailure(pending, 503, 'Service Unavailable');
      },
    };
  }

  private onResponse(pending: OutboundPending, response: SipResponse, inbound: InboundMessage): void {
    const { request } = pending;
    const status = response.status;
    const isInvite = request.method === 'INVITE';
    if (status < 200) {
      pending.provisionalReceived = true;
      const queued = pending.queuedCancel;
      pending.queuedCancel = undefined;
      queued?.();
    }
    if (isInvite && status >= 200 && status < 300 && pending.finalStatus !== undefined) {
      // §13.2.2.4 / RFC 6026: a retransmitted 2xx is ACKed again by the engine; the app is not bothered.
      const dialog = pending.dialog ?? this.ctx.dialogs.getById(pending.dialogId);
      const lastAck = dialog?.uacInvite?.lastAck;
      if (lastAck !== undefined && dialog !== undefined) {
        void dialogRemote(dialog).then((remote) => this.ctx.sendStateless(lastAck, remote));
      }
      return;
    }
    if (status >= 200) {
      pending.finalStatus = status;
      this.ctx.outbound.delete(pending.txnId);
    }
    if (isInvite && pending.dialog === undefined) {
      this.uacDialogFromResponse(pending, response, inbound);
    } else if (isInvite && pending.dialog !== undefined && status >= 200) {
      // a re-INVITE of ours completed
      const dialog = pending.dialog;
      dialog.pendingReinvite = undefined;
      if (dialog.uacInvite !== undefined) {
        dialog.uacInvite.final = response;
      }
      this.refreshTarget(dialog, response);
    } else if (
      request.method === 'BYE' &&
      status >= 200 &&
      status !== 401 &&
      status !== 407 &&
      pending.dialog !== undefined
    ) {
      pending.dialog.transition('terminated');
      this.ctx.dialogs.remove(pending.dialog);
      this.ctx.cdr.stop('application', 'normal-release', request);
    }
    if (!pending.owner.closed) {
      deliverFromNetwork(pending.owner, inbound, response, pending.txnId, pending.dialogId);
    }
  }

  /** §12.1.2: the UAC dialog, early on a reliable tagged 1xx, confirmed on 2xx. */
  private uacDialogFromResponse(
    pending: OutboundPending,
    response: SipResponse,
    inbound: InboundMessage,
  ): void {
    const status = response.status;
    const remoteTag = getTag(response.headers.get('to') ?? '');
    const reliable = status > 100 && status < 200 && response.headers.has('rseq');
    const existing = this.ctx.dialogs.getById(pending.dialogId);
    if (existing !== undefined) {
      if (status >= 200 && status < 300) {
        const oldKey = existing.matchKey;
        existing.remoteTag = remoteTag ?? existing.remoteTag;
        existing.remoteUri = response.headers.get('to') ?? existing.remoteUri;
        this.ctx.dialogs.rekey(existing, oldKey);
        this.confirmUac(pending, existing, response);
      } else if (status >= 300) {
        existing.transition('terminated');
        this.ctx.dialogs.remove(existing);
      }
      return;
    }
    if (remoteTag === undefined || (status < 200 && !reliable) || status >= 300) {
      if (status >= 300) {
        this.ctx.cdr.stop('network', pending.cancelled ? 'call-canceled' : 'call-rejected', response);
      }
      return;
    }
    const { request } = pending;
    const contact = response.headers.getAll('contact')[0];
    const dialog = new Dialog({
      role: 'uac',
      callId: request.headers.get('call-id') ?? '',
      localTag: getTag(request.headers.get('from') ?? '') ?? '',
      remoteTag,
      localUri: request.headers.get('from') ?? '',
      remoteUri: response.headers.get('to') ?? '',
      localSeq: parseCSeq(request.headers.get('cseq') ?? '').seq,
      remoteSeq: undefined,
      remoteTarget: contact === undefined ? request.uri : uriOf(contact),
      // §12.1.2: the UAC route set is the Record-Route list reversed.
      routeSet: response.headers.getAll('record-route').reverse(),
      localContact: request.headers.get('contact') ?? this.ctx.addresses.contact(pending.remote.protocol),
      peer: inbound.remote,
      owner: pending.owner,
      peer100rel: hasOptionTag(response, '100rel'),
    });
    this.ctx.dialogs.add(dialog);
    dialog.uacInvite = {
      request,
      cseq: parseCSeq(request.headers.get('cseq') ?? '').seq,
      lastAck: undefined,
      final: undefined,
    };
    if (status >= 200) {
      this.confirmUac(pending, dialog, response);
    }
  }

  private confirmUac(pending: OutboundPending, dialog: Dialog, response: SipResponse): void {
    if (dialog.uacInvite !== undefined) {
      dialog.uacInvite.final = response;
    }
    this.refreshTarget(dialog, response);
    dialog.routeSet = response.headers.getAll('record-route').reverse();
    dialog.transition('confirmed');
    if (pending.cancelled) {
      dialog.ackBye = true; // doc §1.8.5: 200 after our CANCEL → ACK then BYE
    }
    this.ctx.cdr.start('network', 'uac', response);
  }

  private refreshTarget(dialog: Dialog, response: SipResponse): void {
    const contact = response.headers.getAll('contact')[0];
    if (contact !== undefined && response.status >= 200 && response.status < 300) {
      dialog.remoteTarget = uriOf(contact); // §12.2.1.2 target refresh
    }
  }

  /** Timer B/F or a transport failure: the app gets a response the engine made up (doc §1.8.4). */
  private onFailure(pending: OutboundPending, status: number, reason: string): void {
    if (pending.finalStatus !== undefined) {
      return;
    }
    pending.finalStatus = status;
    this.ctx.outbound.delete(pending.txnId);
    if (pending.dialog !== undefined && pending.request.method === 'INVITE') {
      pending.dialog.pendingReinvite = undefined;
    }
    if (pending.request.method === 'BYE' && pending.dialog !== undefined) {
      pending.dialog.transition('terminated');
      this.ctx.dialogs.remove(pending.dialog);
    }
    const response = buildResponse(pending.request, status, reason);
    if (!pending.owner.closed) {
      deliverSynthesized(pending.owner, response, pending.txnId, pending.dialogId);
    }
  }
}
