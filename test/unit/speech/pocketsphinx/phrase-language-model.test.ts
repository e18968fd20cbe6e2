// The bigram model of an open question's phrases: valid ARPA (counts match, every word reachable), probabilities
// that sum to one after each history (back-off included), seen pairs favoured over unseen ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPhraseLanguageModel } from '../../../../src/speech/recognition/pocketsphinx/phrase-language-model.js';

interface Parsed {
  unigrams: Map<string, { logp: number; bow: number }>;
  bigrams: Map<string, number>;
  header: Map<number, number>;
}

function parseArpa(text: string): Parsed {
  const unigrams = new Map<string, { logp: number; bow: number }>();
  const bigrams = new Map<string, number>();
  const header = new Map<number, number>();
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('ngram ')) {
      const [n, count] = line.slice(6).split('=').map(Number);
      header.set(n!, count!);
    } else if (line.startsWith('\\')) {
      section = line;
    } else if (line.trim() !== '') {
      const fields = line.split(' ');
      if (section === '\\1-grams:') {
        unigrams.set(fields[1]!, { logp: Number(fields[0]), bow: Number(fields[2] ?? 0) });
      } else if (section === '\\2-grams:') {
        bigrams.set(`${fields[1]} ${fields[2]}`, Number(fields[0]));
      }
    }
  }
  return { unigrams, bigrams, header };
}

/** P(word | history) as a back-off reader (pocketsphinx) computes it. */
function probability(model: Parsed, history: string, word: string): number {
  const listed = model.bigrams.get(`${history} ${word}`);
  if (listed !== undefined) {
    return 10 ** listed;
  }
  return 10 ** (model.unigrams.get(history)!.bow + model.unigrams.get(word)!.logp);
}

const PHRASES = [
  'i lost my health card',
  'my health card is broken',
  'i need a certificate',
  'i want to change my address',
  'my sick leave is not paid',
].map((p) => p.split(' '));

describe('buildPhraseLanguageModel', () => {
  const model = buildPhraseLanguageModel(PHRASES);
  const parsed = parseArpa(model.arpa);

  it('writes ARPA whose header counts match its sections, with the sentence markers', () => {
    assert.match(model.arpa, /^\\data\\\n/);
    assert.match(model.arpa, /\\end\\\n$/);
    assert.equal(parsed.header.get(1), parsed.unigrams.size);
    assert.equal(parsed.header.get(2), parsed.bigrams.size);
    assert.ok(parsed.unigrams.has('<s>') && parsed.unigrams.has('</s>'));
    assert.equal(parsed.unigrams.get('<s>')!.logp, -99);
    assert.deepEqual([...model.words].sort(), [...new Set(PHRASES.flat())].sort());
  });

  it('gives a proper distribution after every history (listed pairs plus back-off mass sum to 1)', () => {
    const targets = [...parsed.unigrams.keys()].filter((w) => w !== '<s>');
    for (const history of [...parsed.unigrams.keys()].filter((w) => w !== '</s>')) {
      const sum = targets.reduce((acc, word) => acc + probability(parsed, history, word), 0);
      assert.ok(Math.abs(sum - 1) < 1e-3, `after "${history}" probabilities sum to ${sum}`);
    }
  });

  it('favours word pairs callers used, yet keeps every word reachable after any word', () => {
    assert.ok(probability(parsed, 'health', 'card') > probability(parsed, 'health', 'address'));
    assert.ok(probability(parsed, 'my', 'health') > probability(parsed, 'my', 'need'));
    for (const word of model.words) {
      assert.ok(probability(parsed, 'broken', word) > 0);
    }
  });

  it('skips empty phrases', () => {
    const empty = buildPhraseLanguageModel([[], ['yes']]);
    assert.deepEqual(empty.words, ['yes']);
  });
});
