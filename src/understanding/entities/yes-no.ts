/**
 * Yes or no, for the flow's confirmations ("votre numéro est le … c'est bien ça ?"). Callers rarely answer with
 * the bare word: they say "ben ouais", "non c'est pas ça", "pas du tout d'accord", "no that's wrong", "of
 * course not", "oui c'est pour ma carte", or something that is no answer at all ("je sais pas", "pardon ?").
 *
 * How the answer is found:
 *   1. Keypad: a text that is exactly `1` is yes and exactly `2` is no (a trailing `#` is allowed) — the
 *      prompts say "tapez 1 pour oui, 2 pour non" / "press 1 for yes, 2 for no".
 *   2. The folded words are scanned for answer phrases, longest phrase first at each position, so "pas de
 *      problème" (yes) wins over nothing, "non merci" is one answer, "c'est pas ça" (no) over "c'est ça" (yes),
 *      "not sure" (no answer) over "sure" (yes).
 *   3. A yes phrase right after a negator ("pas d'accord", "not correct", "isn't right") or right before one
 *      ("absolument pas", "of course not", "bien sûr que non") is a no.
 *   4. The first answer decides ("non c'est pour ma carte européenne" is no, whatever follows), unless the
 *      caller corrects themselves ("non pardon oui", "no sorry yes", "oui enfin non"): then the answer after the
 *      last correction word decides. An "I don't know" phrase that decides gives null.
 *   5. Some words are answers only at the start ("right", "sure", "voilà", "c'est pas …") or alone ("si"),
 *      because elsewhere they are ordinary words ("the right card", "si je peux").
 *
 * Confidence: 0.95 for a plain answer word, 0.8 for a weak one ("ok", "d'accord", "right"), × 0.75 when the
 * answer is not at the start of the utterance, × 0.8 when an opposite answer is also present. Both languages
 * understand the other's "oui"/"non"/"yes"/"no": bilingual callers switch.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { tokenizeEntities, tokensStartWith, type EntityToken } from './entity-tokens.js';

/** What the caller answered, and where in the text. */
export interface YesNoResult {
  readonly value: 'yes' | 'no';
  /** 0–1. */
  readonly confidence: number;
  /** Character span of the deciding words in the original text. */
  readonly span: { readonly start: number; readonly end: number };
}

type Polarity = 'yes' | 'no' | 'unknown';

interface AnswerPhrase {
  readonly words: readonly string[];
  readonly polarity: Polarity;
  readonly weak: boolean;
  /** Counts only when nothing but fillers or other answers precede it. */
  readonly leadingOnly: boolean;
  /** Counts only when the utterance holds nothing else (fillers aside). */
  readonly alone: boolean;
}

/**
 * Phrase lists. A phrase is its folded words separated by spaces (apostrophes and hyphens split words:
 * "c'est" → "c est", "don't" → "don t"). Prefixes: `~` weak, `^` weak and only at the start, `=` weak and only
 * alone.
 */
interface PhraseLists {
  readonly yes: readonly string[];
  readonly no: readonly string[];
  readonly unknown: readonly string[];
  readonly fillers: readonly string[];
  /** Words after which the caller's next answer replaces the previous one. */
  readonly corrections: readonly (readonly string[])[];
}

