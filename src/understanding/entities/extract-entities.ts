/**
 * Every entity of one utterance at once — yes/no, NIR, date, digits — for the CLI's `understand` output and for
 * flows that want the whole picture rather than one extractor. Each extractor keeps its own rules (see their
 * files); this file only decides what to report when they read the same words:
 *   - a NIR, then a date, own their words: digits inside them are not reported again ("le 3 mars" is a date,
 *     not the digits "3");
 *   - the remaining number groups form digit runs (groups separated only by fillers);
 *   - the yes/no answer is independent of the others: a keypad "1" is both the digits "1" and a yes, and the flow
 *     knows which one it asked for.
 * At most one yes/no, one NIR and one date (the first) are reported; digit runs, all of them. The result is sorted
 * by position.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { findDate } from './date.js';
import { tokenizeEntities } from './entity-tokens.js';
import { findNir, type NirParse } from './nir.js';
import { groupDigitRuns, readNumberGroups, type DigitRun } from './spoken-number.js';
import { extractYesNo } from './yes-no.js';

export type EntityType = 'yes_no' | 'digits' | 'nir' | 'date';

interface EntityBase {
  /** The words of the original text the entity was read from. */
  readonly text: string;
  /** Character offsets of `text` in the original text. */
  readonly start: number;
  readonly end: number;
  /** 0–1. */
  readonly confidence: number;
}

/** One entity; `value` depends on `type`. */
export type Entity =
  | (EntityBase & { readonly type: 'yes_no'; readonly value: 'yes' | 'no' })
  /** The digit string, leading zeros kept. */
  | (EntityBase & { readonly type: 'digits'; readonly value: string })
  /** The NIR as heard and whether it is valid. Personal data: mask it (`maskNir`) before logging. */
  | (EntityBase & { readonly type: 'nir'; readonly value: NirParse })
  /** `YYYY-MM-DD`. */
  | (EntityBase & { readonly type: 'date'; readonly value: string });

export interface ExtractEntitiesOptions {
  /** Entity types to look for. @default ['yes_no', 'digits', 'nir', 'date'] */
  readonly types?: readonly EntityType[];
  /**
   * The caller's current day, against which relative dates ("demain", "le 15") are resolved; only its local
   * calendar day is read. @default the system clock's current date (pass it for reproducible results)
   */
  readonly today?: Date;
}

const ALL_TYPES: readonly EntityType[] = ['yes_no', 'digits', 'nir', 'date'];

const CONFIDENCE = {
  validNir: 0.99,
  /** 13 or 15 characters that fail the key or the format: certainly a NIR, probably misheard. */
  invalidNir: 0.6,
  typedDigits: 0.95,
  spokenDigits: 0.85,
} as const;

interface Span {
  readonly start: number;
  readonly end: number;
}

const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;

function digitsConfidence(run: DigitRun): number {
  return run.groups.every((group) => !group.spelled) ? CONFIDENCE.typedDigits : CONFIDENCE.spokenDigits;
}

/**
 * The entities of `text` (see the file header for how overlaps are resolved), sorted by position. Pure but for
 * the default of `options.today`.
 */
export function extractEntities(
  text: string,
  lang: ConversationLanguage,
  options: ExtractEntitiesOptions = {},
): Entity[] {
  const types = new Set(options.types ?? ALL_TYPES);
  const entities: Entity[] = [];
  const owned: Span[] = [];
  const slice = (span: Span): string => text.slice(span.start, span.end);

  if (types.has('yes_no')) {
    const answer = extractYesNo(text, lang);
    if (answer !== null) {
      const { start, end } = answer.span;
      const span = { start, end };
      entities.push({
        type: 'yes_no',
        value: answer.value,
        text: slice(span),
        ...span,
        confidence: answer.confidence,
      });
    }
  }
  if (types.has('nir')) {
    const nir = findNir(text, lang);
    if (nir !== null) {
      const span = { start: nir.start, end: nir.end };
      const confidence = nir.parse.valid ? CONFIDENCE.validNir : CONFIDENCE.invalidNir;
      entities.push({ type: 'nir', value: nir.parse, text: slice(span), ...span, confidence });
      owned.push(span);
    }
  }
  if (types.has('date')) {
    const date = findDate(text, lang, options.today ?? new Date());
    if (date !== null && !owned.some((span) => overlaps(span, date))) {
      const span = { start: date.start, end: date.end };
      entities.push({
        type: 'date',
        value: date.iso,
        text: slice(span),
        ...span,
        confidence: date.confidence,
      });
      owned.push(span);
    }
  }
  if (types.has('digits')) {
    const tokens = tokenizeEntities(text);
    const free = readNumberGroups(tokens, lang).filter(
      (group) => !owned.some((span) => overlaps(span, group)),
    );
    for (const run of groupDigitRuns(tokens, free, lang)) {
      const span = { start: run.start, end: run.end };
      entities.push({
        type: 'digits',
        value: run.digits,
        text: slice(span),
        ...span,
        confidence: digitsConfidence(run),
      });
    }
  }
  return entities.sort((a, b) => a.start - b.start || b.end - a.end);
}
