/**
 * Public contract of call records: one record per call and one per callback attempt, written once, when it ends
 * (docs/call-records.md describes every field). A record holds no personal data in clear: the caller's number only
 * hashed (`hashCallerNumber`) and masked (`maskCallerNumber`), never what the caller said or keyed.
 */

/** How an inbound call ended. */
export type CallOutcome =
  /** Handed to an agent group (REFER accepted or bridge answered). */
  | 'transferred'
  /** A callback was booked; the call then ended. */
  | 'callback-booked'
  /** The flow answered the need itself (a certificate sent, an information given). */
  | 'self-service'
  /** The IVR said the opening hours (group closed, no callback taken) and ended the call. */
  | 'closed'
  /** The flow ended the call for another reason (out of scope, goodbye after a no-input backstop…). */
  | 'hung-up'
  /** The caller hung up before any of the above. */
  | 'abandoned'
  /** Refused before the conversation started (overload, draining, unknown number). */
  | 'rejected'
  /** A technical failure ended the call (media, every transfer target failed and nothing else could be done). */
  | 'failed';

/** How one callback attempt (an outbound call to the citizen) ended. */
export type CallbackAttemptOutcome =
  /** The citizen accepted and was handed to the group. */
  | 'transferred'
  /** 486 Busy Here / 600 Busy Everywhere. */
  | 'busy'
  /** No answer within the ring time (or 408 / 480). */
  | 'no-answer'
  /** The citizen refused: 603 Decline, or answered and said no. */
  | 'declined'
  /** Answered, but neither pressed 1 nor said yes in time (an answering machine, often). */
  | 'no-response'
  /** Anything else: another SIP failure, a transfer that failed, an internal error. */
  | 'failed';

export type TransferMethod = 'refer' | 'bridge';

/** Recognition in the whole call. Counts of turns, never their content. */
export interface RecognitionStats {
  /** Listening turns (speech or keys). */
  readonly turns: number;
  /** Turns whose input matched nothing the flow expected. */
  readonly noMatch: number;
  /** Turns where the caller said and keyed nothing. */
  readonly noInput: number;
  /** Recognizer errors (provider unavailable, timeout, quota…). */
  readonly errors: number;
  /** Provider name → turns it served (`google`, `websocket`, `pocketsphinx`, `dtmf`). */
  readonly providers: Readonly<Record<string, number>>;
  /** Mean end-of-speech → final-result latency over the turns that had one, ms; null when none. */
  readonly meanLatencyMs: number | null;
}

interface CallRecordFields {
  /** The call's id (the IVR's, also in its logs and timeline). For an attempt: the outbound call's. */
  readonly callId: string;
  /** HMAC-SHA-256 of the normalized caller number (64 hex digits); null when withheld. */
  readonly numberHash: string | null;
  /** e.g. `+33 6•• ••• •78`; null when withheld. */
  readonly numberMasked: string | null;
  /** The service number the call reached (the Request-URI user part, e.g. `3646`); for an attempt, the service
   * number of the call that booked the callback. Never the citizen's number. */
  readonly dialledNumber: string;
  /** ISO 8601 UTC: INVITE received (call), INVITE sent (attempt). */
  readonly startedAt: string;
  /** ISO 8601 UTC: 200 OK sent (call) or received (attempt); null when never answered. */
  readonly answeredAt: string | null;
  /** ISO 8601 UTC: the dialog ended (BYE, CANCEL, final failure, or the transfer completed). */
  readonly endedAt: string;
  /** endedAt − startedAt, ms. */
  readonly durationMs: number;
  readonly flowId: string;
  /** The version the call ran on (flows are hot-reloaded; a call keeps the version it started with). */
  readonly flowVersion: string;
  /** BCP 47 language of the conversation, e.g. `fr`, `en`. */
  readonly language: string;
  /** Every intent classified in the call, in order (repeats kept). Names, never what was said. */
  readonly intents: readonly string[];
  /** The intent the routing decision used; null when the call ended before one. */
  readonly finalIntent: string | null;
  /** Agent group handed to (or the callback's group); null when none. */
  readonly group: string | null;
  readonly transferMethod: TransferMethod | null;
  /** 0 = normal; higher goes first. */
  readonly priority: number;
  /** Why the priority was raised (rule ids with their figures, e.g. `repeat-caller:3/7d`). */
  readonly priorityReasons: readonly string[];
  readonly recognition: RecognitionStats;
  /** How the SIP dialog ended: `bye-caller`, `bye-ivr`, `cancel`, `refer-completed`, or a final response
   * `486 Busy Here`, `408 Request Timeout`… */
  readonly sipEndReason: string;
}

export interface InboundCallRecord extends CallRecordFields {
  readonly kind: 'call';
  /** The callback booked during this call; null when none. */
  readonly callbackId: string | null;
  readonly attempt: null;
  readonly outcome: CallOutcome;
}

export interface CallbackAttemptRecord extends CallRecordFields {
  readonly kind: 'callback-attempt';
  /** The callback this attempt belongs to. */
  readonly callbackId: string;
  /** 1 for the first dial. */
  readonly attempt: number;
  readonly outcome: CallbackAttemptOutcome;
}

export type CallRecord = InboundCallRecord | CallbackAttemptRecord;

/** A record as read back: its stream entry id (`<ms>-<seq>`, the time it reached Redis) and the record. */
export interface CallRecordEntry {
  readonly id: string;
  readonly record: CallRecord;
}

/** Every present field must match. Times compare with `startedAt`. */
export interface CallRecordFilter {
  readonly numberHash?: string;
  /** Among `intents` or equal to `finalIntent`. */
  readonly intent?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly outcome?: CallOutcome | CallbackAttemptOutcome;
  readonly group?: string;
  readonly kind?: CallRecord['kind'];
}

export interface CallRecordSearchResult {
  /** Newest first. */
  readonly entries: readonly CallRecordEntry[];
  /** Stream entries read to answer. */
  readonly scanned: number;
  /** False when the scan stopped at its cap before reaching `since` (or the stream's start). */
  readonly complete: boolean;
}

export interface CallRecordStoreStats {
  /** `write` calls. */
  readonly records: number;
  /** Lines appended to the file. */
  readonly fileWritten: number;
  /** Lines the file refused (disk full, permissions); the record is then only in the stream. */
  readonly fileFailed: number;
  /** Records added to the stream (retries included). */
  readonly streamWritten: number;
  /** Writes the stream had already (a retry of a write that timed out but got there, or a record written twice):
   * not added again. */
  readonly streamDuplicates: number;
  /** Records waiting for Redis to come back. */
  readonly streamPending: number;
  /** Records given up for the stream (backlog full, or still pending at close); they are in the file. */
  readonly streamDropped: number;
  /** Fields a record arrived with that would have leaked personal data, replaced before writing. */
  readonly sanitized: number;
}

export interface CallRecordStore {
  /** Appends the record to the file and the stream. Never rejects and never waits long on Redis: a record Redis
   * cannot take now is retried in the background (and is in the file already). */
  write(record: CallRecord): Promise<void>;
  /** The newest records, newest first. */
  recent(limit: number): Promise<CallRecordEntry[]>;
  /** Scans the stream from the newest record back (XREVRANGE): fine for ops queries, not for analytics. */
  search(filter: CallRecordFilter, limit: number): Promise<CallRecordSearchResult>;
  /** Reopens the file at its path (after logrotate moved it). */
  reopen(): Promise<void>;
  readonly stats: CallRecordStoreStats;
  /** Flushes what it can (bounded), syncs and closes the file. The Redis client stays open (it is the app's). */
  close(): Promise<void>;
}
