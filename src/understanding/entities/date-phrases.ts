/**
 * The phrases of the date grammar (`date.ts`), per language, in the folded form of `entity-tokens.ts`: relative
 * days, month edges, offsets and their units, and the words around a weekday or a day number. Multi-word
 * phrases are listed longest first where two share a start, because matchers take the first that fits.
 */
import type { ConversationLanguage } from '../../config/config-types.js';

/** Days relative to today: "après-demain" → +2. */
export const RELATIVE_DAYS: Readonly<
  Record<ConversationLanguage, readonly (readonly [readonly string[], number])[]>
> = {
  fr: [
    [['apres', 'demain'], 2],
    [['avant', 'hier'], -2],
    [['aujourd', 'hui'], 0],
    [['aujourdhui'], 0],
    [['ce', 'matin'], 0],
    [['ce', 'soir'], 0],
    [['cet', 'apres', 'midi'], 0],
    [['demain'], 1],
    [['hier'], -1],
  ],
  en: [
    [['the', 'day', 'after', 'tomorrow'], 2],
    [['day', 'after', 'tomorrow'], 2],
    [['the', 'day', 'before', 'yesterday'], -2],
    [['day', 'before', 'yesterday'], -2],
    [['today'], 0],
    [['tonight'], 0],
    [['this', 'morning'], 0],
    [['this', 'afternoon'], 0],
    [['this', 'evening'], 0],
    [['tomorrow'], 1],
    [['tomorow'], 1],
    [['yesterday'], -1],
  ],
};

/** Which day of the month a month-edge phrase names. */
export type MonthEdge = 'end' | 'start';

/** Month-edge phrases: which edge, and how many months ahead. Longest first. */
export const MONTH_EDGES: Readonly<
  Record<ConversationLanguage, readonly (readonly [readonly string[], MonthEdge, number])[]>
> = {
  fr: [
    [['fin', 'du', 'mois', 'prochain'], 'end', 1],
    [['fin', 'du', 'mois'], 'end', 0],
    [['fin', 'de', 'mois'], 'end', 0],
    [['debut', 'du', 'mois', 'prochain'], 'start', 1],
  ],
  en: [
    [['end', 'of', 'the', 'month'], 'end', 0],
    [['end', 'of', 'next', 'month'], 'end', 1],
    [['end', 'of', 'the', 'next', 'month'], 'end', 1],
    [['end', 'of', 'month'], 'end', 0],
    [['beginning', 'of', 'next', 'month'], 'start', 1],
    [['start', 'of', 'next', 'month'], 'start', 1],
  ],
};

/** "Next week": resolved to next week's Monday. */
export const NEXT_WEEK: Readonly<Record<ConversationLanguage, readonly (readonly string[])[]>> = {
  fr: [
    ['la', 'semaine', 'prochaine'],
    ['semaine', 'prochaine'],
  ],
  en: [['next', 'week']],
};

/** Words that introduce an offset: "dans trois jours", "d'ici deux semaines", "in two weeks". */
export const OFFSET_INTRODUCERS: Readonly<Record<ConversationLanguage, readonly (readonly string[])[]>> = {
  fr: [['dans'], ['d', 'ici']],
  en: [['in'], ['within']],
};

/** Words that make an offset without an introducer: "two weeks from now", "a week today" (British). */
export const OFFSET_TRAILERS: Readonly<Record<ConversationLanguage, readonly (readonly string[])[]>> = {
  fr: [],
  en: [['from', 'now'], ['from', 'today'], ['today']],
};

/** What an offset counts; a fortnight is 14 days. */
export type OffsetUnit = 'day' | 'week' | 'fortnight' | 'month' | 'year';

/** Unit words of an offset, singular and plural. */
export const OFFSET_UNITS: Readonly<Record<ConversationLanguage, ReadonlyMap<string, OffsetUnit>>> = {
  fr: new Map<string, OffsetUnit>([
    ['jour', 'day'],
    ['jours', 'day'],
    ['semaine', 'week'],
    ['semaines', 'week'],
    ['quinzaine', 'fortnight'],
    ['mois', 'month'],
    ['an', 'year'],
    ['ans', 'year'],
    ['annee', 'year'],
    ['annees', 'year'],
  ]),
  en: new Map<string, OffsetUnit>([
    ['day', 'day'],
    ['days', 'day'],
    ['week', 'week'],
    ['weeks', 'week'],
    ['fortnight', 'fortnight'],
    ['month', 'month'],
    ['months', 'month'],
    ['year', 'year'],
    ['years', 'year'],
  ]),
};

/** Words meaning "one" before a unit: "dans un mois", "in a week". */
export const ONE_ARTICLES: Readonly<Record<ConversationLanguage, ReadonlySet<string>>> = {
  fr: new Set(['un', 'une']),
  en: new Set(['a', 'an', 'one']),
};

/**
 * How a weekday is resolved: `after` the first one strictly after today, `onOrAfter` today counts, `before` the
 * last one strictly before today.
 */
export type WeekdayMode = 'after' | 'onOrAfter' | 'before';

/** Words before a weekday that set its mode: "ce lundi", "this monday", "next friday", "last friday". */
export const WEEKDAY_BEFORE: Readonly<Record<ConversationLanguage, ReadonlyMap<string, WeekdayMode>>> = {
  fr: new Map<string, WeekdayMode>([
    ['ce', 'onOrAfter'],
    ['cette', 'onOrAfter'],
  ]),
  en: new Map<string, WeekdayMode>([
    ['this', 'onOrAfter'],
    ['next', 'after'],
    ['coming', 'after'],
    ['last', 'before'],
    ['on', 'after'],
  ]),
};

/** Words after a weekday that set its mode: "lundi prochain", "vendredi dernier", "monday next". */
export const WEEKDAY_AFTER: Readonly<
  Record<ConversationLanguage, readonly (readonly [readonly string[], WeekdayMode])[]>
> = {
  fr: [
    [['prochain'], 'after'],
    [['prochaine'], 'after'],
    [['qui', 'vient'], 'after'],
    [['dernier'], 'before'],
    [['derniere'], 'before'],
  ],
  en: [
    [['next'], 'after'],
    [['last'], 'before'],
  ],
};

/** Articles allowed before a day number: "le 3 mars", "the 3rd", "on the 3rd". */
export const DAY_ARTICLES: Readonly<Record<ConversationLanguage, readonly (readonly string[])[]>> = {
  fr: [['le']],
  en: [['on', 'the'], ['the'], ['on']],
};
