/**
 * Calendar dates as callers say them on the phone: relative days ("après-demain", "the day after tomorrow"),
 * weekdays ("lundi prochain", "next friday"), offsets ("dans deux semaines", "in 3 days"), day and month with or
 * without a year ("le premier avril", "the 3rd of March", "march third twenty twenty seven"), a day alone ("le
 * 15", "the 15th"), numeric dates ("12/01/2027") and month ends ("fin du mois"). Numbers in words go through the
 * spoken-number grammar. The first date expression of the text wins.
 *
 * Resolution rules, relative to `today` (the caller's calendar day):
 *   - no year: the next occurrence, today included ("le 28" said on the 28th is today; "le 3 mars" in November is
 *     next year's; "29 février" waits for a leap year); a date that never exists ("31 avril") gives null;
 *   - a weekday alone, "next"/"prochain", "coming"/"qui vient": the first one strictly after today; "this"/"ce":
 *     today counts; "last"/"dernier": the last one strictly before today; "lundi en huit": a week after next
 *     Monday;
 *   - "la semaine prochaine", "next week": next week's Monday;
 *   - "dans N jours/semaines/mois/ans", "in N days/weeks/months/years", "N weeks from now": calendar
 *     arithmetic (a month after 31 January is the end of February); the French idioms "dans huit jours" and
 *     "dans quinze jours" mean one and two weeks (+7, +14), as every French speaker hears them;
 *   - "fin du mois", "end of the month": the last day of this month (of next month with "prochain"/"next"),
 *     "début du mois prochain", "beginning of next month": its first day;
 *   - numeric dates are day/month[/year] in both languages: the callers are in France, and "12/01" read as
 *     December 1st by an English speaker is the rarer mistake. Two-digit years are 20xx.
 *
 * Not handled: times of day, ranges ("du 3 au 5"), past-biased readings of bare weekdays ("depuis lundi" gives
 * next Monday, not last), years without a day.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { MONTH_WORDS, ORDINAL_DAY_WORDS, ORDINAL_SUFFIXES, WEEKDAY_WORDS } from './calendar-words.js';
import {
  RELATIVE_DAYS,
  MONTH_EDGES,
  NEXT_WEEK,
  OFFSET_INTRODUCERS,
  OFFSET_TRAILERS,
  OFFSET_UNITS,
  ONE_ARTICLES,
  WEEKDAY_BEFORE,
  WEEKDAY_AFTER,
  DAY_ARTICLES,
  type WeekdayMode,
} from './date-phrases.js';
import { tokenizeEntities, tokensStartWith, type EntityToken } from './entity-tokens.js';
import {
  addDays,
  addMonths,
  compareLocalDates,
  daysInMonth,
  isValidLocalDate,
  localDateOf,
  toIsoDate,
  weekdayOf,
  type LocalDate,
} from './local-date.js';
import { NUMBER_WORDS } from './number-words.js';
import { readNumberAt, type NumberGroup } from './spoken-number.js';

/** A date found in a text. */
export interface DateMatch {
  /** `YYYY-MM-DD`. */
  readonly iso: string;
  readonly date: LocalDate;
  /** Character span of the expression in the original text. */
  readonly start: number;
  readonly end: number;
  /** 0–1: how sure the reading is (a lone "le 15" is less sure than "le 15 mars 2027"). */
  readonly confidence: number;
}

interface DateContext {
  readonly tokens: readonly EntityToken[];
  readonly lang: ConversationLanguage;
  readonly today: LocalDate;
  /** `readNumberAt` per token index, memoised: every matcher asks at every position. */
  readonly numbers: (NumberGroup | null | undefined)[];
}

/**
 * A matcher's answer at one token position: undefined when the expression is not there, `date: null` when it is
 * there but names no day ("le 31 avril"), which ends the search.
 */
interface Reading {
  readonly date: LocalDate | null;
  /** Index just past the last token used. */
  readonly end: number;
  readonly confidence: number;
}

const DATE_SEPARATORS: ReadonlySet<string> = new Set(['/', '.', '-']);