const FRENCH: PhraseLists = {
  yes: [
    ...['oui', 'ouais', 'ouai', 'ouaip', 'ouep', 'ouip', 'yes', 'bien sur', 'exactement', 'tout a fait'],
    ...[
      'absolument',
      'affirmatif',
      'carrement',
      'effectivement',
      'certainement',
      'evidemment',
      'parfaitement',
    ],
    ...['c est ca', 'c est bien ca', 'c est cela', 'c est bien cela', 'c est exact', 'c est bien exact'],
    ...['c est correct', 'c est juste', 'c est bien moi', 'c est bien le bon', 'c est le bon'],
    ...['pas de probleme', 'pas de souci', 'pas de soucis', 'sans probleme', 'sans souci', 'avec plaisir'],
    ...['volontiers', 'je confirme', 'bien entendu', 'mais oui', 'je pense que oui', 'je crois que oui'],
    ...['~d accord', '~dac', '~ok', '~okay', '~ca marche', '~ca roule', '~tres bien', '~parfait', '~entendu'],
    ...[
      '~c est bon',
      '~c est pas faux',
      '~exact',
      '~correct',
      '^voila',
      '^oui voila',
      '=si',
      '=si si',
      '=mais si',
    ],
  ],
  no: [
    ...['non', 'nan', 'no', 'non merci', 'pas du tout', 'pas vraiment', 'jamais', 'negatif', 'surtout pas'],
    ...['pas question', 'hors de question', 'jamais de la vie', 'bien sur que non', 'mais non', 'que non'],
    ...['c est pas ca', 'c est pas bien ca', 'ce n est pas ca', 'ce n est pas bien ca', 'ce n est pas cela'],
    ...['c est pas cela', 'c est pas le bon', 'ce n est pas le bon', 'c est pas bon', 'ce n est pas bon'],
    ...['c est faux', 'c est pas juste', 'c est pas exact', 'ce n est pas exact', 'c est une erreur'],
    ...['je pense pas', 'je ne pense pas', 'je crois pas', 'je ne crois pas', 'je pense que non'],
    ...['je crois que non', 'pas exactement', 'pas tout a fait', 'pas d accord', 'pas correct'],
    ...['~faux', '~incorrect', '~erreur', '^c est pas', '^ce n est pas', '^ca n est pas', '^ca ne va pas'],
  ],
  unknown: [
    ...['je sais pas', 'je ne sais pas', 'sais pas', 'chais pas', 'j en sais rien', 'je sais plus'],
    ...['je ne sais plus', 'aucune idee', 'peut etre', 'pas sur', 'pas certain', 'pas certaine'],
    ...['je suis pas sur', 'je ne suis pas sur', 'je suis pas sure', 'je ne suis pas sure', 'ca depend'],
    ...['je ne me souviens pas', 'je me souviens pas', 'je comprends pas', 'je ne comprends pas'],
  ],
  fillers: [
    'euh',
    'heu',
    'hum',
    'hmm',
    'mmh',
    'ah',
    'oh',
    'eh',
    'ben',
    'bah',
    'bon',
    'alors',
    'hein',
    'mais',
    'donc',
  ],
  corrections: [['pardon'], ['enfin'], ['plutot'], ['je', 'veux', 'dire'], ['attendez'], ['excusez', 'moi']],
};

const ENGLISH: PhraseLists = {
  yes: [
    ...['yes', 'yeah', 'yea', 'ya', 'yep', 'yup', 'yess', 'oui', 'of course', 'absolutely', 'exactly'],
    ...['definitely', 'certainly', 'indeed', 'affirmative', 'uh huh', 'mm hmm', 'mhm', 'yes please'],
    ...['that s right', 'that is right', 'that s correct', 'that is correct', 'that s it', 'that is it'],
    ...['that s the one', 'that s me', 'that s true', '=it is', 'it s correct', 'it s right', 'you got it'],
    ...['no problem', 'no worries', 'i think so', 'i believe so', 'correct', 'please do'],
    ...['~ok', '~okay', '~alright', '~all right', '~sounds good', '~go ahead', '^fine', '~perfect'],
    ...['^right', '^sure', '^true', '^good'],
  ],
  no: [
    ...['no', 'nope', 'nah', 'non', 'no thanks', 'no thank you', 'not really', 'not at all', 'no way'],
    ...['never', 'negative', 'of course not', 'absolutely not', 'definitely not', 'certainly not'],
    ...['that s wrong', 'that is wrong', 'that s incorrect', 'that is incorrect', 'that s not right'],
    ...['that s not correct', 'that is not right', 'that is not correct', 'that s not it', 'not correct'],
    ...['i don t think so', 'i do not think so', 'i dont think so', 'don t think so', 'not quite'],
    ...['not exactly', 'not right', 'incorrect', 'wrong', '^that s not', '^that is not', '^that isn t'],
    ...['^it s not', '^it is not', '^it isn t', '^not'],
  ],
  unknown: [
    ...['i don t know', 'i do not know', 'i dont know', 'don t know', 'dunno', 'not sure', 'no idea'],
    ...['maybe', 'perhaps', 'i m not sure', 'i am not sure', 'not certain', 'it depends', 'i can t remember'],
    ...['i don t remember', 'i don t understand', 'i do not understand'],
  ],
  fillers: ['uh', 'um', 'umm', 'er', 'erm', 'hmm', 'ah', 'oh', 'well', 'so', 'but', 'hey'],
  corrections: [['sorry'], ['i', 'mean'], ['wait'], ['actually'], ['rather']],
};

