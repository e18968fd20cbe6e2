import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenizeEntities, tokensStartWith } from '../../../../src/understanding/entities/entity-tokens.js';

describe('tokenizeEntities', () => {
  it('folds case, accents and ligatures, and splits at apostrophes, hyphens and punctuation', () => {
    const tokens = tokenizeEntities("C'est Sûr, quatre-vingt-dix… Œuvre");
    assert.deepEqual(
      tokens.map((t) => t.norm),
      ['c', 'est', 'sur', 'quatre', 'vingt', 'dix', 'oeuvre'],
    );
  });

  it('keeps offsets into the original text', () => {
    const text = "  l'après-midi 2A";
    const tokens = tokenizeEntities(text);
    assert.deepEqual(
      tokens.map((t) => text.slice(t.start, t.end)),
      ['l', 'après', 'midi', '2', 'A'],
    );
  });

  it('separates glued digits and letters and marks digit tokens', () => {
    const tokens = tokenizeEntities('15th 1er 2b');
    assert.deepEqual(
      tokens.map((t) => [t.norm, t.kind]),
      [
        ['15', 'digits'],
        ['th', 'word'],
        ['1', 'digits'],
        ['er', 'word'],
        ['2', 'digits'],
        ['b', 'word'],
      ],
    );
  });

  it('records the punctuation between tokens', () => {
    assert.deepEqual(
      tokenizeEntities('12/01 / 2027, 3').map((t) => t.gap),
      ['', '/', '/', ','],
    );
  });

  it('folds decomposed accents (NFD input) the same way', () => {
    assert.deepEqual(
      tokenizeEntities('ze\u0301ro').map((t) => t.norm),
      ['zero'],
    );
  });

  it('matches folded phrases at a position', () => {
    const tokens = tokenizeEntities("ce n'est pas ça");
    assert.equal(tokensStartWith(tokens, 0, ['ce', 'n', 'est', 'pas', 'ca']), true);
    assert.equal(tokensStartWith(tokens, 1, ['n', 'est']), true);
    assert.equal(tokensStartWith(tokens, 3, ['pas', 'ca', 'du']), false);
  });
});
