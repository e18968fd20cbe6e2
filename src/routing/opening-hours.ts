/**
 * When a group is open: weekly periods in the group's own time zone, minus French public holidays (when the group
 * closes on them), minus exceptional closures. Periods are wall-clock times, so "08:30" stays 08:30 across a DST
 * change; an interval spanning a change lasts an hour more or less (see `zoned-time.ts` for the skipped and
 * repeated hours).
 *
 * Closures are `[from, to)` in local time: `YYYY-MM-DDTHH:MM`, or a bare date meaning the start of that day in
 * `from` and the end of that day in `to` (so `from: 2026-05-15, to: 2026-05-15` closes the whole of 15 May).
 *
 * The open intervals of a local date are cached per `OpeningHours` object (the config is frozen and replaced
 * whole on reload), so a routing decision costs a few `Intl` calls, not a calendar computation.
 */
import { publicHolidayOn } from './public-holidays.js';
import type { Closure, OpeningHours, OpeningPeriod } from './routing-types.js';
import { addDays, localDateKey, weekdayOf, zonedInstant, zonedParts, type LocalDate } from './zoned-time.js';

export interface OpenInterval {
  readonly start: Date;
  readonly end: Date;
}

/** How far `nextOpening` looks ahead, days. */
export const NEXT_OPENING_HORIZON_DAYS = 14;

const DAY_MS = 86_400_000;
/** Cached dates per hours object before the cache is emptied (a long-running process walks forward in time). */
const MAX_CACHED_DAYS = 2048;

interface HoursCache {
  readonly days: Map<string, readonly OpenInterval[]>;
  closures: readonly { start: number; end: number }[] | null;
}

const caches = new WeakMap<OpeningHours, HoursCache>();

function cacheFor(hours: OpeningHours): HoursCache {
  let cache = caches.get(hours);
  if (cache === undefined) {
    cache = { days: new Map(), closures: null };
    caches.set(hours, cache);
  }
  return cache;
}

/** "HH:MM" → minutes after midnight ("24:00" → 1440); NaN when malformed. */
export function parseClockTime(text: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) {
    return Number.NaN;
  }
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    return Number.NaN;
  }
  return hours * 60 + minutes;
}

/** A closure bound (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`) as a local date and minutes; null when malformed. */
export function parseClosureBound(
  text: string,
  side: 'from' | 'to',
): { date: LocalDate; minutes: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?$/.exec(text);
  if (!match) {
    return null;
  }
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() + 1 !== date.month || check.getUTCDate() !== date.day) {
    return null;
  }
  if (match[4] === undefined) {
    return { date, minutes: side === 'from' ? 0 : 1440 };
  }
  const minutes = parseClockTime(match[4]);
  return Number.isNaN(minutes) ? null : { date, minutes };
}

/** A closure as instants `[start, end)`; null when a bound is malformed. */
export function closureInterval(closure: Closure, timeZone: string): { start: number; end: number } | null {
  const from = parseClosureBound(closure.from, 'from');
  const to = parseClosureBound(closure.to, 'to');
  if (from === null || to === null) {
    return null;
  }
  return {
    start: zonedInstant(from.date, from.minutes, timeZone).getTime(),
    end: zonedInstant(to.date, to.minutes, timeZone).getTime(),
  };
}

function closuresOf(hours: OpeningHours): readonly { start: number; end: number }[] {
  const cache = cacheFor(hours);
  if (cache.closures === null) {
    cache.closures = hours.closures
      .map((closure) => closureInterval(closure, hours.timezone))
      .filter((interval): interval is { start: number; end: number } => interval !== null);
  }
  return cache.closures;
}

/** Open intervals of one local date from the weekly periods, holidays removed; closures not applied. */
function dayIntervals(hours: OpeningHours, date: LocalDate): readonly OpenInterval[] {
  const cache = cacheFor(hours);
  const key = localDateKey(date);
  const cached = cache.days.get(key);
  if (cached !== undefined) {
    return cached;
  }
  let intervals: OpenInterval[] = [];
  if (!(hours.closedOnPublicHolidays && publicHolidayOn(date, hours.alsaceMoselle) !== null)) {
    const periods: readonly OpeningPeriod[] = hours.weekly[weekdayOf(date)] ?? [];
    intervals = periods
      .map((period) => ({
        start: zonedInstant(date, parseClockTime(period.open), hours.timezone),
        end: zonedInstant(date, parseClockTime(period.close), hours.timezone),
      }))
      .filter((interval) => interval.end.getTime() > interval.start.getTime());
  }
  if (cache.days.size >= MAX_CACHED_DAYS) {
    cache.days.clear();
  }
  const frozen = Object.freeze(intervals.map((interval) => Object.freeze(interval)));
  cache.days.set(key, frozen);
  return frozen;
}

