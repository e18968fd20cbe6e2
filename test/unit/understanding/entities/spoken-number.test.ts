import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenizeEntities } from '../../../../src/understanding/entities/entity-tokens.js';
import {
  findDigitRuns,
  parseDtmfDigits,
  parseSpokenDigits,
  readNumberAt,
  readNumberGroups,
} from '../../../../src/understanding/entities/spoken-number.js';

const FRENCH: readonly (readonly [string, string | null])[] = [
  ['zéro six douze', '0612'],
  ['zero six douze', '0612'],
  ['Zéro Six', '06'],
  ['vingt et un', '21'],
  ['vingt-et-un', '21'],
  ['trente et une', '31'],
  ['soixante et onze', '71'],
  ['soixante-dix', '70'],
  ['soixante dix sept', '77'],
  ['quatre-vingts', '80'],
  ['quatre vingt un', '81'],
  ['quatre-vingt-dix', '90'],
  ['quatre-vingt-dix-sept', '97'],
  ['cent', '100'],
  ['deux cents', '200'],
  ['cent un', '101'],
  ['neuf cent quatre-vingt-dix-neuf', '999'],
  ['mille', '1000'],
  ['mille deux cent', '1200'],
  ['deux mille vingt-six', '2026'],
  ['neuf mille neuf cent quatre-vingt-dix-neuf', '9999'],
  ['dix-neuf cent quatre-vingt-cinq', '1985'],
  ['septante-trois', '73'],
  ['septante et un', '71'],
  ['huitante', '80'],
  ['octante-huit', '88'],
  ['nonante-deux', '92'],
  ['1 85 05', '18505'],
  ['06 douze', '0612'],
  ["euh alors c'est le zéro six", '06'],
  ['trente quatre quatre-vingt-onze', '3491'],
  ['un deux trois', '123'],
  ['dix onze', '1011'],
  ['seize dix-sept', '1617'],
  ['quatre trente', '430'],
  // "cent" multiplies 1–19 only: pairs read out are far more common than "soixante-neuf cents".
  ['soixante-neuf cent vingt-trois', '69123'],
  // Greedy: "vingt-quatre" then "vingt", not "vingt" then "quatre-vingts".
  ['vingt quatre vingt', '2420'],
  ['un quatre-vingt-cinq', '185'],
  ['bonjour', null],
  ['un instant', null],
  ["c'est pour une attestation", null],
  ['', null],
  ['et', null],
];

const ENGLISH: readonly (readonly [string, string | null])[] = [
  ['one two three', '123'],
  ['oh six', '06'],
  ['o six', '06'],
  ['double five', '55'],
  ['double 5', '55'],
  ['triple seven', '777'],
  ['double oh seven', '007'],
  ['twenty one', '21'],
  ['twenty-one', '21'],
  ['a hundred and five', '105'],
  ['one hundred', '100'],
  ['three hundred and forty five', '345'],
  ['nineteen eighty five', '1985'],
  ['twenty twenty six', '2026'],
  ['two thousand twenty six', '2026'],
  ['two thousand and twenty six', '2026'],
  ['nine thousand nine hundred ninety nine', '9999'],
  ['nineteen hundred', '1900'],
  ['twelve hundred', '1200'],
  ['ninety nine', '99'],
  ['eleven', '11'],
  ['ten', '10'],
  ['one oh one', '101'],
  ["it's four five six", '456'],
  ['my number is 06 12 34', '061234'],
  ['zero six twelve', '0612'],
  ['fourty two', '42'],
  ['oh really', null],
  ['one moment please', null],
  ['wait a second', null],
  ['hello', null],
  ['double trouble', null],
  ['and', null],
];

describe('parseSpokenDigits: French', () => {
  for (const [input, expected] of FRENCH) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(parseSpokenDigits(input, 'fr'), expected);
    });
  }
});

describe('parseSpokenDigits: English', () => {
  for (const [input, expected] of ENGLISH) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(parseSpokenDigits(input, 'en'), expected);
    });
  }
});

describe('number groups and runs', () => {
  it('splits an utterance into groups with their spans', () => {
    const text = 'zéro six soixante et onze';
    const groups = readNumberGroups(tokenizeEntities(text), 'fr');
    assert.deepEqual(
      groups.map((g) => [g.digits, text.slice(g.start, g.end), g.spelled]),
      [
        ['0', 'zéro', true],
        ['6', 'six', true],
        ['71', 'soixante et onze', true],
      ],
    );
  });

  it('reads one group at a given token, or nothing when the token starts none', () => {
    const tokens = tokenizeEntities('dans vingt et un jours');
    assert.equal(readNumberAt(tokens, 0, 'fr'), undefined);
    assert.equal(readNumberAt(tokens, 1, 'fr')?.value, 21);
    assert.equal(readNumberAt(tokens, 1, 'fr')?.endToken, 4);
  });

  it('keeps typed digits as typed and marks them unspelled', () => {
    const [group] = readNumberGroups(tokenizeEntities('007'), 'en');
    assert.equal(group?.digits, '007');
    assert.equal(group?.value, 7);
    assert.equal(group?.spelled, false);
  });

  it('joins groups separated by fillers into one run and splits at other words', () => {
    const runs = findDigitRuns('zéro six euh douze et ma date de naissance le trois', 'fr');
    assert.deepEqual(
      runs.map((r) => r.digits),
      ['0612', '3'],
    );
    const [key] = findDigitRuns('and the key is twenty five', 'en');
    assert.equal(key?.digits, '25');
  });
});

describe('parseDtmfDigits', () => {
  const CASES: readonly (readonly [string, string | null])[] = [
    ['123', '123'],
    ['123#', '123'],
    ['185057800608491#999', '185057800608491'],
    ['12*34', '34'],
    ['12*', null],
    ['#', null],
    ['*', null],
    ['', null],
    ['1A2', '12'],
    ['0', '0'],
  ];
  for (const [keys, expected] of CASES) {
    it(`${JSON.stringify(keys)} → ${expected}`, () => {
      assert.equal(parseDtmfDigits(keys), expected);
    });
  }
});