interface Lexicon {
  /** Phrases by first word, longest first. */
  readonly phrases: ReadonlyMap<string, readonly AnswerPhrase[]>;
  readonly fillers: ReadonlySet<string>;
  readonly corrections: readonly (readonly string[])[];
}

function compile(lists: PhraseLists): Lexicon {
  const phrases = new Map<string, AnswerPhrase[]>();
  const add = (spec: string, polarity: Polarity): void => {
    const marker = /^[~^=]/.exec(spec)?.[0] ?? '';
    const words = spec.slice(marker.length).split(' ');
    const entry: AnswerPhrase = {
      words,
      polarity,
      weak: marker !== '',
      leadingOnly: marker === '^',
      alone: marker === '=',
    };
    const list = phrases.get(words[0]!) ?? [];
    list.push(entry);
    list.sort((a, b) => b.words.length - a.words.length);
    phrases.set(words[0]!, list);
  };
  lists.yes.forEach((spec) => add(spec, 'yes'));
  lists.no.forEach((spec) => add(spec, 'no'));
  lists.unknown.forEach((spec) => add(spec, 'unknown'));
  return { phrases, fillers: new Set(lists.fillers), corrections: lists.corrections };
}

const LEXICONS: Readonly<Record<ConversationLanguage, Lexicon>> = {
  fr: compile(FRENCH),
  en: compile(ENGLISH),
};

/** Words that turn the yes phrase right after them into a no ("pas d'accord", "not correct", "isn't right"). */
const NEGATORS_BEFORE: ReadonlySet<string> = new Set(['pas', 'ne', 'n', 'not', 't', 'never', 'jamais']);
/** Words that turn the yes phrase right before them into a no ("absolument pas", "of course not"). */
const NEGATORS_AFTER: readonly (readonly string[])[] = [['pas'], ['not'], ['que', 'non'], ['que', 'pas']];

const KEYPAD_ANSWERS: Readonly<Record<string, 'yes' | 'no'>> = { '1': 'yes', '2': 'no' };

const CONFIDENCE = { strong: 0.95, weak: 0.8, notLeading: 0.75, contradicted: 0.8 } as const;

interface AnswerMatch {
  readonly polarity: Polarity;
  readonly weak: boolean;
  readonly firstToken: number;
  readonly endToken: number;
  /** Only fillers or other answers precede it. */
  readonly leading: boolean;
}

function phraseAt(lexicon: Lexicon, tokens: readonly EntityToken[], index: number): AnswerPhrase | undefined {
  for (const phrase of lexicon.phrases.get(tokens[index]!.norm) ?? []) {
    if (tokensStartWith(tokens, index, phrase.words)) {
      return phrase;
    }
  }
  return undefined;
}