/** The local date at `at` in the hours' zone. */
function localDateAt(hours: OpeningHours, at: Date): LocalDate {
  const parts = zonedParts(at, hours.timezone);
  return { year: parts.year, month: parts.month, day: parts.day };
}

/**
 * Open intervals overlapping `[from, to)`, clipped to it, in order, adjacent ones merged (a day open until 24:00
 * followed by a day open from 00:00 is one interval). Empty when `to <= from`.
 */
export function openIntervals(hours: OpeningHours, from: Date, to: Date): Array<{ start: Date; end: Date }> {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!(toMs > fromMs)) {
    return [];
  }
  // One day of margin each side: a local date's periods can start before `from`'s local date in UTC terms.
  let date = addDays(localDateAt(hours, from), -1);
  const last = addDays(localDateAt(hours, to), 1);
  const raw: { start: number; end: number }[] = [];
  for (;;) {
    for (const interval of dayIntervals(hours, date)) {
      raw.push({ start: interval.start.getTime(), end: interval.end.getTime() });
    }
    if (localDateKey(date) === localDateKey(last)) {
      break;
    }
    date = addDays(date, 1);
  }
  raw.sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const interval of raw) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && interval.start <= previous.end) {
      previous.end = Math.max(previous.end, interval.end);
    } else {
      merged.push({ ...interval });
    }
  }
  const open = subtractClosures(merged, closuresOf(hours));
  const result: Array<{ start: Date; end: Date }> = [];
  for (const interval of open) {
    const start = Math.max(interval.start, fromMs);
    const end = Math.min(interval.end, toMs);
    if (end > start) {
      result.push({ start: new Date(start), end: new Date(end) });
    }
  }
  return result;
}

function subtractClosures(
  intervals: readonly { start: number; end: number }[],
  closures: readonly { start: number; end: number }[],
): { start: number; end: number }[] {
  let remaining = intervals.map((interval) => ({ ...interval }));
  for (const closure of closures) {
    if (closure.end <= closure.start) {
      continue;
    }
    const next: { start: number; end: number }[] = [];
    for (const interval of remaining) {
      if (closure.end <= interval.start || closure.start >= interval.end) {
        next.push(interval);
        continue;
      }
      if (closure.start > interval.start) {
        next.push({ start: interval.start, end: closure.start });
      }
      if (closure.end < interval.end) {
        next.push({ start: closure.end, end: interval.end });
      }
    }
    remaining = next;
  }
  return remaining;
}

/** Open at the instant `at` (an interval's start is open, its end is closed). */
export function isOpenAt(hours: OpeningHours, at: Date): boolean {
  const ms = at.getTime();
  for (const closure of closuresOf(hours)) {
    if (ms >= closure.start && ms < closure.end) {
      return false;
    }
  }
  // The periods of the local date, and of the day before (an interval ends at 24:00 = the next day's midnight).
  const date = localDateAt(hours, at);
  for (const day of [date, addDays(date, -1)]) {
    for (const interval of dayIntervals(hours, day)) {
      if (ms >= interval.start.getTime() && ms < interval.end.getTime()) {
        return true;
      }
    }
  }
  return false;
}

/**
 * The first instant at or after `at` when the hours are open (`at` itself when open then); null when they stay
 * closed for `NEXT_OPENING_HORIZON_DAYS` days.
 */
export function nextOpening(hours: OpeningHours, at: Date): Date | null {
  const horizon = at.getTime() + NEXT_OPENING_HORIZON_DAYS * DAY_MS;
  // Day by day: the usual answer (tomorrow morning, Monday morning) is found in the first windows.
  for (let start = at.getTime(); start < horizon; start += DAY_MS) {
    const first = openIntervals(hours, new Date(start), new Date(Math.min(start + DAY_MS, horizon)))[0];
    if (first !== undefined) {
      return first.start;
    }
  }
  return null;
}
