/**
 * Incoming INVITEs: admission (drain, overload, dialled number), SDP offer/answer, answering through
 * drachtio-srf's `createUAS`, and every way a call ends (caller CANCEL or BYE, our BYE at the duration limit,
 * refused late-offer answer, shutdown). Each admitted call is registered until it has ended, exactly once.
 */
import { isAigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { maskNumber } from '../../logging/redaction.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { admitInvite, optionTags, type AdmissionState } from './call-admission.js';
import { AnsweredCallControl } from './answered-call-control.js';
import { attachCallDialogEvents, hangUpAnswered } from './call-dialog-events.js';
import { endedByPeerOrServer, warningHeader } from './call-signalling.js';
import { CallRegistry } from './call-registry.js';
import { InboundCall } from './inbound-call.js';
import { negotiatedMedia } from './negotiated-media.js';
import { NumberDirectory } from './number-directory.js';
import { sdpFromRequest } from './request-sdp.js';
import { RtpPortAllocator } from './rtp-port-allocator.js';
import { buildOffer, checkAnswer, negotiateAnswer } from './sdp-negotiator.js';
import type { LocalMediaOptions } from './sdp-types.js';
import { capabilityHeaders } from './sip-capabilities.js';
import type {
  CallEndReason,
  CallLogger,
  CallSnapshot,
  SipAppDependencies,
  SipAppOptions,
} from './sip-app-types.js';
import {
  sipErrorStatus,
  type SrfApp,
  type SrfDialog,
  type SrfRequest,
  type SrfResponse,
} from './srf-types.js';
import type { TransferDialog, TransferSrf } from './transfer-dialog-types.js';

export class InboundCallHandler {
  private readonly directory: NumberDirectory;
  private readonly ports: RtpPortAllocator;
  private readonly registry = new CallRegistry();
  /** The control (and transfer) of each answered call, from its dialog to its end. */
  private readonly controls = new Map<InboundCall, AnsweredCallControl>();
  private readonly clock: Clock;
  private isDraining = false;

  constructor(
    private readonly srf: SrfApp,
    private readonly options: SipAppOptions,
    private readonly logger: CallLogger,
    private readonly deps: SipAppDependencies = {},
  ) {
    this.directory = new NumberDirectory(options.numbers);
    this.ports = new RtpPortAllocator(options.rtpPortMin, options.rtpPortMax);
    this.clock = deps.clock ?? systemClock;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  drain(): void {
    if (!this.isDraining) {
      this.isDraining = true;
      this.logger.info({ activeCalls: this.registry.size }, 'draining: new calls are refused');
    }
  }

  /** What admission decisions are made against (shared with OPTIONS, RFC 3261 §11.2). */
  admissionState(): AdmissionState {
    return {
      draining: this.isDraining,
      activeCalls: this.registry.size,
      maxConcurrent: this.options.maxConcurrent,
      overloaded: this.deps.isOverloaded?.() ?? false,
      retryAfterSeconds: this.options.retryAfterSeconds,
    };
  }

  get numbers(): NumberDirectory {
    return this.directory;
  }

  activeCalls(): CallSnapshot[] {
    const now = this.clock.now();
    return this.registry.list().map((call) => call.snapshot(now));
  }

  whenIdle(): Promise<void> {
    return this.registry.whenEmpty();
  }

  async hangupAll(): Promise<void> {
    for (const call of this.registry.list()) {
      this.hangup(call, 'shutdown');
    }
    await this.registry.whenEmpty();
  }

  /** The `srf.invite` handler. Never throws: a failure ends that call, not the app. */
  handleInvite(req: SrfRequest, res: SrfResponse): void {
    this.processInvite(req, res).catch((err: unknown) => {
      this.logger.error({ err, callId: req.get('Call-ID') }, 'INVITE handling failed');
      if (!res.finalResponseSent) {
        this.respond(res, 500, 'Server Internal Error', {}, this.logger);
      }
    });
  }

  private async processInvite(req: SrfRequest, res: SrfResponse): Promise<void> {
    const callId = req.get('Call-ID') ?? '';
    const admission = admitInvite(
      { requestUri: req.uri, hasContact: req.has('Contact'), require: req.get('Require') },
      this.admissionState(),
      this.directory,
    );
    if (!admission.admit) {
      const { status, code, detail } = admission;
      this.logger.info(
        { callId, status, code, detail, caller: maskNumber(req.callingNumber) },
        'INVITE refused',
      );
      this.respond(res, status, admission.reason, admission.headers, this.logger);
      return;
    }

    const { match } = admission;
    const call = new InboundCall({
      callId,
      number: match.number,
      service: match.service,
      admittedAt: this.clock.now(),
      log: this.logger.child({ callId, number: match.number }),
    });
    this.registry.add(call);
    call.log.info({ caller: maskNumber(req.callingNumber), service: match.service.label }, 'call admitted');
    req.on('cancel', () => {
      call.cancelled = true;
      call.log.info({}, 'caller cancelled');
      call.interrupt?.();
    });

    try {
      await this.setUp(call, req, res);
    } catch (err) {
      // Whatever failed, the call must leave the registry and give its port back.
      this.finish(call, 'error');
      throw err;
    }
  }

  /** From an admitted INVITE to an answered (or refused, or cancelled) call. */
  private async setUp(call: InboundCall, req: SrfRequest, res: SrfResponse): Promise<void> {
    if (!(await this.prepareMedia(call, req, res))) {
      return;
    }
    const answerAfterMs = this.options.answerAfterMs ?? 0;
    if (answerAfterMs > 0) {
      // RFC 3262 §3: when the caller requires 100rel, provisionals must be reliable (the engine adds RSeq and
      // retransmits until the PRACK, which drachtio-srf answers 200 by itself).
      const reliable = optionTags(req.get('Require')).includes('100rel');
      this.respond(res, 180, 'Ringing', reliable ? { Require: '100rel' } : {}, call.log);
      await this.wait(call, answerAfterMs);
    }
    if (call.cancelled) {
      // The server already answered 200 to the CANCEL and 487 to the INVITE (RFC 3261 §9.2).
      this.finish(call, 'cancelled');
      return;
    }
    if (call.pendingEnd !== undefined) {
      this.respond(res, 503, 'Service Unavailable', this.retryAfter(), call.log);
      this.finish(call, call.pendingEnd);
      return;
    }
    await this.answer(call, req, res);
  }

  /** Takes an RTP port and settles our SDP; on failure the INVITE is answered and the call ended. */
  private async prepareMedia(call: InboundCall, req: SrfRequest, res: SrfResponse): Promise<boolean> {
    try {
      if (this.deps.media === undefined) {
        call.rtpPort = this.ports.allocate();
      } else {
        const reservation = await this.deps.media.reserve({
          callId: call.callId,
          number: call.number,
          service: call.service,
          callerNumber: presentedNumber(req),
        });
        call.mediaReservation = reservation;
        call.rtpPort = reservation.port;
      }
    } catch (err) {
      const code: ErrorCode = isAigError(err) ? err.code : 'AIG_ERR_RTP_PORTS_EXHAUSTED';
      call.log.warn({ code, err }, 'no RTP port for the call');
      this.respond(res, 503, 'Service Unavailable', this.retryAfter(), call.log);
      this.finish(call, 'rejected');
      return false;
    }
    const local: LocalMediaOptions = {
      codecs: this.options.codecs,
      ptime: this.options.ptime,
      telephoneEvent: this.options.telephoneEvent,
      address: this.options.mediaAddress,
      port: call.rtpPort,
    };
    const offer = sdpFromRequest(req.get('Content-Type'), req.body, req.payload);
    if (offer.kind === 'unsupported') {
      call.log.info({ contentType: offer.contentType }, 'INVITE body is not SDP');
      // RFC 3261 §21.4.13: 415 lists what we accept.
      this.respond(res, 415, 'Unsupported Media Type', { Accept: 'application/sdp' }, call.log);
      this.finish(call, 'media-rejected');
      return false;
    }
    if (offer.kind === 'none') {
      call.localSdp = buildOffer(local);
      return true;
    }
    const answer = negotiateAnswer(offer.sdp, local);
    if (!answer.ok) {
      call.log.info(
        { status: answer.status, warning: answer.warning, detail: answer.reason },
        'SDP offer refused',
      );
      const reason = answer.status === 488 ? 'Not Acceptable Here' : 'Bad Request';
      this.respond(
        res,
        answer.status,
        reason,
        { Warning: warningHeader(answer.warning, answer.reason) },
        call.log,
      );
      this.finish(call, 'media-rejected');
      return false;
    }
    call.localSdp = answer.sdp;
    call.media = negotiatedMedia(answer);
    return true;
  }

  private async answer(call: InboundCall, req: SrfRequest, res: SrfResponse): Promise<void> {
    const localSdp = call.localSdp ?? '';
    const lateOffer = call.media === undefined;
    call.transition('answering', { lateOffer });
    try {
      await new Promise<void>((resolve, reject) => {
        this.srf.createUAS(
          req,
          res,
          {
            localSdp,
            headers: {
              'Content-Type': 'application/sdp',
              Server: this.options.userAgent,
              ...capabilityHeaders(),
            },
          },
          (err, dialog) => {
            if (err !== null && err !== undefined) {
              reject(err instanceof Error ? err : Object.assign(new Error('createUAS failed'), err));
              return;
            }
            // Synchronously, before drachtio-srf reads on: the ACK and a BYE may be in the same read.
            this.attachDialog(call, dialog!, lateOffer);
            resolve();
          },
        );
      });
    } catch (err) {
      if (call.cancelled || sipErrorStatus(err) === 487) {
        this.finish(call, 'cancelled');
      } else {
        call.log.warn({ err }, 'could not answer the call');
        if (!res.finalResponseSent) {
          // Failed before our 200 left: the caller must still get a final response (RFC 3261 §13.3.1).
          this.respond(res, 500, 'Server Internal Error', {}, call.log);
        }
        this.finish(call, 'error');
      }
      return;
    }
    if (call.ended) {
      return; // the caller hung up in the same breath as the ACK
    }
    call.maxDurationTimer = this.clock.setTimeout(
      () => this.hangup(call, 'max-duration'),
      this.options.maxDurationSeconds * 1000,
    );
    if (call.pendingEnd !== undefined) {
      this.hangup(call, call.pendingEnd);
      return;
    }
    if (!lateOffer) {
      this.announceAnswered(call);
    }
  }

  private attachDialog(call: InboundCall, dialog: SrfDialog, lateOffer: boolean): void {
    call.dialog = dialog;
    call.transition('answered', { codec: call.media?.codec.name, rtpPort: call.rtpPort });
    const control = this.controlOf(call);
    attachCallDialogEvents(dialog, {
      control,
      media: () => call.mediaReservation,
      onEnded: ({ handedOver, msg, reason }) =>
        this.finish(call, handedOver ? 'transferred' : endedByPeerOrServer(msg, call.state), {
          remoteReason: reason,
        }),
    });
    dialog.on('ack', (ack) => this.onAck(call, ack.body, lateOffer));
  }

  private onAck(call: InboundCall, body: string | undefined, lateOffer: boolean): void {
    if (!call.transition('confirmed')) {
      return;
    }
    if (!lateOffer) {
      return;
    }
    // RFC 3261 §13.2.1: the offer was in our 200, so the ACK must carry the answer.
    const result = checkAnswer(body ?? '', call.localSdp ?? '');
    if (!result.ok) {
      call.log.info({ warning: result.warning, detail: result.reason }, 'SDP answer in the ACK refused');
      this.hangup(call, 'media-rejected');
      return;
    }
    call.media = negotiatedMedia(result);
    this.announceAnswered(call);
  }

  /** Ends a call from our side, whatever its state. */
  hangup(call: InboundCall, reason: CallEndReason): void {
    switch (call.state) {
      case 'admitted':
      case 'answering':
        // Not answerable yet: the INVITE flow picks this up as soon as it can.
        call.pendingEnd ??= reason;
        call.interrupt?.();
        return;
      case 'answered':
      case 'confirmed':
        hangUpAnswered(call, reason, () => this.finish(call, reason));
        return;
      case 'ending':
      case 'ended':
        return;
    }
  }

  /** Ends the call's bookkeeping exactly once: timer, RTP port, registry, listener. */
  private finish(call: InboundCall, reason: CallEndReason, detail: Record<string, unknown> = {}): void {
    if (call.ended) {
      return;
    }
    call.maxDurationTimer?.cancel();
    call.maxDurationTimer = undefined;
    this.controls.get(call)?.release();
    this.controls.delete(call);
    if (call.mediaReservation !== undefined) {
      call.mediaReservation.close(reason);
    } else if (call.rtpPort !== undefined) {
      this.ports.release(call.rtpPort);
    }
    call.endReason = reason;
    call.transition('ended', { reason, ...detail });
    this.registry.remove(call);
    const durationMs = this.clock.now() - call.admittedAt;
    call.log.info({ reason, durationMs, ...detail }, 'call ended');
    try {
      this.deps.onCallEnded?.({ callId: call.callId, number: call.number, reason, durationMs });
    } catch (err) {
      call.log.error({ err }, 'onCallEnded listener failed');
    }
  }

  private announceAnswered(call: InboundCall): void {
    call.log.info(
      {
        codec: call.media?.codec.name,
        ptime: call.media?.ptime,
        telephoneEvent: call.media?.telephoneEvent !== undefined,
      },
      'call answered',
    );
    const media = call.media;
    if (call.mediaReservation !== undefined && media !== undefined) {
      call.mediaReservation.start(media, this.controlOf(call).control).catch((err: unknown) => {
        call.log.error({ err }, 'media could not start');
        this.hangup(call, 'error');
      });
    }
    try {
      this.deps.onCallAnswered?.(call.snapshot(this.clock.now()));
    } catch (err) {
      call.log.error({ err }, 'onCallAnswered listener failed');
    }
  }

  /** What the conversation may do to the call (transfer to an agent group, hang up): one per answered call. */
  private controlOf(call: InboundCall): AnsweredCallControl {
    let control = this.controls.get(call);
    if (control === undefined) {
      control = new AnsweredCallControl({
        // A real drachtio-srf Srf/Dialog has the UAC and re-INVITE members `TransferSrf`/`TransferDialog` name.
        srf: this.srf as unknown as TransferSrf,
        log: call.log,
        clock: this.clock,
        referredBy: `<sip:ivr@${this.options.mediaAddress}>`,
        transferable: () =>
          call.dialog === undefined || call.state !== 'confirmed'
            ? { state: call.state }
            : { dialog: call.dialog as unknown as TransferDialog, localSdp: call.localSdp ?? '' },
        onMediaHandedOver: () => this.handOverMedia(call),
        hangUp: (reason) => this.hangup(call, reason),
        onBridgeEnded: (end) => this.deps.onBridgeEnded?.(end),
      });
      if (!call.ended) {
        this.controls.set(call, control); // `finish` releases it
      }
    }
    return control;
  }

  /**
   * Media now flows caller ⇄ agent (bridge-transfer.ts): the IVR's RTP session for the caller stops and its port
   * is free again. The call stays registered: the IVR still relays its BYE.
   */
  private handOverMedia(call: InboundCall): void {
    call.log.info({ rtpPort: call.rtpPort }, 'media handed over to the agent: IVR RTP stopped');
    if (call.mediaReservation !== undefined) {
      call.mediaReservation.close('bridged');
    } else if (call.rtpPort !== undefined) {
      this.ports.release(call.rtpPort);
    }
    call.rtpPort = undefined;
  }

  /** Waits `ms`, or less if the call is cancelled or asked to end meanwhile. */
  private wait(call: InboundCall, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        call.interrupt = undefined;
        resolve();
      }, ms);
      call.interrupt = () => {
        call.interrupt = undefined;
        timer.cancel();
        resolve();
      };
    });
  }

  private retryAfter(): Record<string, string> {
    return { 'Retry-After': String(this.options.retryAfterSeconds) };
  }

  private respond(
    res: SrfResponse,
    status: number,
    reason: string,
    headers: Readonly<Record<string, string>>,
    log: CallLogger,
  ): void {
    res.send(status, reason, { headers: { Server: this.options.userAgent, ...headers } }, (err) => {
      if (err) {
        // Typically a CANCEL that won the race: the server already sent the final response.
        log.debug({ err, status }, 'response not sent');
      }
    });
  }
}

/**
 * The caller's number as presented: user part of P-Asserted-Identity, else of From; null when withheld — `Privacy:
 * id` or `header` (RFC 3323 §4.2, RFC 3325 §9.3), an `anonymous` user (RFC 3261 §8.1.1.3), or no digits at all.
 * Personal data: never logged unmasked.
 */
export function presentedNumber(req: Pick<SrfRequest, 'callingNumber' | 'get'>): string | null {
  const privacy = (req.get('Privacy') ?? '').toLowerCase();
  if (/\b(id|header|user)\b/.test(privacy)) {
    return null;
  }
  const number = (req.callingNumber ?? '').trim();
  if (number === '' || /anonymous|restricted|unavailable|unknown/i.test(number) || !/\d/.test(number)) {
    return null;
  }
  return number;
}
