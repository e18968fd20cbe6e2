/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl` (Node ships full ICU data). Opening hours are
 * written in local time ("08:30" in Europe/Paris) while calls arrive at instants; this file converts both ways.
 *
 * A local time that does not exist (the hour skipped when clocks go forward) resolves to the same distance after
 * the gap (02:30 on the last Sunday of March in Paris is 03:30 CEST); a local time that occurs twice (clocks going
 * back) resolves to the earlier instant. That is the `compatible` disambiguation of Temporal and of most calendars.
 */
import type { Weekday } from './routing-types.js';

/** A calendar date, month 1–12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export interface ZonedParts extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: Weekday;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEKDAYS: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};
/** Index = `Date.prototype.getUTCDay()`. */
const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `Intl` knows the zone (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Per zone, the last instant converted: a decision asks the same instant for every group. */
const lastParts = new Map<string, { instant: number; parts: ZonedParts }>();

/** The wall clock in `timeZone` at `at`. */
export function zonedParts(at: Date | number, timeZone: string): ZonedParts {
  const instant = typeof at === 'number' ? at : at.getTime();
  const last = lastParts.get(timeZone);
  if (last !== undefined && last.instant === instant) {
    return last.parts;
  }
  const parts = computeZonedParts(instant, timeZone);
  lastParts.set(timeZone, { instant, parts });
  return parts;
}

function computeZonedParts(at: number, timeZone: string): ZonedParts {
  const parts = formatterFor(timeZone).formatToParts(at);
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let weekday: Weekday = 'mon';
  for (const part of parts) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'weekday':
        weekday = WEEKDAYS[part.value] ?? weekday;
        break;
      default:
        break;
    }
  }
  return Object.freeze({ year, month, day, hour, minute, second, weekday });
}

/** Milliseconds to add to UTC to get the wall clock in `timeZone` at `instant` (Paris: +3,600,000 in winter). */
function offsetAt(instant: number, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant when the wall clock in `timeZone` shows `date` + `minutes` after midnight (`minutes` may be 1440:
 * midnight ending the day, i.e. the next day's 00:00).
 */
export function zonedInstant(date: LocalDate, minutes: number, timeZone: string): Date {
  const local = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
  // The offsets a day before and after bracket any single transition; each is tried and the wall clock checked.
  const before = offsetAt(local - DAY_MS, timeZone);
  const after = offsetAt(local + DAY_MS, timeZone);
  let best: number | null = null;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = local - offset;
    if (offsetAt(candidate, timeZone) === offset && (best === null || candidate < best)) {
      best = candidate;
    }
  }
  // In a gap neither offset reproduces the wall clock: the offset in force before it moves the time past the gap.
  return new Date(best ?? local - before);
}

/** `date` plus `days` calendar days. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

export function weekdayOf(date: LocalDate): Weekday {
  return WEEKDAY_BY_UTC_DAY[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()]!;
}

/** `YYYY-MM-DD`. */
export function localDateKey(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** `YYYY-MM-DDTHH:MM` in `timeZone`: how the groups file writes a closure's bounds. */
export function localDateTimeKey(at: Date, timeZone: string): string {
  const parts = zonedParts(at, timeZone);
  return `${localDateKey(parts)}T${String(parts.hour).padStart(2, '0')}:${String(parts.minute).padStart(2, '0')}`;
}
