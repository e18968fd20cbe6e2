/**
 * The little of nlp.js (CommonJS, untyped) that `nlpjs-intent-model.ts` uses, typed by hand from its v4 sources
 * (`@nlpjs/nlp/src/nlp.js`, `@nlpjs/nlu/src/nlu.js`).
 */
declare module '@nlpjs/nlp' {
  export interface NlpSettings {
    languages: string[];
    /** nlp.js would otherwise read and write `model.nlp` in the working directory. */
    autoSave: boolean;
    autoLoad: boolean;
    /** Below it, `process` answers 'None'; `classify` ignores it. */
    threshold?: number;
    nlu?: { log?: boolean };
  }

  export interface NlpClassification {
    intent: string;
    score: number;
  }

  export interface NlpClassifyResult {
    classifications: NlpClassification[];
    intent: string;
    score: number;
  }

  export class Nlp {
    constructor(settings: NlpSettings);
    use(plugin: unknown): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    /** The NLU alone (no NER, sentiment or answers). */
    classify(locale: string, utterance: string): Promise<NlpClassifyResult>;
  }
}

declare module '@nlpjs/lang-fr' {
  export const LangFr: unknown;
}

declare module '@nlpjs/lang-en' {
  export const LangEn: unknown;
}
