import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  spokenClock,
  spokenLastDigits,
  spokenMoment,
  spokenOpeningHours,
  spokenPhoneNumber,
  spokenWait,
} from '../../../../src/conversation/runtime/spoken-time.js';
import type { OpeningHours } from '../../../../src/routing/routing-types.js';

const PARIS = 'Europe/Paris';

describe('spoken times for prompts', () => {
  it('writes clock times for the ear', () => {
    assert.equal(spokenClock(9, 0, 'fr'), '9 heures');
    assert.equal(spokenClock(14, 30, 'fr'), '14 heures 30');
    assert.equal(spokenClock(1, 5, 'fr'), '1 heure 5');
    assert.equal(spokenClock(12, 0, 'fr'), 'midi');
    assert.equal(spokenClock(9, 0, 'en'), '9 am');
    assert.equal(spokenClock(14, 30, 'en'), '2:30 pm');
    assert.equal(spokenClock(0, 15, 'en'), '12:15 am');
  });

  it('says today, tomorrow, or the weekday and date, in the group’s time zone', () => {
    // Saturday 28 November 2026, 10:00 in Paris (09:00 UTC).
    const now = new Date('2026-11-28T09:00:00Z');
    assert.equal(
      spokenMoment(new Date('2026-11-28T13:30:00Z'), now, PARIS, 'fr'),
      'aujourd’hui à 14 heures 30',
    );
    assert.equal(spokenMoment(new Date('2026-11-29T08:00:00Z'), now, PARIS, 'fr'), 'demain à 9 heures');
    assert.equal(
      spokenMoment(new Date('2026-11-30T07:30:00Z'), now, PARIS, 'fr'),
      'lundi 30 novembre à 8 heures 30',
    );
    assert.equal(
      spokenMoment(new Date('2026-12-01T07:30:00Z'), now, PARIS, 'fr'),
      'mardi 1er décembre à 8 heures 30',
    );
    assert.equal(
      spokenMoment(new Date('2026-11-30T07:30:00Z'), now, PARIS, 'en'),
      'Monday 30 November at 8:30 am',
    );
    // Late evening UTC is already tomorrow in Paris.
    assert.equal(spokenMoment(new Date('2026-11-28T23:30:00Z'), now, PARIS, 'en'), 'tomorrow at 12:30 am');
  });

  it('rounds waits to minutes and says “less than a minute” below one', () => {
    assert.equal(spokenWait(20, 'fr'), 'moins d’une minute');
    assert.equal(spokenWait(60, 'fr'), 'environ une minute');
    assert.equal(spokenWait(12 * 60 + 10, 'fr'), 'environ 12 minutes');
    assert.equal(spokenWait(70 * 60, 'fr'), 'environ 1 heure 10');
    assert.equal(spokenWait(5 * 60, 'en'), 'about 5 minutes');
    assert.equal(spokenWait(120 * 60, 'en'), 'about 2 hours');
  });

  it('groups days with the same opening periods', () => {
    const periods = [{ open: '08:30', close: '17:30' }];
    const hours: OpeningHours = {
      timezone: PARIS,
      weekly: {
        mon: periods,
        tue: periods,
        wed: periods,
        thu: periods,
        fri: [{ open: '08:30', close: '12:00' }],
        sat: [],
        sun: [],
      },
      closures: [],
      closedOnPublicHolidays: true,
      alsaceMoselle: false,
    };
    assert.equal(
      spokenOpeningHours(hours, 'fr'),
      'du lundi au jeudi de 8 heures 30 à 17 heures 30, et le vendredi de 8 heures 30 à midi',
    );
    assert.equal(
      spokenOpeningHours(hours, 'en'),
      'Monday to Thursday, 8:30 am to 5:30 pm; on Friday, 8:30 am to noon',
    );
  });

  it('reads phone numbers in pairs and the last digits one by one', () => {
    assert.equal(spokenPhoneNumber('0612345678'), '06, 12, 34, 56, 78');
    assert.equal(spokenLastDigits('+33612345678'), '7, 8');
  });
});
