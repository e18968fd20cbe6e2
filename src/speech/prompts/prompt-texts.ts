/**
 * Prompt texts: `prompts/<language>.json`, one object mapping each prompt id to what it says. The ids are the
 * names flows play (`welcome`, `digit_4`) and the names of the rendered files (`prompts/<language>/<id>.wav`).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AigError } from '../../errors/aig-error.js';

export type PromptTexts = Readonly<Record<string, string>>;

/** Same rule as the prompt cache: ids become file names. */
const PROMPT_ID = /^[A-Za-z0-9_-]+$/;
const LANGUAGE_FILE = /^([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.json$/;

export function promptTextsPath(directory: string, language: string): string {
  return join(directory, `${language}.json`);
}

/** Reads and checks `<directory>/<language>.json`; rejects with `AIG_ERR_PROMPT_TEXTS` naming every problem. */
export async function loadPromptTexts(directory: string, language: string): Promise<PromptTexts> {
  const file = promptTextsPath(directory, language);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    throw new AigError('AIG_ERR_PROMPT_TEXTS', `${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new AigError('AIG_ERR_PROMPT_TEXTS', `${file}: ${(err as Error).message}`, { cause: err });
  }
  return checkPromptTexts(parsed, file);
}

export function checkPromptTexts(value: unknown, source: string): PromptTexts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AigError('AIG_ERR_PROMPT_TEXTS', `${source}: expected an object mapping prompt ids to texts`);
  }
  const problems: string[] = [];
  const texts: Record<string, string> = {};
  for (const [id, text] of Object.entries(value)) {
    if (!PROMPT_ID.test(id)) {
      problems.push(`"${id}": ids use letters, digits, "_" and "-" only`);
    } else if (typeof text !== 'string' || text.trim() === '') {
      problems.push(`"${id}": the text must be a non-empty string`);
    } else {
      texts[id] = text;
    }
  }
  if (problems.length > 0) {
    throw new AigError('AIG_ERR_PROMPT_TEXTS', `${source}: ${problems.join('; ')}`);
  }
  return Object.freeze(texts);
}

/** Languages that have a texts file in `directory`, sorted. */
export async function listPromptLanguages(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (err) {
    throw new AigError('AIG_ERR_PROMPT_TEXTS', `${directory}: ${(err as Error).message}`, { cause: err });
  }
  return names
    .map((name) => LANGUAGE_FILE.exec(name)?.[1])
    .filter((language): language is string => language !== undefined)
    .sort();
}
