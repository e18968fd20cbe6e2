/**
 * A flow's training phrases for one language: `flows/<flow>/phrases/<language>.json`,
 * `{ "language": "fr", "intents": { "<intent id>": ["phrase", ...], ... } }`.
 *
 * This module is pure, like the rest of `src/understanding` (DESIGN.md: no I/O): it checks the text of a file
 * that its caller read (the `understand` CLI today, the conversation layer's flow loader next). Every problem is an
 * `AIG_ERR_NLU_PHRASES` naming the file and, when it can, the line, so a flow designer can fix the file at once:
 * not JSON, wrong shape, an intent id that is not an id, an empty list, a phrase given to two intents (compared
 * after normalization: "J'ai perdu ma carte" and "j ai perdu ma carte" are the same phrase to the classifier),
 * a required intent missing (`out_of_scope` always: rejection is learned from it).
 *
 * A phrase repeated within one intent is harmless and kept once.
 */
import type { ConversationLanguage } from '../config/config-types.js';
import { AigError } from '../errors/aig-error.js';
import { normalizeText } from './text-normalizer.js';

/** The intent every flow must train: what the line does not handle. Utterances rejected by the classifier get it. */
export const OUT_OF_SCOPE_INTENT = 'out_of_scope';
/** The caller asks for a human. Detected even alongside a topic (see `intent-decision.ts`). */
export const AGENT_INTENT = 'agent';

const INTENT_ID = /^[a-z][a-z0-9_]*$/;

export interface PhraseSet {
  readonly language: ConversationLanguage;
  /** Intent id → its phrases (trimmed, each once), in file order. */
  readonly intents: ReadonlyMap<string, readonly string[]>;
  /** Where the phrases came from (error messages). */
  readonly source: string;
}

export interface ParsePhraseSetOptions {
  /** The language the file must declare (the file name says it). */
  readonly language: ConversationLanguage;
  /** Intents that must be present besides `out_of_scope`. @default [] */
  readonly requiredIntents?: readonly string[];
}

/** Parses and checks one phrase file's text; `file` is used in error messages only. */
export function parsePhraseSet(text: string, file: string, options: ParsePhraseSetOptions): PhraseSet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = (err as Error).message.replace(/\s+/g, ' ');
    throw phrasesError(file, jsonErrorLine(text, err), `not JSON (${reason})`);
  }
  if (!isPlainObject(value)) {
    throw phrasesError(file, 1, 'expected an object { "language": ..., "intents": { ... } }');
  }
  if (value.language !== options.language) {
    throw phrasesError(
      file,
      lineOf(text, '"language"'),
      `"language" is ${JSON.stringify(value.language)}, expected "${options.language}"`,
    );
  }
  if (!isPlainObject(value.intents)) {
    throw phrasesError(
      file,
      lineOf(text, '"intents"'),
      '"intents" must be an object mapping intent ids to phrase lists',
    );
  }
  const intents = new Map<string, string[]>();
  /** Normalized phrase → the intent that has it, to find a phrase given to two intents. */
  const owners = new Map<string, string>();
  for (const [intent, phrases] of Object.entries(value.intents)) {
    const line = lineOf(text, JSON.stringify(intent));
    if (!INTENT_ID.test(intent)) {
      throw phrasesError(file, line, `intent id "${intent}" must be lower case letters, digits and _`);
    }
    if (!Array.isArray(phrases)) {
      throw phrasesError(file, line, `intent "${intent}": expected a list of phrases`);
    }
    const kept: string[] = [];
    for (const phrase of phrases as unknown[]) {
      if (typeof phrase !== 'string' || phrase.trim() === '') {
        throw phrasesError(file, line, `intent "${intent}": every phrase must be a non-empty string`);
      }
      const normalized = normalizeText(phrase, options.language);
      const owner = owners.get(normalized);
      if (owner === intent) {
        continue;
      }
      if (owner !== undefined) {
        throw phrasesError(
          file,
          lineOf(text, JSON.stringify(phrase), line),
          `phrase "${phrase}" is given to both "${owner}" and "${intent}"`,
        );
      }
      owners.set(normalized, intent);
      kept.push(phrase.trim());
    }
    if (kept.length === 0) {
      throw phrasesError(file, line, `intent "${intent}" has no phrases`);
    }
    intents.set(intent, kept);
  }
  for (const required of [OUT_OF_SCOPE_INTENT, ...(options.requiredIntents ?? [])]) {
    if (!intents.has(required)) {
      throw phrasesError(file, lineOf(text, '"intents"'), `missing intent "${required}"`);
    }
  }
  return { language: options.language, intents, source: file };
}