const CONFIDENCE = {
  relative: 0.95,
  fullDate: 0.95,
  dayMonth: 0.9,
  numeric: 0.9,
  weekday: 0.9,
  offset: 0.9,
  monthEdge: 0.85,
  dayOnly: 0.8,
  /** The weekday said does not fall on the date said ("mardi 9 décembre" when the 9th is a Wednesday). */
  weekdayMismatch: 0.6,
} as const;

/** The number group starting at `index`, if any. */
function numberAt(ctx: DateContext, index: number): NumberGroup | undefined {
  let group = ctx.numbers[index];
  if (group === undefined) {
    group = readNumberAt(ctx.tokens, index, ctx.lang) ?? null;
    ctx.numbers[index] = group;
  }
  return group ?? undefined;
}

function norm(ctx: DateContext, index: number): string | undefined {
  return ctx.tokens[index]?.norm;
}

/** Index after the first of `phrases` found at `index`, or `index` when none is there. */
function skipOptional(ctx: DateContext, index: number, phrases: readonly (readonly string[])[]): number {
  for (const phrase of phrases) {
    if (tokensStartWith(ctx.tokens, index, phrase)) {
      return index + phrase.length;
    }
  }
  return index;
}

/** The next day on or after today that has this month and day; null when it never exists. */
function nextDayMonth(today: LocalDate, month: number, day: number): LocalDate | null {
  // Eight years always contain a leap year, for "29 février".
  for (let year = today.year; year <= today.year + 8; year++) {
    if (isValidLocalDate(year, month, day)) {
      const candidate = { year, month, day };
      if (compareLocalDates(candidate, today) >= 0) {
        return candidate;
      }
    }
  }
  return null;
}

/** The next day on or after today numbered `day` in its month. */
function nextDayOfMonth(today: LocalDate, day: number): LocalDate | null {
  for (let ahead = 0; ahead <= 12; ahead++) {
    const month = addMonths({ year: today.year, month: today.month, day: 1 }, ahead);
    if (day <= daysInMonth(month.year, month.month) && (ahead > 0 || day >= today.day)) {
      return { year: month.year, month: month.month, day };
    }
  }
  return null;
}

/** A day number at `index`: "15", "1er", "15th", "quinze", "premier", "third", "twenty first". */
function readDay(
  ctx: DateContext,
  index: number,
): { day: number; end: number; ordinal: boolean } | undefined {
  const token = ctx.tokens[index];
  if (token === undefined) {
    return undefined;
  }
  if (token.kind === 'digits') {
    const day = Number(token.norm);
    if (token.norm.length > 2 || day < 1 || day > 31) {
      return undefined;
    }
    const suffix = ctx.tokens[index + 1];
    if (suffix !== undefined && suffix.start === token.end && ORDINAL_SUFFIXES[ctx.lang].has(suffix.norm)) {
      return { day, end: index + 2, ordinal: true };
    }
    return { day, end: index + 1, ordinal: false };
  }
  const ordinal = ORDINAL_DAY_WORDS[ctx.lang].get(token.norm);
  if (ordinal !== undefined) {
    return { day: ordinal, end: index + 1, ordinal: true };
  }
  const tens = NUMBER_WORDS[ctx.lang].get(token.norm);
  if (tens?.kind === 'tens' && (tens.value === 20 || tens.value === 30)) {
    const unit = ORDINAL_DAY_WORDS[ctx.lang].get(norm(ctx, index + 1) ?? '');
    if (unit !== undefined && unit <= 9 && tens.value + unit <= 31) {
      return { day: tens.value + unit, end: index + 2, ordinal: true };
    }
  }
  const group = numberAt(ctx, index);
  if (group !== undefined && group.spelled && group.value >= 1 && group.value <= 31) {
    return { day: group.value, end: group.endToken, ordinal: false };
  }
  return undefined;
}

