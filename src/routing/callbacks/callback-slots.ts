/**
 * Callback slots offered to a caller: fixed-length windows inside a group's open intervals, each with a capacity.
 * Pure: the open intervals (holidays, closures, lunch breaks already taken out) and the bookings per slot are given.
 *
 * Slots must be the same windows whoever asks and whenever, since bookings are counted per slot start: slots are laid
 * end to end from the start of each open interval (overlapping or touching intervals merged first). An interval
 * clipped by the query window would shift that grid, so ask for intervals over `slotSearchWindow(now)`, which starts
 * at a fixed instant (UTC midnight the day before) rather than at `now`.
 *
 * Times are instants (`Date`): a slot is `slotMinutes` of real time, so on a day when clocks change the grid stays
 * on the local half-hours of each opening period (an interval starts at its local opening time, whatever the offset).
 */
import type { CallbackPolicy } from '../routing-types.js';

/** [start, end) in real time. */
export interface TimeInterval {
  readonly start: Date;
  readonly end: Date;
}

/** A group's open intervals between two instants (from `opening-hours.ts`, bound to one group). */
export type OpenIntervals = (from: Date, to: Date) => readonly TimeInterval[];

/** A slot with room left. */
export interface CallbackSlot extends TimeInterval {
  /** `slotCapacity` minus the bookings already in the slot (at least 1). */
  readonly remaining: number;
}

export type SlotPolicy = Pick<
  CallbackPolicy,
  'slotMinutes' | 'slotCapacity' | 'slotsOffered' | 'minLeadMinutes'
>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Search horizon for slots and retries, days. */
export const DEFAULT_SLOT_HORIZON_DAYS = 14;

/**
 * The window to ask open intervals for: from UTC midnight the day before `now` (so the interval in progress is not
 * clipped, and a clipped 24/7 interval is clipped at the same grid every day) to `horizonDays` after `now`.
 */
export function slotSearchWindow(now: Date, horizonDays: number = DEFAULT_SLOT_HORIZON_DAYS): TimeInterval {
  const from = Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS;
  return { start: new Date(from), end: new Date(now.getTime() + horizonDays * DAY_MS) };
}

/** Sorted, with overlapping or touching intervals joined and empty ones dropped. */
export function mergeIntervals(intervals: readonly TimeInterval[]): TimeInterval[] {
  const sorted = intervals
    .filter((i) => i.end.getTime() > i.start.getTime())
    .map((i) => ({ start: i.start.getTime(), end: i.end.getTime() }))
    .sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const i of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && i.start <= last.end) {
      last.end = Math.max(last.end, i.end);
    } else {
      merged.push({ ...i });
    }
  }
  return merged.map((i) => ({ start: new Date(i.start), end: new Date(i.end) }));
}

/**
 * Every whole slot of `slotMinutes` inside the intervals that starts at or after `now + minLeadMinutes`, in time
 * order. Lazy: callers stop when they have enough.
 */
export function* slotsWithin(
  intervals: readonly TimeInterval[],
  options: { readonly now: Date; readonly slotMinutes: number; readonly minLeadMinutes: number },
): Generator<TimeInterval> {
  if (!(options.slotMinutes > 0)) {
    throw new RangeError(`slotMinutes must be positive, got ${options.slotMinutes}`);
  }
  const slotMs = Math.round(options.slotMinutes * MINUTE_MS);
  const earliest = options.now.getTime() + Math.max(0, options.minLeadMinutes) * MINUTE_MS;
  for (const interval of mergeIntervals(intervals)) {
    const start = interval.start.getTime();
    const end = interval.end.getTime();
    const skip = start >= earliest ? 0 : Math.ceil((earliest - start) / slotMs);
    for (let t = start + skip * slotMs; t + slotMs <= end; t += slotMs) {
      yield { start: new Date(t), end: new Date(t + slotMs) };
    }
  }
}

/**
 * The first `slotsOffered` slots with room. `bookings`: slot start (epoch ms) → callbacks booked in it (absent = 0).
 */
export function nextFreeSlots(
  intervals: readonly TimeInterval[],
  bookings: ReadonlyMap<number, number>,
  policy: SlotPolicy,
  now: Date,
): CallbackSlot[] {
  const free: CallbackSlot[] = [];
  if (policy.slotsOffered <= 0) {
    return free;
  }
  for (const slot of slotsWithin(intervals, { now, ...policy })) {
    const remaining = policy.slotCapacity - (bookings.get(slot.start.getTime()) ?? 0);
    if (remaining > 0) {
      free.push({ ...slot, remaining });
      if (free.length >= policy.slotsOffered) {
        break;
      }
    }
  }
  return free;
}
