/**
 * Puts a caller's words in the one shape the intent classifier learns from. Speech recognizers return lower case
 * without punctuation, designers type "J'ai perdu ma carte Vitale !", callers on a keypad phone get "carte vital":
 * all of them must meet the same features. So the normalizer
 *   - lower-cases and folds accents and ligatures (é → e, œ → oe): recognizers and typists disagree on them;
 *   - splits elisions and contractions into words ("j'ai" → "je ai", "l'adresse" → "le adresse", "don't" →
 *     "do not"): ASR writes "j ai" or "jai", typists "j'ai";
 *   - turns punctuation and hyphens into spaces ("arrêt-maladie" → "arret maladie");
 *   - replaces numbers, spoken ("trois", "twenty") or written ("3", "2024"), by one token, `NUMBER_TOKEN`: for the
 *     intent, "arrêt de trois jours" and "arrêt de 3 jours" say the same thing (the digits themselves are the
 *     entity extractor's business).
 *
 * Pure and synchronous; the same function runs on training phrases and on live utterances.
 */
import type { ConversationLanguage } from '../config/config-types.js';
import { NUMBER_WORDS as ENTITY_NUMBER_WORDS } from './entities/number-words.js';

/** What every number, in words or digits, becomes. Not a word of either language. */
export const NUMBER_TOKEN = 'nb';

/**
 * Number words: the entity extractor's number vocabulary (`entities/number-words.ts`, the one list of them) without
 * the words that are mostly something else for an intent — articles ("un", "une", "one", "a": "une attestation"),
 * "neuf" (also "new"), "oh"/"o" (interjections), and connectors ("et", "and", "double", "triple").
 */
const NUMBER_WORDS: Readonly<Record<ConversationLanguage, ReadonlySet<string>>> = {
  fr: intentNumberWords('fr'),
  en: intentNumberWords('en'),
};

function intentNumberWords(language: ConversationLanguage): ReadonlySet<string> {
  const words = new Set<string>();
  for (const [word, meaning] of ENTITY_NUMBER_WORDS[language]) {
    const numeric =
      meaning.kind !== 'and' &&
      meaning.kind !== 'repeat' &&
      meaning.kind !== 'article' &&
      meaning.kind !== 'oh';
    const ambiguous = (meaning.kind === 'unit' && meaning.article === true) || word === 'neuf';
    if (numeric && !ambiguous) {
      words.add(word);
    }
  }
  return words;
}

/** French elided words, written without their apostrophe once split: "j'ai" → "j" + "ai" → "je ai". */
const FRENCH_ELISIONS: Readonly<Record<string, string>> = {
  j: 'je',
  l: 'le',
  d: 'de',
  m: 'me',
  t: 'te',
  s: 'se',
  n: 'ne',
  c: 'ce',
  qu: 'que',
  jusqu: 'jusque',
  lorsqu: 'lorsque',
  puisqu: 'puisque',
};

/** English contractions, matched on the word before the split so "can't" and "cant" both become "can not". */
const ENGLISH_CONTRACTIONS: readonly (readonly [RegExp, string])[] = [
  [/\bwon'?t\b/g, 'will not'],
  [/\bcan'?t\b/g, 'can not'],
  [/\bcannot\b/g, 'can not'],
  [/\b(\w+)n't\b/g, '$1 not'],
  [/\b(do|does|did|is|are|was|were|have|has|had|could|would|should)nt\b/g, '$1 not'],
  [/\bi'?m\b/g, 'i am'],
  [/\b(\w+)'re\b/g, '$1 are'],
  [/\b(\w+)'ve\b/g, '$1 have'],
  [/\b(\w+)'ll\b/g, '$1 will'],
  [/\b(\w+)'d\b/g, '$1 would'],
];

/** Letters that are words by themselves, or elided words once the apostrophe is gone. */
const SINGLE_LETTER_WORDS: Readonly<Record<ConversationLanguage, ReadonlySet<string>>> = {
  fr: new Set(['a', 'y', 'c', 'd', 'l', 'm', 'n', 's', 't']),
  en: new Set(['a', 'i']),
};

const APOSTROPHES = /[\u2019\u2018\u02bc\u0060\u00b4]/g;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
const NOT_WORD = /[^a-z0-9']+/g;
const DIGITS = /^[0-9]+$/;

/** Lower case, accents folded, elisions split, punctuation gone, numbers as `NUMBER_TOKEN`; words joined by one space. */
export function normalizeText(text: string, language: ConversationLanguage): string {
  return normalizedWords(text, language).join(' ');
}

/** `normalizeText` as a list of words. */
export function normalizedWords(text: string, language: ConversationLanguage): string[] {
  let folded = text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(APOSTROPHES, "'");
  if (language === 'en') {
    for (const [pattern, replacement] of ENGLISH_CONTRACTIONS) {
      folded = folded.replace(pattern, replacement);
    }
  }
  const pieces: { text: string; spelled: boolean }[] = [];
  for (const chunk of folded.split(NOT_WORD)) {
    for (const piece of chunk.split("'")) {
      if (piece !== '') {
        pieces.push({ text: piece, spelled: chunk.length === 1 && /[a-z]/.test(chunk) });
      }
    }
  }
  return collapseNumbers(joinSpelledLetters(pieces, language).map((word) => normalizeWord(word, language)));
}

/**
 * Recognizers write acronyms letter by letter ("c s s", "c e a m", "a m e l i", "i j"): a run of single letters
 * becomes one word. Runs of two are joined only when neither letter is commonly a word on its own ("il y a",
 * "m a dit" without its apostrophe, "i am"), so "i j" and "g p" are joined and "y a" is not.
 */
function joinSpelledLetters(
  pieces: readonly { text: string; spelled: boolean }[],
  language: ConversationLanguage,
): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < pieces.length) {
    let end = i;
    while (end < pieces.length && pieces[end]!.spelled) {
      end += 1;
    }
    const run = pieces.slice(i, end).map((piece) => piece.text);
    if (
      run.length >= 3 ||
      (run.length === 2 && !run.some((letter) => SINGLE_LETTER_WORDS[language].has(letter)))
    ) {
      words.push(run.join(''));
      i = end;
    } else {
      words.push(pieces[i]!.text);
      i += 1;
    }
  }
  return words;
}

function normalizeWord(word: string, language: ConversationLanguage): string {
  if (DIGITS.test(word) || NUMBER_WORDS[language].has(word)) {
    return NUMBER_TOKEN;
  }
  if (language === 'fr') {
    return FRENCH_ELISIONS[word] ?? word;
  }
  return word;
}

/** "vingt et trois" / "twenty three" / "12 34" → one token: how many words a number took says nothing. */
function collapseNumbers(words: string[]): string[] {
  const collapsed: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === NUMBER_TOKEN && collapsed[collapsed.length - 1] === NUMBER_TOKEN) {
      continue;
    }
    if (
      (word === 'et' || word === 'and') &&
      collapsed[collapsed.length - 1] === NUMBER_TOKEN &&
      words[i + 1] === NUMBER_TOKEN
    ) {
      continue;
    }
    collapsed.push(word);
  }
  return collapsed;
}