/** A year at `index`: "2027", "deux mille vingt-sept", "twenty twenty seven", "nineteen oh five". */
function readYear(ctx: DateContext, index: number): { year: number; end: number } | undefined {
  const first = numberAt(ctx, index);
  if (first === undefined) {
    return undefined;
  }
  const inRange = (year: number): boolean => year >= 1900 && year <= 2100;
  if ((first.digits.length === 4 || first.spelled) && inRange(first.value)) {
    return { year: first.value, end: first.endToken };
  }
  if (!first.spelled || (first.value !== 19 && first.value !== 20)) {
    return undefined;
  }
  // Year said in pairs: "twenty twenty-seven", "nineteen eighty five", "twenty oh five".
  const second = numberAt(ctx, first.endToken);
  if (second === undefined || !second.spelled) {
    return undefined;
  }
  if (second.value >= 10 && second.value <= 99) {
    return { year: first.value * 100 + second.value, end: second.endToken };
  }
  if (second.digits === '0') {
    const unit = numberAt(ctx, second.endToken);
    if (unit !== undefined && unit.spelled && unit.value >= 1 && unit.value <= 9) {
      return { year: first.value * 100 + unit.value, end: unit.endToken };
    }
  }
  return undefined;
}

/** The date of a day, month and optional year; `date: null` when that day does not exist. */
function dayMonthReading(ctx: DateContext, day: number, month: number, index: number): Reading {
  const year = readYear(ctx, index);
  if (year !== undefined) {
    return {
      date: isValidLocalDate(year.year, month, day) ? { year: year.year, month, day } : null,
      end: year.end,
      confidence: CONFIDENCE.fullDate,
    };
  }
  return { date: nextDayMonth(ctx.today, month, day), end: index, confidence: CONFIDENCE.dayMonth };
}

/** "le 3 mars 2027", "premier avril", "the 3rd of March", "3 march", "March 3rd, 2027", "march the third". */
function matchDayMonth(ctx: DateContext, index: number): Reading | undefined {
  const months = MONTH_WORDS[ctx.lang];
  const at = skipOptional(ctx, index, DAY_ARTICLES[ctx.lang]);
  const day = readDay(ctx, at);
  if (day !== undefined) {
    const monthAt = ctx.lang === 'en' ? skipOptional(ctx, day.end, [['of']]) : day.end;
    const month = months.get(norm(ctx, monthAt) ?? '');
    if (month !== undefined) {
      return dayMonthReading(ctx, day.day, month, monthAt + 1);
    }
  }
  if (ctx.lang === 'en') {
    const month = months.get(norm(ctx, index) ?? '');
    if (month !== undefined) {
      const monthDay = readDay(ctx, skipOptional(ctx, index + 1, [['the']]));
      if (monthDay !== undefined) {
        return dayMonthReading(ctx, monthDay.day, month, monthDay.end);
      }
    }
  }
  return undefined;
}

/** "le 15", "le premier", "the 15th", "on the thirtieth": the next such day of a month. */
function matchDayOnly(ctx: DateContext, index: number, articleRequired: boolean): Reading | undefined {
  const at = skipOptional(ctx, index, DAY_ARTICLES[ctx.lang]);
  if (at === index && articleRequired) {
    return undefined;
  }
  const day = readDay(ctx, at);
  // English says "the 15th"; a bare "the 15" is more often a count than a date.
  if (day === undefined || (ctx.lang === 'en' && !day.ordinal)) {
    return undefined;
  }
  const next = skipOptional(ctx, day.end, [['of'], ['de']]);
  if (MONTH_WORDS[ctx.lang].has(norm(ctx, next) ?? '')) {
    return undefined;
  }
  return { date: nextDayOfMonth(ctx.today, day.day), end: day.end, confidence: CONFIDENCE.dayOnly };
}

