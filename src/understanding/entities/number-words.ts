/**
 * The number vocabulary of each language, as the spoken-number grammar (`spoken-number.ts`) needs it: not a value
 * per word but a role, because French builds numbers by composition ("quatre-vingt-dix-sept" = 4 × 20 + 10 + 7)
 * and the grammar must know which words may follow which. Words are in the folded form of `entity-tokens.ts`
 * (no accents: "zero", not "zéro").
 *
 * Left out on purpose: homophones a recogniser may write for a digit ("to", "for", "cette", "sans"). In a
 * sentence they are far more often the ordinary word, and the flows reprompt on a wrong length anyway.
 */
import type { ConversationLanguage } from '../../config/config-types.js';

/** What a word contributes to a number. */
export type NumberWord =
  /** "zéro", "zero", "nought": always a digit of its own. */
  | { readonly kind: 'zero' }
  /** English "oh"/"o": a zero only next to other digits ("oh six"), an interjection otherwise. */
  | { readonly kind: 'oh' }
  /** 1–9. `article` marks "un"/"une"/"one", which are usually articles or pronouns before a noun. */
  | { readonly kind: 'unit'; readonly value: number; readonly article?: true }
  /** French "dix": 10, and the only teen that "sept", "huit", "neuf" may follow (dix-sept, soixante-dix-neuf). */
  | { readonly kind: 'ten' }
  /** A teen said in one word: French onze–seize, English ten–nineteen. */
  | { readonly kind: 'teen'; readonly value: number }
  /** 20, 30 … 90, including the Belgian/Swiss septante, huitante/octante, nonante. */
  | { readonly kind: 'tens'; readonly value: number }
  | { readonly kind: 'hundred' }
  | { readonly kind: 'thousand' }
  /** French "et" (vingt et un), English "and" (a hundred and five). */
  | { readonly kind: 'and' }
  /** English "double", "triple": the next digit said two or three times. */
  | { readonly kind: 'repeat'; readonly times: number }
  /** English "a": one, before "hundred" or "thousand" only. */
  | { readonly kind: 'article' };

const unit = (value: number, article?: true): NumberWord =>
  article ? { kind: 'unit', value, article } : { kind: 'unit', value };
const teen = (value: number): NumberWord => ({ kind: 'teen', value });
const tens = (value: number): NumberWord => ({ kind: 'tens', value });

const FRENCH: ReadonlyMap<string, NumberWord> = new Map<string, NumberWord>([
  ['zero', { kind: 'zero' }],
  ['un', unit(1, true)],
  ['une', unit(1, true)],
  ['deux', unit(2)],
  ['trois', unit(3)],
  ['quatre', unit(4)],
  ['cinq', unit(5)],
  ['six', unit(6)],
  ['sept', unit(7)],
  ['huit', unit(8)],
  ['neuf', unit(9)],
  ['dix', { kind: 'ten' }],
  ['onze', teen(11)],
  ['douze', teen(12)],
  ['treize', teen(13)],
  ['quatorze', teen(14)],
  ['quinze', teen(15)],
  ['seize', teen(16)],
  ['vingt', tens(20)],
  ['vingts', tens(20)],
  ['trente', tens(30)],
  ['quarante', tens(40)],
  ['cinquante', tens(50)],
  ['soixante', tens(60)],
  ['septante', tens(70)],
  ['huitante', tens(80)],
  ['octante', tens(80)],
  ['nonante', tens(90)],
  ['cent', { kind: 'hundred' }],
  ['cents', { kind: 'hundred' }],
  ['mille', { kind: 'thousand' }],
  ['mil', { kind: 'thousand' }],
  ['et', { kind: 'and' }],
]);

const ENGLISH: ReadonlyMap<string, NumberWord> = new Map<string, NumberWord>([
  ['zero', { kind: 'zero' }],
  ['nought', { kind: 'zero' }],
  ['oh', { kind: 'oh' }],
  ['o', { kind: 'oh' }],
  ['one', unit(1, true)],
  ['two', unit(2)],
  ['three', unit(3)],
  ['four', unit(4)],
  ['five', unit(5)],
  ['six', unit(6)],
  ['seven', unit(7)],
  ['eight', unit(8)],
  ['nine', unit(9)],
  ['ten', teen(10)],
  ['eleven', teen(11)],
  ['twelve', teen(12)],
  ['thirteen', teen(13)],
  ['fourteen', teen(14)],
  ['fifteen', teen(15)],
  ['sixteen', teen(16)],
  ['seventeen', teen(17)],
  ['eighteen', teen(18)],
  ['nineteen', teen(19)],
  ['twenty', tens(20)],
  ['thirty', tens(30)],
  ['forty', tens(40)],
  ['fourty', tens(40)],
  ['fifty', tens(50)],
  ['sixty', tens(60)],
  ['seventy', tens(70)],
  ['eighty', tens(80)],
  ['ninety', tens(90)],
  ['hundred', { kind: 'hundred' }],
  ['thousand', { kind: 'thousand' }],
  ['and', { kind: 'and' }],
  ['double', { kind: 'repeat', times: 2 }],
  ['triple', { kind: 'repeat', times: 3 }],
  ['a', { kind: 'article' }],
]);

/** The number vocabulary of `lang`, keyed by folded word. */
export const NUMBER_WORDS: Readonly<Record<ConversationLanguage, ReadonlyMap<string, NumberWord>>> = {
  fr: FRENCH,
  en: ENGLISH,
};

/**
 * Words a caller puts between the groups of one number without meaning anything ("zéro six euh douze", "et la
 * clé c'est vingt-cinq", "it's four five six"): they neither end a run of digits nor make "un"/"one" an article.
 */
export const DIGIT_FILLERS: Readonly<Record<ConversationLanguage, ReadonlySet<string>>> = {
  fr: new Set([
    ...['euh', 'heu', 'hum', 'hmm', 'ben', 'bah', 'bon', 'alors', 'donc', 'puis', 'ensuite', 'et', 'voila'],
    ...['c', 'ce', 'est', 'cest', 'sont', 'le', 'la', 'les', 'l', 'mon', 'ma', 'numero'],
    ...['cle', 'clef', 'tiret', 'espace', 'point', 'merci'],
  ]),
  en: new Set([
    ...['uh', 'um', 'umm', 'er', 'erm', 'hmm', 'so', 'well', 'then', 'and', 'okay', 'ok'],
    ...['it', 's', 'its', 'is', 'my', 'number', 'the', 'key', 'dash', 'point', 'space', 'please', 'thanks'],
  ]),
};
