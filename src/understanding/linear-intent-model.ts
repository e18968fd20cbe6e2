/**
 * The `linear` engine: utterance features (`utterance-features.ts`) into a multinomial logistic regression
 * (`softmax-regression.ts`). On the reference flow (~900 phrases a language) one training takes 0.1–0.4 s of CPU
 * and one utterance ~0.1 ms.
 *
 * Agent requests alongside a topic ("je veux parler à un conseiller pour ma carte vitale") are taught by
 * augmentation: each `agent` phrase is also trained joined to a topic phrase drawn (seeded) from another
 * intent, labelled `agent`. Without it the topic words, seen many more times, outweigh the request for a person
 * (4 of the 12 agent-plus-topic phrases of `test/unit/understanding/agent-with-topic.ts` went to their topic).
 */
import type { ConversationLanguage } from '../config/config-types.js';
import type { IntentScorer } from './intent-classifier-types.js';
import { AGENT_INTENT, OUT_OF_SCOPE_INTENT, type PhraseSet } from './phrase-set.js';
import { seededRandom } from './seeded-random.js';
import {
  DEFAULT_SOFTMAX_TRAINING_OPTIONS,
  SoftmaxRegression,
  type SoftmaxTrainingOptions,
  type TrainingExample,
} from './softmax-regression.js';
import {
  DEFAULT_UTTERANCE_FEATURE_OPTIONS,
  FeatureSpace,
  rawFeatures,
  type RawFeatures,
  type UtteranceFeatureOptions,
} from './utterance-features.js';

export interface LinearIntentModelOptions {
  readonly features: UtteranceFeatureOptions;
  readonly training: SoftmaxTrainingOptions;
  /** Agent phrases joined to topic phrases, per agent phrase (0 = none). @default 1 */
  readonly agentAugmentation: number;
}

export const DEFAULT_LINEAR_INTENT_MODEL_OPTIONS: LinearIntentModelOptions = Object.freeze({
  features: DEFAULT_UTTERANCE_FEATURE_OPTIONS,
  training: DEFAULT_SOFTMAX_TRAINING_OPTIONS,
  agentAugmentation: 1,
});

export class LinearIntentModel implements IntentScorer {
  readonly intents: readonly string[];

  private constructor(
    private readonly language: ConversationLanguage,
    private readonly space: FeatureSpace,
    private readonly regression: SoftmaxRegression,
    intents: readonly string[],
    private readonly options: LinearIntentModelOptions,
  ) {
    this.intents = intents;
  }

  /**
   * `featureCache` lets successive trainings on overlapping phrases (cross-validation folds, then the final
   * model) extract each phrase's features once; it must only be shared between trainings with the same options.
   */
  static train(
    phrases: PhraseSet,
    options: LinearIntentModelOptions = DEFAULT_LINEAR_INTENT_MODEL_OPTIONS,
    featureCache: Map<string, RawFeatures> = new Map(),
  ): LinearIntentModel {
    const intents = [...phrases.intents.keys()];
    const labelled: { text: string; label: number }[] = [];
    intents.forEach((intent, label) => {
      for (const text of phrases.intents.get(intent)!) {
        labelled.push({ text, label });
      }
    });
    labelled.push(...agentWithTopic(phrases, intents, options));
    const featureSets = labelled.map(({ text }) => {
      let features = featureCache.get(text);
      if (features === undefined) {
        features = rawFeatures(text, phrases.language, options.features);
        featureCache.set(text, features);
      }
      return features;
    });
    const space = new FeatureSpace(featureSets, options.features);
    const examples: TrainingExample[] = featureSets.map((features, i) => ({
      vector: space.vectorize(features),
      label: labelled[i]!.label,
    }));
    const regression = new SoftmaxRegression(intents.length, space.size);
    regression.train(examples, options.training);
    return new LinearIntentModel(phrases.language, space, regression, intents, options);
  }

  /** Probabilities aligned with `intents`. */
  scoreSync(text: string): Float64Array {
    return this.regression.probabilities(
      this.space.vectorize(rawFeatures(text, this.language, this.options.features)),
    );
  }

  score(text: string): Promise<Float64Array> {
    return Promise.resolve(this.scoreSync(text));
  }
}

function agentWithTopic(
  phrases: PhraseSet,
  intents: readonly string[],
  options: LinearIntentModelOptions,
): { text: string; label: number }[] {
  const agentPhrases = phrases.intents.get(AGENT_INTENT);
  const topics = intents.filter((intent) => intent !== AGENT_INTENT && intent !== OUT_OF_SCOPE_INTENT);
  if (agentPhrases === undefined || topics.length === 0 || options.agentAugmentation <= 0) {
    return [];
  }
  const label = intents.indexOf(AGENT_INTENT);
  const random = seededRandom(options.training.seed ^ 0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const augmented: { text: string; label: number }[] = [];
  for (const agentPhrase of agentPhrases) {
    for (let n = 0; n < options.agentAugmentation; n += 1) {
      const topicPhrase = pick(phrases.intents.get(pick(topics))!);
      const text = random() < 0.5 ? `${agentPhrase} ${topicPhrase}` : `${topicPhrase} ${agentPhrase}`;
      augmented.push({ text, label });
    }
  }
  return augmented;
}
