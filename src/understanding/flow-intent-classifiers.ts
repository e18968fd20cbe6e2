/**
 * The intent classifiers of one flow, one per language, trained together from the flow's phrase sets. A flow
 * loads (or hot-reloads) while calls may already ask for classification: until training has finished, `classifier`
 * throws `AIG_ERR_NLU_NOT_TRAINED` (the flow turns it into its error transition, e.g. a DTMF menu); a retrain
 * replaces all languages at once when it completes, so a call never sees French from one version and English from
 * another.
 */
import type { ConversationLanguage } from '../config/config-types.js';
import { AigError } from '../errors/aig-error.js';
import { trainIntentClassifier } from './intent-classifier.js';
import type { IntentClassifier, IntentClassifierOptions } from './intent-classifier-types.js';
import { checkPhraseSetsAgree, type PhraseSet } from './phrase-set.js';

export class FlowIntentClassifiers {
  private trained = new Map<ConversationLanguage, IntentClassifier>();

  constructor(
    /** Flow id, for error messages. */
    readonly flow: string,
    private readonly options: IntentClassifierOptions = {},
  ) {}

  /** Checks that the languages agree on intents, trains each language, then swaps them in together. */
  async train(phraseSets: readonly PhraseSet[]): Promise<void> {
    checkPhraseSetsAgree(phraseSets);
    const next = new Map<ConversationLanguage, IntentClassifier>();
    for (const phrases of phraseSets) {
      next.set(phrases.language, await trainIntentClassifier(phrases, this.options));
    }
    this.trained = next;
  }

  get languages(): ConversationLanguage[] {
    return [...this.trained.keys()];
  }

  /** Throws `AIG_ERR_NLU_NOT_TRAINED` before training or for a language the flow has no phrases in. */
  classifier(language: ConversationLanguage): IntentClassifier {
    const classifier = this.trained.get(language);
    if (classifier === undefined) {
      throw new AigError(
        'AIG_ERR_NLU_NOT_TRAINED',
        this.trained.size === 0
          ? `flow "${this.flow}" is still training`
          : `flow "${this.flow}" has no "${language}" phrases (trained: ${this.languages.join(', ')})`,
      );
    }
    return classifier;
  }
}
