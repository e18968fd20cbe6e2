/**
 * Callbacks (contre-appels) in Redis: a booking is a capacity counter per slot, a record per callback, and a BullMQ
 * delayed job whose id is the callback id (`cb-<callId>`), so booking twice for one call finds the first booking.
 * The dialing side (`startDialing`) is in `callback-dialer.ts`; docs/callbacks.md gives the lifecycle and why a
 * callback is never dialled twice at once.
 *
 * The number to dial lives only in the job's data: records, bookings and logs carry its hash. The job is removed
 * when the callback ends (completed jobs are not kept), taking the number with it.
 *
 * Connections: the application's ioredis client serves the store's commands and the BullMQ queue (BullMQ does not
 * close a client it is given); each dialer opens its own duplicate with `maxRetriesPerRequest: null`, which BullMQ
 * requires of the connection a worker blocks on.
 */
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AigError, isAigError } from '../errors/aig-error.js';
import type { TimeInterval } from '../routing/callbacks/callback-slots.js';
import type { CallbackPolicy } from '../routing/routing-types.js';
import { startCallbackDialer, type CallbackJobData } from './callback-dialer.js';
import { callbackIdFor, callbackKeys, type CallbackKeys } from './callback-keys.js';
import { BOOK, CANCEL, UNBOOK } from './callback-scripts.js';
import {
  CALLBACK_STATUSES,
  type Booking,
  type BookingRequest,
  type CallbackAttempt,
  type CallbackDialer,
  type CallbackDialHandler,
  type CallbackDialingOptions,
  type CallbackLogger,
  type CallbackRecord,
  type CallbackStatus,
} from './callback-types.js';

export interface CallbackStoreOptions {
  /** The application's client (not closed by the store). Must not use ioredis `keyPrefix` (BullMQ refuses it). */
  readonly redis: Redis;
  /** The callback policy in force (a function: the groups file is hot-reloaded). */
  readonly policy: () => CallbackPolicy;
  /** @default a logger that drops everything */
  readonly logger?: CallbackLogger;
  /** BullMQ queue name. @default 'aig-callbacks' */
  readonly queueName?: string;
  /** Prefix of the store's keys. @default 'aig:cb' */
  readonly keyPrefix?: string;
  /** Prefix of BullMQ's keys. @default 'aig:bull' */
  readonly bullPrefix?: string;
  /** Days a callback's record is kept once it is over. @default 30 */
  readonly retentionDays?: number;
  /** Days a job BullMQ gave up on is kept (with the number) for ops to look at. @default 7 */
  readonly failedJobRetentionDays?: number;
}

export interface CallbackListQuery {
  readonly status?: CallbackStatus;
  /** Per status. @default 100 */
  readonly limit?: number;
}

