/**
 * Public options and contracts of the SIP application (`createSipApp`). The composition root maps the validated
 * configuration onto `SipAppOptions`; this layer never reads configuration itself.
 */
import type { Clock } from '../../shared/clock.js';
import type { AudioCodecName, NegotiatedMedia } from './sdp-types.js';

/** What a dialled number leads to (the `numbers` section of the configuration). */
export interface ServiceNumber {
  readonly language: 'fr' | 'en';
  /** Human-readable service name (logs, dashboard). */
  readonly label: string;
  /** Flow id; null or absent = the default flow. */
  readonly flow?: string | null;
}

export interface SipAppOptions {
  /** Dialled numbers served, keyed by number as configured (visual separators are ignored). */
  readonly numbers: Readonly<Record<string, ServiceNumber>>;
  /** Codecs accepted and offered, in preference order. */
  readonly codecs: readonly AudioCodecName[];
  /** Packetisation time, ms. */
  readonly ptime: number;
  /** Accept and offer RFC 4733 telephone-event. */
  readonly telephoneEvent: boolean;
  /** IP address advertised in our SDP (`c=`, `o=`). */
  readonly mediaAddress: string;
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  /** New INVITEs at or above this many live calls are answered 503. */
  readonly maxConcurrent: number;
  /** A call is hung up (BYE) after this long. */
  readonly maxDurationSeconds: number;
  /** Retry-After (RFC 3261 §20.33) sent with every 503. */
  readonly retryAfterSeconds: number;
  /** Product token sent in the Server header of our final responses. */
  readonly userAgent: string;
  /**
   * Ring before answering: send 180 Ringing and answer this many ms later. Callers hear ringback instead of
   * silence while the flow starts; 0 answers at once. @default 0
   */
  readonly answerAfterMs?: number;
  /** Wait for the final NOTIFY of a REFER, ms. @default 32000 */
  readonly transferTimeoutMs?: number;
}

/** The subset of a pino logger the SIP application uses. */
export interface CallLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): CallLogger;
}

export type CallState = 'admitted' | 'answering' | 'answered' | 'confirmed' | 'ending' | 'ended';

/**
 * Why a call ended. `rejected`: we refused it after admission (no RTP port); `media-rejected`: the offer or the
 * late-offer answer was unacceptable; `ack-timeout`: our 200 was never acknowledged and the server hung up.
 */
export type CallEndReason =
  | 'rejected'
  | 'cancelled'
  | 'remote-hangup'
  | 'ack-timeout'
  | 'max-duration'
  | 'media-rejected'
  | 'shutdown'
  | 'transferred'
  | 'completed'
  | 'error';

/** A read-only view of one live call. */
export interface CallSnapshot {
  readonly callId: string;
  /** The configured number that was dialled. */
  readonly number: string;
  readonly service: ServiceNumber;
  readonly state: CallState;
  /** Milliseconds since the INVITE was admitted (clock of the app). */
  readonly ageMs: number;
  readonly rtpPort: number | undefined;
  /** Known once the offer/answer exchange completed (at the 200 for an early offer, at the ACK otherwise). */
  readonly media: NegotiatedMedia | undefined;
}

export interface CallSummary {
  readonly callId: string;
  readonly number: string;
  readonly reason: CallEndReason;
  /** Milliseconds from admission to the end. */
  readonly durationMs: number;
}

/**
 * The media side of calls, provided by the composition root (the media engine). Without one, the app only
 * allocates port numbers for its SDP and carries no audio.
 */
export interface CallMediaProvider {
  /** Reserves an RTP port for our SDP; rejects when none is free (the call then gets 503). */
  reserve(call: { callId: string; number: string; service: ServiceNumber }): Promise<CallMediaReservation>;
}

export interface CallMediaReservation {
  readonly port: number;
  /**
   * Starts the call's media once the offer/answer exchange is complete; `control` lets the conversation transfer
   * or end the call.
   */
  start(media: NegotiatedMedia, control: CallControl): Promise<void>;
  /** A SIP INFO inside the dialog (DTMF relay, RFC 2976 bodies); true when it was understood. */
  info(contentType: string | undefined, body: string): boolean;
  /** Stops the media and gives the port back; idempotent. */
  close(reason: string): void;
}

/** Where a transfer goes and what it carries. */
export interface TransferTarget {
  /** `sip:` URI of the agent group. */
  readonly uri: string;
  /**
   * Context for the agent side, sent as headers embedded in the Refer-To URI (RFC 3515 §2.1, RFC 3261 §19.1.1) so
   * the transferee's INVITE carries them: names must start with `X-`; values are URI-escaped here.
   */
  readonly headers: Readonly<Record<string, string>>;
}

export type TransferResult =
  | { readonly status: 'transferred'; readonly notifyStatus: number | null }
  | { readonly status: 'failed'; readonly reason: string; readonly sipStatus: number | null };

/** What the conversation may do to its call's signalling. */
export interface CallControl {
  /**
   * Blind transfer with REFER (RFC 3515). Resolves `transferred` when the transferee reports success (NOTIFY with
   * a 2xx sipfrag) or hangs up after accepting the REFER; the IVR then leaves the call with BYE.
   */
  transfer(target: TransferTarget): Promise<TransferResult>;
  /** Ends the call with BYE. */
  hangup(): void;
}

export interface SipAppDependencies {
  /** The media engine's per-call hook; absent = signalling only. */
  readonly media?: CallMediaProvider;
  /**
   * Extra overload signal (e.g. event-loop delay above the configured bound): when it returns true, new calls
   * get 503 + Retry-After like when `maxConcurrent` is reached.
   */
  readonly isOverloaded?: () => boolean;
  readonly clock?: Clock;
  /** Told when a call's media is agreed (the media session starts here). A throwing listener never kills a call. */
  readonly onCallAnswered?: (call: CallSnapshot) => void;
  /** Told once per admitted call when it ends, whatever the cause. */
  readonly onCallEnded?: (summary: CallSummary) => void;
}

/** The running SIP application. */
export interface SipApp {
  /** Stop taking calls: new INVITEs (and OPTIONS, RFC 3261 §11.2) get 503 + Retry-After; live calls go on. */
  drain(): void;
  readonly draining: boolean;
  activeCalls(): CallSnapshot[];
  /** Resolves when no call is live (at once if none is). */
  whenIdle(): Promise<void>;
  /** Ends every live call (BYE, or 503 for calls not yet answered) and resolves when all have ended. */
  hangupAll(): Promise<void>;
}
