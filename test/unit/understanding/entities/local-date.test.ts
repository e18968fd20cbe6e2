import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  addMonths,
  compareLocalDates,
  daysInMonth,
  isValidLocalDate,
  localDateOf,
  toIsoDate,
  weekdayOf,
} from '../../../../src/understanding/entities/local-date.js';

describe('local dates', () => {
  it('reads the local calendar day of an instant', () => {
    assert.deepEqual(localDateOf(new Date(2026, 10, 28, 23, 59)), { year: 2026, month: 11, day: 28 });
  });

  it('knows month lengths and leap years (1900 is not one, 2000 is)', () => {
    assert.deepEqual(
      [
        daysInMonth(2026, 2),
        daysInMonth(2028, 2),
        daysInMonth(1900, 2),
        daysInMonth(2000, 2),
        daysInMonth(2026, 4),
      ],
      [28, 29, 28, 29, 30],
    );
    assert.equal(isValidLocalDate(2027, 2, 29), false);
    assert.equal(isValidLocalDate(2028, 2, 29), true);
    assert.equal(isValidLocalDate(2027, 13, 1), false);
    assert.equal(isValidLocalDate(2027, 4, 0), false);
  });

  it('adds days across months and years, and months with the day clamped', () => {
    assert.deepEqual(addDays({ year: 2026, month: 12, day: 31 }, 1), { year: 2027, month: 1, day: 1 });
    assert.deepEqual(addDays({ year: 2026, month: 3, day: 1 }, -1), { year: 2026, month: 2, day: 28 });
    assert.deepEqual(addMonths({ year: 2027, month: 1, day: 31 }, 1), { year: 2027, month: 2, day: 28 });
    assert.deepEqual(addMonths({ year: 2026, month: 11, day: 28 }, 14), { year: 2028, month: 1, day: 28 });
    assert.deepEqual(addMonths({ year: 2026, month: 1, day: 15 }, -1), { year: 2025, month: 12, day: 15 });
  });

  it('numbers weekdays from Monday = 0, compares and formats', () => {
    assert.equal(weekdayOf({ year: 2026, month: 11, day: 28 }), 5);
    assert.equal(weekdayOf({ year: 2026, month: 11, day: 30 }), 0);
    assert.ok(compareLocalDates({ year: 2026, month: 11, day: 28 }, { year: 2026, month: 12, day: 1 }) < 0);
    assert.equal(toIsoDate({ year: 2027, month: 3, day: 3 }), '2027-03-03');
  });
});
