/**
 * The public interface of intent classification: what a flow's `classify` step receives, and the options a flow
 * (or the `understand` CLI) trains a classifier with.
 */
import type { ConversationLanguage } from '../config/config-types.js';

/**
 * `linear`: this project's classifier (normalized words, bigrams and character n-grams, multinomial logistic
 * regression; `linear-intent-model.ts`), the default. `nlpjs`: the nlp.js neural classifier, kept as the baseline
 * it was measured against (`intent-classifier.ts` has the figures).
 */
export type IntentEngineName = 'linear' | 'nlpjs';

export interface IntentCandidate {
  readonly intent: string;
  /** 0–1. */
  readonly confidence: number;
}

export interface IntentClassification {
  /**
   * The verdict: the intent to act on, `out_of_scope` when rejected. When the caller asks for a human, `agent`,
   * even if a topic was named too (the topic is then `runnerUp`).
   */
  readonly intent: string;
  /**
   * The model's probability for `intent`. For a rejection, 1 − the probability of the best in-scope intent
   * (how sure the classifier is that the caller did not mean it).
   */
  readonly confidence: number;
  /**
   * The next best reading, for confirmation or disambiguation ("did you mean ...?"):
   *   - in-scope verdict: the second-ranked intent (may be `out_of_scope`);
   *   - `agent`: the best topic (neither `agent` nor `out_of_scope`), so the call can go to that topic's agents;
   *     its confidence is renormalized over the topics (see `intent-decision.ts`);
   *   - rejection: the best in-scope intent.
   * null when the flow has a single intent besides `out_of_scope`.
   */
  readonly runnerUp: IntentCandidate | null;
  /** true when the verdict is `out_of_scope`: the model said so, or its best guess was below the threshold. */
  readonly outOfScope: boolean;
  /** Every trained intent's probability (they sum to 1). */
  readonly scores: Readonly<Record<string, number>>;
}

export interface IntentClassifier {
  readonly engine: IntentEngineName;
  readonly language: ConversationLanguage;
  /** Trained intent ids, `out_of_scope` included. */
  readonly intents: readonly string[];
  /** Below this top probability an utterance is rejected as `out_of_scope`. */
  readonly rejectionThreshold: number;
  /** Wall time spent training (model, plus the cross-validation that chose the threshold). */
  readonly trainingMs: number;
  /** Never rejects; an empty or unintelligible utterance is `out_of_scope`. */
  classify(text: string): Promise<IntentClassification>;
}

export interface IntentClassifierOptions {
  /** @default 'linear' */
  readonly engine?: IntentEngineName;
  /**
   * The rejection threshold, or `'cross-validate'` to choose it at training from out-of-fold predictions on the
   * training phrases (`rejection-threshold.ts`). @default 'cross-validate'
   */
  readonly rejectionThreshold?: number | 'cross-validate';
  /** Seed of every random choice in training (shuffles, folds, augmentation). @default 1 */
  readonly seed?: number;
}

/**
 * What an engine provides: a probability per trained intent, before any decision (rejection, agent rule). The
 * classifier (`intent-classifier.ts`) turns scores into an `IntentClassification` the same way for every engine.
 */
export interface IntentScorer {
  /** Trained intent ids; `score` answers in this order. */
  readonly intents: readonly string[];
  /** Probabilities, aligned with `intents`, summing to 1. */
  score(text: string): Promise<Float64Array>;
}
