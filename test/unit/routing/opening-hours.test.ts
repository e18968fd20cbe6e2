// Opening hours in Europe/Paris: wall-clock periods across both DST changes, French public holidays from the
// maintained library (Alsace-Moselle included), exceptional closures, and the edges at midnight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOpenAt, nextOpening, openIntervals } from '../../../src/routing/opening-hours.js';
import { publicHolidayOn, publicHolidays } from '../../../src/routing/public-holidays.js';
import type { OpeningHours, OpeningPeriod, Weekday } from '../../../src/routing/routing-types.js';
import { zonedInstant } from '../../../src/routing/zoned-time.js';

function hours(
  weekly: Partial<Record<Weekday, string[]>>,
  extra: Partial<Omit<OpeningHours, 'weekly'>> = {},
): OpeningHours {
  const days: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const periods = (list: string[] = []): OpeningPeriod[] =>
    list.map((text) => {
      const [open, close] = text.split('-') as [string, string];
      return { open, close };
    });
  return {
    timezone: 'Europe/Paris',
    weekly: Object.fromEntries(
      days.map((day) => [day, periods(weekly[day])]),
    ) as unknown as OpeningHours['weekly'],
    closures: [],
    closedOnPublicHolidays: true,
    alsaceMoselle: false,
    ...extra,
  };
}

const weekdays = (period: string) => ({
  mon: [period],
  tue: [period],
  wed: [period],
  thu: [period],
  fri: [period],
});
const iso = (intervals: { start: Date; end: Date }[]) =>
  intervals.map((i) => `${i.start.toISOString()}/${i.end.toISOString()}`);
const at = (text: string) => new Date(text);
const HOUR = 3_600_000;

