/**
 * `flow.json`: the flow's settings (docs/flow-format.md), checked with a strict schema (a misspelt key is an error,
 * not a silently ignored line) and resolved with the defaults documented on `FlowSettings`. Besides the shape:
 * the id is the folder's name, hints only for declared languages, `medium` not above `high`, the fallback group
 * exists in the server's `groups`, and the server config only overrides variables the flow declares.
 */
import { z } from 'zod';
import type { ConversationLanguage } from '../../config/config-types.js';
import type { FlowJsonFile, FlowProblemList } from './flow-problems.js';
import type { FlowSettings } from './flow-types.js';

const language = z.enum(['fr', 'en']);
const share = z.number().min(0).max(1);

const flowSettingsSchema = z
  .object({
    id: z.string().min(1),
    description: z.string().default(''),
    languages: z.array(language).min(1),
    hints: z.record(z.array(z.string().min(1))).default({}),
    classification: z
      .object({ high: share.default(0.75), medium: share.default(0.45), closeMargin: share.default(0.1) })
      .strict()
      .default({}),
    maxTurns: z.number().int().positive().default(12),
    maxDurationSeconds: z.number().int().positive().default(600),
    fallbackTarget: z.string().min(1).default('general'),
    variables: z.record(z.unknown()).default({}),
    delays: z.record(z.number().int().nonnegative()).default({}),
  })
  .strict();

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface FlowSettingsContext {
  /** The folder name, which the `id` must repeat. */
  readonly flowId: string;
  readonly groups: ReadonlySet<string>;
  /** `flows.variables.<id>` from the server config. */
  readonly variableOverrides: Readonly<Record<string, string | null>>;
  /** Where the overrides come from, for messages. */
  readonly configName: string;
}

/** The resolved settings, or null when `flow.json` is unusable (problems reported). */
export function readFlowSettings(
  file: FlowJsonFile,
  context: FlowSettingsContext,
  problems: FlowProblemList,
): FlowSettings | null {
  const parsed = flowSettingsSchema.safeParse(file.source.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.at(
            file,
            [...issue.path, key],
            null,
            `unknown setting "${[...issue.path, key].join('.')}"`,
            'key',
          );
        }
      } else {
        const where = issue.path.length === 0 ? 'flow.json' : issue.path.join('.');
        problems.at(file, issue.path, null, `${where}: ${issue.message}`);
      }
    }
    return null;
  }
  const value = parsed.data;
  let valid = true;
  const fail = (path: (string | number)[], message: string, part: 'key' | 'value' = 'value'): void => {
    problems.at(file, path, null, message, part);
    valid = false;
  };
  if (value.id !== context.flowId) {
    fail(['id'], `id "${value.id}" must be the folder name "${context.flowId}"`);
  }
  const languages = value.languages;
  languages.forEach((lang, index) => {
    if (languages.indexOf(lang) !== index) {
      fail(['languages', index], `language "${lang}" is listed twice`);
    }
  });
  for (const lang of Object.keys(value.hints)) {
    if (!languages.includes(lang as ConversationLanguage)) {
      fail(['hints', lang], `hints for "${lang}", which is not in "languages"`, 'key');
    }
  }
  if (value.classification.medium > value.classification.high) {
    fail(['classification', 'medium'], 'classification.medium must not be above classification.high');
  }
  if (!context.groups.has(value.fallbackTarget)) {
    fail(
      value.fallbackTarget === 'general' && !('fallbackTarget' in (file.source.value as object))
        ? []
        : ['fallbackTarget'],
      `fallbackTarget "${value.fallbackTarget}" is not a group of the server config ` +
        `(groups: ${[...context.groups].join(', ') || 'none'})`,
    );
  }
  for (const name of Object.keys(value.variables)) {
    if (!VARIABLE_NAME.test(name)) {
      fail(['variables', name], `variable name "${name}" must be letters, digits and _`, 'key');
    }
  }
  for (const name of Object.keys(value.delays)) {
    if (/^\d+$/.test(name)) {
      fail(
        ['delays', name],
        `delay name "${name}" must not be a number (numbers are read as milliseconds)`,
        'key',
      );
    }
  }
  for (const name of Object.keys(context.variableOverrides)) {
    if (!(name in value.variables)) {
      problems.inFile(
        file.file,
        `${context.configName} sets variable "${name}", which flow.json does not declare in "variables"`,
        file.source.position(['variables']),
      );
      valid = false;
    }
  }
  if (!valid) {
    return null;
  }
  const hints: Partial<Record<ConversationLanguage, readonly string[]>> = {};
  for (const [lang, list] of Object.entries(value.hints)) {
    hints[lang as ConversationLanguage] = Object.freeze([...list]);
  }
  return Object.freeze({
    id: value.id,
    description: value.description,
    languages: Object.freeze([...languages]),
    hints: Object.freeze(hints),
    classification: Object.freeze({ ...value.classification }),
    maxTurns: value.maxTurns,
    maxDurationSeconds: value.maxDurationSeconds,
    fallbackTarget: value.fallbackTarget,
    variables: Object.freeze({
      ...value.variables,
      ...pick(context.variableOverrides, Object.keys(value.variables)),
    }),
    delays: Object.freeze({ ...value.delays }),
  });
}

function pick<T>(record: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
}
