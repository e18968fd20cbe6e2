/**
 * A JSGF grammar (W3C "JSpeech Grammar Format", 2000) for one listen step: one public rule whose alternatives are
 * the phrases the caller is expected to say. On phone audio a closed grammar is the only thing pocketsphinx does
 * well: the general language model and keyword spotting were measured far worse (see the recognizer's header).
 *
 * Phrases are normalised the way the dictionary spells words (lower case, no punctuation but the apostrophe,
 * `’` → `'`). A word that is not in the dictionary makes the whole grammar fail to compile, so such words are
 * dropped from their phrase (`drop-word`, the default: "pay my bill online please" still helps when "online" is
 * unknown) or the phrase is dropped (`drop-phrase`); a hyphenated word unknown as a whole is split when its parts
 * are known. Tokens cannot contain JSGF's reserved characters (`;=|*+<>()[]{}/` and white space), which the
 * normalisation removes.
 */

export type UnknownWordPolicy = 'drop-word' | 'drop-phrase';

export interface JsgfGrammar {
  /** JSGF source, ready for `ps_set_jsgf_string`; null when no phrase is left. */
  readonly source: string | null;
  /** Phrases as the decoder can return them, in order, without duplicates. */
  readonly phrases: readonly string[];
  /** Input phrases that were left out entirely. */
  readonly droppedPhrases: readonly string[];
  /** Words missing from the dictionary, sorted, without duplicates. */
  readonly unknownWords: readonly string[];
}

export const GRAMMAR_NAME = 'aiguilleur';
export const PUBLIC_RULE = 'utterance';

/** Lower case, curly apostrophes straightened, anything but letters, digits, `'` and `-` turned into spaces. */
export function normalizePhrase(phrase: string): string {
  return phrase
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^\p{L}\p{N}'-]+/gu, ' ')
    .split(' ')
    .map((word) => word.replace(/^['-]+|['-]+$/g, ''))
    .filter((word) => word !== '')
    .join(' ');
}

export function buildJsgfGrammar(
  phrases: readonly string[],
  vocabulary: ReadonlySet<string>,
  policy: UnknownWordPolicy = 'drop-word',
): JsgfGrammar {
  const kept: string[] = [];
  const seen = new Set<string>();
  const droppedPhrases: string[] = [];
  const unknown = new Set<string>();
  for (const phrase of phrases) {
    const words: string[] = [];
    let complete = true;
    for (const word of normalizePhrase(phrase).split(' ')) {
      if (word === '') {
        continue;
      }
      const known = knownSpelling(word, vocabulary);
      if (known === undefined) {
        unknown.add(word);
        complete = false;
      } else {
        words.push(...known);
      }
    }
    const text = words.join(' ');
    if (text === '' || (!complete && policy === 'drop-phrase')) {
      droppedPhrases.push(phrase);
      continue;
    }
    if (!seen.has(text)) {
      seen.add(text);
      kept.push(text);
    }
  }
  const source =
    kept.length === 0
      ? null
      : `#JSGF V1.0;\ngrammar ${GRAMMAR_NAME};\npublic <${PUBLIC_RULE}> = ${kept.map((p) => `(${p})`).join('\n  | ')};\n`;
  return { source, phrases: kept, droppedPhrases, unknownWords: [...unknown].sort() };
}

/** The word as dictionary words: itself, its hyphen-separated parts, or undefined when unknown. */
function knownSpelling(word: string, vocabulary: ReadonlySet<string>): string[] | undefined {
  if (vocabulary.has(word)) {
    return [word];
  }
  if (word.includes('-')) {
    const parts = word.split('-').filter((part) => part !== '');
    if (parts.length > 0 && parts.every((part) => vocabulary.has(part))) {
      return parts;
    }
  }
  return undefined;
}
