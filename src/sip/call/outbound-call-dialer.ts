/**
 * Outbound calls (the callback dialer): reserves media, offers SDP in an INVITE sent with drachtio-srf's
 * `createUAC`, CANCELs when nobody answers in time, reads the final response as busy / no answer / declined /
 * failed, and on a 200 checks the SDP answer and starts the media. An answered call then lives like an inbound
 * one (`AnsweredCallControl`, `attachCallDialogEvents`): BYE either way, a maximum duration, shutdown, transfer to
 * an agent group by REFER or bridge (`transferDialog`); each ends its media exactly once.
 */
import { randomUUID } from 'node:crypto';
import { isAigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { redactSipUri } from '../../logging/redaction.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { AnsweredCallControl } from './answered-call-control.js';
import { attachCallDialogEvents, hangUpAnswered, sendBye } from './call-dialog-events.js';
import { endedByPeerOrServer } from './call-signalling.js';
import { negotiatedMedia } from './negotiated-media.js';
import { NumberDirectory } from './number-directory.js';
import { OutboundCall } from './outbound-call.js';
import { endReasonOfGivingUp, outcomeOfFinalStatus } from './outbound-call-outcome.js';
import { outboundExtraHeaders, outboundFromHeader, outboundTargetUri } from './outbound-call-target.js';
import type {
  OutboundCallEnd,
  OutboundCallOutcome,
  OutboundCallRequest,
  OutboundCalling,
  OutboundDialerOptions,
} from './outbound-call-types.js';
import { buildOffer, checkAnswer } from './sdp-negotiator.js';
import { capabilityHeaders } from './sip-capabilities.js';
import type {
  BridgeEnd,
  CallEndReason,
  CallLogger,
  CallMediaProvider,
  CallSnapshot,
} from './sip-app-types.js';
import { sipErrorStatus, type SrfDialog, type SrfHeaders } from './srf-types.js';
import type { SentInvite, TransferDialog, TransferSrf } from './transfer-dialog-types.js';

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
  /**
   * Told when a call bridged to an agent ends (as `SipAppDependencies.onBridgeEnded` for inbound calls: routing
   * measures handling time). A throwing listener is logged.
   */
  readonly onBridgeEnded?: (end: BridgeEnd) => void;
}

/** How long the server gets to send its own BYE for a 200 that crossed our CANCEL, ms. */
const SERVER_BYE_WAIT_MS = 4000;

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
      headers = outboundExtraHeaders(request.headers ?? {});
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
              From: outboundFromHeader(request.from),
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
      const { outcome, endReason } = outcomeOfFinalStatus(call, dialog.status, dialog.detail);
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
        sendBye(dialog, reason, call.log, () => this.finish(call, reason));
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
    const media = negotiatedMedia(result);
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
    const control = this.controlOf(call).control;
    call.mediaReservation?.start(media, control).catch((err: unknown) => {
      call.log.error({ err }, 'media could not start');
      this.hangup(call, 'error');
    });
    return { kind: 'answered', callId, control, media, localSdp, remoteSdp: dialog.remote.sdp, ended };
  }

  private attachDialog(call: OutboundCall, dialog: SrfUacDialog): void {
    call.dialog = dialog;
    call.transition('answered');
    attachCallDialogEvents(dialog, {
      control: this.controlOf(call),
      media: () => call.mediaReservation,
      onEnded: ({ handedOver, msg, reason }) => {
        const ended = handedOver
          ? 'transferred'
          : call.pendingEnd !== undefined
            ? endReasonOfGivingUp(call.pendingEnd)
            : endedByPeerOrServer(msg, 'confirmed');
        this.finish(call, ended, { remoteReason: reason });
      },
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
      case 'answered':
        hangUpAnswered(call, reason, () => this.finish(call, reason));
        return;
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
    call.control?.release();
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

  /** What the IVR may do to the citizen's call (transfer to an agent group, hang up): one per answered call. */
  private controlOf(call: OutboundCall): AnsweredCallControl {
    call.control ??= new AnsweredCallControl({
      // A real drachtio-srf Srf/Dialog has the UAC and re-INVITE members `TransferSrf`/`TransferDialog` name.
      srf: this.srf as unknown as TransferSrf,
      log: call.log,
      clock: this.clock,
      referredBy: `<sip:ivr@${this.options.mediaAddress}>`,
      // The citizen's answer is on the dialog (`remote.sdp`): what a bridged agent is offered; ours was the offer.
      transferable: () =>
        call.dialog === undefined || call.state !== 'answered'
          ? { state: call.state }
          : { dialog: call.dialog as unknown as TransferDialog, localSdp: call.localSdp ?? '' },
      onMediaHandedOver: () => this.handOverMedia(call),
      hangUp: (reason) => this.hangup(call, reason),
      onBridgeEnded: (end) => this.deps.onBridgeEnded?.(end),
    });
    return call.control;
  }

  /**
   * Media now flows citizen ⇄ agent (bridge-transfer.ts): the IVR's RTP session for the call stops and its port is
   * free again. The call stays live: the IVR still relays its BYE, and `ended` settles then.
   */
  private handOverMedia(call: OutboundCall): void {
    call.log.info(
      { rtpPort: call.mediaReservation?.port },
      'media handed over to the agent: IVR RTP stopped',
    );
    call.mediaReservation?.close('bridged');
    call.mediaReservation = undefined;
  }
}
