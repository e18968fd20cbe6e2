/**
 * One outbound call as the dialer sees it: its lifecycle state (`CallLifecycle`: `transition` is the only place that
 * changes it and logs the change), plus what was settled along the way (media reservation, dialog, SDP).
 *
 *   reserving ──► calling ──► ringing ──► answered ──► ending ──► ended
 *                    │           │            ▲   └───────────────────▲
 *                    └───────────┴─► cancelling ─┘ (200 crossing our CANCEL)
 *   (any state may end)
 *
 * `calling`: the INVITE left, no provisional yet; `ringing`: a 1xx arrived (RFC 3261 §13.2.2.1), so a CANCEL can
 * go out at once (§9.1); `answered`: the 200 came and drachtio-srf sent the ACK (§13.2.2.4); `ending`: we sent
 * BYE and wait for its response.
 */
import type { TimerHandle } from '../../shared/clock.js';
import { CallLifecycle, type CallLifecycleTable } from './call-lifecycle.js';
import type { AnsweredCallControl } from './answered-call-control.js';
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
import type { SentInvite } from './transfer-dialog-types.js';

export type OutboundCallState =
  'reserving' | 'calling' | 'ringing' | 'cancelling' | 'answered' | 'ending' | 'ended';

const NEXT_STATES: CallLifecycleTable<OutboundCallState> = {
  reserving: ['calling', 'ended'],
  calling: ['ringing', 'cancelling', 'answered', 'ended'],
  ringing: ['cancelling', 'answered', 'ended'],
  cancelling: ['answered', 'ended'],
  answered: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

/** The live-calls view shares the inbound lifecycle's words: before the answer a call is still being set up. */
const SNAPSHOT_STATE: Readonly<Record<OutboundCallState, CallState>> = {
  reserving: 'answering',
  calling: 'answering',
  ringing: 'answering',
  cancelling: 'answering',
  answered: 'confirmed',
  ending: 'ending',
  ended: 'ended',
};

export interface OutboundCallInit {
  readonly callId: string;
  readonly number: string;
  readonly service: ServiceNumber;
  readonly startedAt: number;
  readonly log: CallLogger;
}

export class OutboundCall extends CallLifecycle<OutboundCallState> {
  readonly callId: string;
  readonly number: string;
  readonly service: ServiceNumber;
  readonly startedAt: number;
  mediaReservation: CallMediaReservation | undefined;
  media: NegotiatedMedia | undefined;
  localSdp: string | undefined;
  dialog: SrfDialog | undefined;
  /** The INVITE once it left (null until drachtio-srf reports it sent). */
  invite: SentInvite | undefined;
  /** We sent (or queued) a CANCEL: a 487 then means nobody answered in time, not a failure. */
  cancelSent = false;
  /** Why we gave up before the answer (ring timeout or shutdown); applied as soon as the call allows it. */
  pendingEnd: CallEndReason | 'ring-timeout' | undefined;
  answeredAt: number | undefined;
  ringTimer: TimerHandle | undefined;
  maxDurationTimer: TimerHandle | undefined;
  /** What the conversation may do to the answered call; its transfer sees the dialog's NOTIFYs and end. */
  control: AnsweredCallControl | undefined;
  endReason: CallEndReason | undefined;

  constructor(init: OutboundCallInit) {
    super('reserving', NEXT_STATES, init.log);
    this.callId = init.callId;
    this.number = init.number;
    this.service = init.service;
    this.startedAt = init.startedAt;
  }

  snapshot(now: number): CallSnapshot {
    return {
      callId: this.callId,
      direction: 'outbound',
      number: this.number,
      service: this.service,
      state: SNAPSHOT_STATE[this.state],
      ageMs: now - this.startedAt,
      rtpPort: this.mediaReservation?.port,
      media: this.media,
    };
  }
}
