/**
 * Per-group load figures in Redis, shared by every IVR process on the same Redis: the inputs of the estimated
 * wait (`src/routing/estimated-wait.ts`) and of the "full" test.
 *
 * Keys (prefix `aig:routing:` by default):
 *   - `group:<id>:active`    sorted set, member = call id, score = the instant (ms) the hand-over stops counting.
 *     A hand-over counts as "in progress" (waiting or with an agent) from `recordHandover` until
 *     `recordHandoverEnded` removes it, or until its score passes. The score is what the caller gives:
 *     for a bridged call (the IVR sees the end) a safety bound in case the end is never recorded (a crash);
 *     for a blind REFER (the call leaves the IVR and its end is never seen) the expected time in the group,
 *     estimated wait + average handling time at the moment of the hand-over. Expired members are ignored by
 *     reads (ZCOUNT from now) and pruned by writes.
 *   - `group:<id>:handovers` sorted set, member = call id, score = hand-over instant: hand-overs per minute over a
 *     sliding window (`rateWindowSeconds`); a call handed twice to one group counts once.
 *   - `group:<id>:stats`     hash `ahtSeconds` (EWMA of measured handling times, seeded with the file's prior at
 *     the first measurement, updated atomically in Lua so that concurrent processes never lose a sample) and
 *     `samples`.
 *   - `staffing`             hash group id → JSON `{ agents, by, at }`: staffed agents set through the API; a group
 *     absent from it uses the file's default.
 *
 * Times come from each process's wall clock (`clock`): processes sharing a Redis must keep NTP time, a skew of
 * a few seconds only shifts expiries by as much.
 *
 * Every call races a timeout (ioredis queues commands while it reconnects, which would otherwise hold a call for
 * as long as Redis is away) and rejects with `AIG_ERR_REDIS_UNAVAILABLE`; the router then decides from the
 * file's figures. The Redis client is the application's: this class neither connects nor disconnects it.
 */
import type { Redis } from 'ioredis';
import { AigError } from '../errors/aig-error.js';

export interface GroupLoadStoreOptions {
  /** Prefix of every key. @default 'aig:routing:' */
  readonly keyPrefix?: string;
  /** Sliding window of the hand-over rate, seconds. @default 900 */
  readonly rateWindowSeconds?: number;
  /** Weight of a new measurement in the handling-time EWMA (0 < α ≤ 1). @default 0.1 */
  readonly handlingSmoothing?: number;
  /** Measured handling times outside (0, this] are ignored, seconds. @default 14400 */
  readonly maxHandlingSeconds?: number;
  /** A read not answered after this fails (the router then uses the file's figures), ms. @default 250 */
  readonly readTimeoutMs?: number;
  /** A write not answered after this fails, ms. @default 1000 */
  readonly writeTimeoutMs?: number;
  /** Wall clock, ms since the epoch. @default Date.now */
  readonly clock?: () => number;
}

/** Staffed agents set through the API. */
export interface StaffingOverride {
  readonly agents: number;
  /** Who set it (the API's authenticated user). */
  readonly by: string;
  /** ISO time it was set. */
  readonly at: string;
}

/** What Redis holds for one group. */
export interface GroupLoadFigures {
  readonly groupId: string;
  /** Hand-overs not ended nor expired. */
  readonly inProgress: number;
  /** Hand-overs in the sliding window, per minute. */
  readonly handoversPerMinute: number;
  /** EWMA of measured handling times; null before the first measurement. */
  readonly averageHandlingSeconds: number | null;
  readonly handlingSamples: number;
  /** null: not set through the API (the file's default applies). */
  readonly staffing: StaffingOverride | null;
}

/** Most agents a group may be staffed with through the API (a typo guard, not a product limit). */
export const MAX_STAFFED_AGENTS = 10_000;

