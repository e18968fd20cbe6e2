/**
 * Outbound calls (the callback dialer): reserves media, offers SDP in an INVITE sent with drachtio-srf's
 * `createUAC`, CANCELs when nobody answers in time, reads the final response as busy / no answer / declined /
 * failed, and on a 200 checks the SDP answer and starts the media. An answered call then lives like an inbound
 * one: BYE either way, a maximum duration, shutdown, blind transfer by REFER; each ends its media exactly once.
 */
import { randomUUID } from 'node:crypto';
import { isAigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { redactSipUri } from '../../logging/redaction.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { byeHeaders, endedByPeerOrServer } from './call-signalling.js';
import { PendingTransfer } from './call-transfer.js';
import { NumberDirectory, isTelephoneNumber, normaliseNumber } from './number-directory.js';
import { OutboundCall, type SentInvite } from './outbound-call.js';
import type {
  OutboundCallEnd,
  OutboundCallOutcome,
  OutboundCallRequest,
  OutboundCalling,
  OutboundDialerOptions,
} from './outbound-call-types.js';
import { buildOffer, checkAnswer } from './sdp-negotiator.js';
import type { NegotiatedMedia } from './sdp-types.js';
import { capabilityHeaders } from './sip-capabilities.js';
import { transferContextHeaders } from './transfer-context-headers.js';
import type {
  CallControl,
  CallEndReason,
  CallLogger,
  CallMediaProvider,
  CallSnapshot,
  TransferAttempt,
  TransferResult,
  TransferTarget,
} from './sip-app-types.js';
import { sipErrorStatus, type SrfDialog, type SrfHeaders } from './srf-types.js';

/** A dialog created by `createUAC`: the SDP answer is in `remote.sdp` (drachtio-srf `Dialog`). */
export interface SrfUacDialog extends SrfDialog {
  readonly remote: { readonly sdp: string };
}

/** A provisional response as `cbProvisional` receives it. */
export interface SrfProvisionalResponse {
  readonly status: number;
}

/**
 * drachtio-srf's UAC surface, callback form on purpose: the callback runs while drachtio-srf handles the 200,
 * before it reads the next frames from the server (which may carry the callee's BYE), so listeners attached
 * there cannot miss it. `cbRequest` is called as `(err, req)`, whatever the bundled typings say.
 */
export interface SrfUacApp {
  createUAC(
    uri: string,
    opts: { localSdp: string; headers: SrfHeaders },
    callbacks: {
      cbRequest: (err: unknown, req?: SentInvite) => void;
      cbProvisional: (res: SrfProvisionalResponse) => void;
    },
    callback: (err: unknown, dialog?: SrfUacDialog) => void,
  ): unknown;
}

/** What the dialer asks of the rest of the SIP app before it places a call. */
export interface OutboundDialerDependencies {
  readonly media?: CallMediaProvider;
  readonly clock?: Clock;
  /** Inbound side's state: outbound calls share `maxConcurrent` and stop with the drain. */
  readonly admission: () => { draining: boolean; inboundCalls: number; overloaded: boolean };
}

/** RFC 3261 §25.1 token: what a header name may be made of. */
const HEADER_NAME = /^[A-Za-z0-9!%'*+\-.^_`|~]+$/;
/** Headers the dialog, the transaction or our SDP own: a caller of `dial` cannot set them. */
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'call-id',
  'cseq',
  'via',
  'contact',
  'content-type',
  'content-length',
  'max-forwards',
]);

/**
 * The Request-URI for `to`: a `sip:`/`sips:` URI as is; a telephone number or `tel:` URI (RFC 3966) as the user
 * part of a URI at the gateway (RFC 3261 §19.1.6: a telephone-subscriber in the user part). Throws RangeError
 * for anything else, or a number with no gateway configured.
 */
