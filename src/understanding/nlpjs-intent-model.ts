/**
 * The `nlpjs` engine: nlp.js's neural NLU (`@nlpjs/nlp` with its French and English stemmers), wrapped to
 * answer like the `linear` engine. Kept as the baseline the default engine is measured against
 * (`npm run bench:understanding`); select it with `engine: 'nlpjs'` or `--engine nlpjs`.
 *
 * nlp.js by default saves and loads `model.nlp` in the working directory: both are turned off, the model lives in
 * memory only. Its 'None' answer (nothing recognised) is counted as `out_of_scope`.
 */
import { LangEn } from '@nlpjs/lang-en';
import { LangFr } from '@nlpjs/lang-fr';
import { Nlp } from '@nlpjs/nlp';
import type { ConversationLanguage } from '../config/config-types.js';
import type { IntentScorer } from './intent-classifier-types.js';
import { OUT_OF_SCOPE_INTENT, type PhraseSet } from './phrase-set.js';

const LANGUAGE_PLUGINS: Readonly<Record<ConversationLanguage, unknown>> = { fr: LangFr, en: LangEn };
const NLPJS_NONE = 'None';

export class NlpjsIntentModel implements IntentScorer {
  readonly intents: readonly string[];
  private readonly outOfScopeIndex: number;

  private constructor(
    private readonly nlp: Nlp,
    private readonly language: ConversationLanguage,
    intents: readonly string[],
  ) {
    this.intents = intents;
    this.outOfScopeIndex = intents.indexOf(OUT_OF_SCOPE_INTENT);
  }

  static async train(phrases: PhraseSet): Promise<NlpjsIntentModel> {
    const nlp = new Nlp({
      languages: [phrases.language],
      autoSave: false,
      autoLoad: false,
      nlu: { log: false },
    });
    nlp.use(LANGUAGE_PLUGINS[phrases.language]);
    for (const [intent, texts] of phrases.intents) {
      for (const text of texts) {
        nlp.addDocument(phrases.language, text, intent);
      }
    }
    await nlp.train();
    return new NlpjsIntentModel(nlp, phrases.language, [...phrases.intents.keys()]);
  }

  async score(text: string): Promise<Float64Array> {
    const probabilities = new Float64Array(this.intents.length);
    const result = await this.nlp.classify(this.language, text);
    let total = 0;
    for (const { intent, score } of result.classifications) {
      const at = intent === NLPJS_NONE ? this.outOfScopeIndex : this.intents.indexOf(intent);
      if (at >= 0 && score > 0) {
        probabilities[at] = probabilities[at]! + score;
        total += score;
      }
    }
    if (total === 0) {
      probabilities[this.outOfScopeIndex] = 1;
      return probabilities;
    }
    for (let i = 0; i < probabilities.length; i += 1) {
      probabilities[i] = probabilities[i]! / total;
    }
    return probabilities;
  }
}
