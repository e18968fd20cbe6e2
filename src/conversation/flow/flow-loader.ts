/**
 * Loading a flow: read the folder once, validate everything (`flow-validator.ts`), then train the flow's intent
 * classifiers and hand out an immutable `LoadedFlow`. A flow with any problem is refused as a whole, with every
 * problem listed (`AIG_ERR_FLOW_INVALID`): a half-valid flow would fail in the middle of a call instead of at load.
 */
import { resolve } from 'node:path';
import { AigError, isAigError } from '../../errors/aig-error.js';
import { FlowIntentClassifiers } from '../../understanding/flow-intent-classifiers.js';
import type { IntentClassifierOptions } from '../../understanding/intent-classifier-types.js';
import type { PhraseSet } from '../../understanding/phrase-set.js';
import { readFlowFiles } from './flow-files.js';
import { formatFlowProblem } from './flow-problems.js';
import type { FlowProblem, LoadedFlow } from './flow-types.js';
import { unreadableFolder, validateFlowFiles, type FlowValidationOptions } from './flow-validator.js';

export interface LoadFlowOptions extends FlowValidationOptions {
  /** How the flow's classifiers are trained. @default {} (see `IntentClassifierOptions`) */
  readonly classifierOptions?: IntentClassifierOptions;
}

export type FlowLoadResult =
  | { readonly ok: true; readonly flow: LoadedFlow }
  | { readonly ok: false; readonly directory: string; readonly problems: readonly FlowProblem[] };

/** Resolves with the flow, or rejects with `AIG_ERR_FLOW_INVALID` listing every problem. */
export async function loadFlow(directory: string, options: LoadFlowOptions): Promise<LoadedFlow> {
  const result = await tryLoadFlow(directory, options);
  if (!result.ok) {
    throw flowInvalidError(result.directory, result.problems);
  }
  return result.flow;
}

/** Same as `loadFlow`, with the problems as data instead of an error (the registry reports them). */
export async function tryLoadFlow(directory: string, options: LoadFlowOptions): Promise<FlowLoadResult> {
  const absolute = resolve(directory);
  let files;
  try {
    files = await readFlowFiles(absolute);
  } catch (err) {
    return { ok: false, directory: absolute, problems: [unreadableFolder(absolute, err)] };
  }
  const validation = validateFlowFiles(files, options);
  const { settings, machine } = validation;
  if (validation.problems.length > 0 || settings === null || machine === null) {
    return { ok: false, directory: absolute, problems: validation.problems };
  }
  const phraseSets = settings.languages
    .map((language) => validation.phrases[language])
    .filter((set): set is PhraseSet => set !== undefined);
  const classifiers = new FlowIntentClassifiers(settings.id, options.classifierOptions);
  try {
    await classifiers.train(phraseSets);
  } catch (err) {
    if (!isAigError(err)) {
      throw err;
    }
    const problem: FlowProblem = {
      file: absolute,
      line: null,
      column: null,
      statePath: null,
      message: `the intent classifiers could not be trained: ${err.message}`,
    };
    return { ok: false, directory: absolute, problems: [problem] };
  }
  const flow: LoadedFlow = Object.freeze({
    id: settings.id,
    directory: absolute,
    version: files.version,
    settings: deepFreeze(settings),
    machine: deepFreeze(structuredClone(machine)),
    phrases: Object.freeze({ ...validation.phrases }),
    prompts: deepFreeze({ ...validation.prompts }),
    classifiers,
    loadedAt: new Date(),
  });
  return { ok: true, flow };
}

/** `AIG_ERR_FLOW_INVALID` whose detail lists each problem on its own line. */
export function flowInvalidError(directory: string, problems: readonly FlowProblem[]): AigError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new AigError(
    'AIG_ERR_FLOW_INVALID',
    `${directory}: ${count}\n${problems.map((problem) => `  ${formatFlowProblem(problem)}`).join('\n')}`,
  );
}

/** Freezes a JSON tree (no cycles) all the way down, including parts frozen only at the top. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) {
      deepFreeze(item);
    }
  }
  return value;
}
