/**
 * Redis keys of the callback store, and the callback id. Records and counters live under `aig:cb:`; BullMQ's own
 * keys under `aig:bull:<queue>:`. Lua scripts touch several of these keys at once: a single Redis (or a cluster with
 * the whole prefix in one hash slot, e.g. `{aig-cb}`) is assumed.
 */
import { createHash } from 'node:crypto';
import type { CallbackStatus } from './callback-types.js';

export interface CallbackKeys {
  readonly prefix: string;
  /** Hash: the callback's record (no number), one `attempt:<n>` field (JSON) per recorded attempt. */
  record(callbackId: string): string;
  /** Counter: bookings in one slot of one group. */
  slot(groupId: string, slotStartMs: number): string;
  /** Sorted set of callback ids in a status (score: next attempt time, or when it ended). */
  status(status: CallbackStatus): string;
  /** What `status()` prefixes the status with (the Lua scripts build the index keys). */
  readonly statusPrefix: string;
  /** SET NX guard: whoever holds it dials attempt `attempt` of the callback; nobody else. */
  dialGuard(callbackId: string, attempt: number): string;
}

export function callbackKeys(prefix: string): CallbackKeys {
  return {
    prefix,
    record: (id) => `${prefix}:rec:${id}`,
    slot: (groupId, startMs) => `${prefix}:slot:${groupId}:${startMs}`,
    status: (status) => `${prefix}:status:${status}`,
    statusPrefix: `${prefix}:status:`,
    dialGuard: (id, attempt) => `${prefix}:dial:${id}:${attempt}`,
  };
}

/** BullMQ rejects ids with `:` and integer ids; SIP Call-IDs may hold anything. */
const READABLE_CALL_ID = /^[A-Za-z0-9._@+-]{1,128}$/;

/**
 * The callback id of a call: `cb-<callId>` when the Call-ID is plain, else `cb-sha256-<32 hex>` of it. The same
 * call always gets the same id, which makes booking idempotent (the BullMQ job id is this id).
 */
export function callbackIdFor(callId: string): string {
  if (READABLE_CALL_ID.test(callId) && !/^\d+$/.test(callId)) {
    return `cb-${callId}`;
  }
  return `cb-sha256-${createHash('sha256').update(callId).digest('hex').slice(0, 32)}`;
}