// KEYS[1] = stats hash; ARGV = measured seconds, α, prior seconds. One script so that two processes ending calls
// at the same time both count.
const UPDATE_HANDLING_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'ahtSeconds')
local sample = tonumber(ARGV[1])
local alpha = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
if current then base = tonumber(current) end
local updated = base + alpha * (sample - base)
redis.call('HSET', KEYS[1], 'ahtSeconds', tostring(updated))
redis.call('HINCRBY', KEYS[1], 'samples', 1)
return tostring(updated)
`;

// KEYS = per group its active, handovers and stats keys, then the staffing hash; ARGV = now (ms), window start (ms).
// One script instead of a pipeline of 3 commands per group: one write and one reply per decision, which is most
// of the client's CPU at this size (measured with scripts/bench/routing.ts).
const READ_LOAD_SCRIPT = `
local now = ARGV[1]
local windowStart = ARGV[2]
local out = {}
local groups = (#KEYS - 1) / 3
for i = 0, groups - 1 do
  local active = KEYS[i * 3 + 1]
  local handovers = KEYS[i * 3 + 2]
  local stats = KEYS[i * 3 + 3]
  out[#out + 1] = redis.call('ZCOUNT', active, '(' .. now, '+inf')
  out[#out + 1] = redis.call('ZCOUNT', handovers, '(' .. windowStart, '+inf')
  local figures = redis.call('HMGET', stats, 'ahtSeconds', 'samples')
  out[#out + 1] = figures[1] or ''
  out[#out + 1] = figures[2] or '0'
end
out[#out + 1] = redis.call('HGETALL', KEYS[#KEYS])
return out
`;

interface LoadScriptClient {
  aigReadGroupLoad(...args: (string | number)[]): Promise<unknown[]>;
}

export class GroupLoadStore {
  private readonly prefix: string;
  private readonly windowMs: number;
  private readonly alpha: number;
  private readonly maxHandlingSeconds: number;
  private readonly readTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly redis: Redis,
    options: GroupLoadStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'aig:routing:';
    this.windowMs = (options.rateWindowSeconds ?? 900) * 1000;
    this.alpha = options.handlingSmoothing ?? 0.1;
    this.maxHandlingSeconds = options.maxHandlingSeconds ?? 14_400;
    this.readTimeoutMs = options.readTimeoutMs ?? 250;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 1000;
    this.clock = options.clock ?? Date.now;
    if (!(this.alpha > 0 && this.alpha <= 1)) {
      throw new RangeError(`handlingSmoothing must be in (0, 1], got ${this.alpha}`);
    }
    // ioredis sends EVALSHA and falls back to EVAL once when Redis does not know the script (after a restart).
    if (!('aigReadGroupLoad' in redis)) {
      redis.defineCommand('aigReadGroupLoad', { lua: READ_LOAD_SCRIPT });
    }
  }

  /** Key names, for tests and operators. */
  keys(groupId: string): { active: string; handovers: string; stats: string; staffing: string } {
    const group = `${this.prefix}group:${groupId}:`;
    return {
      active: `${group}active`,
      handovers: `${group}handovers`,
      stats: `${group}stats`,
      staffing: `${this.prefix}staffing`,
    };
  }

  /**
   * A call was handed to `groupId`; it counts as in progress for `countForSeconds` unless ended before (see the
   * file comment for what the caller passes).
   */
  async recordHandover(groupId: string, callId: string, countForSeconds: number): Promise<void> {
    const now = this.clock();
    const keys = this.keys(groupId);
    const until = now + Math.max(1, countForSeconds) * 1000;
    const pipeline = this.redis
      .multi()
      .zremrangebyscore(keys.active, '-inf', now)
      .zadd(keys.active, until, callId)
      .pexpire(keys.active, Math.max(until - now, this.windowMs))
      .zremrangebyscore(keys.handovers, '-inf', now - this.windowMs)
      .zadd(keys.handovers, now, callId)
      .pexpire(keys.handovers, this.windowMs);
    await this.withTimeout(pipeline.exec(), this.writeTimeoutMs, `hand-over to ${groupId}`);
  }

  /**
   * The call handed to `groupId` ended (the bridge was torn down). `handlingSeconds` (answer → end) feeds the
   * handling-time average, seeded with `priorSeconds` at the first measurement; null when not measured (a blind
   * transfer, a call that never reached an agent).
   */
  async recordHandoverEnded(
    groupId: string,
    callId: string,
    handlingSeconds: number | null,
    priorSeconds: number,
  ): Promise<void> {
    const keys = this.keys(groupId);
    const pipeline = this.redis.multi().zrem(keys.active, callId);
    if (handlingSeconds !== null && handlingSeconds > 0 && handlingSeconds <= this.maxHandlingSeconds) {
      pipeline.eval(UPDATE_HANDLING_SCRIPT, 1, keys.stats, handlingSeconds, this.alpha, priorSeconds);
    }
    await this.withTimeout(pipeline.exec(), this.writeTimeoutMs, `end of hand-over to ${groupId}`);
  }

  /** Figures of several groups in one round trip (one script). */
  async read(groupIds: readonly string[]): Promise<Map<string, GroupLoadFigures>> {
    const now = this.clock();
    const keys: string[] = [];
    for (const groupId of groupIds) {
      const groupKeys = this.keys(groupId);
      keys.push(groupKeys.active, groupKeys.handovers, groupKeys.stats);
    }
    keys.push(`${this.prefix}staffing`);
    const reply = await this.withTimeout(
      (this.redis as unknown as LoadScriptClient).aigReadGroupLoad(
        keys.length,
        ...keys,
        now,
        now - this.windowMs,
      ),
      this.readTimeoutMs,
      'group load',
    );
    const staffing = parseStaffing(pairsToRecord(reply[reply.length - 1]));
    const windowMinutes = this.windowMs / 60_000;
    const figures = new Map<string, GroupLoadFigures>();
    groupIds.forEach((groupId, index) => {
      const ahtReply = reply[index * 4 + 2];
      const aht = typeof ahtReply === 'string' ? ahtReply : '';
      const average = aht === '' ? null : Number(aht);
      figures.set(groupId, {
        groupId,
        inProgress: Number(reply[index * 4] ?? 0),
        handoversPerMinute: Number(reply[index * 4 + 1] ?? 0) / windowMinutes,
        averageHandlingSeconds: average !== null && Number.isFinite(average) ? average : null,
        handlingSamples: Number(reply[index * 4 + 3] ?? 0),
        staffing: staffing.get(groupId) ?? null,
      });
    });
    return figures;
  }

  /** Sets the staffed agents of a group for every process (the ops API), until cleared. */
  async setStaffedAgents(groupId: string, agents: number, by: string): Promise<StaffingOverride> {
    if (!Number.isInteger(agents) || agents < 0 || agents > MAX_STAFFED_AGENTS) {
      throw new AigError(
        'AIG_ERR_STAFFING_INVALID',
        `${groupId}: staffed agents must be an integer from 0 to ${MAX_STAFFED_AGENTS}, got ${agents}`,
      );
    }
    if (groupId.trim() === '' || by.trim() === '') {
      throw new AigError('AIG_ERR_STAFFING_INVALID', 'the group id and who sets it are required');
    }
    const override: StaffingOverride = { agents, by, at: new Date(this.clock()).toISOString() };
    await this.withTimeout(
      this.redis.hset(`${this.prefix}staffing`, groupId, JSON.stringify(override)),
      this.writeTimeoutMs,
      `staffing of ${groupId}`,
    );
    return override;
  }

  /** Back to the file's default. */
  async clearStaffedAgents(groupId: string): Promise<void> {
    await this.withTimeout(
      this.redis.hdel(`${this.prefix}staffing`, groupId),
      this.writeTimeoutMs,
      `staffing of ${groupId}`,
    );
  }

  /** Every override set through the API, by group id. */
  async staffing(): Promise<Map<string, StaffingOverride>> {
    const raw = await this.withTimeout(
      this.redis.hgetall(`${this.prefix}staffing`),
      this.readTimeoutMs,
      'staffing',
    );
    return parseStaffing(raw);
  }

  private async withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new AigError('AIG_ERR_REDIS_UNAVAILABLE', `${what}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof AigError) {
        throw err;
      }
      throw new AigError('AIG_ERR_REDIS_UNAVAILABLE', `${what}: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
      // A command that answers after the timeout must not surface as an unhandled rejection.
      work.catch(() => undefined);
    }
  }
}

/** HGETALL as returned inside a script reply: a flat [field, value, ...] array. */
function pairsToRecord(value: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (let i = 0; i + 1 < value.length; i += 2) {
      record[String(value[i])] = String(value[i + 1]);
    }
  }
  return record;
}

function parseStaffing(raw: Record<string, string> | undefined): Map<string, StaffingOverride> {
  const staffing = new Map<string, StaffingOverride>();
  for (const [groupId, json] of Object.entries(raw ?? {})) {
    try {
      const value = JSON.parse(json) as Partial<StaffingOverride>;
      if (typeof value.agents === 'number' && Number.isInteger(value.agents) && value.agents >= 0) {
        staffing.set(groupId, {
          agents: value.agents,
          by: typeof value.by === 'string' ? value.by : 'unknown',
          at: typeof value.at === 'string' ? value.at : '',
        });
      }
    } catch {
      // Not ours (or hand-edited badly): the file's default applies.
    }
  }
  return staffing;
}
