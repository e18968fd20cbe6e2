/**
 * The French social-security number (NIR, "numéro de sécurité sociale"): 13 characters then a 2-digit key.
 *
 * ```
 *   1   85   05   78   006   084   91
 *   │    │    │    │    │     │     └ key = 97 − (NIR mod 97), 01–97
 *   │    │    │    │    │     └ order number of the birth record
 *   │    │    │    │    └ commune (INSEE code) or country of birth
 *   │    │    │    └ department: 01–95, 2A/2B (Corsica), 97x/98x overseas, 99 abroad
 *   │    │    └ month: 01–12, or a pseudo-month 20–42 / 50–99 when the civil record has none
 *   │    └ year (last two digits)
 *   └ 1 man, 2 woman; 3/4 foreigner being registered, 7/8 temporary number
 * ```
 * For the key, the Corsican departments 2A and 2B count as 19 and 18 (INSEE rule: subtract 1 000 000 or
 * 2 000 000 from the number read with A/B as 0), which leaves a 13-digit integer: below 2⁵³, so `Number`
 * arithmetic is exact and no BigInt is needed.
 *
 * Callers read it in the groups above, digit by digit, or mixed; recognisers may write any of it as digits
 * ("2 64 08 2b 033"). `parseNir` takes the digits through the spoken-number grammar and places a Corsican
 * "A"/"B" only where one can be: right after a "2" in the department position. Everything else that is not a
 * number ("mon numéro c'est", "clé", "and the key is") is skipped.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { tokenizeEntities, type EntityToken } from './entity-tokens.js';
import { DIGIT_FILLERS } from './number-words.js';
import { readNumberGroups } from './spoken-number.js';

export type NirInvalidReason = 'length' | 'key' | 'format';

/** What was heard as a NIR and whether it holds together. */
export interface NirParse {
  /**
   * The 13 characters before the key (digits, "A"/"B" in Corsican departments). When fewer than 13 were heard,
   * all of them.
   */
  readonly nir: string;
  /** The 2-digit key as heard; `''` when the caller gave none (13 characters), else whatever followed the 13th. */
  readonly key: string;
  /** 15 well-formed characters whose key matches. */
  readonly valid: boolean;
  /**
   * Why not valid: `length` (not 13 + 2 characters — a NIR without its key is `length` too, the flow should
   * ask for the key), `format` (impossible sex digit or month), `key` (the key does not match).
   */
  readonly reason?: NirInvalidReason;
}

/** A NIR found in a text, with the character span of what was read. */
export interface NirMatch {
  readonly parse: NirParse;
  readonly start: number;
  readonly end: number;
}

const NIR_LENGTH = 13;
const KEY_LENGTH = 2;
/** Position of the department's first character (0-based). */
const DEPARTMENT_AT = 5;
const NIR_SHAPE = /^[1-478]\d{4}(?:\d{2}|2[AB])\d{6}$/;
/** Read-back groups: sex, year, month, department, commune, order, key. */
const READ_BACK_BOUNDARIES: readonly number[] = [1, 3, 5, 7, 10, 13, 15];

