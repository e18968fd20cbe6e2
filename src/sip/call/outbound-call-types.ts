/**
 * Public contract of the outbound dialer (`outbound-call-dialer.ts`): what a callback asks for when it calls a
 * citizen, and what comes back — an answered call with its controls, or why nobody could be reached.
 */
import type { ErrorCode } from '../../errors/error-codes.js';
import type { NegotiatedMedia } from './sdp-types.js';
import type { CallControl, CallEndReason, CallMediaProvider, SipAppOptions } from './sip-app-types.js';

/** Who we call as: the From of our INVITE (RFC 3261 §8.1.1.3). */
export interface OutboundCaller {
  /** Shown to the citizen where the network passes it on (e.g. "Assurance Maladie"). */
  readonly displayName?: string;
  /** Our `sip:` URI, e.g. `sip:3646@ivr.example.org`. */
  readonly uri: string;
}

export interface OutboundCallRequest {
  /**
   * Whom to call: a `sip:`/`sips:` URI, used as is; or a telephone number (`0612345678`, `+33 6 12 34 56 78`)
   * or a `tel:` URI (RFC 3966), which becomes `sip:<number>@<gateway host:port>` (see `gatewayUri`).
   */
  readonly to: string;
  readonly from: OutboundCaller;
  /** Extra INVITE headers (e.g. `X-Aiguilleur-Callback-Id`): tokens for names, no line breaks in values. */
  readonly headers?: Readonly<Record<string, string>>;
  /** CANCEL when nobody answered within this many seconds (RFC 3261 §9.1). */
  readonly ringSeconds: number;
  /** The configured service number the call is made for: its language and media settings apply. */
  readonly number: string;
  /**
   * Media for this call only, instead of the app's provider — e.g. a reservation that runs the callback flow
   * rather than the number's inbound flow. @default the provider given to `createSipApp`
   */
  readonly media?: CallMediaProvider;
}

/** How an answered outbound call ended. */
export interface OutboundCallEnd {
  readonly reason: CallEndReason;
  /** Milliseconds from the answer (200 OK) to the end. */
  readonly durationMs: number;
}

export interface OutboundCallAnswered {
  readonly kind: 'answered';
  readonly callId: string;
  /**
   * Transfer to an agent group (REFER and/or bridge, `transferDialog`) or hang up; the media session received the
   * same object. Once bridged, `hangup` is ignored: a BYE from the citizen or the agent ends both legs.
   */
  readonly control: CallControl;
  readonly media: NegotiatedMedia;
  readonly localSdp: string;
  readonly remoteSdp: string;
  /**
   * Settles once, whoever ends the call (BYE either way, max duration, shutdown, transfer); for a bridged call,
   * when the citizen or the agent hangs up (reason `transferred`).
   */
  readonly ended: Promise<OutboundCallEnd>;
}

/** The callee's line was busy: 486 Busy Here, 600 Busy Everywhere. */
export interface OutboundCallBusy {
  readonly kind: 'busy';
  readonly callId: string;
  readonly status: number;
}

/** Nobody answered: our CANCEL after `ringSeconds` (487), 480 Temporarily Unavailable, 408 Request Timeout. */
export interface OutboundCallNoAnswer {
  readonly kind: 'no-answer';
  readonly callId: string;
  readonly status: number;
}

/** The callee refused: 603 Decline, 403 Forbidden. */
export interface OutboundCallDeclined {
  readonly kind: 'declined';
  readonly callId: string;
  readonly status: number;
}

/**
 * Anything else. `status` is the final SIP status when one came back (or 200 when the answer's SDP was refused),
 * null when no INVITE left or no response came. `code` is set when this process could not place the call
 * (`AIG_ERR_DRAINING` also for a dial cut short by shutdown, `AIG_ERR_OVERLOAD`, `AIG_ERR_RTP_PORTS_EXHAUSTED`,
 * `AIG_ERR_NUMBER_UNKNOWN`): not the callee's doing, so a retry need not count it as an attempt.
 */
export interface OutboundCallFailed {
  readonly kind: 'failed';
  /** Set once the INVITE had a Call-ID (every case but a request refused before dialling). */
  readonly callId: string | null;
  readonly status: number | null;
  readonly reason: string;
  readonly code?: ErrorCode;
}

export type OutboundCallOutcome =
  OutboundCallAnswered | OutboundCallBusy | OutboundCallNoAnswer | OutboundCallDeclined | OutboundCallFailed;

/** What the SIP app adds for outbound calls (`SipApp.dial`). */
export interface OutboundCalling {
  /** Calls `request.to`; never rejects: every failure is an outcome. */
  dial(request: OutboundCallRequest): Promise<OutboundCallOutcome>;
}

/** Options of outbound calling given to `createSipApp` (the rest comes from `SipAppOptions`). */
export interface OutboundCallingOptions {
  /**
   * Where telephone numbers are sent: a SIP URI or `host:port` of the PSTN gateway / trunk, e.g.
   * `sip:127.0.0.1:5080` (configuration: `callbacks.gateway`). @default none: only `sip:` URIs can be dialled
   */
  readonly gatewayUri?: string;
}

/** The dialer's resolved options: the app's media and limits, plus the gateway. */
export type OutboundDialerOptions = OutboundCallingOptions &
  Pick<
    SipAppOptions,
    | 'numbers'
    | 'codecs'
    | 'ptime'
    | 'telephoneEvent'
    | 'mediaAddress'
    | 'maxConcurrent'
    | 'maxDurationSeconds'
    | 'userAgent'
    | 'transferTimeoutMs'
  >;
