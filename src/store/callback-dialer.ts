/**
 * The dialing side of the callback store: a BullMQ worker that runs each due callback's next attempt, records its
 * outcome once, and schedules the next attempt (backoff, moved into the group's next open interval) by moving the
 * same job back to `delayed`.
 *
 * Never dialled twice at once: BullMQ's lock keeps a job on one worker while that worker is alive, but a worker
 * whose event loop stalls past `lockDurationMs` loses the job to stalled recovery while it may still be dialling.
 * So an attempt is dialled only by the holder of `dial:<id>:<n>` (SET NX, refreshed while the attempt runs, kept a
 * day after it is recorded). The record in Redis, not the job, says which attempt is next and when: a job that comes
 * back early (a crash between recording and rescheduling) waits for `nextAttemptAt`.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { nextAttemptTime, nextDialTime } from '../routing/callbacks/callback-retry-time.js';
import { DEFAULT_SLOT_HORIZON_DAYS, type TimeInterval } from '../routing/callbacks/callback-slots.js';
import type { CallbackPolicy } from '../routing/routing-types.js';
import type { CallbackKeys } from './callback-keys.js';
import { EXTEND_GUARD, RECORD_ATTEMPT, TRANSITION } from './callback-scripts.js';
import {
  FINAL_CALLBACK_STATUSES,
  FINAL_DIAL_RESULTS,
  type CallbackAttempt,
  type CallbackDialer,
  type CallbackDialHandler,
  type CallbackDialingOptions,
  type CallbackJob,
  type CallbackLogger,
  type CallbackStatus,
  type DialResult,
} from './callback-types.js';

/** The job's data in Redis (times in ms). The only place the number to dial is stored. */
export interface CallbackJobData {
  readonly callbackId: string;
  readonly callId: string;
  readonly groupId: string;
  readonly intent: string | null;
  readonly language: string;
  readonly number: string;
  readonly numberHash: string;
  readonly slotStart: number;
  readonly slotEnd: number;
  readonly context: Readonly<Record<string, unknown>>;
  readonly priority: number;
  readonly bookedAt: number;
}

export interface CallbackDialerDeps extends Omit<CallbackDialingOptions, 'workerName'> {
  readonly handler: CallbackDialHandler;
  readonly redis: Redis;
  readonly keys: CallbackKeys;
  readonly queueName: string;
  readonly bullPrefix: string;
  readonly policy: () => Pick<CallbackPolicy, 'maxAttempts' | 'retryBackoffMinutes'>;
  readonly logger: CallbackLogger;
  readonly retentionSeconds: number;
  readonly workerName: string;
}

const DAY_MS = 86_400_000;
/** A job promoted this much before its record's next attempt time is sent back to wait. */
const EARLY_TOLERANCE_MS = 250;

export function startCallbackDialer(deps: CallbackDialerDeps): CallbackDialer {
  return new BullCallbackDialer(deps);
}

class BullCallbackDialer implements CallbackDialer {
  readonly workerName: string;
  private readonly worker: Worker<CallbackJobData>;
  /** The dialer's own connection (BullMQ's and our commands): waits for Redis to come back instead of failing. */
  private readonly redis: Redis;
  private readonly guardTtlMs: number;
  private readonly guardDoneTtlMs: number;
  private readonly guardRecheckMs: number;
  private readonly closingMarginMinutes: number;
  private readonly horizonMs: number;
  private stopping: Promise<void> | undefined;

