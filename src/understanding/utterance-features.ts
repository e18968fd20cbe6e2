/**
 * Turns a normalized utterance into a sparse feature vector for the linear intent model. Three groups:
 *   - word unigrams, lightly stemmed (`light-stemmer.ts`): the topic words ("carte", "rembours", "arret");
 *   - word bigrams of the stems: what a word means next to another ("carte vital" vs "carte europeen", "mot passe");
 *   - character n-grams (3–5) inside each word, with word boundaries: they survive recognition errors and
 *     spelling variants ("vital"/"vitale", "ameli"/"amelie", "complementaire"/"complementair") and give unseen
 *     inflections ("remboursés") most of the features of seen ones.
 *
 * Weighting: sublinear tf × idf (learned from the training phrases), each group scaled to unit length and then by
 * its weight, so that the many character n-grams do not drown the few word features (group weights chosen by
 * cross-validation on the reference flow's training phrases). The length of each group is
 * computed with the features the model has never seen included: an utterance made mostly of unknown words keeps
 * small known-feature values, its logits stay near the biases and its top probability stays low, which is what
 * lets the rejection threshold catch out-of-scope requests whose words were not in the training phrases.
 */
import type { ConversationLanguage } from '../config/config-types.js';
import { stemWord } from './light-stemmer.js';
import { normalizedWords } from './text-normalizer.js';

export interface UtteranceFeatureOptions {
  /** Shortest character n-gram. @default 3 */
  readonly charNgramMin: number;
  /** Longest character n-gram. @default 5 */
  readonly charNgramMax: number;
  /** Weight of the word-unigram group. @default 1 */
  readonly wordWeight: number;
  /** Weight of the word-bigram group. @default 0.6 */
  readonly bigramWeight: number;
  /** Weight of the character n-gram group. @default 0.6 */
  readonly charWeight: number;
}

export const DEFAULT_UTTERANCE_FEATURE_OPTIONS: UtteranceFeatureOptions = Object.freeze({
  charNgramMin: 3,
  charNgramMax: 5,
  wordWeight: 1,
  bigramWeight: 0.6,
  charWeight: 0.6,
});

/** Feature → count, for each group. Keys are prefixed by group so the groups never collide. */
export type RawFeatures = readonly [
  words: Map<string, number>,
  bigrams: Map<string, number>,
  chars: Map<string, number>,
];

export interface SparseVector {
  readonly indices: Uint32Array;
  readonly values: Float64Array;
}

export function rawFeatures(
  text: string,
  language: ConversationLanguage,
  options: UtteranceFeatureOptions,
): RawFeatures {
  const words = normalizedWords(text, language);
  const stems = words.map((word) => stemWord(word, language));
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const chars = new Map<string, number>();
  for (let i = 0; i < words.length; i += 1) {
    increment(unigrams, `w ${stems[i]}`);
    if (i + 1 < stems.length) {
      increment(bigrams, `b ${stems[i]} ${stems[i + 1]}`);
    }
    const bounded = `<${words[i]}>`;
    for (let n = options.charNgramMin; n <= options.charNgramMax; n += 1) {
      for (let start = 0; start + n <= bounded.length; start += 1) {
        increment(chars, `c ${bounded.slice(start, start + n)}`);
      }
    }
  }
  return [unigrams, bigrams, chars];
}

/**
 * The vocabulary and idf of the training phrases, and the vectorizer that uses them. Built once per
 * classifier; `vectorize` is what runs per utterance.
 */
export class FeatureSpace {
  private readonly index = new Map<string, number>();
  private readonly idf: number[] = [];
  /** idf of a feature no training phrase had. */
  private readonly unseenIdf: number;
  private readonly groupWeights: readonly number[];

  constructor(trainingFeatures: readonly RawFeatures[], options: UtteranceFeatureOptions) {
    const documentFrequency = new Map<string, number>();
    for (const groups of trainingFeatures) {
      for (const group of groups) {
        for (const feature of group.keys()) {
          documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
        }
      }
    }
    const documents = trainingFeatures.length;
    // Indices in first-seen order: deterministic for given phrases, and the math does not depend on them.
    for (const [feature, frequency] of documentFrequency) {
      this.index.set(feature, this.idf.length);
      this.idf.push(Math.log((documents + 1) / (frequency + 1)) + 1);
    }
    this.unseenIdf = Math.log(documents + 1) + 1;
    this.groupWeights = [options.wordWeight, options.bigramWeight, options.charWeight];
  }

  get size(): number {
    return this.idf.length;
  }

  vectorize(groups: RawFeatures): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    groups.forEach((group, g) => {
      const first = indices.length;
      let squaredNorm = 0;
      for (const [feature, count] of group) {
        const at = this.index.get(feature);
        const weight = (1 + Math.log(count)) * (at === undefined ? this.unseenIdf : this.idf[at]!);
        squaredNorm += weight * weight;
        if (at !== undefined) {
          indices.push(at);
          values.push(weight);
        }
      }
      if (squaredNorm > 0) {
        const scale = this.groupWeights[g]! / Math.sqrt(squaredNorm);
        for (let i = first; i < values.length; i += 1) {
          values[i] = values[i]! * scale;
        }
      }
    });
    return { indices: Uint32Array.from(indices), values: Float64Array.from(values) };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
