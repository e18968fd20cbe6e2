import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDate, parseDate } from '../../../../src/understanding/entities/date.js';

/** Saturday 28 November 2026, local time. */
const TODAY = new Date(2026, 10, 28);

const FRENCH: readonly (readonly [string, string | null])[] = [
  ["aujourd'hui", '2026-11-28'],
  ['demain', '2026-11-29'],
  ['Demain !', '2026-11-29'],
  ['après-demain', '2026-11-30'],
  ['apres demain', '2026-11-30'],
  ['hier', '2026-11-27'],
  ['avant-hier', '2026-11-26'],
  ['lundi', '2026-11-30'],
  ['vendredi', '2026-12-04'],
  ['samedi', '2026-12-05'],
  ['ce samedi', '2026-11-28'],
  ['ce lundi', '2026-11-30'],
  ['samedi prochain', '2026-12-05'],
  ['lundi dernier', '2026-11-23'],
  ['samedi dernier', '2026-11-21'],
  ['lundi en huit', '2026-12-07'],
  ['dans 3 jours', '2026-12-01'],
  ['dans deux semaines', '2026-12-12'],
  ['dans huit jours', '2026-12-05'],
  ['dans quinze jours', '2026-12-12'],
  ['dans une semaine', '2026-12-05'],
  ['dans deux mois', '2027-01-28'],
  ['dans un an', '2027-11-28'],
  ["d'ici dix jours", '2026-12-08'],
  ['la semaine prochaine', '2026-11-30'],
  ['le 15', '2026-12-15'],
  ['le 28', '2026-11-28'],
  ['le 31', '2026-12-31'],
  ['le premier', '2026-12-01'],
  ['le 1er', '2026-12-01'],
  ['le 3 mars', '2027-03-03'],
  ['3 mars 2027', '2027-03-03'],
  ['premier avril', '2027-04-01'],
  ['le vingt et un décembre', '2026-12-21'],
  ['le 28 novembre', '2026-11-28'],
  ['le 27 novembre', '2027-11-27'],
  ['le 29 février', '2028-02-29'],
  ['le trois août deux mille vingt-sept', '2027-08-03'],
  ['12/01/2027', '2027-01-12'],
  ['12/01', '2027-01-12'],
  ['3.12.26', '2026-12-03'],
  ['fin du mois', '2026-11-30'],
  ['fin du mois prochain', '2026-12-31'],
  ['début du mois prochain', '2026-12-01'],
  ['je voudrais un rendez-vous mardi matin', '2026-12-01'],
  ['le mardi 8 décembre', '2026-12-08'],
  ['le 31 avril', null],
  ['le 30 février 2027', null],
  ['bonjour', null],
  ['en 1985', null],
  ["j'ai 3 enfants", null],
  ['le 32', null],
  ['13/13/2027', null],
  ['1.63.10.31.555.108.89', null],
  ['mars', null],
  ['', null],
];

const ENGLISH: readonly (readonly [string, string | null])[] = [
  ['today', '2026-11-28'],
  ['tomorrow', '2026-11-29'],
  ['the day after tomorrow', '2026-11-30'],
  ['yesterday', '2026-11-27'],
  ['the day before yesterday', '2026-11-26'],
  ['monday', '2026-11-30'],
  ['saturday', '2026-12-05'],
  ['this saturday', '2026-11-28'],
  ['next friday', '2026-12-04'],
  ['last friday', '2026-11-27'],
  ['on tuesday', '2026-12-01'],
  ['in 3 days', '2026-12-01'],
  ['in two weeks', '2026-12-12'],
  ['in a week', '2026-12-05'],
  ['in a fortnight', '2026-12-12'],
  ['in eight days', '2026-12-06'],
  ['two weeks from now', '2026-12-12'],
  ['a week today', '2026-12-05'],
  ['next week', '2026-11-30'],
  ['the 3rd of March', '2027-03-03'],
  ['March 3', '2027-03-03'],
  ['march third', '2027-03-03'],
  ['March 3rd, 2027', '2027-03-03'],
  ['3 march 2027', '2027-03-03'],
  ['march the third', '2027-03-03'],
  ['the 15th', '2026-12-15'],
  ['on the thirtieth', '2026-11-30'],
  ['the twenty first', '2026-12-21'],
  ['december twenty first', '2026-12-21'],
  ['the first of may nineteen ninety nine', '1999-05-01'],
  ['march fifteenth twenty twenty seven', '2027-03-15'],
  ['january 5th two thousand twenty seven', '2027-01-05'],
  ['june first nineteen oh five', '1905-06-01'],
  ['12/01/2027', '2027-01-12'],
  ['end of the month', '2026-11-30'],
  ['end of next month', '2026-12-31'],
  ['beginning of next month', '2026-12-01'],
  ['uh tomorrow morning', '2026-11-29'],
  ['hello', null],
  ['the 15', null],
  ['february 30th', null],
  ['I may call you', null],
  ['in the morning', null],
  ['my number is 12', null],
  ['one two three', null],
];

