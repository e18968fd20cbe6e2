/**
 * Words for digits and numbers in French and English, for dynamic sentences ("vous avez tapé quatre") handed to
 * TTS, and the ids of the recorded digit prompts (`digit_4`, `digit_star`) for flows that prefer recordings.
 * Engines read "4" well enough on their own; spelling the words out makes the result independent of each engine's
 * number rules (espeak reads "1234" as a number, a caller's key presses must be read digit by digit).
 */

export type SpokenLanguage = 'fr' | 'en';

const DIGIT_WORDS: Readonly<Record<SpokenLanguage, Readonly<Record<string, string>>>> = {
  fr: {
    '0': 'zéro',
    '1': 'un',
    '2': 'deux',
    '3': 'trois',
    '4': 'quatre',
    '5': 'cinq',
    '6': 'six',
    '7': 'sept',
    '8': 'huit',
    '9': 'neuf',
    '*': 'étoile',
    '#': 'dièse',
    A: 'A',
    B: 'B',
    C: 'C',
    D: 'D',
  },
  en: {
    '0': 'zero',
    '1': 'one',
    '2': 'two',
    '3': 'three',
    '4': 'four',
    '5': 'five',
    '6': 'six',
    '7': 'seven',
    '8': 'eight',
    '9': 'nine',
    '*': 'star',
    '#': 'hash',
    A: 'A',
    B: 'B',
    C: 'C',
    D: 'D',
  },
};

const PROMPT_SUFFIX: Readonly<Record<string, string>> = { '*': 'star', '#': 'hash' };

/** `fr-FR` → `fr`; anything that is not French is spoken in English. */
export function spokenLanguageOf(language: string): SpokenLanguage {
  return language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** One key's name: `'4'` → `quatre`, `'#'` → `dièse` / `hash`. */
export function sayDigit(digit: string, language: string): string {
  const word = DIGIT_WORDS[spokenLanguageOf(language)][digit.toUpperCase()];
  if (word === undefined) {
    throw new RangeError(`"${digit}" is not a DTMF key`);
  }
  return word;
}

/** Keys read one by one, separated by commas so that engines pause between them: `42#` → `quatre, deux, dièse`. */
export function sayDigits(digits: string, language: string): string {
  return [...digits].map((digit) => sayDigit(digit, language)).join(', ');
}

/** The recorded prompt of a key: `'4'` → `digit_4`, `'*'` → `digit_star`, `'#'` → `digit_hash`. */
export function digitPromptId(digit: string): string {
  if (/^[0-9]$/.test(digit)) {
    return `digit_${digit}`;
  }
  const suffix = PROMPT_SUFFIX[digit];
  if (suffix === undefined) {
    throw new RangeError(`no recorded prompt for key "${digit}"`);
  }
  return `digit_${suffix}`;
}

const FR_UNITS = [
  'zéro',
  'un',
  'deux',
  'trois',
  'quatre',
  'cinq',
  'six',
  'sept',
  'huit',
  'neuf',
  'dix',
  'onze',
  'douze',
  'treize',
  'quatorze',
  'quinze',
  'seize',
  'dix-sept',
  'dix-huit',
  'dix-neuf',
];
const FR_TENS = ['', '', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

/** 0–99 in French; `final` when nothing follows (only then does quatre-vingts take its s). */
function frenchBelowHundred(n: number, final: boolean): string {
  if (n < 20) {
    return FR_UNITS[n]!;
  }
  if (n < 70) {
    const tens = FR_TENS[Math.floor(n / 10)]!;
    const unit = n % 10;
    return unit === 0 ? tens : unit === 1 ? `${tens} et un` : `${tens}-${FR_UNITS[unit]!}`;
  }
  if (n < 80) {
    // 70–79: soixante-dix, soixante et onze, soixante-douze…
    return n === 71 ? 'soixante et onze' : `soixante-${FR_UNITS[n - 60]!}`;
  }
  // 80–99: quatre-vingts, quatre-vingt-un (no "et"), quatre-vingt-dix…
  return n === 80 ? (final ? 'quatre-vingts' : 'quatre-vingt') : `quatre-vingt-${FR_UNITS[n - 80]!}`;
}

function frenchBelowThousand(n: number, final: boolean): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds === 0) {
    return frenchBelowHundred(rest, final);
  }
  // "cents" takes its s only when it ends the number: deux cents, deux cent un, deux cent mille.
  const head = hundreds === 1 ? 'cent' : `${FR_UNITS[hundreds]!} ${rest === 0 && final ? 'cents' : 'cent'}`;
  return rest === 0 ? head : `${head} ${frenchBelowHundred(rest, final)}`;
}

function sayFrench(n: number): string {
  if (n === 0) {
    return 'zéro';
  }
  const parts: string[] = [];
  const billions = Math.floor(n / 1e9);
  const millions = Math.floor((n % 1e9) / 1e6);
  const thousands = Math.floor((n % 1e6) / 1e3);
  const rest = n % 1e3;
  if (billions > 0) {
    parts.push(`${frenchBelowThousand(billions, true)} milliard${billions > 1 ? 's' : ''}`);
  }
  if (millions > 0) {
    parts.push(`${frenchBelowThousand(millions, true)} million${millions > 1 ? 's' : ''}`);
  }
  if (thousands > 0) {
    // "mille" is invariable and never preceded by "un"; the number before it does not end the whole number.
    parts.push(thousands === 1 ? 'mille' : `${frenchBelowThousand(thousands, false)} mille`);
  }
  if (rest > 0) {
    parts.push(frenchBelowThousand(rest, true));
  }
  return parts.join(' ');
}

const EN_UNITS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function englishBelowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const words: string[] = [];
  if (hundreds > 0) {
    words.push(`${EN_UNITS[hundreds]!} hundred`);
  }
  if (rest > 0 || hundreds === 0) {
    if (rest < 20) {
      words.push(EN_UNITS[rest]!);
    } else {
      const unit = rest % 10;
      words.push(
        unit === 0
          ? EN_TENS[Math.floor(rest / 10)]!
          : `${EN_TENS[Math.floor(rest / 10)]!}-${EN_UNITS[unit]!}`,
      );
    }
  }
  return words.join(' ');
}

function sayEnglish(n: number): string {
  if (n === 0) {
    return 'zero';
  }
  const scales: [number, string][] = [
    [1e9, 'billion'],
    [1e6, 'million'],
    [1e3, 'thousand'],
  ];
  const parts: string[] = [];
  let rest = n;
  for (const [size, name] of scales) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${englishBelowThousand(count)} ${name}`);
      rest %= size;
    }
  }
  if (rest > 0) {
    parts.push(englishBelowThousand(rest));
  }
  return parts.join(' ');
}

/** A whole number in words: 71 → `soixante et onze` / `seventy-one`. Integers from 0 to 999 999 999 999. */
export function sayNumber(n: number, language: string): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1e12) {
    throw new RangeError(`cannot say ${n}: integers from 0 to 999 999 999 999 only`);
  }
  return spokenLanguageOf(language) === 'fr' ? sayFrench(n) : sayEnglish(n);
}