export function outboundTargetUri(to: string, gatewayUri: string | undefined): string {
  const target = to.trim().replace(/^<(.*)>$/, '$1');
  if (/^sips?:[^@\s]*\S/i.test(target)) {
    return target;
  }
  const tel = /^tel:([^;?]+)/i.exec(target);
  const number = tel?.[1] ?? target;
  if (!isTelephoneNumber(number)) {
    throw new RangeError('callee is neither a SIP URI nor a telephone number');
  }
  if (gatewayUri === undefined || gatewayUri.trim() === '') {
    throw new RangeError('a telephone number needs a gateway (callbacks.gateway)');
  }
  const gateway = /^(sips?):(?:[^@]*@)?(.+)$/i.exec(gatewayUri.trim());
  const scheme = gateway?.[1]?.toLowerCase() ?? 'sip';
  const hostport = gateway?.[2] ?? gatewayUri.trim();
  return `${scheme}:${normaliseNumber(number)}@${hostport}`;
}

/** RFC 3261 §20.20 From: a quoted display name (quotes and backslashes escaped, §25.1) before the URI. */
function fromHeader(from: OutboundCallRequest['from']): string {
  const name = from.displayName?.replace(/[\r\n]/g, ' ').replace(/(["\\])/g, '\\$1');
  return name === undefined || name === '' ? `<${from.uri}>` : `"${name}" <${from.uri}>`;
}

function extraHeaders(headers: Readonly<Record<string, string>>): SrfHeaders {
  const out: SrfHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new RangeError(`header "${name}" cannot be set on an outbound INVITE`);
    }
    if (/[\r\n]/.test(value)) {
      throw new RangeError(`header "${name}" has a line break in its value`);
    }
    out[name] = value;
  }
  return out;
}

/** RFC 3261 §21: what each final status means for a callback. */
function outcomeOfStatus(
  call: OutboundCall,
  status: number | undefined,
  detail: string,
): { outcome: OutboundCallOutcome; endReason: CallEndReason } {
  const callId = call.callId;
  if (call.pendingEnd === 'shutdown') {
    const outcome = { kind: 'failed', callId, status: status ?? null, reason: 'shutdown' } as const;
    return { outcome: { ...outcome, code: 'AIG_ERR_DRAINING' }, endReason: 'shutdown' };
  }
  switch (status) {
    case 486: // Busy Here
    case 600: // Busy Everywhere
      return { outcome: { kind: 'busy', callId, status }, endReason: 'rejected' };
    case 480: // Temporarily Unavailable
    case 408: // Request Timeout: nothing came back (Timer B, §17.1.1.2), or no 487 after our CANCEL (§9.1)
      return { outcome: { kind: 'no-answer', callId, status }, endReason: 'rejected' };
    case 487: // Request Terminated: ours when we cancelled it; otherwise someone else's doing
      return call.cancelSent
        ? { outcome: { kind: 'no-answer', callId, status }, endReason: 'cancelled' }
        : { outcome: { kind: 'failed', callId, status, reason: detail }, endReason: 'rejected' };
    case 603: // Decline
    case 403: // Forbidden
      return { outcome: { kind: 'declined', callId, status }, endReason: 'rejected' };
    default:
      return {
        outcome: { kind: 'failed', callId, status: status ?? null, reason: detail },
        endReason: status === undefined ? 'error' : 'rejected',
      };
  }
}

/** How long the server gets to send its own BYE for a 200 that crossed our CANCEL, ms. */
const SERVER_BYE_WAIT_MS = 4000;

function endReasonOfGivingUp(why: CallEndReason | 'ring-timeout'): CallEndReason {
  return why === 'ring-timeout' ? 'cancelled' : why;
}

function mediaOf(result: NegotiatedMedia): NegotiatedMedia {
  const { codec, telephoneEvent, ptime, remote, direction } = result;
  return telephoneEvent === undefined
    ? { codec, ptime, remote, direction }
    : { codec, telephoneEvent, ptime, remote, direction };
}

interface LiveOutboundCall {
  readonly call: OutboundCall;
  /** Settles `OutboundCallAnswered.ended`. */
  readonly resolveEnded: (end: OutboundCallEnd) => void;
}

export class OutboundCallDialer implements OutboundCalling {
  private readonly directory: NumberDirectory;
  private readonly clock: Clock;
  private readonly calls = new Map<OutboundCall, LiveOutboundCall>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly srf: SrfUacApp,
    private readonly options: OutboundDialerOptions,
    private readonly logger: CallLogger,
    private readonly deps: OutboundDialerDependencies,
  ) {
    this.directory = new NumberDirectory(options.numbers);
    this.clock = deps.clock ?? systemClock;
  }

  /** Outbound calls from the reservation of their media to their end. */
  get size(): number {
    return this.calls.size;
  }

  activeCalls(): CallSnapshot[] {
    const now = this.clock.now();
    return [...this.calls.keys()].map((call) => call.snapshot(now));
  }

  whenIdle(): Promise<void> {
    return this.calls.size === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** CANCELs calls still ringing, BYEs answered ones, and resolves once all have ended. */
  async hangupAll(): Promise<void> {
    for (const call of this.calls.keys()) {
      this.hangup(call, 'shutdown');
    }
    await this.whenIdle();
  }

  async dial(request: OutboundCallRequest): Promise<OutboundCallOutcome> {
    const refused = (reason: string, code?: ErrorCode): OutboundCallOutcome => {
      this.logger.warn({ reason, code, number: request.number }, 'outbound call not placed');
      return { kind: 'failed', callId: null, status: null, reason, ...(code === undefined ? {} : { code }) };
    };
    let uri: string;
    let headers: SrfHeaders;
    try {
      uri = outboundTargetUri(request.to, this.options.gatewayUri);
      headers = extraHeaders(request.headers ?? {});
    } catch (err) {
      return refused((err as Error).message);
    }
    if (!Number.isFinite(request.ringSeconds) || request.ringSeconds <= 0) {
      return refused(`ringSeconds must be a positive number, not ${request.ringSeconds}`);
    }
    const match = this.directory.lookup(request.number);
    if (match === undefined) {
      return refused('service number not configured', 'AIG_ERR_NUMBER_UNKNOWN');
    }
    const media = request.media ?? this.deps.media;
    if (media === undefined) {
      return refused('no media engine: an outbound call would be silent');
    }
    const state = this.deps.admission();
    if (state.draining) {
      return refused('draining', 'AIG_ERR_DRAINING');
    }
    const live = state.inboundCalls + this.calls.size;
    if (live >= this.options.maxConcurrent || state.overloaded) {
      return refused(`${live} calls, limit ${this.options.maxConcurrent}`, 'AIG_ERR_OVERLOAD');
    }

    // Our own Call-ID (drachtio sends the one the app gives): the media and the logs know the call before
    // the INVITE leaves.
    const callId = randomUUID();
    const call = new OutboundCall({
      callId,
      number: match.number,
      service: match.service,
      startedAt: this.clock.now(),
      log: this.logger.child({ callId, number: match.number, direction: 'outbound' }),
    });
    let resolveEnded: (end: OutboundCallEnd) => void = () => undefined;
    const ended = new Promise<OutboundCallEnd>((resolve) => (resolveEnded = resolve));
    this.calls.set(call, { call, resolveEnded });
    call.log.info(
      { callee: redactSipUri(uri), ringSeconds: request.ringSeconds, headers: Object.keys(headers) },
      'dialling',
    );
    try {
      return await this.place(call, uri, headers, request, media, ended);
    } catch (err) {
      call.log.error({ err }, 'outbound call failed');
      this.finish(call, 'error');
      return { kind: 'failed', callId, status: null, reason: (err as Error).message ?? String(err) };
    }
  }

  private async place(
    call: OutboundCall,
    uri: string,
    headers: SrfHeaders,
    request: OutboundCallRequest,
    media: CallMediaProvider,
    ended: Promise<OutboundCallEnd>,
  ): Promise<OutboundCallOutcome> {
    try {
      call.mediaReservation = await media.reserve({
        callId: call.callId,
        number: call.number,
        service: call.service,
      });
    } catch (err) {
      const code: ErrorCode = isAigError(err) ? err.code : 'AIG_ERR_RTP_PORTS_EXHAUSTED';
      call.log.warn({ code, err }, 'no RTP port for the call');
      this.finish(call, 'rejected');
      return { kind: 'failed', callId: call.callId, status: null, reason: 'no RTP port', code };
    }
    if (call.pendingEnd !== undefined) {
      this.finish(call, 'shutdown'); // hung up while the port was being reserved
      return {
        kind: 'failed',
        callId: call.callId,
        status: null,
        reason: 'shutdown',
        code: 'AIG_ERR_DRAINING',
      };
    }
    // RFC 3264 §5: the offer lists every codec we accept, in our order, plus telephone-event (RFC 4733 §7.1.1).
    const localSdp = buildOffer({
      codecs: this.options.codecs,
      ptime: this.options.ptime,
      telephoneEvent: this.options.telephoneEvent,
      address: this.options.mediaAddress,
      port: call.mediaReservation.port,
    });
    call.localSdp = localSdp;
    call.transition('calling');

    const dialog = await new Promise<SrfUacDialog | { status: number | undefined; detail: string }>(
      (resolve) => {
        this.srf.createUAC(
          uri,
          {
            localSdp,
            headers: {
              ...capabilityHeaders(),
              ...headers,
              From: fromHeader(request.from),
              'Call-ID': call.callId,
              'Content-Type': 'application/sdp',
              'User-Agent': this.options.userAgent,
            },
          },
          {
            cbRequest: (err, req) => {
              if (err !== null && err !== undefined) {
                return; // the final callback reports it
              }
              call.invite = req;
              call.ringTimer = this.clock.setTimeout(
                () => this.giveUp(call, 'ring-timeout'),
                request.ringSeconds * 1000,
              );
              if (call.pendingEnd !== undefined) {
                this.sendCancel(call); // shutdown came before drachtio-srf reported the INVITE sent
              }
            },
            cbProvisional: (res) => {
              if (call.transition('ringing', { status: res.status })) {
                call.log.info({ status: res.status }, 'callee ringing');
              }
            },
          },
          (err, uac) => {
            call.ringTimer?.cancel();
            if (err !== null && err !== undefined) {
              resolve({
                status: sipErrorStatus(err),
                detail: err instanceof Error ? err.message : 'INVITE failed',
              });
              return;
            }
            // Synchronously, before drachtio-srf reads on: the callee's BYE may be in the very next frame.
            this.attachDialog(call, uac!);
            resolve(uac!);
          },
        );
      },
    );

    if (!('remote' in dialog)) {
      const { outcome, endReason } = outcomeOfStatus(call, dialog.status, dialog.detail);
      call.log.info(
        { status: dialog.status ?? null, outcome: outcome.kind, cancelled: call.cancelSent },
        'outbound call not answered',
      );
      this.finish(call, endReason);
      return outcome;
    }
    return this.answered(call, dialog, localSdp, ended);
  }

  /** The 200 came: check the SDP answer (RFC 3264 §6.1), then run the call like an inbound one. */
  private answered(
    call: OutboundCall,
    dialog: SrfUacDialog,
    localSdp: string,
    ended: Promise<OutboundCallEnd>,
  ): OutboundCallOutcome {
    const callId = call.callId;
    if (call.ended) {
      // The callee hung up in the same breath as the 200: never a live call.
      return { kind: 'failed', callId, status: 200, reason: 'callee hung up at once' };
    }
    if (call.pendingEnd !== undefined) {
      // The 200 crossed our CANCEL (RFC 3261 §9.1): we no longer want the call. The server ACKs such a 200 and
      // sends the BYE itself (drachtio wire protocol §1.8.5); its `destroy` ends the call here. A BYE of ours
      // would be a second one, so it only goes if the server's never came.
      const why = call.pendingEnd;
      const reason = endReasonOfGivingUp(why);
      call.log.info({ pendingEnd: why }, 'answered after we gave up: the server hangs up');
      call.transition('ending', { reason });
      call.maxDurationTimer = this.clock.setTimeout(() => {
        call.log.warn({}, 'no BYE from the server after a 200 that crossed our CANCEL: sending one');
        const done = (): void => this.finish(call, reason);
        dialog.destroy({ headers: byeHeaders(reason) }).then(done, done);
      }, SERVER_BYE_WAIT_MS);
      return why === 'ring-timeout'
        ? { kind: 'no-answer', callId, status: 200 }
        : { kind: 'failed', callId, status: 200, reason: why, code: 'AIG_ERR_DRAINING' };
    }
    const result = checkAnswer(dialog.remote.sdp, localSdp);
    if (!result.ok) {
      call.log.info({ warning: result.warning, detail: result.reason }, 'SDP answer refused');
      this.hangup(call, 'media-rejected');
      return { kind: 'failed', callId, status: 200, reason: `SDP answer refused: ${result.reason}` };
    }
    const media = mediaOf(result);
    call.media = media;
    call.answeredAt = this.clock.now();
    call.maxDurationTimer = this.clock.setTimeout(
      () => this.hangup(call, 'max-duration'),
      this.options.maxDurationSeconds * 1000,
    );
    call.log.info(
      { codec: media.codec.name, ptime: media.ptime, telephoneEvent: media.telephoneEvent !== undefined },
      'outbound call answered',
    );
    const control = this.controlOf(call);
    call.mediaReservation?.start(media, control).catch((err: unknown) => {
      call.log.error({ err }, 'media could not start');
      this.hangup(call, 'error');
    });
    return { kind: 'answered', callId, control, media, localSdp, remoteSdp: dialog.remote.sdp, ended };
  }

  private attachDialog(call: OutboundCall, dialog: SrfUacDialog): void {
    call.dialog = dialog;
    call.transition('answered');
    dialog.on('destroy', (msg, reason) => {
      const transfer = call.transfer;
      if (transfer?.pending === true) {
        transfer.onDialogEnded();
      }
      const ended =
        transfer !== undefined
          ? 'transferred'
          : call.pendingEnd !== undefined
            ? endReasonOfGivingUp(call.pendingEnd)
            : endedByPeerOrServer(msg, 'confirmed');
      this.finish(call, ended, { remoteReason: reason });
    });
    dialog.on('notify', (req, res) => {
      if (call.transfer?.pending === true) {
        call.transfer.onNotify(req, res);
      } else {
        res.send(200, undefined, {}); // a late NOTIFY of a finished REFER subscription
      }
    });
    dialog.on('info', (req, res) => {
      const handled = call.mediaReservation?.info(req.get('Content-Type'), req.body ?? '') ?? false;
      // Legacy INFO DTMF (no Info-Package, RFC 6086 §2): 200 when understood, 415 for any other body.
      res.send(
        handled ? 200 : 415,
        undefined,
        handled ? {} : { headers: { Accept: 'application/dtmf-relay, application/dtmf' } },
      );
    });
  }

  /** Gives up on a call not answered yet (ring timeout, shutdown): CANCEL as soon as RFC 3261 §9.1 allows. */
  private giveUp(call: OutboundCall, why: 'ring-timeout' | 'shutdown'): void {
    call.pendingEnd ??= why;
    call.log.info({ why, afterMs: Math.round(this.clock.now() - call.startedAt) }, 'giving up on the call');
    if (call.invite !== undefined) {
      this.sendCancel(call);
    }
  }

  private sendCancel(call: OutboundCall): void {
    if (call.cancelSent || call.invite === undefined) {
      return;
    }
    call.cancelSent = true;
    call.transition('cancelling');
    try {
      // The server holds the CANCEL until a provisional arrived (§9.1); the INVITE then ends with 487.
      call.invite.cancel((err) => {
        if (err !== null && err !== undefined) {
          call.log.debug({ err }, 'CANCEL not sent (the INVITE already had its final response)');
        }
      });
    } catch (err) {
      call.log.warn({ err }, 'CANCEL failed');
    }
  }

  /** Ends a call from our side, whatever its state. */
  private hangup(call: OutboundCall, reason: CallEndReason): void {
    switch (call.state) {
      case 'reserving':
      case 'calling':
      case 'ringing':
      case 'cancelling':
        this.giveUp(call, reason === 'shutdown' ? 'shutdown' : 'ring-timeout');
        return;
      case 'answered': {
        const dialog = call.dialog;
        if (dialog === undefined || !call.transition('ending', { reason })) {
          return;
        }
        call.log.info({ reason }, 'hanging up');
        dialog.destroy({ headers: byeHeaders(reason) }).then(
          () => this.finish(call, reason),
          (err: unknown) => {
            call.log.warn({ err }, 'BYE failed');
            this.finish(call, reason);
          },
        );
        return;
      }
      case 'ending':
      case 'ended':
        return;
    }
  }

  /** Ends the call's bookkeeping exactly once: timers, media and port, live calls, `ended`. */
  private finish(call: OutboundCall, reason: CallEndReason, detail: Record<string, unknown> = {}): void {
    if (call.ended) {
      return;
    }
    call.ringTimer?.cancel();
    call.maxDurationTimer?.cancel();
    call.mediaReservation?.close(reason);
    call.endReason = reason;
    call.transition('ended', { reason, ...detail });
    const live = this.calls.get(call);
    this.calls.delete(call);
    const now = this.clock.now();
    if (call.answeredAt !== undefined) {
      const durationMs = now - call.answeredAt;
      call.log.info({ reason, durationMs, ...detail }, 'call ended');
      live?.resolveEnded({ reason, durationMs });
    }
    if (this.calls.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) {
        resolve();
      }
    }
  }

  /** What the IVR may do to the callee's call: REFER it to an agent group, or hang up. */
  private controlOf(call: OutboundCall): CallControl {
    return {
      transfer: (target) => this.transfer(call, target),
      hangup: () => this.hangup(call, 'completed'),
    };
  }

  /**
   * Blind transfer (RFC 3515) to each of the group's URIs in turn until one takes the call. Interim: bridging
   * (`mode: 'bridge'`, `fallbackToBridge`) is the dialog-level transfer's job, which will replace this.
   */
  private async transfer(call: OutboundCall, target: TransferTarget): Promise<TransferResult> {
    const attempts: TransferAttempt[] = [];
    const failed = (reason: string, sipStatus: number | null): TransferResult => ({
      status: 'failed',
      reason,
      sipStatus,
      attempts,
    });
    if (target.mode !== 'refer') {
      return failed('outbound calls transfer by REFER only', null);
    }
    if (call.transfer?.pending === true) {
      return failed('a transfer is already in progress', null);
    }
    const headers = transferContextHeaders(target.context).headers;
    let last = failed('no URI to transfer to', null);
    for (const uri of target.uris) {
      const dialog = call.dialog;
      if (dialog === undefined || call.state !== 'answered') {
        return failed(`call is ${call.state}`, null);
      }
      const transfer = new PendingTransfer(
        dialog,
        { uri, headers },
        { referredBy: `<sip:ivr@${this.options.mediaAddress}>`, timeoutMs: target.timeoutMs },
      );
      call.transfer = transfer;
      call.log.info({ group: target.groupId, target: uri }, 'transferring (REFER)');
      const startedAt = this.clock.now();
      const result = await transfer.start();
      const ms = Math.round(this.clock.now() - startedAt);
      call.log.info({ result: result.status, detail: result }, 'transfer finished');
      if (result.status === 'transferred') {
        attempts.push({
          uri,
          method: 'refer',
          outcome: 'transferred',
          sipStatus: result.notifyStatus,
          ms,
          detail: '',
        });
        this.hangup(call, 'transferred');
        return { status: 'transferred', method: 'refer', uri, sipStatus: result.notifyStatus, attempts };
      }
      call.transfer = undefined;
      const outcome: TransferAttempt['outcome'] =
        call.state !== 'answered'
          ? 'caller-gone'
          : !transfer.wasAccepted
            ? result.sipStatus === null
              ? 'error'
              : 'refused'
            : result.sipStatus === null
              ? 'timeout'
              : 'rejected';
      attempts.push({
        uri,
        method: 'refer',
        outcome,
        sipStatus: result.sipStatus,
        ms,
        detail: result.reason,
      });
      last = failed(result.reason, result.sipStatus);
    }
    return last;
  }
}
