// The normalizer is what makes typed phrases, recognizer output and keypad-phone callers meet the same features.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stemWord } from '../../../src/understanding/light-stemmer.js';
import { NUMBER_TOKEN, normalizeText } from '../../../src/understanding/text-normalizer.js';

describe('normalizeText', () => {
  it('lower-cases, folds accents and ligatures, drops punctuation and hyphens', () => {
    assert.equal(normalizeText('Arrêt-maladie : ÇA COÛTE !', 'fr'), 'arret maladie ca coute');
    assert.equal(normalizeText("L'œuvre", 'fr'), 'le oeuvre');
  });

  it('splits French elisions whatever the apostrophe', () => {
    assert.equal(normalizeText("J'ai perdu l'attestation", 'fr'), 'je ai perdu le attestation');
    assert.equal(normalizeText('j’ai qu’une carte', 'fr'), 'je ai que une carte');
    assert.equal(normalizeText('j ai perdu', 'fr'), 'je ai perdu');
  });

  it('expands English contractions, with or without apostrophe', () => {
    assert.equal(normalizeText("I don't have my card", 'en'), 'i do not have my card');
    assert.equal(normalizeText('i cant log in', 'en'), 'i can not log in');
    assert.equal(normalizeText("I'm off sick", 'en'), 'i am off sick');
  });

  it('replaces numbers, spoken or written, by one token', () => {
    assert.equal(normalizeText('arrêt de trois jours', 'fr'), `arret de ${NUMBER_TOKEN} jours`);
    assert.equal(normalizeText('arrêt de 3 jours', 'fr'), `arret de ${NUMBER_TOKEN} jours`);
    assert.equal(normalizeText('quatre vingt dix', 'fr'), NUMBER_TOKEN);
    assert.equal(normalizeText('twenty five days', 'en'), `${NUMBER_TOKEN} days`);
    // Articles are not numbers.
    assert.equal(normalizeText('une attestation', 'fr'), 'une attestation');
  });

  it('joins letters spelled by the recognizer into one word, but not single-letter words', () => {
    assert.equal(normalizeText('la c s s', 'fr'), 'la css');
    assert.equal(normalizeText('a m e l i', 'fr'), 'ameli');
    assert.equal(normalizeText('mes i j', 'fr'), 'mes ij');
    assert.equal(normalizeText('il y a un souci', 'fr'), 'il y a un souci');
    assert.equal(normalizeText('my g p', 'en'), 'my gp');
    assert.equal(normalizeText('i am', 'en'), 'i am');
  });
});

describe('stemWord', () => {
  it('merges inflections of one word', () => {
    for (const word of ['perdue', 'perdus', 'perdues']) {
      assert.equal(stemWord(word, 'fr'), stemWord('perdu', 'fr'));
    }
    assert.equal(stemWord('vitale', 'fr'), stemWord('vital', 'fr'));
    assert.equal(stemWord('cards', 'en'), 'card');
    assert.equal(stemWord('policies', 'en'), 'policy');
  });

  it('leaves short words and double-s words alone', () => {
    assert.equal(stemWord('mes', 'fr'), 'mes');
    assert.equal(stemWord('address', 'en'), 'address');
  });
});
