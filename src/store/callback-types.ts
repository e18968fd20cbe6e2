/**
 * Public contract of the callback store (issue 6 item 5): bookings, the job the dialer receives, attempt records,
 * and what ops can read. The number to dial appears only in `BookingRequest` and `CallbackJob`: records, bookings
 * and attempts carry its hash.
 */
import type { OpenIntervals, TimeInterval } from '../routing/callbacks/callback-slots.js';

export interface BookingRequest {
  /** The inbound call the callback was booked in; the callback id derives from it. */
  readonly callId: string;
  readonly groupId: string;
  readonly intent: string | null;
  readonly language: string;
  /** The number to dial, in clear (E.164 or as the trunk expects it). Kept in the job only, never logged. */
  readonly number: string;
  /** Hash of the number, as call records store it. */
  readonly numberHash: string;
  readonly slot: TimeInterval;
  /** Routing context handed to the group when the citizen is transferred (may hold personal data). */
  readonly context: Readonly<Record<string, unknown>>;
  /** Caller priority (0 = normal, higher first). */
  readonly priority: number;
}

/**
 * `scheduled`: waiting for its next attempt; `dialling`: an attempt is in progress; then one final status:
 * `connected` / `transferred` / `declined` (the citizen answered), `exhausted` (no attempt left, or no opening
 * within the horizon), `cancelled` (ops or the caller), `failed` (the queue gave up on the job: see its detail).
 */
export type CallbackStatus =
  'scheduled' | 'dialling' | 'connected' | 'transferred' | 'declined' | 'exhausted' | 'cancelled' | 'failed';

export const CALLBACK_STATUSES: readonly CallbackStatus[] = [
  'scheduled',
  'dialling',
  'connected',
  'transferred',
  'declined',
  'exhausted',
  'cancelled',
  'failed',
];

export const FINAL_CALLBACK_STATUSES: ReadonlySet<CallbackStatus> = new Set([
  'connected',
  'transferred',
  'declined',
  'exhausted',
  'cancelled',
  'failed',
]);

/** What one dial attempt came to (the dialer's answer). */
export type DialResult =
  'connected' | 'transferred' | 'busy' | 'no-answer' | 'no-response' | 'declined' | 'failed';

/** Results after which the callback is over; the others are retried. */
export const FINAL_DIAL_RESULTS: ReadonlySet<DialResult> = new Set(['connected', 'transferred', 'declined']);

export interface Booking {
  readonly callbackId: string;
  readonly callId: string;
  readonly groupId: string;
  readonly slot: TimeInterval;
  /** First attempt: within the slot, bookings spread over its length. */
  readonly firstAttemptAt: Date;
  readonly bookedAt: Date;
  readonly status: CallbackStatus;
  /** False when the call had already booked: this is that booking, unchanged. */
  readonly created: boolean;
}

/** What the dialer receives at each attempt. */
export interface CallbackJob extends BookingRequest {
  readonly callbackId: string;
  /** 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly bookedAt: Date;
}

/** One attempt, as recorded in Redis and given to `onAttempt`. */
export interface CallbackAttempt {
  readonly callbackId: string;
  readonly callId: string;
  readonly groupId: string;
  readonly numberHash: string;
  readonly intent: string | null;
  readonly priority: number;
  readonly attempt: number;
  readonly result: DialResult;
  /** Why, when the dialer did not get to say (`interrupted`: the process dialling it died). */
  readonly detail: string | null;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** The status after this attempt: `scheduled` (another attempt follows) or a final one. */
  readonly status: CallbackStatus;
  readonly nextAttemptAt: Date | null;
  /** Which process dialled (`<hostname>:<pid>` unless named). */
  readonly worker: string;
}

/** A callback as ops see it (no number, no context). */
export interface CallbackRecord {
  readonly callbackId: string;
  readonly callId: string;
  readonly groupId: string;
  readonly intent: string | null;
  readonly language: string;
  readonly numberHash: string;
  readonly priority: number;
  readonly slot: TimeInterval;
  readonly bookedAt: Date;
  readonly status: CallbackStatus;
  readonly detail: string | null;
  readonly attemptsMade: number;
  readonly nextAttemptAt: Date | null;
  readonly updatedAt: Date;
  readonly attempts: readonly CallbackAttempt[];
}

/** Structured logger subset (pino). */
export interface CallbackLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type CallbackDialHandler = (job: CallbackJob, signal: AbortSignal) => Promise<DialResult>;

export interface CallbackDialingOptions {
  /** A group's open intervals; undefined (unknown group) dials at any time, with a warning. */
  readonly openIntervalsFor: (groupId: string) => OpenIntervals | undefined;
  /** Called once per recorded attempt (call records). Errors are logged, never retried. */
  readonly onAttempt?: (attempt: CallbackAttempt) => void | Promise<void>;
  /** Callbacks dialled at once by this process. @default 10 */
  readonly concurrency?: number;
  /** No attempt starts less than this before closing time, minutes. @default 5 */
  readonly closingMarginMinutes?: number;
  /** How far ahead to look for an opening, days. @default 14 */
  readonly horizonDays?: number;
  /** BullMQ job lock, renewed at half; a process silent this long loses the job to stalled recovery. @default 30000 */
  readonly lockDurationMs?: number;
  /** BullMQ stalled-job check period. @default 30000 */
  readonly stalledIntervalMs?: number;
  /** Stalls (process deaths mid-job) before BullMQ fails the job; status `failed` then. @default 10 */
  readonly maxStalledCount?: number;
  /** Dial guard lifetime, refreshed every third while the attempt runs. @default 60000 */
  readonly guardTtlMs?: number;
  /** Guard kept after the attempt is recorded (a late duplicate finds it). @default 86400000 */
  readonly guardDoneTtlMs?: number;
  /** A job whose attempt another process holds is looked at again after this. @default 15000 */
  readonly guardRecheckMs?: number;
  /** Names this process in attempt records. @default `<hostname>:<pid>` */
  readonly workerName?: string;
}

export interface CallbackDialer {
  readonly workerName: string;
  /** Stops taking jobs; waits for attempts in progress. */
  stop(): Promise<void>;
}