const DAY_SECONDS = 86_400;
const SILENT: CallbackLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export class CallbackStore {
  readonly keys: CallbackKeys;
  readonly queueName: string;
  private readonly redis: Redis;
  private readonly queue: Queue;
  private readonly logger: CallbackLogger;
  private readonly retentionSeconds: number;
  private readonly failedJobRetentionSeconds: number;
  private readonly bullPrefix: string;
  private readonly dialers = new Set<CallbackDialer>();

  constructor(private readonly options: CallbackStoreOptions) {
    this.redis = options.redis;
    this.logger = options.logger ?? SILENT;
    this.keys = callbackKeys(options.keyPrefix ?? 'aig:cb');
    this.queueName = options.queueName ?? 'aig-callbacks';
    this.bullPrefix = options.bullPrefix ?? 'aig:bull';
    this.retentionSeconds = Math.round((options.retentionDays ?? 30) * DAY_SECONDS);
    this.failedJobRetentionSeconds = Math.round((options.failedJobRetentionDays ?? 7) * DAY_SECONDS);
    this.queue = new Queue(this.queueName, { connection: this.redis, prefix: this.bullPrefix });
    this.queue.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'callback queue error'));
  }

  /**
   * Books a callback in `req.slot` (atomically against the slot's capacity) and schedules its first attempt.
   * Booking again for the same call returns the first booking (`created: false`) and re-creates its job if a
   * crash lost it. Throws AIG_ERR_CALLBACK_SLOT_FULL, AIG_ERR_CALLBACK_INVALID or AIG_ERR_CALLBACK_STORE.
   */
  async book(req: BookingRequest): Promise<Booking> {
    validate(req);
    const callbackId = callbackIdFor(req.callId);
    const policy = this.options.policy();
    const start = req.slot.start.getTime();
    const end = req.slot.end.getTime();
    const bookedAt = Date.now();
    const recordKey = this.keys.record(callbackId);
    const fields: Record<string, string> = {
      callId: req.callId,
      groupId: req.groupId,
      intent: req.intent ?? '',
      language: req.language,
      numberHash: req.numberHash,
      priority: String(req.priority),
      slotStart: String(start),
      slotEnd: String(end),
      bookedAt: String(bookedAt),
      updatedAt: String(bookedAt),
    };
    let reply: unknown;
    try {
      reply = await BOOK.run(
        this.redis,
        [recordKey, this.keys.slot(req.groupId, start)],
        [
          policy.slotCapacity,
          end + DAY_SECONDS * 1000,
          callbackId,
          this.keys.statusPrefix,
          start,
          end - start,
          ...Object.entries(fields).flat(),
        ],
      );
    } catch (err) {
      throw new AigError('AIG_ERR_CALLBACK_STORE', 'booking', { cause: err });
    }
    const [code, value] = reply as [number, string?];
    if (code === -1) {
      throw new AigError(
        'AIG_ERR_CALLBACK_SLOT_FULL',
        `group ${req.groupId}, ${req.slot.start.toISOString()} (${value ?? '?'}/${policy.slotCapacity} booked)`,
      );
    }
    const data: CallbackJobData = {
      callbackId,
      callId: req.callId,
      groupId: req.groupId,
      intent: req.intent,
      language: req.language,
      number: req.number,
      numberHash: req.numberHash,
      slotStart: start,
      slotEnd: end,
      context: req.context,
      priority: req.priority,
      bookedAt,
    };
    if (code === 0) {
      return this.existingBooking(callbackId, data);
    }
    const firstAttemptAt = Number(value);
    try {
      await this.addJob(data, firstAttemptAt);
    } catch (err) {
      await UNBOOK.run(
        this.redis,
        [recordKey, this.keys.slot(req.groupId, start)],
        [callbackId, this.keys.statusPrefix],
      ).catch((undoErr: unknown) =>
        this.logger.error(
          { callbackId, err: errorText(undoErr) },
          'callback booking could not be undone: booking again for this call repairs it',
        ),
      );
      throw new AigError('AIG_ERR_CALLBACK_STORE', 'scheduling the callback job', { cause: err });
    }
    this.logger.info(
      { callbackId, groupId: req.groupId, slotStart: req.slot.start.toISOString(), rank: code },
      'callback booked',
    );
    return {
      callbackId,
      callId: req.callId,
      groupId: req.groupId,
      slot: { start: new Date(start), end: new Date(end) },
      firstAttemptAt: new Date(firstAttemptAt),
      bookedAt: new Date(bookedAt),
      status: 'scheduled',
      created: true,
    };
  }

  /** Bookings per slot for a group, in the order of `slots` (for `findCallbackSlots`). */
  async slotBookings(groupId: string, slots: readonly TimeInterval[]): Promise<number[]> {
    if (slots.length === 0) {
      return [];
    }
    const values = await this.redis.mget(
      ...slots.map((slot) => this.keys.slot(groupId, slot.start.getTime())),
    );
    return values.map((v) => (v === null ? 0 : Number(v)));
  }

  /** Cancels a callback not over yet (frees its slot if not dialled yet). False when unknown or already over. */
  async cancel(callbackId: string, reason = 'cancelled'): Promise<boolean> {
    const old = (await CANCEL.run(
      this.redis,
      [this.keys.record(callbackId)],
      [callbackId, this.keys.statusPrefix, Date.now(), this.retentionSeconds, reason],
    )) as string | null;
    if (old !== 'scheduled' && old !== 'dialling') {
      return false;
    }
    const job = await this.queue.getJob(callbackId);
    if (job !== undefined) {
      // An attempt in progress holds the job's lock: the dialer sees the status and stops after it.
      await job.remove().catch(() => undefined);
    }
    this.logger.info({ callbackId, was: old }, 'callback cancelled');
    return true;
  }

  async get(callbackId: string): Promise<CallbackRecord | null> {
    return parseRecord(callbackId, await this.redis.hgetall(this.keys.record(callbackId)));
  }

  /** Callbacks per status, by next attempt time (or end time when over). */
  async list(query: CallbackListQuery = {}): Promise<CallbackRecord[]> {
    const limit = query.limit ?? 100;
    const records: CallbackRecord[] = [];
    for (const status of query.status === undefined ? CALLBACK_STATUSES : [query.status]) {
      const ids = await this.redis.zrange(this.keys.status(status), 0, String(limit - 1));
      if (ids.length === 0) {
        continue;
      }
      const pipeline = this.redis.pipeline();
      ids.forEach((id) => pipeline.hgetall(this.keys.record(id)));
      const replies = (await pipeline.exec()) ?? [];
      ids.forEach((id, i) => {
        const record = parseRecord(id, (replies[i]?.[1] ?? {}) as Record<string, string>);
        if (record === null) {
          // Expired record: drop it from the index.
          void this.redis.zrem(this.keys.status(status), id).catch(() => undefined);
        } else {
          records.push(record);
        }
      });
    }
    return records;
  }

  /** Starts dialling due callbacks in this process. Any number of processes may dial from one Redis. */
  startDialing(handler: CallbackDialHandler, options: CallbackDialingOptions): CallbackDialer {
    const dialer = startCallbackDialer({
      ...options,
      handler,
      redis: this.redis,
      keys: this.keys,
      queueName: this.queueName,
      bullPrefix: this.bullPrefix,
      policy: this.options.policy,
      logger: this.logger,
      retentionSeconds: this.retentionSeconds,
      workerName: options.workerName ?? `${hostname()}:${process.pid}`,
    });
    this.dialers.add(dialer);
    return {
      workerName: dialer.workerName,
      stop: async () => {
        this.dialers.delete(dialer);
        await dialer.stop();
      },
    };
  }

  /** Stops this store's dialers (attempts in progress finish) and the queue. The Redis client stays open. */
  async close(): Promise<void> {
    await Promise.all([...this.dialers].map((d) => d.stop()));
    this.dialers.clear();
    await this.queue.close();
  }

  private async addJob(data: CallbackJobData, dueAt: number): Promise<void> {
    await this.queue.add('callback', data, {
      jobId: data.callbackId,
      delay: Math.max(0, dueAt - Date.now()),
      // BullMQ: 1 is the highest priority; ours grows with urgency.
      priority: Math.max(1, 1000 - Math.round(data.priority)),
      removeOnComplete: true,
      removeOnFail: { age: this.failedJobRetentionSeconds },
      // Failures here are infrastructure (Redis away mid-attempt), not dial results: retry them for hours.
      attempts: 100,
      backoff: { type: 'callback' },
    });
  }

  private async existingBooking(callbackId: string, data: CallbackJobData): Promise<Booking> {
    const record = await this.get(callbackId);
    if (record === null) {
      throw new AigError('AIG_ERR_CALLBACK_STORE', `record of ${callbackId} vanished`);
    }
    if (record.status === 'scheduled' && (await this.queue.getJob(callbackId)) === undefined) {
      // Booked, then the process died before the job was added: add it now, from the stored booking.
      const stored: CallbackJobData = {
        ...data,
        slotStart: record.slot.start.getTime(),
        slotEnd: record.slot.end.getTime(),
        bookedAt: record.bookedAt.getTime(),
      };
      await this.addJob(stored, record.nextAttemptAt?.getTime() ?? Date.now());
      this.logger.warn({ callbackId }, 'callback job was missing: re-created');
    }
    return {
      callbackId,
      callId: record.callId,
      groupId: record.groupId,
      slot: record.slot,
      firstAttemptAt: record.attempts[0]?.startedAt ?? record.nextAttemptAt ?? record.slot.start,
      bookedAt: record.bookedAt,
      status: record.status,
      created: false,
    };
  }
}

