/**
 * Stratified k-fold cross-validation on a flow's own training phrases: each phrase is classified by a model that
 * never saw it. Used to choose the rejection threshold at training time (`rejection-threshold.ts`) and to report
 * how well a flow's phrases generalise (`aiguilleur understand --eval`, the benchmark) without touching held-out
 * data.
 *
 * Folds are drawn per intent with a seeded shuffle, so every fold holds about 1/k of every intent and the same
 * seed gives the same folds.
 */
import type { IntentScorer } from './intent-classifier-types.js';
import { subsetPhraseSet, type PhraseSet } from './phrase-set.js';
import { seededRandom, shuffleInPlace } from './seeded-random.js';

export interface OutOfFoldPrediction {
  readonly expected: string;
  readonly text: string;
  /** The fold model's intents, aligned with `probabilities`. */
  readonly intents: readonly string[];
  readonly probabilities: Float64Array;
}

export interface CrossValidationOptions {
  /** @default 5 */
  readonly folds?: number;
  /** @default 1 */
  readonly seed?: number;
}

/** Fold number of each phrase: intent → fold per phrase index. */
export function stratifiedFolds(phrases: PhraseSet, folds: number, seed: number): Map<string, number[]> {
  const random = seededRandom(seed);
  const assignment = new Map<string, number[]>();
  let offset = 0;
  for (const [intent, texts] of phrases.intents) {
    const order = shuffleInPlace(
      texts.map((_, i) => i),
      random,
    );
    const fold = new Array<number>(texts.length);
    order.forEach((phraseIndex, position) => {
      // The offset rotates which fold gets an intent's remainder, so small folds do not all land on fold 0.
      fold[phraseIndex] = (position + offset) % folds;
    });
    offset += texts.length;
    assignment.set(intent, fold);
  }
  return assignment;
}

/** Trains `folds` models, each on all folds but one, and scores the held-back fold's phrases. */
export async function outOfFoldPredictions(
  phrases: PhraseSet,
  train: (subset: PhraseSet) => Promise<IntentScorer>,
  options: CrossValidationOptions = {},
): Promise<OutOfFoldPrediction[]> {
  const folds = options.folds ?? 5;
  const assignment = stratifiedFolds(phrases, folds, options.seed ?? 1);
  const predictions: OutOfFoldPrediction[] = [];
  for (let fold = 0; fold < folds; fold += 1) {
    const scorer = await train(subsetPhraseSet(phrases, (intent, i) => assignment.get(intent)![i] !== fold));
    const held = subsetPhraseSet(phrases, (intent, i) => assignment.get(intent)![i] === fold);
    for (const [expected, texts] of held.intents) {
      for (const text of texts) {
        predictions.push({
          expected,
          text,
          intents: scorer.intents,
          probabilities: await scorer.score(text),
        });
      }
    }
  }
  return predictions;
}