/** "12/01/2027", "12.01.27", "12/01" — day first (see the file header). */
function matchNumericDate(ctx: DateContext, index: number): Reading | undefined {
  const { tokens } = ctx;
  const isPart = (i: number, maxLength: number, separator?: string): boolean => {
    const token = tokens[i];
    return (
      token !== undefined &&
      token.kind === 'digits' &&
      token.norm.length <= maxLength &&
      (separator === undefined || token.gap === separator)
    );
  };
  const first = tokens[index];
  const second = tokens[index + 1];
  if (
    !isPart(index, 2) ||
    second === undefined ||
    !DATE_SEPARATORS.has(second.gap) ||
    !isPart(index + 1, 2)
  ) {
    return undefined;
  }
  const separator = second.gap;
  // Part of a longer dotted or dashed number (a NIR typed "1.63.10.31…", a phone number "06-12-34-56").
  if (first!.gap === separator && isPart(index - 1, 99)) {
    return undefined;
  }
  let end = index + 2;
  let year: number | undefined;
  const third = tokens[index + 2];
  if (
    third !== undefined &&
    isPart(index + 2, 4, separator) &&
    third.norm.length !== 3 &&
    third.norm.length !== 1
  ) {
    year = third.norm.length === 2 ? 2000 + Number(third.norm) : Number(third.norm);
    end = index + 3;
  }
  if (tokens[end]?.gap === separator && isPart(end, 99)) {
    return undefined;
  }
  const day = Number(first!.norm);
  const month = Number(second.norm);
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    return undefined;
  }
  if (year === undefined) {
    return { date: nextDayMonth(ctx.today, month, day), end, confidence: CONFIDENCE.numeric };
  }
  return {
    date: isValidLocalDate(year, month, day) ? { year, month, day } : null,
    end,
    confidence: CONFIDENCE.numeric,
  };
}

function matchRelativeDay(ctx: DateContext, index: number): Reading | undefined {
  for (const [phrase, days] of RELATIVE_DAYS[ctx.lang]) {
    if (tokensStartWith(ctx.tokens, index, phrase)) {
      return { date: addDays(ctx.today, days), end: index + phrase.length, confidence: CONFIDENCE.relative };
    }
  }
  return undefined;
}

/** The Monday after today (a week later when today is a Monday). */
function nextMonday(today: LocalDate): LocalDate {
  return addDays(today, 7 - weekdayOf(today));
}

function matchNextWeek(ctx: DateContext, index: number): Reading | undefined {
  const end = skipOptional(ctx, index, NEXT_WEEK[ctx.lang]);
  return end === index ? undefined : { date: nextMonday(ctx.today), end, confidence: CONFIDENCE.weekday };
}

function matchMonthEdge(ctx: DateContext, index: number): Reading | undefined {
  for (const [phrase, edge, monthsAhead] of MONTH_EDGES[ctx.lang]) {
    if (tokensStartWith(ctx.tokens, index, phrase)) {
      const month = addMonths({ year: ctx.today.year, month: ctx.today.month, day: 1 }, monthsAhead);
      const day = edge === 'start' ? 1 : daysInMonth(month.year, month.month);
      return { date: { ...month, day }, end: index + phrase.length, confidence: CONFIDENCE.monthEdge };
    }
  }
  return undefined;
}

/**
 * "dans trois jours", "dans une semaine", "d'ici quinze jours", "in 3 days", "in a month", and in English also
 * "two weeks from now", "a week today".
 */
function matchOffset(ctx: DateContext, index: number): Reading | undefined {
  const at = skipOptional(ctx, index, OFFSET_INTRODUCERS[ctx.lang]);
  let count: number;
  let unitAt: number;
  const group = numberAt(ctx, at);
  if (group !== undefined) {
    count = group.value;
    unitAt = group.endToken;
  } else if (ONE_ARTICLES[ctx.lang].has(norm(ctx, at) ?? '')) {
    count = 1;
    unitAt = at + 1;
  } else {
    return undefined;
  }
  const unit = OFFSET_UNITS[ctx.lang].get(norm(ctx, unitAt) ?? '');
  if (unit === undefined || count > 3660) {
    return undefined;
  }
  let end = unitAt + 1;
  if (at === index) {
    // No "dans"/"in" before: only an English trailer ("from now") makes it an offset.
    end = skipOptional(ctx, end, OFFSET_TRAILERS[ctx.lang]);
    if (end === unitAt + 1) {
      return undefined;
    }
  }
  let date: LocalDate;
  switch (unit) {
    case 'day':
      // "dans huit jours" is a week, "dans quinze jours" a fortnight.
      date = addDays(ctx.today, ctx.lang === 'fr' && (count === 8 || count === 15) ? count - 1 : count);
      break;
    case 'week':
      date = addDays(ctx.today, 7 * count);
      break;
    case 'fortnight':
      date = addDays(ctx.today, 14 * count);
      break;
    case 'month':
      date = addMonths(ctx.today, count);
      break;
    case 'year':
      date = addMonths(ctx.today, 12 * count);
      break;
  }
  return { date, end, confidence: CONFIDENCE.offset };
}