describe('opening hours across DST (Europe/Paris)', () => {
  it('08:30 is 07:30Z in winter and 06:30Z in summer', () => {
    const office = hours(weekdays('08:30-17:30'));
    assert.deepEqual(iso(openIntervals(office, at('2026-03-27T00:00Z'), at('2026-03-28T00:00Z'))), [
      '2026-03-27T07:30:00.000Z/2026-03-27T16:30:00.000Z',
    ]);
    assert.deepEqual(iso(openIntervals(office, at('2026-03-30T00:00Z'), at('2026-03-31T00:00Z'))), [
      '2026-03-30T06:30:00.000Z/2026-03-30T15:30:00.000Z',
    ]);
    assert.equal(isOpenAt(office, at('2026-03-30T06:29:59Z')), false);
    assert.equal(isOpenAt(office, at('2026-03-30T06:30:00Z')), true);
    assert.equal(
      isOpenAt(office, at('2026-03-27T06:30:00Z')),
      false,
      '06:30Z is 07:30 CET on a winter Friday',
    );
  });

  it('the spring-forward Sunday lasts 23 hours and the fall-back Sunday 25', () => {
    const sundays = hours({ sun: ['00:00-24:00'] });
    const [spring] = openIntervals(sundays, at('2026-03-28T00:00Z'), at('2026-03-31T00:00Z'));
    assert.equal(spring!.start.toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal(spring!.end.toISOString(), '2026-03-29T22:00:00.000Z');
    assert.equal(spring!.end.getTime() - spring!.start.getTime(), 23 * HOUR);
    const [autumn] = openIntervals(sundays, at('2026-10-24T00:00Z'), at('2026-10-27T00:00Z'));
    assert.equal(autumn!.start.toISOString(), '2026-10-24T22:00:00.000Z');
    assert.equal(autumn!.end.toISOString(), '2026-10-25T23:00:00.000Z');
    assert.equal(autumn!.end.getTime() - autumn!.start.getTime(), 25 * HOUR);
  });

  it('a period spanning the change lasts an hour less in spring and an hour more in autumn', () => {
    const night = hours({ sun: ['01:00-04:00'] });
    const [spring] = openIntervals(night, at('2026-03-29T00:00Z'), at('2026-03-30T00:00Z'));
    assert.deepEqual(iso([spring!]), ['2026-03-29T00:00:00.000Z/2026-03-29T02:00:00.000Z']);
    const [autumn] = openIntervals(night, at('2026-10-24T12:00Z'), at('2026-10-26T00:00Z'));
    assert.deepEqual(iso([autumn!]), ['2026-10-24T23:00:00.000Z/2026-10-25T03:00:00.000Z']);
  });

  it('a skipped local time moves past the gap; a repeated one takes the earlier instant', () => {
    const paris = 'Europe/Paris';
    assert.equal(
      zonedInstant({ year: 2026, month: 3, day: 29 }, 150, paris).toISOString(),
      '2026-03-29T01:30:00.000Z',
      '02:30 does not exist: 03:30 CEST',
    );
    assert.equal(
      zonedInstant({ year: 2026, month: 10, day: 25 }, 150, paris).toISOString(),
      '2026-10-25T00:30:00.000Z',
      '02:30 happens twice: the CEST one',
    );
    assert.equal(
      zonedInstant({ year: 2026, month: 1, day: 1 }, 1440, 'UTC').toISOString(),
      '2026-01-02T00:00:00.000Z',
    );
  });

  it('isOpenAt agrees with openIntervals every 7 minutes through both DST weeks', () => {
    const mixed = hours({
      ...weekdays('08:30-17:30'),
      sat: ['00:00-03:30', '22:00-24:00'],
      sun: ['00:00-02:30', '02:45-04:00', '23:00-24:00'],
    });
    for (const [from, to] of [
      ['2026-03-27T00:00Z', '2026-03-31T00:00Z'],
      ['2026-10-23T00:00Z', '2026-10-27T00:00Z'],
    ] as const) {
      const intervals = openIntervals(mixed, at(from), at(to));
      let checked = 0;
      for (let t = at(from).getTime(); t < at(to).getTime(); t += 7 * 60_000) {
        const inside = intervals.some((i) => t >= i.start.getTime() && t < i.end.getTime());
        assert.equal(isOpenAt(mixed, new Date(t)), inside, new Date(t).toISOString());
        checked++;
      }
      assert.ok(checked > 800);
    }
  });
});

describe('public holidays', () => {
  it('closes on Ascension, Bastille Day and Whit Monday, from the library', () => {
    const office = hours(weekdays('08:30-17:30'));
    assert.equal(publicHolidayOn({ year: 2026, month: 5, day: 14 }, false), 'Ascension');
    assert.equal(isOpenAt(office, at('2026-05-14T08:00Z')), false);
    assert.equal(isOpenAt(office, at('2026-07-14T08:00Z')), false);
    assert.equal(isOpenAt(office, at('2026-05-25T08:00Z')), false, 'Lundi de Pentecôte');
    assert.equal(isOpenAt(office, at('2026-05-13T08:00Z')), true);
    assert.equal(publicHolidays(2026, false).size, 11);
  });

  it('a group that works on holidays stays open', () => {
    const open = hours(weekdays('08:30-17:30'), { closedOnPublicHolidays: false });
    assert.equal(isOpenAt(open, at('2026-05-14T08:00Z')), true);
  });

  it('Alsace-Moselle adds Good Friday and 26 December', () => {
    const paris = hours(weekdays('08:30-17:30'));
    const strasbourg = hours(weekdays('08:30-17:30'), { alsaceMoselle: true });
    // Good Friday 2026 is 3 April; 26 December 2025 is a Friday.
    assert.equal(isOpenAt(paris, at('2026-04-03T08:00Z')), true);
    assert.equal(isOpenAt(strasbourg, at('2026-04-03T08:00Z')), false);
    assert.equal(isOpenAt(paris, at('2025-12-26T09:00Z')), true);
    assert.equal(isOpenAt(strasbourg, at('2025-12-26T09:00Z')), false);
    assert.equal(publicHolidays(2026, true).size, 13);
  });

  it('Easter-based dates stay on their day when the process runs in a zone whose DST changes that weekend', () => {
    // Easter 2018 (1 April) is the day Sydney's clocks go back: the library's "Easter + 24 h" is 1 April 23:00
    // there. The dates must not depend on the process's zone.
    const saved = process.env['TZ'];
    process.env['TZ'] = 'Australia/Sydney';
    try {
      const holidays = publicHolidays(2018, false);
      assert.equal(holidays.get('2018-04-02'), 'Lundi de Pâques');
      assert.equal(holidays.get('2018-05-10'), 'Ascension');
      assert.equal(holidays.get('2018-05-21'), 'Lundi de Pentecôte');
      assert.equal(holidays.has('2018-04-01'), false);
    } finally {
      if (saved === undefined) {
        delete process.env['TZ'];
      } else {
        process.env['TZ'] = saved;
      }
    }
  });
});

describe('closures and midnight edges', () => {
  it('a closure from noon to the end of the day shortens that day only', () => {
    const office = hours(weekdays('08:30-17:30'), {
      closures: [{ from: '2026-12-24T12:00', to: '2026-12-24', reason: 'Christmas Eve' }],
    });
    assert.deepEqual(iso(openIntervals(office, at('2026-12-23T00:00Z'), at('2026-12-26T00:00Z'))), [
      '2026-12-23T07:30:00.000Z/2026-12-23T16:30:00.000Z',
      '2026-12-24T07:30:00.000Z/2026-12-24T11:00:00.000Z',
    ]);
    assert.equal(isOpenAt(office, at('2026-12-24T10:59:59Z')), true);
    assert.equal(isOpenAt(office, at('2026-12-24T11:00:00Z')), false);
  });

  it('a whole-day closure given as dates closes from the first day to the end of the last', () => {
    const office = hours(weekdays('08:30-17:30'), {
      closures: [{ from: '2026-06-01', to: '2026-06-02', reason: 'move' }],
    });
    assert.deepEqual(iso(openIntervals(office, at('2026-06-01T00:00Z'), at('2026-06-04T00:00Z'))), [
      '2026-06-03T06:30:00.000Z/2026-06-03T15:30:00.000Z',
    ]);
    assert.equal(nextOpening(office, at('2026-05-29T18:00Z'))?.toISOString(), '2026-06-03T06:30:00.000Z');
  });

  it('24:00 meets the next day 00:00 as one interval; the end instant is closed', () => {
    const night = hours({ mon: ['20:00-24:00'], tue: ['00:00-08:00'], fri: ['20:00-24:00'] });
    assert.deepEqual(iso(openIntervals(night, at('2026-06-01T00:00Z'), at('2026-06-03T00:00Z'))), [
      '2026-06-01T18:00:00.000Z/2026-06-02T06:00:00.000Z',
    ]);
    assert.equal(isOpenAt(night, at('2026-06-01T21:59:59.999Z')), true, 'Monday 23:59:59.999');
    assert.equal(isOpenAt(night, at('2026-06-01T22:00:00Z')), true, 'Tuesday 00:00');
    assert.equal(isOpenAt(night, at('2026-06-02T06:00:00Z')), false, 'Tuesday 08:00');
    assert.equal(isOpenAt(night, at('2026-06-05T21:59:59Z')), true, 'Friday 23:59:59');
    assert.equal(isOpenAt(night, at('2026-06-05T22:00:00Z')), false, 'Saturday 00:00');
  });

  it('clips to the window asked for and returns nothing for an empty window', () => {
    const office = hours(weekdays('08:30-17:30'));
    assert.deepEqual(iso(openIntervals(office, at('2026-06-01T10:00Z'), at('2026-06-01T11:00Z'))), [
      '2026-06-01T10:00:00.000Z/2026-06-01T11:00:00.000Z',
    ]);
    assert.deepEqual(openIntervals(office, at('2026-06-01T11:00Z'), at('2026-06-01T10:00Z')), []);
  });
});

describe('nextOpening', () => {
  const office = hours(weekdays('08:30-17:30'));

  it('is the instant asked for when open, Monday morning from Friday evening', () => {
    assert.equal(nextOpening(office, at('2026-06-01T10:00Z'))?.toISOString(), '2026-06-01T10:00:00.000Z');
    assert.equal(nextOpening(office, at('2026-06-05T18:00Z'))?.toISOString(), '2026-06-08T06:30:00.000Z');
  });

  it('skips a holiday and a bridge closure (Ascension 2026 and the Friday after)', () => {
    const withBridge = hours(weekdays('08:30-17:30'), {
      closures: [{ from: '2026-05-15', to: '2026-05-15', reason: "Pont de l'Ascension" }],
    });
    assert.equal(nextOpening(withBridge, at('2026-05-13T17:00Z'))?.toISOString(), '2026-05-18T06:30:00.000Z');
  });

  it('is null when nothing opens within 14 days', () => {
    const shut = hours(weekdays('08:30-17:30'), {
      closures: [{ from: '2026-08-01', to: '2026-08-31', reason: 'summer' }],
    });
    assert.equal(nextOpening(shut, at('2026-08-01T00:00Z')), null);
    assert.equal(nextOpening(hours({}), at('2026-08-01T00:00Z')), null);
    // The closure ends with 31 August; Tuesday 1 September opens at 08:30 CEST: reported only within 14 days.
    assert.equal(nextOpening(shut, at('2026-08-17T00:00Z')), null);
    assert.equal(nextOpening(shut, at('2026-08-18T07:00Z'))?.toISOString(), '2026-09-01T06:30:00.000Z');
  });
});
