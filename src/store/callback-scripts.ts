/**
 * The callback store's Lua scripts: each is one atomic step (Redis runs a script with nothing interleaved), so a
 * capacity check cannot race another booking and an attempt cannot be recorded twice. Sent by SHA (EVALSHA), loaded
 * again after a Redis restart (NOSCRIPT).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One callback script: `run(redis, keys, args)`. */
export class CallbackScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}

/** Moves `id` from the index of its old status to the one of `new` (status index keys are `<prefix><status>`). */
const REINDEX = `
local function reindex(prefix, id, old, new, score)
  if old and old ~= new then redis.call('ZREM', prefix .. old, id) end
  redis.call('ZADD', prefix .. new, score, id)
end
`;

/**
 * KEYS: record, slot counter. ARGV: capacity, counter expiry (ms epoch), id, status index prefix, slot start ms,
 * slot length ms, then the record's fields as name/value pairs.
 * Returns {0} when the record exists (booked before), {-1, booked} when the slot is full, else {rank, firstAttemptMs}:
 * bookings spread over the slot, rank 1 at its start.
 */
export const BOOK = new CallbackScript(
  'book',
  `${REINDEX}
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
local booked = tonumber(redis.call('GET', KEYS[2]) or '0')
local capacity = tonumber(ARGV[1])
if booked >= capacity then return {-1, booked} end
local rank = redis.call('INCR', KEYS[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
local first = tonumber(ARGV[5]) + math.floor((rank - 1) * tonumber(ARGV[6]) / capacity)
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 'status', 'scheduled', 'attempts', '0', 'nextAttemptAt', string.format('%.0f', first), 'slotKey', KEYS[2], unpack(fields))
reindex(ARGV[4], ARGV[3], nil, 'scheduled', first)
return {rank, string.format('%.0f', first)}
`,
);

/** Undoes BOOK when the job could not be added. KEYS: record, slot counter. ARGV: id, status index prefix. */
export const UNBOOK = new CallbackScript(
  'unbook',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
redis.call('ZREM', ARGV[2] .. (redis.call('HGET', KEYS[1], 'status') or 'scheduled'), ARGV[1])
redis.call('DEL', KEYS[1])
return 1
`,
);

/**
 * Status change. KEYS: record. ARGV: id, status index prefix, new status, index score, allowed old statuses
 * (comma-separated, empty = any), seconds to keep the record (0 = no expiry), then fields as name/value pairs.
 * Returns the old status, false when there is no record, or "refused:<old>".
 */
export const TRANSITION = new CallbackScript(
  'transition',
  `${REINDEX}
local old = redis.call('HGET', KEYS[1], 'status')
if not old then return false end
if ARGV[5] ~= '' and not string.find(',' .. ARGV[5] .. ',', ',' .. old .. ',', 1, true) then
  return 'refused:' .. old
end
redis.call('HSET', KEYS[1], 'status', ARGV[3])
for i = 7, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
reindex(ARGV[2], ARGV[1], old, ARGV[3], ARGV[4])
if tonumber(ARGV[6]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
return old
`,
);

/**
 * Records attempt n once. KEYS: record. ARGV: id, status index prefix, n, attempt JSON, status after it, index
 * score, seconds to keep the record when final (0 = none), next attempt ms ('' = none), updatedAt ms, detail,
 * oldest final entry kept in the index (ms).
 * A cancelled callback stays cancelled. Returns {1, status} when recorded, {0, status} when attempt n already was,
 * {-1} when there is no record.
 */
export const RECORD_ATTEMPT = new CallbackScript(
  'record-attempt',
  `${REINDEX}
local old = redis.call('HGET', KEYS[1], 'status')
if not old then return {-1} end
local field = 'attempt:' .. ARGV[3]
if redis.call('HEXISTS', KEYS[1], field) == 1 then return {0, old} end
local new = ARGV[5]
if old == 'cancelled' then new = 'cancelled' end
redis.call('HSET', KEYS[1], field, ARGV[4], 'attempts', ARGV[3], 'status', new, 'updatedAt', ARGV[9])
redis.call('HDEL', KEYS[1], 'dialling')
if ARGV[8] == '' then redis.call('HDEL', KEYS[1], 'nextAttemptAt') else redis.call('HSET', KEYS[1], 'nextAttemptAt', ARGV[8]) end
if ARGV[10] == '' then redis.call('HDEL', KEYS[1], 'detail') else redis.call('HSET', KEYS[1], 'detail', ARGV[10]) end
reindex(ARGV[2], ARGV[1], old, new, ARGV[6])
if new ~= 'scheduled' then
  redis.call('ZREMRANGEBYSCORE', ARGV[2] .. new, '-inf', '(' .. ARGV[11])
  if tonumber(ARGV[7]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[7]) end
end
return {1, new}
`,
);

/**
 * Cancels a callback not yet over; frees its slot when no attempt was made. KEYS: record. ARGV: id, status index
 * prefix, now ms, seconds to keep the record, detail. Returns the old status, or false when there is no record.
 */
export const CANCEL = new CallbackScript(
  'cancel',
  `${REINDEX}
local old = redis.call('HGET', KEYS[1], 'status')
if not old then return false end
if old ~= 'scheduled' and old ~= 'dialling' then return old end
if old == 'scheduled' and redis.call('HGET', KEYS[1], 'attempts') == '0' then
  local slot = redis.call('HGET', KEYS[1], 'slotKey')
  if slot and tonumber(redis.call('GET', slot) or '0') > 0 then redis.call('DECR', slot) end
end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'updatedAt', ARGV[3], 'detail', ARGV[5])
redis.call('HDEL', KEYS[1], 'nextAttemptAt')
reindex(ARGV[2], ARGV[1], old, 'cancelled', ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return old
`,
);

/** KEYS: guard. ARGV: owner token, ms. Extends the guard only while we still own it. Returns 1 or 0. */
export const EXTEND_GUARD = new CallbackScript(
  'extend-guard',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
);
