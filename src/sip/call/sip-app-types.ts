/**
 * Public options and contracts of the SIP application (`createSipApp`). The composition root maps the validated
 * configuration onto `SipAppOptions`; this layer never reads configuration itself.
 */
import type { TransferContext } from '../../routing/routing-types.js';
import type { Clock } from '../../shared/clock.js';
import type { AudioCodecName, NegotiatedMedia } from './sdp-types.js';
import type { OutboundCalling } from './outbound-call-types.js';

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
  /** Wait for the final NOTIFY of a REFER, ms, where no `TransferTarget.timeoutMs` says otherwise. @default 32000 */
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
  /** `inbound`: a caller called a service number; `outbound`: the IVR called a citizen back (`SipApp.dial`). */
  readonly direction: 'inbound' | 'outbound';
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
  reserve(call: {
    callId: string;
    number: string;
    service: ServiceNumber;
    /** The caller's number (personal data), null when withheld; absent for calls the IVR places. */
    callerNumber?: string | null;
  }): Promise<CallMediaReservation>;
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

/** What the agent side is told about the caller: defined with routing (`src/routing/routing-types.ts`). */
export type { TransferContext } from '../../routing/routing-types.js';

/** Where a transfer goes, how, and what it carries. */
export interface TransferTarget {
  /** Routing group id (logs, the result, the bridged call's handling-time report). */
  readonly groupId: string;
  /** `sip:` URIs of the group, tried in order until one takes the call. */
  readonly uris: readonly string[];
  /** `refer`: blind transfer (RFC 3515), the IVR leaves; `bridge`: the IVR calls the agent itself (B2BUA). */
  readonly mode: 'refer' | 'bridge';
  /** In `refer` mode, bridge to the same URI when the REFER is refused, fails or times out. */
  readonly fallbackToBridge: boolean;
  /** Per attempt: wait for the REFER's final NOTIFY, or for the agent to answer the bridge INVITE, ms. */
  readonly timeoutMs: number;
  readonly context: TransferContext;
}

/** One try of one URI by one method. */
export interface TransferAttempt {
  readonly uri: string;
  readonly method: 'refer' | 'bridge';
  /**
   * `transferred`; `refused`: the caller's UA answered the REFER with a non-2xx (it will not transfer itself);
   * `rejected`: the target answered non-2xx (final NOTIFY sipfrag, or the agent's final response);
   * `timeout`: no final NOTIFY / no answer in `timeoutMs`; `caller-gone`: the caller hung up first;
   * `media-failed`: the agent answered but the caller's re-INVITE failed (the agent leg was released);
   * `error`: not sent (bad URI, transport error).
   */
  readonly outcome:
    'transferred' | 'refused' | 'rejected' | 'timeout' | 'caller-gone' | 'media-failed' | 'error';
  readonly sipStatus: number | null;
  /** How long the attempt took, ms. */
  readonly ms: number;
  /** Human-readable detail for logs and the timeline. */
  readonly detail: string;
}

export type TransferResult =
  | {
      readonly status: 'transferred';
      readonly method: 'refer' | 'bridge';
      /** The URI that took the call. */
      readonly uri: string;
      /** Final NOTIFY sipfrag status (refer; null when the caller hung up instead), or the agent's 200 (bridge). */
      readonly sipStatus: number | null;
      readonly attempts: readonly TransferAttempt[];
    }
  | {
      readonly status: 'failed';
      /** Why the last attempt failed (or why none was made). The caller is still with the IVR. */
      readonly reason: string;
      readonly sipStatus: number | null;
      readonly attempts: readonly TransferAttempt[];
    };

/** A bridged call ended (either side hung up, or the IVR ended it): the agent's handling time. */
export interface BridgeEnd {
  readonly callId: string;
  readonly groupId: string;
  readonly uri: string;
  /** From the agent's 200 to the first BYE, seconds. */
  readonly handlingSeconds: number;
  readonly endedBy: 'caller' | 'agent' | 'ivr';
}

/** What the conversation may do to its call's signalling. */
export interface CallControl {
  /**
   * Hands the caller over to `target` (`transferDialog`): REFER (RFC 3515) and/or bridge, URI after URI. After a
   * REFER the IVR leaves the call with BYE; after a bridge it stays in the signalling path only, its own RTP for
   * the caller stopped. A `failed` result leaves the caller with the IVR, which decides what to do next.
   */
  transfer(target: TransferTarget): Promise<TransferResult>;
  /** Ends the call with BYE. Ignored once the call is bridged to an agent: the call is theirs. */
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
  /** Told when a call bridged to an agent ends (routing measures handling time). A throwing listener is logged. */
  readonly onBridgeEnded?: (end: BridgeEnd) => void;
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
  /** Places an outbound call (callbacks): see `OutboundCalling.dial`. */
  dial: OutboundCalling['dial'];
}
