/**
 * Digits as a caller says them. A French caller reads a phone number or a NIR in groups ("zéro six, douze,
 * trente-quatre"), an English one digit by digit with "oh" and "double" ("oh six double one"), years go by pairs
 * ("nineteen eighty five"), and recognisers mix words and digits ("06 douze"). What the flow wants is the digit
 * string, so the rule is simple: each *group* — one number said as a whole — gives its decimal digits, and the
 * groups of an utterance are concatenated. "zéro six douze" → 0 | 6 | 12 → "0612"; "vingt et un" is one group
 * → "21", never "201"; "nineteen eighty five" → 19 | 85 → "1985".
 *
 * Where a group ends is the only hard part. Words join a group when the language's number grammar lets them
 * follow each other (French: "quatre" + "vingt", "soixante" + "dix" + "sept", "vingt" + "et" + "un", "deux" +
 * "cent", "mille" + anything; English: "twenty" + "one", "three" + "hundred" + "and" + "five"); the first word that
 * cannot continue starts a new group. So "trente quatre" is 34, "quatre trente" is 4 | 30, "douze treize" is
 * 12 | 13. Known ambiguity, resolved greedily: "vingt quatre vingt" → 24 | 20 (not 20 | 80). "cent" multiplies only
 * 1–19 ("dix-neuf cent" = 1900, "soixante-neuf cent vingt-trois" = 69 | 123) because phone numbers and NIRs
 * are read in pairs far more often than anyone says "soixante-neuf cents".
 *
 * Words that are not numbers are skipped, so "c'est le quarante-deux" gives "42". "un"/"une"/"one" standing
 * alone before another word are articles ("un instant", "one moment") and give nothing; English "oh" is a zero
 * only next to other digits; "a" is one only in "a hundred", "a thousand".
 *
 * Values: every group is below 10⁶ in practice (the grammar stops at "mille"/"thousand" once per group); a typed
 * digit run is kept as typed, leading zeros included ("06" → "06").
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { tokenizeEntities, type EntityToken } from './entity-tokens.js';
import { DIGIT_FILLERS, NUMBER_WORDS, type NumberWord } from './number-words.js';

/** One number said as a whole: a typed digit run, or consecutive number words the grammar joins. */
export interface NumberGroup {
  /** The number (for typed runs longer than 15 digits, only approximately). */
  readonly value: number;
  /** Its digits: typed runs as typed ("06"), words in decimal ("vingt et un" → "21", "double five" → "55"). */
  readonly digits: string;
  /** Index of its first token. */
  readonly firstToken: number;
  /** Index just past its last token. */
  readonly endToken: number;
  /** Character span in the original text. */
  readonly start: number;
  readonly end: number;
  /** True when said in words, false for a typed digit run. */
  readonly spelled: boolean;
}

/** Consecutive groups separated only by filler words: one thing the caller read out. */
export interface DigitRun {
  /** The groups' digits concatenated. */
  readonly digits: string;
  readonly groups: readonly NumberGroup[];
  readonly start: number;
  readonly end: number;
}

type RestState = 'empty' | 'unit' | 'ten' | 'tens' | 'complete';

/** The building state of one group: thousands + hundreds + rest (below 100). */
interface GroupState {
  thousands: number;
  hasThousand: boolean;
  hundreds: number;
  hasHundred: boolean;
  rest: number;
  state: RestState;
}

function wordAt(
  tokens: readonly EntityToken[],
  index: number,
  lang: ConversationLanguage,
): NumberWord | undefined {
  const token = tokens[index];
  return token === undefined || token.kind !== 'word' ? undefined : NUMBER_WORDS[lang].get(token.norm);
}

/** A word that carries a value by itself (not "et"/"and", "double", "a"). */
function isValueWord(word: NumberWord | undefined): boolean {
  return word !== undefined && word.kind !== 'and' && word.kind !== 'repeat' && word.kind !== 'article';
}

function isNumberToken(tokens: readonly EntityToken[], index: number, lang: ConversationLanguage): boolean {
  const token = tokens[index];
  return token !== undefined && (token.kind === 'digits' || isValueWord(wordAt(tokens, index, lang)));
}

/** The single digit a token stands for ("five", "oh", "5"), for "double five". */
function singleDigitAt(
  tokens: readonly EntityToken[],
  index: number,
  lang: ConversationLanguage,
): string | undefined {
  const token = tokens[index];
  if (token === undefined) {
    return undefined;
  }
  if (token.kind === 'digits') {
    return token.norm.length === 1 ? token.norm : undefined;
  }
  const word = wordAt(tokens, index, lang);
  if (word?.kind === 'zero' || word?.kind === 'oh') {
    return '0';
  }
  return word?.kind === 'unit' ? String(word.value) : undefined;
}