describe('parseDate: French (today = Saturday 2026-11-28)', () => {
  for (const [input, expected] of FRENCH) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(parseDate(input, 'fr', TODAY), expected);
    });
  }
});

describe('parseDate: English (today = Saturday 2026-11-28)', () => {
  for (const [input, expected] of ENGLISH) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(parseDate(input, 'en', TODAY), expected);
    });
  }
});

describe('parseDate: other days', () => {
  it('counts weekdays from a Monday', () => {
    const monday = new Date(2026, 10, 30);
    assert.equal(parseDate('lundi', 'fr', monday), '2026-12-07');
    assert.equal(parseDate('ce lundi', 'fr', monday), '2026-11-30');
    assert.equal(parseDate('la semaine prochaine', 'fr', monday), '2026-12-07');
    assert.equal(parseDate('last monday', 'en', monday), '2026-11-23');
    assert.equal(parseDate('wednesday', 'en', monday), '2026-12-02');
  });

  it('crosses month and year ends, and clamps month offsets', () => {
    const newYearsEve = new Date(2026, 11, 31);
    assert.equal(parseDate('demain', 'fr', newYearsEve), '2027-01-01');
    assert.equal(parseDate('le 15', 'fr', newYearsEve), '2027-01-15');
    assert.equal(parseDate('le 31', 'fr', newYearsEve), '2026-12-31');
    assert.equal(parseDate('dans un mois', 'fr', new Date(2027, 0, 31)), '2027-02-28');
    assert.equal(parseDate('in a month', 'en', new Date(2028, 0, 31)), '2028-02-29');
    assert.equal(parseDate('le 30', 'fr', new Date(2027, 1, 10)), '2027-03-30');
  });

  it('handles leap years', () => {
    const leap = new Date(2028, 1, 28);
    assert.equal(parseDate('demain', 'fr', leap), '2028-02-29');
    assert.equal(parseDate('fin du mois', 'fr', leap), '2028-02-29');
    assert.equal(parseDate('le 29 février', 'fr', new Date(2028, 2, 1)), '2032-02-29');
  });

  it('uses the local calendar day whatever the time of day, across a DST change', () => {
    // France moves to summer time in the night of 28 to 29 March 2026.
    const lateEvening = new Date(2026, 2, 28, 23, 59);
    assert.equal(parseDate('demain', 'fr', lateEvening), '2026-03-29');
    assert.equal(parseDate('dans deux jours', 'fr', lateEvening), '2026-03-30');
    assert.equal(parseDate("aujourd'hui", 'fr', new Date(2026, 9, 25, 0, 30)), '2026-10-25');
  });
});

describe('findDate', () => {
  it('returns the first date expression with its span', () => {
    const text = 'Je voudrais un rendez-vous le 3 mars 2027, ou demain.';
    const match = findDate(text, 'fr', TODAY)!;
    assert.equal(match.iso, '2027-03-03');
    assert.equal(text.slice(match.start, match.end), 'le 3 mars 2027');
    assert.deepEqual(match.date, { year: 2027, month: 3, day: 3 });
  });

  it('trusts a weekday that agrees with the date more than one that does not', () => {
    const agrees = findDate('mardi 8 décembre', 'fr', TODAY)!;
    const disagrees = findDate('mercredi 8 décembre', 'fr', TODAY)!;
    assert.equal(agrees.iso, '2026-12-08');
    assert.equal(disagrees.iso, '2026-12-08');
    assert.ok(disagrees.confidence < agrees.confidence);
  });

  it('is surer of a full date than of a lone day number', () => {
    assert.ok(
      findDate('le 15', 'fr', TODAY)!.confidence < findDate('le 15 mars 2027', 'fr', TODAY)!.confidence,
    );
  });
});