/** Applies rule 3: a yes phrase with a negator next to it is a no covering both. */
function negated(lexicon: Lexicon, tokens: readonly EntityToken[], match: AnswerMatch): AnswerMatch {
  if (match.polarity !== 'yes') {
    return match;
  }
  const before = tokens[match.firstToken - 1];
  if (before !== undefined && NEGATORS_BEFORE.has(before.norm)) {
    return { ...match, polarity: 'no', firstToken: match.firstToken - 1 };
  }
  // "oui pas de problème": the next words are a yes of their own, not a negator ("absolument pas d'accord" is).
  if (match.endToken < tokens.length && phraseAt(lexicon, tokens, match.endToken)?.polarity === 'yes') {
    return match;
  }
  for (const negator of NEGATORS_AFTER) {
    if (tokensStartWith(tokens, match.endToken, negator)) {
      return { ...match, polarity: 'no', endToken: match.endToken + negator.length };
    }
  }
  return match;
}

/** Scans the tokens for answers (rules 2, 3, 5) and the position after the last correction word. */
function scanAnswers(
  lexicon: Lexicon,
  tokens: readonly EntityToken[],
): { matches: AnswerMatch[]; lastCorrection: number } {
  const matches: AnswerMatch[] = [];
  let lastCorrection = -1;
  let leading = true;
  let index = 0;
  while (index < tokens.length) {
    const phrase = phraseAt(lexicon, tokens, index);
    const allowed =
      phrase !== undefined &&
      (!phrase.leadingOnly || leading) &&
      (!phrase.alone || isAlone(lexicon, tokens, index, index + phrase.words.length));
    if (phrase !== undefined && allowed) {
      const match = negated(lexicon, tokens, {
        polarity: phrase.polarity,
        weak: phrase.weak,
        firstToken: index,
        endToken: index + phrase.words.length,
        leading,
      });
      matches.push(match);
      index = Math.max(index + 1, match.endToken);
      continue;
    }
    const correction = lexicon.corrections.find((words) => tokensStartWith(tokens, index, words));
    if (correction !== undefined) {
      lastCorrection = matches.length;
      index += correction.length;
      continue;
    }
    if (!lexicon.fillers.has(tokens[index]!.norm)) {
      leading = false;
    }
    index++;
  }
  return { matches, lastCorrection };
}

/** Nothing but fillers outside `tokens[first, end)`. */
function isAlone(lexicon: Lexicon, tokens: readonly EntityToken[], first: number, end: number): boolean {
  return tokens.every((token, i) => (i >= first && i < end) || lexicon.fillers.has(token.norm));
}

/**
 * The caller's yes or no in `text` (a transcript, or a keypad entry: `1` yes, `2` no), or null when the text
 * holds no answer or an "I don't know". See the file header for the rules.
 */
export function extractYesNo(text: string, lang: ConversationLanguage): YesNoResult | null {
  const keypad = /^\s*([12])#?\s*$/.exec(text);
  if (keypad !== null) {
    const start = text.indexOf(keypad[1]!);
    return { value: KEYPAD_ANSWERS[keypad[1]!]!, confidence: 1, span: { start, end: start + 1 } };
  }
  const tokens = tokenizeEntities(text);
  const lexicon = LEXICONS[lang];
  const { matches, lastCorrection } = scanAnswers(lexicon, tokens);
  const corrected = lastCorrection >= 0 && lastCorrection < matches.length;
  const decisive = corrected ? matches[lastCorrection] : matches[0];
  if (decisive === undefined || decisive.polarity === 'unknown') {
    return null;
  }
  let confidence = decisive.weak ? CONFIDENCE.weak : CONFIDENCE.strong;
  if (!decisive.leading && !corrected) {
    confidence *= CONFIDENCE.notLeading;
  }
  const considered = corrected ? matches.slice(lastCorrection) : matches;
  if (considered.some((m) => m.polarity !== 'unknown' && m.polarity !== decisive.polarity)) {
    confidence *= CONFIDENCE.contradicted;
  }
  return {
    value: decisive.polarity,
    confidence: Math.round(confidence * 100) / 100,
    span: { start: tokens[decisive.firstToken]!.start, end: tokens[decisive.endToken - 1]!.end },
  };
}