/** "oh" is a zero when a digit is said right before it or right after its run of "oh"s. */
function ohIsZero(tokens: readonly EntityToken[], index: number, lang: ConversationLanguage): boolean {
  let next = index + 1;
  while (wordAt(tokens, next, lang)?.kind === 'oh') {
    next++;
  }
  return isNumberToken(tokens, next, lang) || isNumberToken(tokens, index - 1, lang);
}

/**
 * Applies one word (and, for "et"/"and", the word after it) to the group being built. Returns how many tokens
 * it consumed; 0 means the word cannot continue this group.
 */
function extendGroup(
  group: GroupState,
  word: NumberWord,
  next: NumberWord | undefined,
  lang: ConversationLanguage,
): number {
  const french = lang === 'fr';
  // French 70-79 and 90-99 are built on soixante and quatre-vingt: soixante-douze, quatre-vingt-dix-sept.
  const takesTeen = french && group.state === 'tens' && (group.rest === 60 || group.rest === 80);
  switch (word.kind) {
    case 'unit':
      if (group.state === 'empty') {
        group.rest = word.value;
        group.state = 'unit';
        return 1;
      }
      if (group.state === 'tens' || (group.state === 'ten' && word.value >= 7)) {
        group.rest += word.value;
        group.state = 'complete';
        return 1;
      }
      return 0;
    case 'ten':
      if (group.state === 'empty' || takesTeen) {
        group.rest += 10;
        group.state = 'ten';
        return 1;
      }
      return 0;
    case 'teen':
      if (group.state === 'empty' || takesTeen) {
        group.rest += word.value;
        group.state = 'complete';
        return 1;
      }
      return 0;
    case 'tens':
      if (group.state === 'empty') {
        group.rest = word.value;
        group.state = 'tens';
        return 1;
      }
      if (french && group.state === 'unit' && group.rest === 4 && word.value === 20) {
        group.rest = 80;
        group.state = 'tens';
        return 1;
      }
      return 0;
    case 'hundred': {
      const multiplier =
        group.state === 'empty' ? 1 : group.state !== 'tens' && group.rest < 20 ? group.rest : 0;
      if (group.hasHundred || multiplier === 0 || (group.hasThousand && multiplier >= 10)) {
        return 0;
      }
      group.hundreds = multiplier * 100;
      group.hasHundred = true;
      group.rest = 0;
      group.state = 'empty';
      return 1;
    }
    case 'thousand':
      if (group.hasThousand) {
        return 0;
      }
      group.thousands = (group.hundreds + group.rest || 1) * 1000;
      group.hasThousand = true;
      group.hundreds = 0;
      group.hasHundred = false;
      group.rest = 0;
      group.state = 'empty';
      return 1;
    case 'and':
      // vingt et un, soixante et onze, septante et une; a hundred and five, two thousand and twenty six.
      if (french && group.state === 'tens') {
        if (next?.kind === 'unit' && next.value === 1) {
          group.rest += 1;
          group.state = 'complete';
          return 2;
        }
        if (next?.kind === 'teen' && next.value === 11 && (group.rest === 60 || group.rest === 80)) {
          group.rest += 11;
          group.state = 'complete';
          return 2;
        }
        return 0;
      }
      if (
        !french &&
        group.state === 'empty' &&
        (group.hasHundred || group.hasThousand) &&
        next !== undefined
      ) {
        return next.kind === 'unit' || next.kind === 'teen' || next.kind === 'tens' ? 1 : 0;
      }
      return 0;
    default:
      return 0;
  }
}

function makeGroup(
  tokens: readonly EntityToken[],
  firstToken: number,
  endToken: number,
  digits: string,
  spelled: boolean,
): NumberGroup {
  return {
    value: Number(digits),
    digits,
    firstToken,
    endToken,
    start: tokens[firstToken]!.start,
    end: tokens[endToken - 1]!.end,
    spelled,
  };
}

/**
 * The number group that starts exactly at `tokens[index]`, or undefined when that token does not start one
 * (not a number word, an article "un"/"one" before a noun, an interjection "oh", a dangling "double"). The
 * group is as long as the grammar allows (see the file header).
 */
