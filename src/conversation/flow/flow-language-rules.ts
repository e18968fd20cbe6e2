/**
 * The files of each declared language: `phrases/<lang>.json` (parsed by the understanding layer's own
 * `parsePhraseSet`, whose errors name the line) and `prompts/<lang>.json` (prompt id → text). Every prompt id the
 * machine plays must exist in every language, every intent its guards test must have phrases in every language,
 * and the languages must know the same intents: a flow routes on intent ids whatever the caller's language.
 */
import { join } from 'node:path';
import type { ConversationLanguage } from '../../config/config-types.js';
import { isAigError } from '../../errors/aig-error.js';
import { checkPhraseSetsAgree, parsePhraseSet, type PhraseSet } from '../../understanding/phrase-set.js';
import type { FlowJsonFile, FlowProblemList } from './flow-problems.js';
import { parseJsonSource } from './json-source-map.js';
import { isPlainObject } from './machine-model.js';
import type { VocabularyFindings } from './machine-vocabulary-rules.js';
import { templateProblems } from './template-paths.js';

/** Same rule as the prompt audio cache (`speech/prompts/prompt-texts.ts`): ids become file names. */
const PROMPT_ID = /^[A-Za-z0-9_-]+$/;

export interface LanguageFilesInput {
  readonly directory: string;
  /** Relative path → text, for every file of the flow. */
  readonly texts: ReadonlyMap<string, string>;
  readonly languages: readonly ConversationLanguage[];
  /** null when the machine could not be read. */
  readonly findings: VocabularyFindings | null;
  readonly machine: FlowJsonFile | null;
}

export interface LanguageFiles {
  readonly phrases: Partial<Record<ConversationLanguage, PhraseSet>>;
  readonly prompts: Partial<Record<ConversationLanguage, Readonly<Record<string, string>>>>;
}

export const phrasesFile = (language: string): string => `phrases/${language}.json`;
export const promptsFile = (language: string): string => `prompts/${language}.json`;

export function checkLanguageFiles(input: LanguageFilesInput, problems: FlowProblemList): LanguageFiles {
  const phrases: Partial<Record<ConversationLanguage, PhraseSet>> = {};
  const prompts: Partial<Record<ConversationLanguage, Readonly<Record<string, string>>>> = {};
  for (const language of input.languages) {
    const phraseSet = readPhrases(input, language, problems);
    if (phraseSet !== null) {
      phrases[language] = phraseSet;
    }
    const texts = readPrompts(input, language, problems);
    if (texts !== null) {
      prompts[language] = texts;
    }
  }
  const sets = Object.values(phrases);
  if (sets.length > 1) {
    try {
      checkPhraseSetsAgree(sets);
    } catch (err) {
      if (!isAigError(err)) {
        throw err;
      }
      problems.inFile(sets[0]?.source ?? input.directory, stripCode(err.message, ''));
    }
  }
  const { findings, machine } = input;
  if (findings !== null && machine !== null) {
    for (const ref of findings.prompts) {
      for (const [language, texts] of Object.entries(prompts)) {
        if (!Object.hasOwn(texts, ref.name)) {
          problems.at(
            machine,
            ref.jsonPath,
            ref.statePath,
            `prompt "${ref.name}" is missing in ${promptsFile(language)}`,
          );
        }
      }
    }
    for (const ref of findings.intents) {
      for (const [language, set] of Object.entries(phrases)) {
        if (!set.intents.has(ref.name)) {
          problems.at(
            machine,
            ref.jsonPath,
            ref.statePath,
            `intent "${ref.name}" has no phrases in ${phrasesFile(language)}`,
          );
        }
      }
    }
  }
  return { phrases, prompts };
}

function readPhrases(
  input: LanguageFilesInput,
  language: ConversationLanguage,
  problems: FlowProblemList,
): PhraseSet | null {
  const relative = phrasesFile(language);
  const text = input.texts.get(relative);
  const file = join(input.directory, relative);
  if (text === undefined) {
    problems.inFile(
      relative,
      `missing: flow.json declares language "${language}", which needs training phrases here`,
    );
    return null;
  }
  try {
    return parsePhraseSet(text, file, { language });
  } catch (err) {
    if (!isAigError(err, 'AIG_ERR_NLU_PHRASES')) {
      throw err;
    }
    // parsePhraseSet says "<message>: <file>:<line>: <reason>".
    const detail = stripCode(err.message, file);
    const match = /^:(\d+): (.*)$/s.exec(detail);
    problems.inFile(
      relative,
      match?.[2] ?? detail,
      match === null ? undefined : { line: Number(match[1]), column: 1 },
    );
    return null;
  }
}

function readPrompts(
  input: LanguageFilesInput,
  language: ConversationLanguage,
  problems: FlowProblemList,
): Readonly<Record<string, string>> | null {
  const relative = promptsFile(language);
  const text = input.texts.get(relative);
  if (text === undefined) {
    problems.inFile(
      relative,
      `missing: flow.json declares language "${language}", which needs prompt texts here`,
    );
    return null;
  }
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    problems.inFile(relative, `not valid JSON: ${parsed.message}`, parsed.position);
    return null;
  }
  const file: FlowJsonFile = { file: join(input.directory, relative), source: parsed.source };
  const value = parsed.source.value;
  if (!isPlainObject(value)) {
    problems.at(file, [], null, 'prompt texts must be one object mapping prompt ids to texts');
    return null;
  }
  const texts: Record<string, string> = {};
  let valid = true;
  for (const { path, position } of parsed.source.duplicateKeys) {
    problems.inFile(file.file, `prompt "${String(path.at(-1))}" is given twice`, position);
    valid = false;
  }
  for (const [id, prompt] of Object.entries(value)) {
    if (!PROMPT_ID.test(id)) {
      problems.at(file, [id], null, `prompt id "${id}": use letters, digits, "_" and "-" only`, 'key');
      valid = false;
    } else if (typeof prompt !== 'string' || prompt.trim() === '') {
      problems.at(file, [id], null, `prompt "${id}": the text must be a non-empty string`);
      valid = false;
    } else {
      for (const problem of templateProblems(prompt, input.findings?.variables ?? null)) {
        problems.at(file, [id], null, `prompt "${id}": ${problem}`);
        valid = false;
      }
      texts[id] = prompt;
    }
  }
  return valid ? Object.freeze(texts) : null;
}

/** The detail of an AigError message ("<code message>: <detail>"), without `prefix` when it starts with it. */
function stripCode(message: string, prefix: string): string {
  const colon = message.indexOf(': ');
  const detail = colon < 0 ? message : message.slice(colon + 2);
  return prefix !== '' && detail.startsWith(prefix) ? detail.slice(prefix.length) : detail;
}