function isPlausibleMonth(month: number): boolean {
  return (month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50;
}

/**
 * The key of a 13-character NIR ("1850578006084" → "91"; "2A"/"2B" count as 19/18), or null when `nir` is not
 * 13 digits with an optional Corsican department.
 */
export function computeNirKey(nir: string): string | null {
  const upper = nir.toUpperCase();
  if (!/^\d{5}(?:\d{2}|2[AB])\d{6}$/.test(upper)) {
    return null;
  }
  const department = upper.slice(DEPARTMENT_AT, DEPARTMENT_AT + 2);
  const numeric =
    upper.slice(0, DEPARTMENT_AT) +
    (department === '2A' ? '19' : department === '2B' ? '18' : department) +
    upper.slice(DEPARTMENT_AT + 2);
  // 13 digits < 2^53: exact in a double.
  const key = 97 - (Number(numeric) % 97);
  return String(key).padStart(KEY_LENGTH, '0');
}

/** Judges 13 + key characters. */
function judgeNir(chars: string): NirParse {
  const nir = chars.slice(0, NIR_LENGTH);
  const key = chars.slice(NIR_LENGTH);
  if (chars.length !== NIR_LENGTH + KEY_LENGTH) {
    return { nir, key, valid: false, reason: 'length' };
  }
  if (!NIR_SHAPE.test(nir) || !isPlausibleMonth(Number(nir.slice(3, 5))) || !/^\d{2}$/.test(key)) {
    return { nir, key, valid: false, reason: 'format' };
  }
  return computeNirKey(nir) === key ? { nir, key, valid: true } : { nir, key, valid: false, reason: 'key' };
}

/**
 * Is `tokens[index]` the "A"/"B" of a Corsican department, given the characters read before it? Only right after
 * the "2" that ends the 6th character: anywhere else "a" is a word ("il a", "a second").
 */
function isCorsicanLetter(token: EntityToken, chars: string): boolean {
  return (
    token.kind === 'word' &&
    (token.norm === 'a' || token.norm === 'b') &&
    chars.length === DEPARTMENT_AT + 1 &&
    chars.endsWith('2')
  );
}

/**
 * Reads NIR characters from a token stream. With `split`, a word that is neither a number, a filler ("clé",
 * "and the key is") nor a Corsican letter ends one candidate and starts the next, so that a NIR can be found
 * inside a longer sentence; without it, the whole text is one candidate.
 */
function readNirCandidates(
  tokens: readonly EntityToken[],
  lang: ConversationLanguage,
  split: boolean,
): NirMatch[] {
  const groups = readNumberGroups(tokens, lang);
  const candidates: NirMatch[] = [];
  let chars = '';
  let start = 0;
  let end = 0;
  let groupIndex = 0;
  const close = (): void => {
    if (chars !== '') {
      candidates.push({ parse: judgeNir(chars), start, end });
      chars = '';
    }
  };
  for (let index = 0; index < tokens.length; index++) {
    const group = groups[groupIndex];
    if (group !== undefined && group.firstToken === index) {
      start = chars === '' ? group.start : start;
      chars += group.digits;
      end = group.end;
      index = group.endToken - 1;
      groupIndex++;
      continue;
    }
    const token = tokens[index]!;
    if (isCorsicanLetter(token, chars)) {
      chars += token.norm.toUpperCase();
      end = token.end;
    } else if (split && !DIGIT_FILLERS[lang].has(token.norm)) {
      close();
    }
  }
  close();
  return candidates;
}

/**
 * Reads a NIR from a transcript ("un quatre-vingt-cinq zéro cinq … clé quatre-vingt-onze"), typed digits
 * ("1 85 05 78 006 084 91", "1.85.05…", "185057800608491") or keypad digits: every digit of `input`, in order,
 * is taken as part of the NIR. Returns null when `input` holds no digit at all. A 13-character answer is
 * `{ valid: false, reason: 'length', key: '' }`: the key is part of what the caller must give.
 */
export function parseNir(input: string, lang: ConversationLanguage): NirParse | null {
  return readNirCandidates(tokenizeEntities(input), lang, false)[0]?.parse ?? null;
}

/**
 * The first NIR-shaped run of digits in a longer text (13 or 15 characters between words that are not fillers),
 * judged like `parseNir`, with its character span; null when there is none. For entity extraction, where the
 * sentence may hold other numbers.
 */
export function findNir(text: string, lang: ConversationLanguage): NirMatch | null {
  const candidates = readNirCandidates(tokenizeEntities(text), lang, true);
  return (
    candidates.find(({ parse }) => {
      const length = parse.nir.length + parse.key.length;
      return length === NIR_LENGTH || length === NIR_LENGTH + KEY_LENGTH;
    }) ?? null
  );
}

function compactNir(nir: string): string {
  return nir.replace(/[\s./-]/g, '').toUpperCase();
}

/**
 * A NIR (13 or 15 characters, spaces allowed) in the groups it is read back in for confirmation: sex, year,
 * month, department, commune, order, key — "185057800608491" → ["1", "85", "05", "78", "006", "084", "91"].
 * Characters beyond the 15th form one last group.
 */
export function formatNirForReadBack(nir: string): string[] {
  const compact = compactNir(nir);
  const groups: string[] = [];
  let from = 0;
  for (const to of READ_BACK_BOUNDARIES) {
    if (from >= compact.length) {
      break;
    }
    groups.push(compact.slice(from, to));
    from = to;
  }
  if (from < compact.length) {
    groups.push(compact.slice(from));
  }
  return groups;
}

/**
 * A NIR fit for a log line: only the sex digit stays, every other character (key included) becomes `*`, in the
 * read-back groups — "185057800608491" → "1 ** ** ** *** *** **".
 */
export function maskNir(nir: string): string {
  return formatNirForReadBack(nir)
    .map((group, index) => (index === 0 ? group : '*'.repeat(group.length)))
    .join(' ');
}
