/**
 * Month, weekday and ordinal-day words of each language, in the folded form of `entity-tokens.ts` ("fevrier",
 * "aout"). English abbreviations ("dec", "sept") are listed because typists use them; the date grammar only
 * takes a month word next to a day number, so "may" and "march" the verbs do not become dates.
 */
import type { ConversationLanguage } from '../../config/config-types.js';

const indexed = (words: readonly (readonly string[])[], first: number): ReadonlyMap<string, number> =>
  new Map(words.flatMap((spellings, index) => spellings.map((word) => [word, first + index] as const)));

/** Month words → 1–12. */
export const MONTH_WORDS: Readonly<Record<ConversationLanguage, ReadonlyMap<string, number>>> = {
  fr: indexed(
    [
      ['janvier'],
      ['fevrier'],
      ['mars'],
      ['avril'],
      ['mai'],
      ['juin'],
      ['juillet'],
      ['aout'],
      ['septembre'],
      ['octobre'],
      ['novembre'],
      ['decembre'],
    ],
    1,
  ),
  en: indexed(
    [
      ['january', 'jan'],
      ['february', 'feb'],
      ['march', 'mar'],
      ['april', 'apr'],
      ['may'],
      ['june', 'jun'],
      ['july', 'jul'],
      ['august', 'aug'],
      ['september', 'sep', 'sept'],
      ['october', 'oct'],
      ['november', 'nov'],
      ['december', 'dec'],
    ],
    1,
  ),
};

/** Weekday words → 0 Monday … 6 Sunday (ISO order). */
export const WEEKDAY_WORDS: Readonly<Record<ConversationLanguage, ReadonlyMap<string, number>>> = {
  fr: indexed([['lundi'], ['mardi'], ['mercredi'], ['jeudi'], ['vendredi'], ['samedi'], ['dimanche']], 0),
  en: indexed(
    [['monday'], ['tuesday'], ['wednesday'], ['thursday'], ['friday'], ['saturday'], ['sunday']],
    0,
  ),
};

/**
 * Day numbers said as ordinal words. French says days as cardinals ("le trois mars") except the first ("le
 * premier"); English mostly as ordinals ("the third", "twenty-first" = "twenty" + "first", built by the date
 * grammar from the units here).
 */
export const ORDINAL_DAY_WORDS: Readonly<Record<ConversationLanguage, ReadonlyMap<string, number>>> = {
  fr: new Map([
    ['premier', 1],
    ['premiere', 1],
  ]),
  en: new Map([
    ...indexed(
      [
        ['first'],
        ['second'],
        ['third'],
        ['fourth'],
        ['fifth'],
        ['sixth'],
        ['seventh'],
        ['eighth'],
        ['ninth'],
        ['tenth'],
        ['eleventh'],
        ['twelfth'],
        ['thirteenth'],
        ['fourteenth'],
        ['fifteenth'],
        ['sixteenth'],
        ['seventeenth'],
        ['eighteenth'],
        ['nineteenth'],
        ['twentieth'],
      ],
      1,
    ),
    ['thirtieth', 30],
  ]),
};

/** Suffixes typed after a day number ("1er", "15th"); the tokenizer splits them from the digits. */
export const ORDINAL_SUFFIXES: Readonly<Record<ConversationLanguage, ReadonlySet<string>>> = {
  fr: new Set(['er', 'ere', 'e', 'eme', 'ieme']),
  en: new Set(['st', 'nd', 'rd', 'th']),
};
