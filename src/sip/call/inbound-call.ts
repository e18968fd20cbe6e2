/**
 * One incoming call as the app sees it: its lifecycle state (`CallLifecycle`: `transition` is the only place that
 * changes it and logs the change), plus what was settled along the way (RTP port, media, dialog).
 *
 *   admitted ──► answering ──► answered ──► confirmed ──► ending ──► ended
 *      │             │            │   └────────────────────┘  ▲        ▲
 *      └─────────────┴────────────┴───────────────────────────┴────────┘  (any state may end)
 *
 * `answering`: createUAS is in flight; `answered`: our 200 went out; `confirmed`: the ACK arrived (RFC 3261
 * §13.3.1.4); `ending`: we sent BYE and wait for its response.
 */
import type { TimerHandle } from '../../shared/clock.js';
import { CallLifecycle, type CallLifecycleTable } from './call-lifecycle.js';
import type { NegotiatedMedia } from './sdp-types.js';
import type {
  CallEndReason,
  CallLogger,
  CallMediaReservation,
  CallSnapshot,
  CallState,
  ServiceNumber,
} from './sip-app-types.js';
import type { SrfDialog } from './srf-types.js';

const NEXT_STATES: CallLifecycleTable<CallState> = {
  admitted: ['answering', 'ended'],
  answering: ['answered', 'ended'],
  answered: ['confirmed', 'ending', 'ended'],
  confirmed: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

export interface InboundCallInit {
  readonly callId: string;
  readonly number: string;
  readonly service: ServiceNumber;
  readonly admittedAt: number;
  readonly log: CallLogger;
}

export class InboundCall extends CallLifecycle<CallState> {
  readonly callId: string;
  readonly number: string;
  readonly service: ServiceNumber;
  readonly admittedAt: number;
  rtpPort: number | undefined;
  /** The media engine's side of the call, when one is wired. */
  mediaReservation: CallMediaReservation | undefined;
  media: NegotiatedMedia | undefined;
  dialog: SrfDialog | undefined;
  /** The SDP we sent (offer for a late-offer call, answer otherwise). */
  localSdp: string | undefined;
  /** The caller sent CANCEL before we answered. */
  cancelled = false;
  /** Someone asked to end the call while it could not be ended yet (createUAS in flight). */
  pendingEnd: CallEndReason | undefined;
  endReason: CallEndReason | undefined;
  maxDurationTimer: TimerHandle | undefined;
  /** Cuts short a wait of the INVITE flow (ringing before answer) when the call is cancelled or ended. */
  interrupt: (() => void) | undefined;

  constructor(init: InboundCallInit) {
    super('admitted', NEXT_STATES, init.log);
    this.callId = init.callId;
    this.number = init.number;
    this.service = init.service;
    this.admittedAt = init.admittedAt;
  }

  snapshot(now: number): CallSnapshot {
    return {
      callId: this.callId,
      direction: 'inbound',
      number: this.number,
      service: this.service,
      state: this.state,
      ageMs: now - this.admittedAt,
      rtpPort: this.rtpPort,
      media: this.media,
    };
  }
}
