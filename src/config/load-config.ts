/**
 * Builds the process configuration once: defaults ← config file ← env overrides, validated by the schema,
 * then deep-frozen. Every problem found is reported in one `AIG_ERR_CONFIG_INVALID` error, one line each,
 * prefixed by where the bad value came from (the file, or `env NAME`).
 */
import { resolve } from 'node:path';
import type { ZodIssue } from 'zod';
import { AigError } from '../errors/aig-error.js';
import { configSchema } from './config-schema.js';
import type { AiguilleurConfig } from './config-types.js';
import { readConfigFile, resolveConfigPath } from './config-file.js';
import { readEnvOverrides, type EnvValue } from './env-overrides.js';

export interface LoadConfigOptions {
  /** Config file to load (CLI `--config`); otherwise `$AIGUILLEUR_CONFIG` or the default search. */
  file?: string;
  /** Environment to read overrides from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Directory relative paths (file, dataDir) are resolved against. @default process.cwd() */
  cwd?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): AiguilleurConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const path = resolveConfigPath({ file: opts.file, env, cwd });
  const raw = path === null ? {} : readConfigFile(path);
  const source = path ?? '(defaults)';

  const fromEnv = readEnvOverrides(env);
  const applied = applyEnvValues(raw, fromEnv.values);
  const problems = [...fromEnv.problems];

  const result = configSchema.safeParse(applied.merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(describeIssue(issue, source, applied.origins));
    }
  }
  if (problems.length > 0 || !result.success) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new AigError('AIG_ERR_CONFIG_INVALID', `${count}\n${problems.join('\n')}`);
  }
  return deepFreeze({ ...result.data, dataDir: resolve(cwd, result.data.dataDir) });
}

interface AppliedEnv {
  merged: Record<string, unknown>;
  /** Dotted config path → env variable that set it. */
  origins: Map<string, string>;
}

function applyEnvValues(raw: Record<string, unknown>, values: readonly EnvValue[]): AppliedEnv {
  const merged = structuredClone(raw);
  const origins = new Map<string, string>();
  for (const { override, value } of values) {
    if (setAtPath(merged, override.path, value)) {
      origins.set(override.path.join('.'), override.name);
    }
  }
  return { merged, origins };
}

/** Sets `value` at `path`, creating missing objects. Leaves a non-object in the way untouched (returns false)
 * so that the schema reports the file's mistake rather than the env silently hiding it. */
function setAtPath(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let node = target;
  for (const [index, key] of path.entries()) {
    if (index === path.length - 1) {
      node[key] = value;
      return true;
    }
    const next = node[key];
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      return false;
    }
  }
  return false;
}

function describeIssue(issue: ZodIssue, fileSource: string, origins: Map<string, string>): string {
  const path = issue.path.map(String);
  let source = fileSource;
  // The longest env-set prefix of the issue path owns the value (issues on a list item land below it).
  for (let length = path.length; length > 0; length--) {
    const name = origins.get(path.slice(0, length).join('.'));
    if (name !== undefined) {
      source = `env ${name}`;
      break;
    }
  }
  const where = path.length === 0 ? '(top level)' : path.join('.');
  return `${source}: ${where}: ${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
