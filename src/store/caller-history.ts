/**
 * How often a caller called about something: the repeat-caller rule of the priority policy asks "how many calls
 * from this hashed number about this intent since then?".
 *
 * One sorted set per hashed number and intent, `aig:caller-history:<numberHash>:<intent>`, member = call id, score
 * = the call's start (ms since the epoch). The call-record store adds to it when it writes an inbound call's
 * record, in the same Redis script as the stream entry (so a retried record is counted once, and a call id is a
 * member only once anyway); members older than the retention are trimmed then and the key expires after it, so a
 * caller who stops calling leaves nothing behind. Answering is one ZCOUNT.
 *
 * What counts: calls whose record is written — a call's record is written when it ends, so the call in progress
 * is NOT counted while it is being routed; the policy adds it ("N calls, this one included" = recentCalls + 1).
 * Callback attempts (our calls to the citizen) are not counted. A call is counted under every distinct intent it
 * was classified with (`intents` and `finalIntent`), and under `ANY_INTENT` ('*'), whatever it was about.
 */
import type { Redis } from 'ioredis';
import { AigError } from '../errors/aig-error.js';
import type { CallRecord } from './call-record-types.js';

/** What the routing layer's priority policy needs (structural: `src/routing` declares the same shape). */
export interface CallerHistory {
  /** Recorded calls from `callerHash` about `intent` that started at or after `since`. */
  recentCalls(callerHash: string, intent: string, since: Date): Promise<number>;
}

/** Intent under which every call of a number is counted. */
export const ANY_INTENT = '*';

/** Days a call stays counted. @default 90 */
export const CALLER_HISTORY_RETENTION_DAYS = 90;

export function callerHistoryKey(numberHash: string, intent: string): string {
  return `aig:caller-history:${numberHash}:${intent}`;
}

/** The history keys a record feeds: none for a withheld number or a callback attempt. */
export function callerHistoryKeys(record: CallRecord): string[] {
  if (record.kind !== 'call' || record.numberHash === null) {
    return [];
  }
  const intents = new Set(record.intents);
  if (record.finalIntent !== null) {
    intents.add(record.finalIntent);
  }
  intents.add(ANY_INTENT);
  return [...intents].map((intent) => callerHistoryKey(record.numberHash!, intent));
}

export interface RedisCallerHistoryOptions {
  /** An answer slower than this rejects (routing must not wait on a sick Redis), ms. @default 500 */
  readonly timeoutMs?: number;
}

export class RedisCallerHistory implements CallerHistory {
  private readonly timeoutMs: number;

  /** `redis` is the application's client; this class neither connects nor disconnects it. */
  constructor(
    private readonly redis: Redis,
    options: RedisCallerHistoryOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  /** Rejects with `AIG_ERR_REDIS_UNAVAILABLE` when Redis fails or is slower than `timeoutMs`: the caller decides
   * (the priority policy records "history unavailable" and goes on). */
  async recentCalls(callerHash: string, intent: string, since: Date): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AigError('AIG_ERR_REDIS_UNAVAILABLE', `caller history: no answer in ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
    });
    const count = this.redis.zcount(callerHistoryKey(callerHash, intent), since.getTime(), '+inf');
    // A late rejection after the timeout won is expected, not unhandled.
    count.catch(() => undefined);
    try {
      return await Promise.race([count, timeout]);
    } catch (err) {
      throw err instanceof AigError
        ? err
        : new AigError('AIG_ERR_REDIS_UNAVAILABLE', `caller history: ${(err as Error).message}`, {
            cause: err,
          });
    } finally {
      clearTimeout(timer);
    }
  }
}
