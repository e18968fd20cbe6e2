/**
 * Call records, written once when a call or a callback attempt ends, to two places:
 *
 *   - a capped Redis stream (`XADD <key> MAXLEN ~ <maxLen> * record <json>`), which the ops API reads back
 *     (`recent`, `search`); `~` lets Redis trim whole macro-nodes only, so the stream holds at least `maxLen`
 *     entries and a little more, for a fraction of the cost of an exact trim;
 *   - an append-only JSONL file, one record per line, for log shippers.
 *
 * A call's end must never wait on Redis: the file line is written first-class, and the stream write is given
 * `writeTimeoutMs`; a record Redis could not take (down, reconnecting, too slow) waits in a bounded in-memory
 * backlog retried with backoff (and at once when the client is ready again). Each stream write is one Lua script —
 * SET NX of a per-record marker, XADD, and the caller-history sorted sets (`caller-history.ts`) — so it is atomic
 * and idempotent: a write that timed out here but reached Redis anyway is not added twice by its retry.
 *
 * The file (`call-record-file.ts`): O_APPEND, whole lines per write(2), fdatasync at most once a second by
 * default, reopened on `reopen()` or when logrotate moved it.
 *
 * Nothing personal in clear: the caller's number arrives hashed and masked, and `write` checks it — a hash that is
 * not 64 hex digits or a mask that shows too many digits is replaced by null, and runs of six or more digits in
 * free text (`priorityReasons`, `sipEndReason`) become `[number]`; each is counted in `stats.sanitized` and logged.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AigError } from '../errors/aig-error.js';
import { CallRecordFile } from './call-record-file.js';
import { CALLER_HISTORY_RETENTION_DAYS, callerHistoryKeys } from './caller-history.js';
import { isMaskedCallerNumber } from './caller-number.js';
import type {
  CallRecord,
  CallRecordEntry,
  CallRecordFilter,
  CallRecordSearchResult,
  CallRecordStore,
  CallRecordStoreStats,
} from './call-record-types.js';

export interface CallRecordStoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CallRecordStoreOptions {
  /** The application's client; the store neither connects nor disconnects it. */
  readonly redis: Redis;
  /** The JSONL file (its folder is created); null = stream only. */
  readonly filePath: string | null;
  /** @default 'aig:call-records' */
  readonly streamKey?: string;
  /** Entries the stream keeps (approximately, at least this many). @default 1_000_000 */
  readonly maxLen?: number;
  /** Mode of a created file: readable by the log shipper's group, not by others. @default 0o640 */
  readonly fileMode?: number;
  /** fdatasync at most this often when lines were written, ms; 0 = after every write; null = never. @default 1000 */
  readonly syncIntervalMs?: number | null;
  /** How often to check whether logrotate moved the file away, ms; null = never (only `reopen()`). @default 1000 */
  readonly rotationCheckMs?: number | null;
  /** A stream write not answered after this goes to the retry backlog, ms. @default 1000 */
  readonly writeTimeoutMs?: number;
  /** `recent` and `search` reject with AIG_ERR_REDIS_UNAVAILABLE after this, per round trip, ms. @default 5000 */
  readonly readTimeoutMs?: number;
  /** Records kept for retry while Redis is away; beyond, the oldest are dropped (they are in the file). @default 10000 */
  readonly maxPending?: number;
  /** First and longest wait between retry rounds, ms (doubling). @default [500, 30000] */
  readonly retryDelayMs?: readonly [number, number];
  /** Days an inbound call counts in the caller history; null = do not feed it. @default 90 */
  readonly historyRetentionDays?: number | null;
  /** Seconds the per-record "already written" marker lives (must exceed any retry delay). @default 86400 */
  readonly dedupeSeconds?: number;
  /** Stream entries one `search` may read before it stops and says so. @default 200000 */
  readonly maxScan?: number;
  /** Wall clock, ms since the epoch (history trimming). @default Date.now */
  readonly now?: () => number;
  readonly logger?: CallRecordStoreLogger;
}

