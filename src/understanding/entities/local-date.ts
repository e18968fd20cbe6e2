/**
 * Calendar days without time or zone. A caller's "demain" is a day on the caller's wall calendar, so date
 * arithmetic must never go through instants: adding 24 h across a daylight-saving change lands on the wrong day
 * at midnight. The arithmetic here uses `Date.UTC` only as a proleptic-Gregorian day counter.
 */

/** A calendar day: `month` 1–12, `day` 1–31. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const MS_PER_DAY = 86_400_000;

/** The calendar day of `date` in the process's local time zone (what "today" means to the caller). */
export function localDateOf(date: Date): LocalDate {
  return { year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate() };
}

function fromUtcMillis(ms: number): LocalDate {
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function utcMillis(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day);
}

/** Days in `month` (1–12) of `year`, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when `day` exists in `month` of `year` (no 31 April, 29 February in leap years only). */
export function isValidLocalDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    month >= 1 &&
    month <= 12 &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** `date` moved by `days` calendar days (negative goes back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  return fromUtcMillis(utcMillis(date) + days * MS_PER_DAY);
}

/** `date` moved by `months` calendar months, the day clamped to the target month (31 January + 1 → 28/29 February). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/** Day of the week, ISO numbering from 0: 0 Monday … 6 Sunday. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(utcMillis(date)).getUTCDay() + 6) % 7;
}

/** Negative, zero or positive as `a` is before, the same day as, or after `b`. */
export function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return utcMillis(a) - utcMillis(b);
}

/** ISO 8601 calendar date: `YYYY-MM-DD`. */
export function toIsoDate(date: LocalDate): string {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}
