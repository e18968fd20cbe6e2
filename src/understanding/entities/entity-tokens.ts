/**
 * The word stream every entity extractor reads. Recognisers disagree on accents, apostrophes and hyphens ("c'est",
 * "c est", "quatre-vingt", "quatre vingt", "sûr", "sur"), typists add punctuation, and an entity must still
 * point back at the characters the caller's text really holds (the CLI underlines them, flows quote them). So a
 * token carries its folded form for matching and its offsets in the original text:
 *   - letters are lower-cased and folded (é → e, œ → oe); apostrophes, hyphens and punctuation separate tokens;
 *   - a run of letters and a run of digits are two tokens even when glued ("2a" → "2" "a", "15th" → "15" "th",
 *     "1er" → "1" "er"), so that the Corsican NIR department and ordinal suffixes need no special spelling;
 *   - what separated a token from the previous one is kept (`gap`, trimmed): the date parser needs the "/" of
 *     "12/01/2027", the number parser nothing at all.
 *
 * Pure and allocation-light: one pass over the text.
 */

/** One word or digit run of the caller's text. */
export interface EntityToken {
  /** Folded form: lower case, no accents, ligatures split (`"Sûr"` → `"sur"`, `"Œuvre"` → `"oeuvre"`). */
  readonly norm: string;
  /** `digits` when the token is ASCII digits only. */
  readonly kind: 'word' | 'digits';
  /** Offset of the first character in the original text. */
  readonly start: number;
  /** Offset just past the last character in the original text. */
  readonly end: number;
  /** Non-space characters between the previous token and this one (`"/"` in `12/01`), `""` for none. */
  readonly gap: string;
}

const LIGATURES: Readonly<Record<string, string>> = { œ: 'oe', æ: 'ae', ß: 'ss' };
const COMBINING_MARKS = /\p{M}+/gu;
const LETTER = /\p{L}/u;
const MARK = /\p{M}/u;
const folded = new Map<string, string>();

/** The folded form of one letter, memoised: texts reuse the same few dozen letters. */
function foldLetter(char: string): string {
  let out = folded.get(char);
  if (out === undefined) {
    const lower = char.toLowerCase();
    out = LIGATURES[lower] ?? lower.normalize('NFD').replace(COMBINING_MARKS, '');
    folded.set(char, out);
  }
  return out;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Splits `text` into folded word and digit tokens with their offsets (see the file header). */
export function tokenizeEntities(text: string): EntityToken[] {
  const tokens: EntityToken[] = [];
  let norm = '';
  let kind: 'word' | 'digits' | undefined;
  let start = 0;
  let gap = '';
  const flush = (end: number): void => {
    if (kind !== undefined) {
      tokens.push({ norm, kind, start, end, gap });
      norm = '';
      kind = undefined;
      gap = '';
    }
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      if (kind !== 'digits') {
        flush(i);
        kind = 'digits';
        start = i;
      }
      norm += char;
    } else if (LETTER.test(char)) {
      if (kind !== 'word') {
        flush(i);
        kind = 'word';
        start = i;
      }
      norm += foldLetter(char);
    } else if (kind === 'word' && MARK.test(char)) {
      // A combining accent typed separately (NFD input) belongs to the letter before it and folds away.
    } else {
      flush(i);
      if (char.trim() !== '') {
        gap += char;
      }
    }
  }
  flush(text.length);
  return tokens;
}

/** True when `tokens[index..]` starts with the folded words of `phrase` (`['c', 'est', 'ca']`). */
export function tokensStartWith(
  tokens: readonly EntityToken[],
  index: number,
  phrase: readonly string[],
): boolean {
  if (index + phrase.length > tokens.length) {
    return false;
  }
  for (let k = 0; k < phrase.length; k++) {
    if (tokens[index + k]!.norm !== phrase[k]) {
      return false;
    }
  }
  return true;
}