/** `search` with `until` starts its scan this much after `until`: a record reaches the stream when the call ends,
 * after it started (and later still if it was retried). */
const UNTIL_SCAN_SLACK_MS = 24 * 3600 * 1000;
/** Entry ids come from the Redis server's clock, `startedAt` from an IVR host's: allow them to disagree. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const SEARCH_PAGE = 500;
const RETRY_BATCH = 500;
const DAY_MS = 24 * 3600 * 1000;
const FIELD = 'record';

/**
 * KEYS: stream, marker, history keys…  ARGV: maxLen, json, marker TTL (s), score, member, history cutoff (ms),
 * history TTL (ms). Returns the entry id, or 0 when the marker says this record is in already.
 */
const WRITE_SCRIPT = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return 0
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${FIELD}', ARGV[2])
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[4], ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[6])
  redis.call('PEXPIRE', KEYS[i], ARGV[7])
end
return id
`;
const WRITE_SCRIPT_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

/** One record ready for the stream. */
interface StreamWrite {
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

type MutableStats = { -readonly [K in keyof CallRecordStoreStats]: CallRecordStoreStats[K] };

export async function openCallRecordStore(options: CallRecordStoreOptions): Promise<RedisCallRecordStore> {
  const store = new RedisCallRecordStore(options);
  await store.open();
  return store;
}

export class RedisCallRecordStore implements CallRecordStore {
  private readonly redis: Redis;
  private readonly streamKey: string;
  private readonly maxLen: number;
  private readonly writeTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly maxPending: number;
  private readonly retryDelayMs: readonly [number, number];
  private readonly historyRetentionMs: number | null;
  private readonly dedupeSeconds: number;
  private readonly maxScan: number;
  private readonly now: () => number;
  private file: CallRecordFile | null = null;

  private pending: StreamWrite[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private retryInFlight: Promise<void> | null = null;
  private outage = false;
  private closed = false;
  private readonly onRedisReady = (): void => this.scheduleRetry(0);
  private readonly counts: MutableStats = {
    records: 0,
    fileWritten: 0,
    fileFailed: 0,
    streamWritten: 0,
    streamDuplicates: 0,
    streamPending: 0,
    streamDropped: 0,
    sanitized: 0,
  };

  constructor(private readonly options: CallRecordStoreOptions) {
    this.redis = options.redis;
    this.streamKey = options.streamKey ?? 'aig:call-records';
    this.maxLen = options.maxLen ?? 1_000_000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 1000;
    this.readTimeoutMs = options.readTimeoutMs ?? 5000;
    this.maxPending = options.maxPending ?? 10_000;
    this.retryDelayMs = options.retryDelayMs ?? [500, 30_000];
    this.retryDelay = this.retryDelayMs[0];
    const retentionDays =
      options.historyRetentionDays === undefined
        ? CALLER_HISTORY_RETENTION_DAYS
        : options.historyRetentionDays;
    this.historyRetentionMs = retentionDays === null ? null : retentionDays * DAY_MS;
    this.dedupeSeconds = options.dedupeSeconds ?? 86_400;
    this.maxScan = options.maxScan ?? 200_000;
    this.now = options.now ?? Date.now;
  }

  get stats(): CallRecordStoreStats {
    const file = this.file?.stats ?? { written: 0, failed: 0 };
    return {
      ...this.counts,
      fileWritten: file.written,
      fileFailed: this.counts.fileFailed + file.failed,
      streamPending: this.pending.length,
    };
  }

  /** Opens the file (rejects with AIG_ERR_CALL_RECORD_FILE) and starts following the client's state. */
  async open(): Promise<void> {
    const { filePath } = this.options;
    if (filePath !== null) {
      this.file = await CallRecordFile.open({
        path: filePath,
        mode: this.options.fileMode,
        syncIntervalMs: this.options.syncIntervalMs,
        rotationCheckMs: this.options.rotationCheckMs,
        logger: this.options.logger,
      });
    }
    this.redis.on('ready', this.onRedisReady);
  }

  async write(record: CallRecord): Promise<void> {
    this.counts.records += 1;
    const clean = this.sanitize(record);
    let json: string;
    try {
      json = JSON.stringify(clean);
    } catch (err) {
      // A producer bug (a cycle, a BigInt): the call's end must not fail for it. Neither place gets the record.
      this.counts.fileFailed += 1;
      this.counts.streamDropped += 1;
      this.options.logger?.error(
        { callId: record.callId, err: (err as Error).message },
        'call record could not be serialized',
      );
      return;
    }
    const fileDone = this.file?.append(`${json}\n`);
    const streamDone = this.sendOrQueue(this.streamWrite(clean, json));
    await Promise.all([fileDone, streamDone]);
  }

  async recent(limit: number): Promise<CallRecordEntry[]> {
    const raw = await this.read(this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', limit));
    return raw.flatMap(([id, fields]) => parseEntry(id, fields));
  }

  async search(filter: CallRecordFilter, limit: number): Promise<CallRecordSearchResult> {
    const lowest = filter.since === undefined ? '-' : String(filter.since.getTime() - CLOCK_SKEW_MS);
    let highest = filter.until === undefined ? '+' : String(filter.until.getTime() + UNTIL_SCAN_SLACK_MS);
    const entries: CallRecordEntry[] = [];
    let scanned = 0;
    for (;;) {
      const count = Math.min(SEARCH_PAGE, this.maxScan - scanned);
      if (count <= 0) {
        return { entries, scanned, complete: false };
      }
      const page = await this.read(this.redis.xrevrange(this.streamKey, highest, lowest, 'COUNT', count));
      for (const [id, fields] of page) {
        scanned += 1;
        for (const entry of parseEntry(id, fields)) {
          if (matches(entry.record, filter)) {
            entries.push(entry);
            if (entries.length >= limit) {
              return { entries, scanned, complete: true };
            }
          }
        }
      }
      const last = page.at(-1);
      if (page.length < count || last === undefined) {
        return { entries, scanned, complete: true };
      }
      // Exclusive range start (Redis ≥ 6.2): continue below the last entry read.
      highest = `(${last[0]}`;
    }
  }

  async reopen(): Promise<void> {
    await this.file?.reopen();
  }

  /**
   * Stops the timers, gives the backlog one last try (bounded by `writeTimeoutMs`), writes and syncs what is
   * queued for the file and closes it. Records still not in the stream are counted as dropped (they are in the
   * file).
   */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.redis.off('ready', this.onRedisReady);
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
    }
    await this.retryInFlight;
    if (this.pending.length > 0 && this.redis.status === 'ready') {
      await this.retryRound();
    }
    if (this.pending.length > 0) {
      this.counts.streamDropped += this.pending.length;
      this.options.logger?.warn(
        { streamKey: this.streamKey, dropped: this.pending.length },
        'call records not delivered to Redis before close (they are in the file)',
      );
      this.pending = [];
    }
    await this.file?.close();
  }

  // ——— the stream ———

  private streamWrite(record: CallRecord, json: string): StreamWrite {
    const history = this.historyRetentionMs === null ? [] : callerHistoryKeys(record);
    const now = this.now();
    const retentionMs = this.historyRetentionMs ?? 0;
    // A score Redis cannot parse would fail the script after its XADD (scripts do not roll back).
    const started = Date.parse(record.startedAt);
    const marker = `${this.streamKey}:written:${record.kind}:${record.callId}:${record.attempt ?? 0}`;
    return {
      keys: [this.streamKey, marker, ...history],
      args: [
        this.maxLen,
        json,
        this.dedupeSeconds,
        Number.isFinite(started) ? started : now,
        record.callId,
        now - retentionMs,
        retentionMs,
      ],
    };
  }

  private async sendOrQueue(write: StreamWrite): Promise<void> {
    const status = this.redis.status;
    // A backlog means an outage in progress (and keeps the order); a reconnecting client would only queue it.
    if (this.pending.length > 0 || !(status === 'ready' || status === 'wait' || status === 'connect')) {
      this.enqueue(write, null);
      return;
    }
    try {
      this.countDelivery(await this.withTimeout(this.runScript(write), this.writeTimeoutMs));
    } catch (err) {
      this.handleFailure(write, err);
    }
  }

  /** The script's answer: the entry id, or 0 when the record was in already. */
  private async runScript(write: StreamWrite): Promise<unknown> {
    try {
      return await this.redis.evalsha(WRITE_SCRIPT_SHA, write.keys.length, ...write.keys, ...write.args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) {
        throw err;
      }
      // First use on this server (or it restarted, or SCRIPT FLUSH): send the text once; later calls use the SHA.
      return await this.redis.eval(WRITE_SCRIPT, write.keys.length, ...write.keys, ...write.args);
    }
  }

  private countDelivery(answer: unknown): void {
    if (answer === 0) {
      this.counts.streamDuplicates += 1;
    } else {
      this.counts.streamWritten += 1;
    }
  }

  private handleFailure(write: StreamWrite, err: unknown): void {
    if ((err as Error).name === 'ReplyError') {
      // Redis answered with an error (a key of the wrong type, a script error): retrying cannot help.
      this.counts.streamDropped += 1;
      this.options.logger?.error(
        { streamKey: this.streamKey, err: (err as Error).message },
        'Redis refused a call record (it is in the file)',
      );
      return;
    }
    this.enqueue(write, err);
  }

  private enqueue(write: StreamWrite, err: unknown): void {
    if (!this.outage) {
      this.outage = true;
      this.options.logger?.warn(
        {
          streamKey: this.streamKey,
          err: err instanceof Error ? err.message : `client ${this.redis.status}`,
        },
        'call records: Redis unavailable, retrying in the background (records are in the file)',
      );
    }
    this.pending.push(write);
    if (this.pending.length > this.maxPending) {
      this.pending.shift();
      this.counts.streamDropped += 1;
    }
    this.scheduleRetry(this.retryDelay);
  }

  private scheduleRetry(delayMs: number): void {
    if (this.closed || this.retryInFlight !== null || this.pending.length === 0) {
      return;
    }
    if (this.retryTimer !== null) {
      if (delayMs > 0) {
        return; // One is due already.
      }
      clearTimeout(this.retryTimer);
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retryRound().then(() => {
        if (this.pending.length > 0) {
          this.scheduleRetry(this.retryDelay);
        }
      });
    }, delayMs);
    this.retryTimer.unref();
  }

  /**
   * Sends the backlog, RETRY_BATCH records per pipeline; on a failure, doubles the delay before the next round.
   * Nothing is sent while the client is not ready (its 'ready' event starts a round): ioredis would only queue
   * the pipeline, and each round would add another copy of the backlog to its queue.
   */
  private retryRound(): Promise<void> {
    this.retryInFlight ??= this.sendBacklog().finally(() => {
      this.retryInFlight = null;
    });
    return this.retryInFlight;
  }

  private async sendBacklog(): Promise<void> {
    if (this.redis.status !== 'ready') {
      this.retryDelay = Math.min(this.retryDelay * 2, this.retryDelayMs[1]);
      return;
    }
    {
      for (;;) {
        const batch = this.pending.slice(0, RETRY_BATCH);
        if (batch.length === 0) {
          break;
        }
        const pipeline = this.redis.pipeline();
        for (const write of batch) {
          // EVAL, not EVALSHA: after a Redis restart the script cache is empty, and a pipeline cannot fall back.
          pipeline.eval(WRITE_SCRIPT, write.keys.length, ...write.keys, ...write.args);
        }
        let results: [Error | null, unknown][] | null;
        try {
          results = await this.withTimeout(pipeline.exec(), this.writeTimeoutMs);
        } catch {
          results = null;
        }
        if (results === null) {
          this.retryDelay = Math.min(this.retryDelay * 2, this.retryDelayMs[1]);
          return;
        }
        const delivered = new Set<StreamWrite>();
        results.forEach(([err, answer], index) => {
          const write = batch[index]!;
          if (err === null) {
            this.countDelivery(answer);
            delivered.add(write);
          } else if (err.name === 'ReplyError') {
            this.counts.streamDropped += 1;
            delivered.add(write);
          }
        });
        this.pending = this.pending.filter((write) => !delivered.has(write));
        if (delivered.size < batch.length) {
          this.retryDelay = Math.min(this.retryDelay * 2, this.retryDelayMs[1]);
          return;
        }
      }
      this.retryDelay = this.retryDelayMs[0];
      if (this.outage) {
        this.outage = false;
        this.options.logger?.info(
          { streamKey: this.streamKey, stats: this.stats },
          'call records: Redis back, backlog delivered',
        );
      }
    }
  }

  // ——— shared ———

  private async read<T>(command: Promise<T>): Promise<T> {
    try {
      return await this.withTimeout(command, this.readTimeoutMs);
    } catch (err) {
      throw err instanceof AigError
        ? err
        : new AigError('AIG_ERR_REDIS_UNAVAILABLE', `call records: ${(err as Error).message}`, {
            cause: err,
          });
    }
  }

  private async withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new AigError('AIG_ERR_REDIS_UNAVAILABLE', `no answer in ${ms} ms`)),
        ms,
      );
    });
    // A late rejection after the timeout won is expected, not unhandled.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The privacy checks described at the top of the file. */
  private sanitize(record: CallRecord): CallRecord {
    const replaced: string[] = [];
    let numberHash = record.numberHash;
    if (numberHash !== null && !/^[0-9a-f]{64}$/.test(numberHash)) {
      numberHash = null;
      replaced.push('numberHash');
    }
    let numberMasked = record.numberMasked;
    if (numberMasked !== null && !isMaskedCallerNumber(numberMasked)) {
      numberMasked = null;
      replaced.push('numberMasked');
    }
    const priorityReasons = record.priorityReasons.map(scrubDigits);
    if (priorityReasons.some((reason, i) => reason !== record.priorityReasons[i])) {
      replaced.push('priorityReasons');
    }
    const sipEndReason = scrubDigits(record.sipEndReason);
    if (sipEndReason !== record.sipEndReason) {
      replaced.push('sipEndReason');
    }
    if (replaced.length === 0) {
      return record;
    }
    this.counts.sanitized += 1;
    this.options.logger?.warn(
      { callId: record.callId, fields: replaced },
      'call record carried personal data: fields replaced before writing',
    );
    return { ...record, numberHash, numberMasked, priorityReasons, sipEndReason };
  }
}

/** A phone number, NIR or other identifier: six or more digits, separators allowed. */
const DIGIT_RUN = /\+?\d(?:[ .\-/]?\d){5,}/g;

function scrubDigits(text: string): string {
  return text.replace(DIGIT_RUN, '[number]');
}

function parseEntry(id: string, fields: string[]): CallRecordEntry[] {
  const index = fields.indexOf(FIELD);
  const json = index >= 0 ? fields[index + 1] : undefined;
  if (json === undefined) {
    return [];
  }
  try {
    return [{ id, record: JSON.parse(json) as CallRecord }];
  } catch {
    return []; // Not ours.
  }
}

function matches(record: CallRecord, filter: CallRecordFilter): boolean {
  if (filter.numberHash !== undefined && record.numberHash !== filter.numberHash) {
    return false;
  }
  if (
    filter.intent !== undefined &&
    record.finalIntent !== filter.intent &&
    !record.intents.includes(filter.intent)
  ) {
    return false;
  }
  if (filter.outcome !== undefined && record.outcome !== filter.outcome) {
    return false;
  }
  if (filter.group !== undefined && record.group !== filter.group) {
    return false;
  }
  if (filter.kind !== undefined && record.kind !== filter.kind) {
    return false;
  }
  const started = Date.parse(record.startedAt);
  if (filter.since !== undefined && started < filter.since.getTime()) {
    return false;
  }
  if (filter.until !== undefined && started > filter.until.getTime()) {
    return false;
  }
  return true;
}