/** Languages of one flow must know the same intents: a flow routes on ids, whatever the caller's language. */
export function checkPhraseSetsAgree(sets: readonly PhraseSet[]): void {
  const all = new Set(sets.flatMap((set) => [...set.intents.keys()]));
  for (const set of sets) {
    const missing = [...all].filter((intent) => !set.intents.has(intent));
    if (missing.length > 0) {
      throw new AigError(
        'AIG_ERR_NLU_PHRASES',
        `${set.source}: missing intent${missing.length > 1 ? 's' : ''} ${missing.map((i) => `"${i}"`).join(', ')} ` +
          `(present in another language of the flow)`,
      );
    }
  }
}

/** A copy holding only the given phrases of each intent (cross-validation folds). */
export function subsetPhraseSet(set: PhraseSet, keep: (intent: string, index: number) => boolean): PhraseSet {
  const intents = new Map<string, string[]>();
  for (const [intent, phrases] of set.intents) {
    const kept = phrases.filter((_, index) => keep(intent, index));
    if (kept.length > 0) {
      intents.set(intent, kept);
    }
  }
  return { language: set.language, intents, source: set.source };
}

/** Builds a phrase set from an object literal (tests, tools); same checks as a file. */
export function phraseSetFromObject(
  language: ConversationLanguage,
  intents: Readonly<Record<string, readonly string[]>>,
  source = '<inline phrases>',
): PhraseSet {
  return parsePhraseSet(JSON.stringify({ language, intents }, null, 1), source, { language });
}

function phrasesError(file: string, line: number, reason: string): AigError {
  return new AigError('AIG_ERR_NLU_PHRASES', `${file}:${line}: ${reason}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 1-based line of the first occurrence of `needle` at or after line `fromLine`; `fromLine` when absent. */
function lineOf(text: string, needle: string, fromLine = 1): number {
  let start = 0;
  for (let line = 1; line < fromLine; line += 1) {
    const next = text.indexOf('\n', start);
    if (next < 0) {
      return fromLine;
    }
    start = next + 1;
  }
  const at = text.indexOf(needle, start);
  return at < 0 ? fromLine : lineAt(text, at);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
    }
  }
  return line;
}

/**
 * Node 20's V8 says "... at position 42", or for an unexpected token quotes 10 characters of context before it
 * (`Unexpected token ']', ..."nt": ["a",]  }" is not valid JSON`); Node 22 says "(line 3 column 5)". Line 1
 * when the message says none of these.
 */
function jsonErrorLine(text: string, err: unknown): number {
  const message = (err as Error).message;
  const lineColumn = /line (\d+) column \d+/.exec(message);
  if (lineColumn) {
    return Number(lineColumn[1]);
  }
  const position = /at position (\d+)/.exec(message);
  if (position) {
    return lineAt(text, Number(position[1]));
  }
  const context = /^Unexpected token .*?, \.\.\."([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  const at = context ? text.indexOf(context[1]!) : -1;
  return at < 0 ? 1 : lineAt(text, at + V8_JSON_CONTEXT_CHARACTERS);
}

const V8_JSON_CONTEXT_CHARACTERS = 10;
