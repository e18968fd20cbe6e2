import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeNirKey,
  findNir,
  formatNirForReadBack,
  maskNir,
  parseNir,
  type NirParse,
} from '../../../../src/understanding/entities/nir.js';

/** Independent key computation (BigInt, INSEE rule written out) to check the implementation against. */
function referenceKey(nir: string): string {
  const corsica = nir.slice(5, 7);
  const digits = corsica === '2A' || corsica === '2B' ? `${nir.slice(0, 5)}20${nir.slice(7)}` : nir;
  let n = BigInt(digits);
  if (corsica === '2A') {
    n -= 1_000_000n;
  } else if (corsica === '2B') {
    n -= 2_000_000n;
  }
  return String(97n - (n % 97n)).padStart(2, '0');
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function randomNir(random: () => number): string {
  const pick = (n: number): number => Math.floor(random() * n);
  const department = [pad(1 + pick(95), 2), '2A', '2B', '97', '99'][pick(5)]!;
  return (
    String(1 + pick(2)) +
    pad(pick(100), 2) +
    pad(1 + pick(12), 2) +
    department +
    pad(pick(1000), 3) +
    pad(1 + pick(999), 3)
  );
}

const FRENCH_DIGITS = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];

const valid = (nir: string, key: string): NirParse => ({ nir, key, valid: true });
const invalid = (nir: string, key: string, reason: NirParse['reason']): NirParse => ({
  nir,
  key,
  valid: false,
  reason,
});

const CASES: readonly (readonly [string, 'fr' | 'en', NirParse | null])[] = [
  ['185057800608491', 'fr', valid('1850578006084', '91')],
  ['1 85 05 78 006 084 91', 'fr', valid('1850578006084', '91')],
  ['1.85.05.78.006.084.91', 'en', valid('1850578006084', '91')],
  ['1-85-05-78-006-084-91', 'en', valid('1850578006084', '91')],
  ['  1 85 05 78 006 084 / 91 ', 'fr', valid('1850578006084', '91')],
  [
    'un quatre-vingt-cinq zéro cinq soixante-dix-huit zéro zéro six zéro quatre-vingt-quatre clé quatre-vingt-onze',
    'fr',
    valid('1850578006084', '91'),
  ],
  [
    'mon numéro c’est le un quatre vingt cinq zéro cinq soixante dix huit zéro zéro six zéro quatre vingt quatre et la clé quatre vingt onze',
    'fr',
    valid('1850578006084', '91'),
  ],
  [
    'un huit cinq zéro cinq sept huit zéro zéro six zéro huit quatre neuf un',
    'fr',
    valid('1850578006084', '91'),
  ],
  [
    'one eight five oh five seven eight oh oh six oh eight four and the key is ninety one',
    'en',
    valid('1850578006084', '91'),
  ],
  [
    'one eighty five oh five seventy eight double oh six oh eighty four nine one',
    'en',
    valid('1850578006084', '91'),
  ],
  ['1 85 05 78 006 084 92', 'fr', invalid('1850578006084', '92', 'key')],
  ['1 85 05 78 006 084 00', 'fr', invalid('1850578006084', '00', 'key')],
  ['1 85 05 78 006 084', 'fr', invalid('1850578006084', '', 'length')],
  ['1 85 05 78 006 084 9', 'fr', invalid('1850578006084', '9', 'length')],
  ['1 85 05 78 006 084 911', 'fr', invalid('1850578006084', '911', 'length')],
  ['1 85 05 78', 'fr', invalid('1850578', '', 'length')],
  // Sex digit 5 and month 13 or 00 do not exist.
  [
    `5850578006084${referenceKey('5850578006084')}`,
    'fr',
    invalid('5850578006084', referenceKey('5850578006084'), 'format'),
  ],
  [
    `1851378006084${referenceKey('1851378006084')}`,
    'fr',
    invalid('1851378006084', referenceKey('1851378006084'), 'format'),
  ],
  [
    `1850078006084${referenceKey('1850078006084')}`,
    'fr',
    invalid('1850078006084', referenceKey('1850078006084'), 'format'),
  ],
  // Pseudo-months (20–42, 50–99) are used when the civil record gives no month.
  [
    `1853078006084${referenceKey('1853078006084')}`,
    'fr',
    valid('1853078006084', referenceKey('1853078006084')),
  ],
  // Corsica, typed and spoken.
  [
    `170032A004015${referenceKey('170032A004015')}`,
    'fr',
    valid('170032A004015', referenceKey('170032A004015')),
  ],
  [
    `2 64 08 2b 033 120 ${referenceKey('264082B033120')}`,
    'en',
    valid('264082B033120', referenceKey('264082B033120')),
  ],
  [
    `un soixante-dix zéro trois deux a zéro zéro quatre zéro quinze clé ${referenceKey('170032A004015')}`,
    'fr',
    valid('170032A004015', referenceKey('170032A004015')),
  ],
  [
    `deux soixante-quatre zéro huit deux b zéro trente-trois cent vingt clé ${referenceKey('264082B033120')}`,
    'fr',
    valid('264082B033120', referenceKey('264082B033120')),
  ],
  // An "a" anywhere else is a word, not a department letter.
  ['il a 1 85 05 78 006 084 91', 'fr', valid('1850578006084', '91')],
  ['bonjour', 'fr', null],
  ['', 'en', null],
];

