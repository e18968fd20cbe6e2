// Digits and numbers in words, French and English, and the recorded digit prompts' ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  digitPromptId,
  sayDigit,
  sayDigits,
  sayNumber,
  spokenLanguageOf,
} from '../../../src/speech/tts/say-digits.js';

describe('say-digits', () => {
  it('names keys in French and English', () => {
    assert.equal(sayDigit('4', 'fr'), 'quatre');
    assert.equal(sayDigit('*', 'fr-FR'), 'étoile');
    assert.equal(sayDigit('#', 'fr'), 'dièse');
    assert.equal(sayDigit('0', 'en'), 'zero');
    assert.equal(sayDigit('#', 'en-GB'), 'hash');
    assert.equal(sayDigit('a', 'en'), 'A');
    assert.throws(() => sayDigit('x', 'fr'), RangeError);
  });

  it('reads key sequences one by one', () => {
    assert.equal(sayDigits('42#', 'fr'), 'quatre, deux, dièse');
    assert.equal(sayDigits('1*0', 'en'), 'one, star, zero');
    assert.equal(sayDigits('', 'en'), '');
  });

  it('maps keys to the recorded prompts of prompts/<lang>.json', () => {
    assert.equal(digitPromptId('7'), 'digit_7');
    assert.equal(digitPromptId('*'), 'digit_star');
    assert.equal(digitPromptId('#'), 'digit_hash');
    assert.throws(() => digitPromptId('A'), RangeError);
  });

  it('says French numbers with their agreement rules', () => {
    const cases: [number, string][] = [
      [0, 'zéro'],
      [1, 'un'],
      [16, 'seize'],
      [17, 'dix-sept'],
      [21, 'vingt et un'],
      [22, 'vingt-deux'],
      [61, 'soixante et un'],
      [70, 'soixante-dix'],
      [71, 'soixante et onze'],
      [79, 'soixante-dix-neuf'],
      [80, 'quatre-vingts'],
      [81, 'quatre-vingt-un'],
      [91, 'quatre-vingt-onze'],
      [99, 'quatre-vingt-dix-neuf'],
      [100, 'cent'],
      [101, 'cent un'],
      [200, 'deux cents'],
      [280, 'deux cent quatre-vingts'],
      [201, 'deux cent un'],
      [1000, 'mille'],
      [1001, 'mille un'],
      [2000, 'deux mille'],
      [80000, 'quatre-vingt mille'],
      [200000, 'deux cent mille'],
      [1_000_000, 'un million'],
      [2_500_000, 'deux millions cinq cent mille'],
      [3646, 'trois mille six cent quarante-six'],
      [1_000_000_000, 'un milliard'],
    ];
    for (const [n, words] of cases) {
      assert.equal(sayNumber(n, 'fr'), words, String(n));
    }
  });

  it('says English numbers', () => {
    const cases: [number, string][] = [
      [0, 'zero'],
      [13, 'thirteen'],
      [40, 'forty'],
      [42, 'forty-two'],
      [100, 'one hundred'],
      [115, 'one hundred fifteen'],
      [3647, 'three thousand six hundred forty-seven'],
      [1_000_001, 'one million one'],
      [2_000_000_000, 'two billion'],
    ];
    for (const [n, words] of cases) {
      assert.equal(sayNumber(n, 'en'), words, String(n));
    }
  });

  it('refuses what it cannot say', () => {
    for (const n of [-1, 1.5, 1e12, Number.NaN]) {
      assert.throws(() => sayNumber(n, 'fr'), RangeError);
    }
  });

  it('speaks French for fr-* and English otherwise', () => {
    assert.equal(spokenLanguageOf('fr-CA'), 'fr');
    assert.equal(spokenLanguageOf('de'), 'en');
  });
});
