/**
 * Finding and parsing the configuration file (YAML or JSON). Parsing only: validation is `config-schema.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { isScalar, parseDocument, visit } from 'yaml';
import { AigError } from '../errors/aig-error.js';
import { CONFIG_FILE_ENV } from './env-overrides.js';

/** Looked for in the working directory, in this order, when no file is named. */
const CONFIG_FILE_CANDIDATES: readonly string[] = Object.freeze([
  'aiguilleur.config.yaml',
  'aiguilleur.config.yml',
  'aiguilleur.config.json',
  'config/aiguilleur.yaml',
]);

export interface ConfigPathOptions {
  /** Named explicitly (CLI `--config`); must exist. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The absolute path of the file to load: `file`, else `$AIGUILLEUR_CONFIG`, else the first existing
 * candidate in `cwd`; `null` when there is none (defaults and env apply alone).
 */
export function resolveConfigPath(opts: ConfigPathOptions): string | null {
  const cwd = opts.cwd ?? process.cwd();
  const named = opts.file ?? nonEmpty(opts.env?.[CONFIG_FILE_ENV]);
  if (named !== undefined) {
    return resolve(cwd, named);
  }
  for (const candidate of CONFIG_FILE_CANDIDATES) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) {
      return path;
    }
  }
  return null;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Reads and parses one file into a plain object (not yet validated). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AigError('AIG_ERR_CONFIG_READ', `${path}: ${(err as Error).message}`, { cause: err });
  }
  const extension = extname(path).toLowerCase();
  let data: unknown;
  if (extension === '.json') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new AigError('AIG_ERR_CONFIG_INVALID', `${path}: ${(err as Error).message}`, { cause: err });
    }
  } else if (extension === '.yaml' || extension === '.yml') {
    data = parseYaml(path, text);
  } else {
    throw new AigError('AIG_ERR_CONFIG_READ', `${path}: unsupported extension (use .yaml, .yml or .json)`);
  }
  if (data === null || data === undefined) {
    // An empty file is a valid "all defaults" configuration.
    return {};
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new AigError('AIG_ERR_CONFIG_INVALID', `${path}: the top level must be a mapping of settings`);
  }
  return data as Record<string, unknown>;
}

function parseYaml(path: string, text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${path}: ${e.message.split('\n')[0] ?? e.message}`);
    throw new AigError('AIG_ERR_CONFIG_INVALID', problems.join('\n'));
  }
  // YAML reads an unquoted key such as `0800` as the integer 800; a dialled number is a digit string whose
  // leading zeros matter, so every mapping key keeps the exact text written in the file.
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value !== 'string' && typeof pair.key.source === 'string') {
        pair.key.value = pair.key.source;
      }
    },
  });
  return doc.toJS();
}
