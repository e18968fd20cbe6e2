/**
 * A small bigram language model built from a flow's phrases, in ARPA text format, for pocketsphinx's n-gram search.
 *
 * Why: an open question ("in a few words, why are you calling?") lists hundreds of training phrases, and callers
 * never say exactly one of them. As a JSGF alternative list the decoder must match a whole phrase, so an unseen
 * wording comes back empty (measured: half of the held-out utterances); a loop over the phrases' words is far slower
 * than real time. A bigram model of the same phrases lets any sentence made of their words and word pairs through,
 * weighted towards how callers put them together, and the intent classifier copes with the approximate transcript.
 *
 * Estimation: absolute discounting (D = 0.5) with Katz-style back-off to add-one unigrams, so every vocabulary word
 * stays reachable after any word. Probabilities are written as log10, as ARPA requires (the format of the SRILM
 * and CMU toolkits; pocketsphinx reads it with `ps_set_lm_file`).
 */

const DISCOUNT = 0.5;
const SENTENCE_START = '<s>';
const SENTENCE_END = '</s>';

export interface PhraseLanguageModel {
  /** ARPA text. */
  readonly arpa: string;
  /** Words of the model (dictionary words only), without the sentence markers. */
  readonly words: readonly string[];
}

const log10 = (p: number): string => Math.log10(p).toFixed(4);

/** `sentences`: normalized phrases as word lists (every word known to the dictionary). */
export function buildPhraseLanguageModel(sentences: readonly (readonly string[])[]): PhraseLanguageModel {
  const unigramCounts = new Map<string, number>();
  const bigramCounts = new Map<string, Map<string, number>>();
  const historyCounts = new Map<string, number>();
  let tokens = 0;
  for (const sentence of sentences) {
    if (sentence.length === 0) {
      continue;
    }
    const words = [SENTENCE_START, ...sentence, SENTENCE_END];
    for (let i = 1; i < words.length; i++) {
      const word = words[i]!;
      const history = words[i - 1]!;
      unigramCounts.set(word, (unigramCounts.get(word) ?? 0) + 1);
      tokens++;
      historyCounts.set(history, (historyCounts.get(history) ?? 0) + 1);
      let followers = bigramCounts.get(history);
      if (followers === undefined) {
        followers = new Map();
        bigramCounts.set(history, followers);
      }
      followers.set(word, (followers.get(word) ?? 0) + 1);
    }
  }
  // Unigrams over the vocabulary and </s>, add-one smoothed; <s> is only a history (ARPA convention: -99).
  const vocabulary = [...unigramCounts.keys()].sort();
  const unigram = new Map<string, number>();
  for (const word of vocabulary) {
    unigram.set(word, ((unigramCounts.get(word) ?? 0) + 1) / (tokens + vocabulary.length));
  }

  const unigramLines: string[] = [];
  const bigramLines: string[] = [];
  const backoffs = new Map<string, number>();
  for (const [history, followers] of bigramCounts) {
    const total = historyCounts.get(history)!;
    let listedMass = 0;
    let listedUnigramMass = 0;
    for (const [word, count] of followers) {
      const p = (count - DISCOUNT) / total;
      listedMass += p;
      listedUnigramMass += unigram.get(word)!;
      bigramLines.push(`${log10(p)} ${history} ${word}`);
    }
    // Katz back-off weight: the discounted mass spread over the unigrams of unseen followers.
    const weight = (1 - listedMass) / Math.max(1e-9, 1 - listedUnigramMass);
    backoffs.set(history, weight);
  }
  function backoffOf(word: string): string {
    const weight = backoffs.get(word);
    return weight === undefined ? '0.0000' : log10(weight);
  }
  unigramLines.push(`-99.0000 ${SENTENCE_START} ${backoffOf(SENTENCE_START)}`);
  for (const word of vocabulary) {
    unigramLines.push(
      word === SENTENCE_END
        ? `${log10(unigram.get(word)!)} ${word}`
        : `${log10(unigram.get(word)!)} ${word} ${backoffOf(word)}`,
    );
  }
  bigramLines.sort();
  const arpa = [
    '\\data\\',
    `ngram 1=${unigramLines.length}`,
    `ngram 2=${bigramLines.length}`,
    '',
    '\\1-grams:',
    ...unigramLines,
    '',
    '\\2-grams:',
    ...bigramLines,
    '',
    '\\end\\',
    '',
  ].join('\n');
  return { arpa, words: vocabulary.filter((w) => w !== SENTENCE_END) };
}