function weekdayDate(today: LocalDate, weekday: number, mode: WeekdayMode): LocalDate {
  const ahead = (weekday - weekdayOf(today) + 7) % 7;
  switch (mode) {
    case 'onOrAfter':
      return addDays(today, ahead);
    case 'after':
      return addDays(today, ahead === 0 ? 7 : ahead);
    case 'before': {
      const back = (weekdayOf(today) - weekday + 7) % 7;
      return addDays(today, -(back === 0 ? 7 : back));
    }
  }
}

/** "lundi", "ce lundi", "lundi prochain", "lundi en huit", "next friday", "on tuesday the 8th of december". */
function matchWeekday(ctx: DateContext, index: number): Reading | undefined {
  let at = skipOptional(ctx, index, ctx.lang === 'fr' ? [['le']] : []);
  let mode: WeekdayMode = 'after';
  const before = WEEKDAY_BEFORE[ctx.lang].get(norm(ctx, at) ?? '');
  if (before !== undefined && WEEKDAY_WORDS[ctx.lang].has(norm(ctx, at + 1) ?? '')) {
    mode = before;
    at++;
  }
  const weekday = WEEKDAY_WORDS[ctx.lang].get(norm(ctx, at) ?? '');
  if (weekday === undefined) {
    return undefined;
  }
  at++;
  // A weekday followed by a date: the date decides, the weekday only vouches for it.
  const dated = matchDayMonth(ctx, at) ?? matchDayOnly(ctx, at, false);
  if (dated !== undefined) {
    const agrees = dated.date !== null && weekdayOf(dated.date) === weekday;
    return { ...dated, confidence: agrees ? dated.confidence : CONFIDENCE.weekdayMismatch };
  }
  if (ctx.lang === 'fr' && tokensStartWith(ctx.tokens, at, ['en', 'huit'])) {
    return {
      date: addDays(weekdayDate(ctx.today, weekday, 'after'), 7),
      end: at + 2,
      confidence: CONFIDENCE.weekday,
    };
  }
  for (const [phrase, afterMode] of WEEKDAY_AFTER[ctx.lang]) {
    if (tokensStartWith(ctx.tokens, at, phrase)) {
      mode = afterMode;
      at += phrase.length;
      break;
    }
  }
  return { date: weekdayDate(ctx.today, weekday, mode), end: at, confidence: CONFIDENCE.weekday };
}

const MATCHERS: readonly ((ctx: DateContext, index: number) => Reading | undefined)[] = [
  matchRelativeDay,
  matchNextWeek,
  matchMonthEdge,
  matchOffset,
  matchWeekday,
  matchDayMonth,
  matchNumericDate,
  (ctx, index) => matchDayOnly(ctx, index, true),
];

/**
 * The first date expression of `text`, resolved against `today` (only its local calendar day is used), with
 * its span; null when there is none or it names a day that does not exist ("le 31 avril").
 */
export function findDate(text: string, lang: ConversationLanguage, today: Date): DateMatch | null {
  const tokens = tokenizeEntities(text);
  const ctx: DateContext = { tokens, lang, today: localDateOf(today), numbers: [] };
  for (let index = 0; index < tokens.length; index++) {
    for (const matcher of MATCHERS) {
      const reading = matcher(ctx, index);
      if (reading !== undefined) {
        if (reading.date === null) {
          return null;
        }
        return {
          iso: toIsoDate(reading.date),
          date: reading.date,
          start: tokens[index]!.start,
          end: tokens[reading.end - 1]!.end,
          confidence: reading.confidence,
        };
      }
    }
  }
  return null;
}

/**
 * The date `text` names, as `YYYY-MM-DD`, or null (see the file header for what is understood and how it is
 * resolved). `today` is the caller's current day; only its local year, month and day are read.
 */
export function parseDate(text: string, lang: ConversationLanguage, today: Date): string | null {
  return findDate(text, lang, today)?.iso ?? null;
}
