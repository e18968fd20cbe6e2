import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildJsgfGrammar,
  normalizePhrase,
} from '../../../../src/speech/recognition/pocketsphinx/jsgf-grammar.js';

const vocabulary = new Set([
  'pay',
  'my',
  'bill',
  'yes',
  'no',
  "don't",
  'know',
  'check',
  'in',
  'speak',
  'to',
  'an',
  'agent',
]);

describe('normalizePhrase', () => {
  it('lower-cases, straightens apostrophes and removes punctuation and JSGF operators', () => {
    assert.equal(normalizePhrase('  Pay MY bill, please!  '), 'pay my bill please');
    assert.equal(normalizePhrase('I don’t know'), "i don't know");
    assert.equal(normalizePhrase('a|b <c> (d) [e] {f} /g/ h*+;='), 'a b c d e f g h');
    assert.equal(normalizePhrase("'quoted' -dash- check-in"), 'quoted dash check-in');
  });
});

describe('buildJsgfGrammar', () => {
  it('builds one public rule with each phrase once', () => {
    const grammar = buildJsgfGrammar(['Pay my bill', 'yes', 'YES!', 'no'], vocabulary);
    assert.deepEqual(grammar.phrases, ['pay my bill', 'yes', 'no']);
    assert.equal(
      grammar.source,
      '#JSGF V1.0;\ngrammar aiguilleur;\npublic <utterance> = (pay my bill)\n  | (yes)\n  | (no);\n',
    );
    assert.deepEqual(grammar.unknownWords, []);
    assert.deepEqual(grammar.droppedPhrases, []);
  });

  it('drops unknown words from their phrase by default, and phrases left empty', () => {
    const grammar = buildJsgfGrammar(['pay my bill online', 'zorglub', "I don't know"], vocabulary);
    assert.deepEqual(grammar.phrases, ['pay my bill', "don't know"]);
    assert.deepEqual(grammar.unknownWords, ['i', 'online', 'zorglub']);
    assert.deepEqual(grammar.droppedPhrases, ['zorglub']);
  });

  it('drops whole phrases with an unknown word under drop-phrase', () => {
    const grammar = buildJsgfGrammar(['pay my bill online', 'speak to an agent'], vocabulary, 'drop-phrase');
    assert.deepEqual(grammar.phrases, ['speak to an agent']);
    assert.deepEqual(grammar.droppedPhrases, ['pay my bill online']);
  });

  it('splits a hyphenated word that is unknown as a whole when its parts are known', () => {
    assert.deepEqual(buildJsgfGrammar(['check-in'], vocabulary).phrases, ['check in']);
    assert.deepEqual(buildJsgfGrammar(['check-out'], vocabulary).unknownWords, ['check-out']);
  });

  it('has no source when no phrase is left', () => {
    const grammar = buildJsgfGrammar(['zorglub', '', '!!!'], vocabulary);
    assert.equal(grammar.source, null);
    assert.deepEqual(grammar.phrases, []);
  });
});