describe('parseNir', () => {
  for (const [input, lang, expected] of CASES) {
    const outcome = expected === null ? 'null' : (expected.reason ?? 'valid');
    it(`${lang} ${JSON.stringify(input.slice(0, 60))} → ${outcome}`, () => {
      assert.deepEqual(parseNir(input, lang), expected);
    });
  }
});

describe('computeNirKey', () => {
  it('computes the example key and the Corsican keys with 19/18 for 2A/2B', () => {
    assert.equal(computeNirKey('1850578006084'), '91');
    assert.equal(computeNirKey('170032A004015'), referenceKey('170032A004015'));
    assert.equal(computeNirKey('264082b033120'), referenceKey('264082B033120'));
    assert.equal(computeNirKey('1700319004015'), String(97 - (1700319004015 % 97)).padStart(2, '0'));
  });

  it('refuses what is not 13 NIR characters', () => {
    assert.equal(computeNirKey('185057800608'), null);
    assert.equal(computeNirKey('18505780060844'), null);
    assert.equal(computeNirKey('1850A78006084'), null);
  });
});

describe('NIR key properties (seeded random NIRs)', () => {
  const random = seededRandom(0x4e1a);
  const nirs = Array.from({ length: 500 }, () => randomNir(random));

  it('matches an independent BigInt computation, and each generated NIR parses back valid', () => {
    for (const nir of nirs) {
      const key = computeNirKey(nir);
      assert.equal(key, referenceKey(nir), nir);
      assert.deepEqual(parseNir(`${nir} ${key}`, 'fr'), { nir, key, valid: true }, nir);
    }
  });

  it('parses back the same NIR read digit by digit in French words', () => {
    for (const nir of nirs.slice(0, 100)) {
      const key = computeNirKey(nir)!;
      const spoken = [...(nir + key)].map((c) =>
        c === 'A' || c === 'B' ? c.toLowerCase() : FRENCH_DIGITS[Number(c)],
      );
      assert.deepEqual(parseNir(spoken.join(' '), 'fr'), { nir, key, valid: true }, spoken.join(' '));
    }
  });

  it('detects every single-digit error (97 is prime and above 10)', () => {
    for (const nir of nirs.slice(0, 100)) {
      const key = computeNirKey(nir)!;
      const position = Math.floor(random() * 13);
      const digit = nir[position]!;
      if (!/\d/.test(digit) || (position >= 5 && position <= 6 && /[AB]/.test(nir.slice(5, 7)))) {
        continue;
      }
      const changed = nir.slice(0, position) + String((Number(digit) + 1) % 10) + nir.slice(position + 1);
      assert.notEqual(parseNir(changed + key, 'en')?.valid, true, `${changed} ${key}`);
    }
  });
});

describe('findNir', () => {
  it('finds a NIR inside a sentence that also holds other numbers, with its span', () => {
    const text = "j'ai 2 questions mon numéro est le 1 85 05 78 006 084 clé 91 merci";
    const match = findNir(text, 'fr')!;
    assert.deepEqual(match.parse, valid('1850578006084', '91'));
    assert.equal(text.slice(match.start, match.end), '1 85 05 78 006 084 clé 91');
  });

  it('ignores digit runs that cannot be a NIR', () => {
    assert.equal(findNir('zéro six douze trente-quatre', 'fr'), null);
    assert.equal(findNir('the 3rd of March', 'en'), null);
  });
});

describe('formatNirForReadBack and maskNir', () => {
  it('groups a NIR as it is read back: sex, year, month, department, commune, order, key', () => {
    assert.deepEqual(formatNirForReadBack('185057800608491'), ['1', '85', '05', '78', '006', '084', '91']);
    assert.deepEqual(formatNirForReadBack('1850578006084'), ['1', '85', '05', '78', '006', '084']);
    assert.deepEqual(formatNirForReadBack('1 70 03 2a 004 015 64'), [
      '1',
      '70',
      '03',
      '2A',
      '004',
      '015',
      '64',
    ]);
    assert.deepEqual(formatNirForReadBack('18505780060849100'), [
      '1',
      '85',
      '05',
      '78',
      '006',
      '084',
      '91',
      '00',
    ]);
    assert.deepEqual(formatNirForReadBack(''), []);
  });

  it('keeps only the sex digit in logs', () => {
    assert.equal(maskNir('185057800608491'), '1 ** ** ** *** *** **');
    assert.equal(maskNir('1850578006084'), '1 ** ** ** *** ***');
    assert.equal(maskNir('170032A00401591'), '1 ** ** ** *** *** **');
    assert.equal(maskNir('2 64'), '2 **');
  });
});
