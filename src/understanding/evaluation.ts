/**
 * How good a classifier is, in the terms a flow designer acts on:
 *   - accuracy with `out_of_scope` counted as a class (an out-of-scope utterance is right when rejected);
 *   - in-scope accuracy: in-scope utterances given exactly their intent (a rejection is an error);
 *   - out-of-scope detection rate: out-of-scope utterances rejected;
 *   - false rejection rate: in-scope utterances rejected (the caller is asked to rephrase);
 *   - per-intent precision and recall, and the most confused pairs: which phrases to add.
 *
 * Pure: predictions in, report out; `evaluateClassifier` runs a classifier over labelled utterances,
 * `crossValidateClassifier` scores a flow's own phrases by k-fold cross-validation.
 */
import { stratifiedFolds, type CrossValidationOptions } from './cross-validation.js';
import { trainIntentClassifier } from './intent-classifier.js';
import type { IntentClassifier, IntentClassifierOptions } from './intent-classifier-types.js';
import type { LabelledUtterance } from './labelled-utterances.js';
import { OUT_OF_SCOPE_INTENT, subsetPhraseSet, type PhraseSet } from './phrase-set.js';

export interface Prediction {
  readonly expected: string;
  readonly predicted: string;
  readonly text: string;
}

export interface IntentMetrics {
  readonly intent: string;
  /** Utterances labelled with it. */
  readonly support: number;
  /** Of the utterances given this intent, the share that had it; null when none was given it. */
  readonly precision: number | null;
  /** Of the utterances labelled with it, the share given it; null when none was labelled with it. */
  readonly recall: number | null;
}

export interface Confusion {
  readonly expected: string;
  readonly predicted: string;
  readonly count: number;
}

export interface EvaluationReport {
  readonly samples: number;
  /** Out-of-scope counted as a class. */
  readonly accuracy: number;
  readonly inScopeSamples: number;
  /** null when there is no in-scope sample. */
  readonly inScopeAccuracy: number | null;
  readonly outOfScopeSamples: number;
  /** null when there is no out-of-scope sample. */
  readonly outOfScopeDetectionRate: number | null;
  /** null when there is no in-scope sample. */
  readonly falseRejectionRate: number | null;
  /** Sorted by intent id, `out_of_scope` last. */
  readonly perIntent: readonly IntentMetrics[];
  /** Wrong (expected, predicted) pairs, most frequent first. */
  readonly confusions: readonly Confusion[];
}

export function scorePredictions(predictions: readonly Prediction[]): EvaluationReport {
  let right = 0;
  let inScope = 0;
  let inScopeRight = 0;
  let inScopeRejected = 0;
  let outOfScope = 0;
  let rejected = 0;
  const intents = new Set<string>();
  const confusions = new Map<string, Confusion>();
  for (const { expected, predicted } of predictions) {
    intents.add(expected);
    intents.add(predicted);
    if (expected === predicted) {
      right += 1;
    } else {
      const key = `${expected}\u0000${predicted}`;
      confusions.set(key, { expected, predicted, count: (confusions.get(key)?.count ?? 0) + 1 });
    }
    if (expected === OUT_OF_SCOPE_INTENT) {
      outOfScope += 1;
      rejected += predicted === OUT_OF_SCOPE_INTENT ? 1 : 0;
    } else {
      inScope += 1;
      inScopeRight += expected === predicted ? 1 : 0;
      inScopeRejected += predicted === OUT_OF_SCOPE_INTENT ? 1 : 0;
    }
  }
  const perIntent = [...intents]
    .sort(
      (a, b) => Number(a === OUT_OF_SCOPE_INTENT) - Number(b === OUT_OF_SCOPE_INTENT) || a.localeCompare(b),
    )
    .map((intent): IntentMetrics => {
      const labelled = predictions.filter((p) => p.expected === intent);
      const given = predictions.filter((p) => p.predicted === intent);
      const hits = labelled.filter((p) => p.predicted === intent).length;
      return {
        intent,
        support: labelled.length,
        precision: given.length === 0 ? null : hits / given.length,
        recall: labelled.length === 0 ? null : hits / labelled.length,
      };
    });
  return {
    samples: predictions.length,
    accuracy: predictions.length === 0 ? 0 : right / predictions.length,
    inScopeSamples: inScope,
    inScopeAccuracy: inScope === 0 ? null : inScopeRight / inScope,
    outOfScopeSamples: outOfScope,
    outOfScopeDetectionRate: outOfScope === 0 ? null : rejected / outOfScope,
    falseRejectionRate: inScope === 0 ? null : inScopeRejected / inScope,
    perIntent,
    confusions: [...confusions.values()].sort(
      (a, b) =>
        b.count - a.count || a.expected.localeCompare(b.expected) || a.predicted.localeCompare(b.predicted),
    ),
  };
}

/** Classifies every utterance; predictions in file order. */
export async function evaluateClassifier(
  classifier: IntentClassifier,
  utterances: readonly LabelledUtterance[],
): Promise<{ report: EvaluationReport; predictions: Prediction[] }> {
  const predictions: Prediction[] = [];
  for (const { intent, text } of utterances) {
    predictions.push({ expected: intent, predicted: (await classifier.classify(text)).intent, text });
  }
  return { report: scorePredictions(predictions), predictions };
}

/**
 * k-fold cross-validation of the whole training procedure on a flow's phrases: each fold's classifier chooses its
 * own rejection threshold by an inner cross-validation on its training part, exactly as a flow load would, and
 * is scored on the held-back fold.
 */
export async function crossValidateClassifier(
  phrases: PhraseSet,
  options: IntentClassifierOptions & CrossValidationOptions = {},
): Promise<EvaluationReport> {
  const folds = options.folds ?? 5;
  const assignment = stratifiedFolds(phrases, folds, options.seed ?? 1);
  const predictions: Prediction[] = [];
  for (let fold = 0; fold < folds; fold += 1) {
    const classifier = await trainIntentClassifier(
      subsetPhraseSet(phrases, (intent, i) => assignment.get(intent)![i] !== fold),
      options,
    );
    const held = subsetPhraseSet(phrases, (intent, i) => assignment.get(intent)![i] === fold);
    for (const [expected, texts] of held.intents) {
      for (const text of texts) {
        predictions.push({ expected, predicted: (await classifier.classify(text)).intent, text });
      }
    }
  }
  return scorePredictions(predictions);
}
