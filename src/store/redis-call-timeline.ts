/**
 * A call's timeline in Redis, where the dashboard (and any IVR process) can read it while the call lives: a list
 * `aig:call:<callId>:timeline` of JSON entries, in order, expiring `ttlSeconds` after the last write.
 *
 * Redis must never slow a call down nor break it:
 *   - `append` only buffers; the buffer goes out on the next turn of the event loop as one pipeline
 *     (RPUSH of every buffered entry + EXPIRE), so a burst of entries (a state change, a prompt, a recognition in
 *     the same tick) costs one round trip;
 *   - a pipeline that fails, or has not answered within `writeTimeoutMs` (ioredis keeps commands queued while it
 *     reconnects), is counted as failed and logged (once per call, then counted only); its entries are lost to
 *     the timeline even if ioredis delivers them later;
 *   - while Redis is slow or away, at most `maxPendingBatches` pipelines wait; later entries are dropped and
 *     counted rather than queued without bound;
 *   - `flush` (end of call) waits at most `flushTimeoutMs`.
 *
 * The Redis client is the application's (`ioredis`); this class neither connects nor disconnects it. Entries are
 * already redacted by the conversation runtime.
 */
import type { Redis } from 'ioredis';
import type { CallTimeline, TimelineEntry } from './call-timeline.js';

export interface RedisCallTimelineOptions {
  /** Seconds the list is kept after its last write. @default 3600 */
  readonly ttlSeconds?: number;
  /** Pipelines allowed in flight before new entries are dropped. @default 16 */
  readonly maxPendingBatches?: number;
  /** Longest `flush` waits for pipelines in flight, ms. @default 2000 */
  readonly flushTimeoutMs?: number;
  /** A pipeline not answered after this is counted as failed, ms. @default 5000 */
  readonly writeTimeoutMs?: number;
  /** Where failures are reported (the call's logger). @default none */
  readonly logger?: { warn(obj: object, msg?: string): void };
}

export interface RedisCallTimelineStats {
  readonly appended: number;
  readonly written: number;
  /** Entries whose pipeline failed. */
  readonly failed: number;
  /** Entries dropped because too many pipelines were waiting. */
  readonly dropped: number;
}

const CALL_TIMELINE_TTL_SECONDS = 3600;

/** The list holding a call's timeline. */
export function callTimelineKey(callId: string): string {
  return `aig:call:${callId}:timeline`;
}

/** A call's timeline as stored (the dashboard, tests). Unparsable entries are skipped. */
export async function readCallTimeline(redis: Redis, callId: string): Promise<TimelineEntry[]> {
  const raw = await redis.lrange(callTimelineKey(callId), 0, -1);
  const entries: TimelineEntry[] = [];
  for (const item of raw) {
    try {
      entries.push(JSON.parse(item) as TimelineEntry);
    } catch {
      // Not ours: ignore.
    }
  }
  return entries;
}

export class RedisCallTimeline implements CallTimeline {
  private readonly key: string;
  private readonly ttlSeconds: number;
  private readonly maxPendingBatches: number;
  private readonly flushTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private buffer: string[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private counts = { appended: 0, written: 0, failed: 0, dropped: 0 };
  private warned = false;

  constructor(
    private readonly redis: Redis,
    readonly callId: string,
    private readonly options: RedisCallTimelineOptions = {},
  ) {
    this.key = callTimelineKey(callId);
    this.ttlSeconds = options.ttlSeconds ?? CALL_TIMELINE_TTL_SECONDS;
    this.maxPendingBatches = options.maxPendingBatches ?? 16;
    this.flushTimeoutMs = options.flushTimeoutMs ?? 2000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 5000;
  }

  get stats(): RedisCallTimelineStats {
    return { ...this.counts };
  }

  append(entry: TimelineEntry): void {
    this.counts.appended += 1;
    let json: string;
    try {
      json = JSON.stringify(entry);
    } catch {
      this.counts.failed += 1;
      return;
    }
    this.buffer.push(json);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.sendBuffer());
    }
  }

  async flush(): Promise<void> {
    this.sendBuffer();
    if (this.inFlight.size === 0) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.flushTimeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }

  private sendBuffer(): void {
    this.scheduled = false;
    if (this.buffer.length === 0) {
      return;
    }
    const batch = this.buffer;
    this.buffer = [];
    if (this.inFlight.size >= this.maxPendingBatches) {
      this.counts.dropped += batch.length;
      this.report('Redis timeline backlog: entries dropped', null);
      return;
    }
    const sent = this.write(batch);
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  private async write(batch: readonly string[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${this.writeTimeoutMs} ms`)),
        this.writeTimeoutMs,
      );
      timer.unref();
    });
    try {
      const sent = this.redis
        .pipeline()
        .rpush(this.key, ...batch)
        .expire(this.key, this.ttlSeconds)
        .exec();
      // A late rejection after the timeout won is expected, not unhandled.
      sent.catch(() => undefined);
      const results = await Promise.race([sent, timeout]);
      const error = results?.find(([err]) => err !== null)?.[0] ?? null;
      if (results === null || error !== null) {
        throw error ?? new Error('pipeline discarded');
      }
      this.counts.written += batch.length;
    } catch (err) {
      this.counts.failed += batch.length;
      this.report('Redis timeline write failed', err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs the first problem of this call only: an outage must not flood the logs with one line per entry. */
  private report(message: string, err: unknown): void {
    if (this.warned) {
      return;
    }
    this.warned = true;
    this.options.logger?.warn(
      { callId: this.callId, err: err instanceof Error ? err.message : err, stats: this.stats },
      message,
    );
  }
}
