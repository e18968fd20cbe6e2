/**
 * French public holidays, from `@socialgouv/jours-feries` (maintained by the French administration's SocialGouv
 * team) rather than a list of our own: Easter-based dates are computed, and Alsace-Moselle adds Good Friday and
 * 26 December (Code du travail, art. L3134-13).
 *
 * The library builds each date as local midnight of the process's time zone, and moves Easter-based dates by
 * multiples of 24 hours, which lands an hour off when a DST change falls in between (e.g. Easter Monday 2024 is
 * 1 April 01:00 in Paris). The calendar date is therefore read at local noon of the returned instant, which is
 * on the right day whatever the process's zone and whatever DST did.
 */
import joursFeries from '@socialgouv/jours-feries';
import { localDateKey, type LocalDate } from './zoned-time.js';

const HALF_DAY_MS = 43_200_000;

/** Per `year:alsace`: `YYYY-MM-DD` → holiday name. */
const cache = new Map<string, ReadonlyMap<string, string>>();

/** The public holidays of `year` (`YYYY-MM-DD` → French name). */
export function publicHolidays(year: number, alsaceMoselle: boolean): ReadonlyMap<string, string> {
  const key = `${year}:${alsaceMoselle ? 'alsace' : 'general'}`;
  let holidays = cache.get(key);
  if (holidays === undefined) {
    const byDate = new Map<string, string>();
    for (const [name, date] of Object.entries(joursFeries(year, { alsace: alsaceMoselle }))) {
      // Local getters on purpose: the library built the date in the process's local zone.
      const noon = new Date(date.getTime() + HALF_DAY_MS);
      byDate.set(
        localDateKey({ year: noon.getFullYear(), month: noon.getMonth() + 1, day: noon.getDate() }),
        name,
      );
    }
    holidays = byDate;
    cache.set(key, holidays);
  }
  return holidays;
}

/** The holiday's name when `date` is a French public holiday, else null. */
export function publicHolidayOn(date: LocalDate, alsaceMoselle: boolean): string | null {
  return publicHolidays(date.year, alsaceMoselle).get(localDateKey(date)) ?? null;
}
