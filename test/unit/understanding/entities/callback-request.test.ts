import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asksForCallback } from '../../../../src/understanding/entities/callback-request.js';

describe('asksForCallback', () => {
  const cases: ReadonlyArray<readonly [string, 'fr' | 'en', boolean]> = [
    ["c'est pour ma carte vitale, rappelez-moi plutôt", 'fr', true],
    ["je préfère qu'on me rappelle", 'fr', true],
    ['je voudrais être rappelée demain matin', 'fr', true],
    ['ne me rappelez pas, je patiente', 'fr', false],
    ["j'ai perdu ma carte vitale", 'fr', false],
    ['can you call me back about my card', 'en', true],
    ["don't call me back, I'll hold", 'en', false],
    ['I lost my card', 'en', false],
    // A French request on the English line still counts.
    ['rappelez-moi', 'en', true],
  ];
  for (const [text, language, expected] of cases) {
    it(`${language}: "${text}" → ${expected}`, () => {
      assert.equal(asksForCallback(text, language), expected);
    });
  }
});