function validate(req: BookingRequest): void {
  const problems: string[] = [];
  if (req.callId === '') {
    problems.push('empty callId');
  }
  if (req.groupId === '' || req.groupId.includes(':')) {
    problems.push('groupId empty or with ":"');
  }
  if (!/^\+?[0-9]{3,20}$/.test(req.number)) {
    problems.push('number is not 3–20 digits');
  }
  if (!(req.slot.end.getTime() > req.slot.start.getTime())) {
    problems.push('slot ends before it starts');
  }
  if (!Number.isFinite(req.priority)) {
    problems.push('priority is not a number');
  }
  if (problems.length > 0) {
    throw new AigError('AIG_ERR_CALLBACK_INVALID', problems.join(', '));
  }
}

function parseRecord(callbackId: string, hash: Record<string, string>): CallbackRecord | null {
  if (hash.status === undefined) {
    return null;
  }
  const attempts: CallbackAttempt[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('attempt:')) {
      attempts.push(parseAttempt(value));
    }
  }
  attempts.sort((a, b) => a.attempt - b.attempt);
  const ms = (field: string): Date | null =>
    hash[field] === undefined ? null : new Date(Number(hash[field]));
  return {
    callbackId,
    callId: hash.callId ?? '',
    groupId: hash.groupId ?? '',
    intent: hash.intent === undefined || hash.intent === '' ? null : hash.intent,
    language: hash.language ?? '',
    numberHash: hash.numberHash ?? '',
    priority: Number(hash.priority ?? 0),
    slot: { start: ms('slotStart') ?? new Date(0), end: ms('slotEnd') ?? new Date(0) },
    bookedAt: ms('bookedAt') ?? new Date(0),
    status: hash.status as CallbackStatus,
    detail: hash.detail ?? null,
    attemptsMade: Number(hash.attempts ?? 0),
    nextAttemptAt: ms('nextAttemptAt'),
    updatedAt: ms('updatedAt') ?? new Date(0),
    attempts,
  };
}

/** An attempt as stored (dates as ms). */
function parseAttempt(json: string): CallbackAttempt {
  const raw = JSON.parse(json) as Omit<CallbackAttempt, 'startedAt' | 'endedAt' | 'nextAttemptAt'> & {
    startedAt: number;
    endedAt: number;
    nextAttemptAt: number | null;
  };
  return {
    ...raw,
    startedAt: new Date(raw.startedAt),
    endedAt: new Date(raw.endedAt),
    nextAttemptAt: raw.nextAttemptAt === null ? null : new Date(raw.nextAttemptAt),
  };
}

function errorText(err: unknown): string {
  return isAigError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

export { callbackIdFor };