export function readNumberAt(
  tokens: readonly EntityToken[],
  index: number,
  lang: ConversationLanguage,
): NumberGroup | undefined {
  const token = tokens[index];
  if (token === undefined) {
    return undefined;
  }
  if (token.kind === 'digits') {
    return makeGroup(tokens, index, index + 1, token.norm, false);
  }
  const first = wordAt(tokens, index, lang);
  if (first === undefined) {
    return undefined;
  }
  switch (first.kind) {
    case 'zero':
      return makeGroup(tokens, index, index + 1, '0', true);
    case 'oh':
      return ohIsZero(tokens, index, lang) ? makeGroup(tokens, index, index + 1, '0', true) : undefined;
    case 'repeat': {
      const digit = singleDigitAt(tokens, index + 1, lang);
      return digit === undefined
        ? undefined
        : makeGroup(tokens, index, index + 2, digit.repeat(first.times), true);
    }
    case 'and':
      return undefined;
    default:
      break;
  }
  const group: GroupState = {
    thousands: 0,
    hasThousand: false,
    hundreds: 0,
    hasHundred: false,
    rest: 0,
    state: 'empty',
  };
  let cursor = index;
  if (first.kind === 'article') {
    const after = wordAt(tokens, index + 1, lang);
    if (after?.kind !== 'hundred' && after?.kind !== 'thousand') {
      return undefined;
    }
    group.rest = 1;
    group.state = 'unit';
    cursor++;
  }
  let end = cursor;
  for (;;) {
    const word = wordAt(tokens, cursor, lang);
    if (word === undefined) {
      break;
    }
    const used = extendGroup(group, word, wordAt(tokens, cursor + 1, lang), lang);
    if (used === 0) {
      break;
    }
    cursor += used;
    // "and" alone moves the cursor but the group only ends after a word that carries a value.
    if (word.kind !== 'and' || used === 2) {
      end = cursor;
    }
  }
  if (end === index) {
    return undefined;
  }
  if (
    first.kind === 'unit' &&
    first.article === true &&
    end === index + 1 &&
    isArticleBefore(tokens, end, lang)
  ) {
    return undefined;
  }
  return makeGroup(tokens, index, end, String(group.thousands + group.hundreds + group.rest), true);
}

/** "un"/"une"/"one" followed by a word that is neither a number nor a filler is an article or a pronoun. */
function isArticleBefore(tokens: readonly EntityToken[], next: number, lang: ConversationLanguage): boolean {
  const token = tokens[next];
  if (token === undefined || token.kind === 'digits') {
    return false;
  }
  return !NUMBER_WORDS[lang].has(token.norm) && !DIGIT_FILLERS[lang].has(token.norm);
}

/** Every number group of the token stream, left to right, non-overlapping. */
export function readNumberGroups(tokens: readonly EntityToken[], lang: ConversationLanguage): NumberGroup[] {
  const groups: NumberGroup[] = [];
  let index = 0;
  while (index < tokens.length) {
    const group = readNumberAt(tokens, index, lang);
    if (group === undefined) {
      index++;
    } else {
      groups.push(group);
      index = group.endToken;
    }
  }
  return groups;
}

/**
 * The groups joined into runs: two groups belong to the same run when only filler words ("euh", "c'est",
 * "clé", "and the key is") separate them. A run is what one would call "a number the caller read out".
 */
export function groupDigitRuns(
  tokens: readonly EntityToken[],
  groups: readonly NumberGroup[],
  lang: ConversationLanguage,
): DigitRun[] {
  const runs: DigitRun[] = [];
  let current: NumberGroup[] = [];
  const close = (): void => {
    if (current.length > 0) {
      runs.push({
        digits: current.map((g) => g.digits).join(''),
        groups: current,
        start: current[0]!.start,
        end: current[current.length - 1]!.end,
      });
      current = [];
    }
  };
  for (const group of groups) {
    const previous = current[current.length - 1];
    if (previous !== undefined) {
      for (let k = previous.endToken; k < group.firstToken; k++) {
        if (!DIGIT_FILLERS[lang].has(tokens[k]!.norm)) {
          close();
          break;
        }
      }
    }
    current.push(group);
  }
  close();
  return runs;
}

/** The runs of digits in `text` (see `groupDigitRuns`), with their character spans. */
export function findDigitRuns(text: string, lang: ConversationLanguage): DigitRun[] {
  const tokens = tokenizeEntities(text);
  return groupDigitRuns(tokens, readNumberGroups(tokens, lang), lang);
}

/**
 * The digit string a caller said, or null when `text` holds no number. Groups are concatenated in order
 * ("zéro six douze" → "0612", "un quatre-vingt-cinq" → "185", "oh six double one" → "0611"), typed digits are
 * kept as typed ("1 85 05" → "18505"), and any other word is skipped: this is meant for a turn where the flow
 * asked for digits, so "mon numéro c'est le …" is framing, not content.
 */
export function parseSpokenDigits(text: string, lang: ConversationLanguage): string | null {
  const tokens = tokenizeEntities(text);
  const groups = readNumberGroups(tokens, lang);
  return groups.length === 0 ? null : groups.map((g) => g.digits).join('');
}

/**
 * Digits typed on the keypad, with the usual IVR conventions: `#` ends the entry (anything after it is ignored),
 * `*` erases what was typed so far (the caller starts again), any other key (A–D, separators) is dropped. Returns
 * null when no digit remains: "#" alone, "12*", "".
 */
export function parseDtmfDigits(keys: string): string | null {
  let digits = '';
  for (const key of keys) {
    if (key === '#') {
      break;
    }
    if (key === '*') {
      digits = '';
    } else if (key >= '0' && key <= '9') {
      digits += key;
    }
  }
  return digits === '' ? null : digits;
}