  constructor(private readonly deps: CallbackDialerDeps) {
    this.workerName = deps.workerName;
    this.guardTtlMs = deps.guardTtlMs ?? 60_000;
    this.guardDoneTtlMs = deps.guardDoneTtlMs ?? DAY_MS;
    this.guardRecheckMs = deps.guardRecheckMs ?? 15_000;
    this.closingMarginMinutes = deps.closingMarginMinutes ?? 5;
    this.horizonMs = (deps.horizonDays ?? DEFAULT_SLOT_HORIZON_DAYS) * DAY_MS;
    // BullMQ blocks on this connection: it must retry forever rather than fail a command after N reconnections.
    this.redis = deps.redis.duplicate({ maxRetriesPerRequest: null, lazyConnect: false });
    this.redis.on('error', (err: Error) =>
      deps.logger.debug({ err: err.message }, 'callback worker redis error'),
    );
    this.worker = new Worker<CallbackJobData>(deps.queueName, (job, token) => this.process(job, token), {
      connection: this.redis,
      prefix: deps.bullPrefix,
      name: deps.workerName,
      concurrency: deps.concurrency ?? 10,
      lockDuration: deps.lockDurationMs ?? 30_000,
      stalledInterval: deps.stalledIntervalMs ?? 30_000,
      maxStalledCount: deps.maxStalledCount ?? 10,
      removeOnComplete: { count: 0 },
      settings: {
        // Only infrastructure failures (Redis away mid-attempt) reach BullMQ's retries: 5 s doubling, 5 min at most.
        backoffStrategy: (attemptsMade: number) =>
          Math.min(5000 * 2 ** Math.max(0, attemptsMade - 1), 300_000),
      },
    });
    this.worker.on('error', (err: Error) => deps.logger.warn({ err: err.message }, 'callback worker error'));
    this.worker.on('failed', (job: Job<CallbackJobData> | undefined, err: Error) => {
      if (job === undefined) {
        return;
      }
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.message.includes('stalled');
      deps.logger.warn(
        { callbackId: job.id, err: err.message, attemptsMade: job.attemptsMade, final },
        'callback job failed',
      );
      if (final) {
        void this.transition(job.data.callbackId, 'failed', Date.now(), ['scheduled', 'dialling'], {
          detail: `queue gave up: ${err.message}`.slice(0, 200),
          updatedAt: String(Date.now()),
        }).catch(() => undefined);
      }
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.worker.close();
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.stopping;
  }

  private async process(job: Job<CallbackJobData>, token: string | undefined): Promise<string> {
    const data = job.data;
    const id = data.callbackId;
    const log = this.deps.logger;
    const record = await this.redis.hgetall(this.deps.keys.record(id));
    const status = record.status as CallbackStatus | undefined;
    if (status === undefined) {
      log.warn({ callbackId: id }, 'callback has no record (expired or deleted): job dropped');
      return 'no-record';
    }
    if (FINAL_CALLBACK_STATUSES.has(status)) {
      return status;
    }
    const attempt = Number(record.attempts ?? 0) + 1;
    const now = Date.now();
    const recordedNext = Number(record.nextAttemptAt ?? 0);
    if (recordedNext > now + EARLY_TOLERANCE_MS) {
      return this.delay(job, token, recordedNext);
    }

    const openIntervals = this.deps.openIntervalsFor(data.groupId);
    if (openIntervals === undefined) {
      log.warn(
        { callbackId: id, groupId: data.groupId },
        'callback group unknown: dialling without opening hours',
      );
    } else {
      const dialAt = nextDialTime(
        new Date(now),
        openIntervals(new Date(now), new Date(now + this.horizonMs)),
        this.closingMarginMinutes,
      );
      if (dialAt === null) {
        await this.transition(id, 'exhausted', now, ['scheduled', 'dialling'], {
          detail: `no opening within ${Math.round(this.horizonMs / DAY_MS)} days`,
          nextAttemptAt: '',
          updatedAt: String(now),
        });
        log.warn({ callbackId: id, groupId: data.groupId }, 'callback abandoned: group never opens');
        return 'exhausted';
      }
      if (dialAt.getTime() > now + EARLY_TOLERANCE_MS) {
        await this.transition(id, 'scheduled', dialAt.getTime(), ['scheduled', 'dialling'], {
          nextAttemptAt: String(dialAt.getTime()),
          detail: 'moved to the next opening',
          updatedAt: String(now),
        });
        return this.delay(job, token, dialAt.getTime());
      }
    }

    const guardKey = this.deps.keys.dialGuard(id, attempt);
    const owner = `${this.workerName}:${randomUUID()}`;
    const acquired = await this.redis.set(guardKey, owner, 'PX', this.guardTtlMs, 'NX');
    if (acquired === null) {
      // Another process dials (or dialled) this attempt: look again once it has had time to record it.
      log.debug({ callbackId: id, attempt }, 'callback attempt held by another process');
      return this.delay(job, token, now + this.guardRecheckMs);
    }
    // Holding the guard: re-read, the attempt may have been recorded since.
    const fresh = await this.redis.hgetall(this.deps.keys.record(id));
    if (fresh.status === undefined || FINAL_CALLBACK_STATUSES.has(fresh.status as CallbackStatus)) {
      return fresh.status ?? 'no-record';
    }
    if (Number(fresh.attempts ?? 0) + 1 !== attempt) {
      return this.delay(job, token, Math.max(Date.now(), Number(fresh.nextAttemptAt ?? 0)));
    }
    const startedAt = Date.now();
    let result: DialResult;
    let detail: string | null = null;
    if (fresh.status === 'dialling' && fresh.dialling === String(attempt)) {
      // Its guard expired without a recorded outcome: the process dialling it died (or froze) mid-attempt. Count it
      // as failed rather than dial again at once: the citizen may have been rung.
      result = 'failed';
      detail = 'interrupted';
    } else {
      const was = await this.transition(id, 'dialling', startedAt, ['scheduled'], {
        dialling: String(attempt),
        updatedAt: String(startedAt),
      });
      if (typeof was !== 'string' || was.startsWith('refused:')) {
        // Cancelled (or gone) between our read and now.
        return typeof was === 'string' ? was.slice('refused:'.length) : 'no-record';
      }
      ({ result, detail } = await this.dial(data, attempt, guardKey, owner));
    }
    return this.finishAttempt(job, token, { data, attempt, result, detail, startedAt, guardKey, owner });
  }

  private async dial(
    data: CallbackJobData,
    attempt: number,
    guardKey: string,
    owner: string,
  ): Promise<{ result: DialResult; detail: string | null }> {
    const abort = new AbortController();
    const heartbeat = setInterval(
      () => {
        EXTEND_GUARD.run(this.redis, [guardKey], [owner, this.guardTtlMs]).then(
          (extended) => {
            if (extended !== 1) {
              this.deps.logger.error(
                { callbackId: data.callbackId, attempt },
                'callback dial guard lost during the attempt: telling the dialer to stop',
              );
              abort.abort(new Error('dial guard lost'));
            }
          },
          (err: unknown) =>
            this.deps.logger.warn(
              { callbackId: data.callbackId, err: String(err) },
              'dial guard refresh failed',
            ),
        );
      },
      Math.max(100, Math.floor(this.guardTtlMs / 3)),
    );
    try {
      const result = await this.deps.handler(
        toCallbackJob(data, attempt, this.deps.policy().maxAttempts),
        abort.signal,
      );
      return { result, detail: null };
    } catch (err) {
      // Dialer errors may quote the SIP URI: never let the number reach the logs or the record.
      const message = (err instanceof Error ? err.message : String(err)).split(data.number).join('[number]');
      this.deps.logger.warn({ callbackId: data.callbackId, attempt, err: message }, 'callback dialer threw');
      return { result: 'failed', detail: 'dialer error' };
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async finishAttempt(
    job: Job<CallbackJobData>,
    token: string | undefined,
    a: {
      data: CallbackJobData;
      attempt: number;
      result: DialResult;
      detail: string | null;
      startedAt: number;
      guardKey: string;
      owner: string;
    },
  ): Promise<string> {
    const { data, attempt, result } = a;
    const endedAt = Date.now();
    const policy = this.deps.policy();
    let status: CallbackStatus;
    let nextAttemptAt: Date | null = null;
    let detail = a.detail;
    if (FINAL_DIAL_RESULTS.has(result)) {
      status = result as CallbackStatus;
    } else {
      const openIntervals = this.deps.openIntervalsFor(data.groupId);
      const horizon = new Date(endedAt + this.horizonMs);
      const intervals: readonly TimeInterval[] =
        openIntervals === undefined
          ? [{ start: new Date(endedAt), end: horizon }]
          : openIntervals(new Date(endedAt), horizon);
      nextAttemptAt = nextAttemptTime(
        new Date(endedAt),
        attempt,
        policy,
        intervals,
        this.closingMarginMinutes,
      );
      status = nextAttemptAt === null ? 'exhausted' : 'scheduled';
      if (nextAttemptAt === null) {
        detail ??=
          attempt >= policy.maxAttempts ? `${attempt} attempts made` : 'no opening within the horizon';
      }
    }
    const record: Omit<CallbackAttempt, 'startedAt' | 'endedAt' | 'nextAttemptAt'> & {
      startedAt: number;
      endedAt: number;
      nextAttemptAt: number | null;
    } = {
      callbackId: data.callbackId,
      callId: data.callId,
      groupId: data.groupId,
      numberHash: data.numberHash,
      intent: data.intent,
      priority: data.priority,
      attempt,
      result,
      detail,
      startedAt: a.startedAt,
      endedAt,
      status,
      nextAttemptAt: nextAttemptAt?.getTime() ?? null,
      worker: this.workerName,
    };
    const [code, effective] = (await RECORD_ATTEMPT.run(
      this.redis,
      [this.deps.keys.record(data.callbackId)],
      [
        data.callbackId,
        this.deps.keys.statusPrefix,
        attempt,
        JSON.stringify(record),
        status,
        nextAttemptAt?.getTime() ?? endedAt,
        this.deps.retentionSeconds,
        nextAttemptAt === null ? '' : String(nextAttemptAt.getTime()),
        String(endedAt),
        detail ?? '',
        String(endedAt - this.deps.retentionSeconds * 1000),
      ],
    )) as [number, CallbackStatus?];
    await EXTEND_GUARD.run(this.redis, [a.guardKey], [a.owner, this.guardDoneTtlMs]);
    if (code !== 1) {
      // Recorded already (cannot happen while we hold the guard) or record gone: nothing more to do here.
      this.deps.logger.warn({ callbackId: data.callbackId, attempt, code }, 'callback attempt not recorded');
      return effective ?? 'no-record';
    }
    const finalStatus = effective ?? status;
    this.deps.logger.info(
      {
        callbackId: data.callbackId,
        attempt,
        result,
        status: finalStatus,
        nextAttemptAt: nextAttemptAt?.toISOString(),
      },
      'callback attempt recorded',
    );
    if (this.deps.onAttempt !== undefined) {
      const emitted: CallbackAttempt = {
        ...record,
        status: finalStatus,
        startedAt: new Date(record.startedAt),
        endedAt: new Date(endedAt),
        nextAttemptAt,
      };
      try {
        await this.deps.onAttempt(emitted);
      } catch (err) {
        this.deps.logger.error(
          { callbackId: data.callbackId, err: String(err) },
          'onAttempt listener failed',
        );
      }
    }
    if (finalStatus === 'scheduled' && nextAttemptAt !== null) {
      return this.delay(job, token, nextAttemptAt.getTime());
    }
    return finalStatus;
  }

  /** Sends the job back to `delayed` until `at` (BullMQ's manual delay: moveToDelayed, then DelayedError). */
  private async delay(job: Job<CallbackJobData>, token: string | undefined, at: number): Promise<never> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }

  private transition(
    callbackId: string,
    status: CallbackStatus,
    score: number,
    from: readonly CallbackStatus[],
    fields: Record<string, string>,
  ): Promise<unknown> {
    return TRANSITION.run(
      this.redis,
      [this.deps.keys.record(callbackId)],
      [
        callbackId,
        this.deps.keys.statusPrefix,
        status,
        score,
        from.join(','),
        FINAL_CALLBACK_STATUSES.has(status) ? this.deps.retentionSeconds : 0,
        ...Object.entries(fields).flat(),
      ],
    );
  }
}

function toCallbackJob(data: CallbackJobData, attempt: number, maxAttempts: number): CallbackJob {
  return {
    callbackId: data.callbackId,
    callId: data.callId,
    groupId: data.groupId,
    intent: data.intent,
    language: data.language,
    number: data.number,
    numberHash: data.numberHash,
    slot: { start: new Date(data.slotStart), end: new Date(data.slotEnd) },
    context: data.context,
    priority: data.priority,
    attempt,
    maxAttempts,
    bookedAt: new Date(data.bookedAt),
  };
}
