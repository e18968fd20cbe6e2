// Dynamic prompts are spoken in segments (after commas and sentence ends) so the first one can play from the TTS
// cache while the others are synthesized.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { speechSegments } from '../../../src/conversation/live/live-call-port.js';

describe('speechSegments', () => {
  it('splits a NIR read-back into its groups and the closing question', () => {
    assert.deepEqual(speechSegments("J'ai noté 1, 85, 05, 78, 006, 084, clé 91. C'est bien ça ?"), [
      "J'ai noté 1,",
      '85,',
      '05,',
      '78,',
      '006,',
      '084,',
      'clé 91.',
      "C'est bien ça ?",
    ]);
  });
  it('keeps a sentence without punctuation whole and drops empty pieces', () => {
    assert.deepEqual(speechSegments('Votre rendez-vous est le 3 mars'), ['Votre rendez-vous est le 3 mars']);
    assert.deepEqual(speechSegments('  Bonjour.   '), ['Bonjour.']);
    assert.deepEqual(speechSegments(''), []);
  });
});
