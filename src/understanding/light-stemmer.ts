/**
 * A deliberately light stemmer: it strips inflections (plural, feminine, the commonest verb endings) and nothing
 * more. Full stemmers (Snowball, nlp.js's) merge words a phone line must keep apart and are thrown off by
 * recognition errors; the classifier's character n-grams already catch shared roots ("rembourse",
 * "remboursement"), so the stem's job is only to make "perdue", "perdus", "perdu" one word feature, and the ASR's
 * "carte vital" meet the typist's "carte vitale".
 *
 * Suffixes are tried longest first and only when at least `MIN_STEM` letters remain.
 */
import type { ConversationLanguage } from '../config/config-types.js';

const MIN_STEM = 3;

const FRENCH_SUFFIXES = [
  'issements',
  'issement',
  'ements',
  'ement',
  'ees',
  'ee',
  'es',
  'er',
  'ez',
  'e',
  's',
  'x',
];

const ENGLISH_SUFFIXES = ['ings', 'ing', 'ied', 'ies', 'ed', 'es', 's'];

/** Words too short or too fixed to stem ("mes", "les", "this", "was"...) are left alone by `MIN_STEM`. */
export function stemWord(word: string, language: ConversationLanguage): string {
  const suffixes = language === 'fr' ? FRENCH_SUFFIXES : ENGLISH_SUFFIXES;
  for (const suffix of suffixes) {
    if (word.length - suffix.length >= MIN_STEM && word.endsWith(suffix)) {
      const stem = word.slice(0, -suffix.length);
      if (language === 'en' && (suffix === 'ied' || suffix === 'ies')) {
        return `${stem}y`;
      }
      if (language === 'en' && suffix === 's' && stem.endsWith('s')) {
        // "address", "access", "glass": a double s is not a plural.
        return word;
      }
      return stem;
    }
  }
  return word;
}
