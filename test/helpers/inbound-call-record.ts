/**
 * A complete inbound call record, as the app writes one when a call ends: a 95 s call to 3646 about
 * `carte_vitale`, transferred by REFER to `cartes`. Tests override the fields they are about.
 */
import type { InboundCallRecord } from '../../src/store/call-record-types.js';
import { hashCallerNumber, maskCallerNumber } from '../../src/store/caller-number.js';

export interface InboundCallRecordInit {
  readonly callId: string;
  /** The caller's number as presented (any format, or null when withheld): stored hashed and masked only. */
  readonly number: string | null;
  /** The deployment's caller-hash secret. */
  readonly secret: Uint8Array;
  /** When the call arrived, ms since the epoch; answered 300 ms later, ended 95 s later. */
  readonly startedAt: number;
}

export function inboundCallRecord(init: InboundCallRecordInit): InboundCallRecord {
  return {
    kind: 'call',
    callId: init.callId,
    callbackId: null,
    attempt: null,
    numberHash: hashCallerNumber(init.number, init.secret),
    numberMasked: maskCallerNumber(init.number),
    dialledNumber: '3646',
    startedAt: new Date(init.startedAt).toISOString(),
    answeredAt: new Date(init.startedAt + 300).toISOString(),
    endedAt: new Date(init.startedAt + 95_000).toISOString(),
    durationMs: 95_000,
    flowId: 'assurance-maladie',
    flowVersion: '3f2a9c',
    language: 'fr',
    intents: ['carte_vitale'],
    finalIntent: 'carte_vitale',
    outcome: 'transferred',
    group: 'cartes',
    transferMethod: 'refer',
    priority: 0,
    priorityReasons: [],
    recognition: {
      turns: 3,
      noMatch: 1,
      noInput: 0,
      errors: 0,
      providers: { google: 3 },
      meanLatencyMs: 412,
    },
    sipEndReason: 'refer-completed',
  };
}
