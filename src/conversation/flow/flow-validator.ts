/**
 * Validation of a flow folder (docs/flow-format.md, "Validation at load"): every rule runs and every problem is
 * reported at once, each with `file:line:column` and the state path, so a designer fixes a flow in one pass. The
 * rules live in one file per group:
 *
 *   flow-settings-rules       flow.json schema and defaults, fallback group, variables
 *   machine-model             machine.json shape (XState v5 keys), `context` refused
 *   machine-structure-rules   targets, initial states, unreachable states, states with no way out, branch order
 *   machine-vocabulary-rules  actor/action/guard/delay names, input and params, transfer targets, templates
 *   actor-outcome-rules       onError, no-input and no-match handling
 *   flow-language-rules       phrases and prompts per language, prompt ids and intents used by the machine
 *   xstate-acceptance         XState's own createMachine, last
 *
 * `validateFlowFiles` is pure over the files already read; the loader uses its result to build the flow.
 */
import { join } from 'node:path';
import type { AgentGroupConfig, ConversationLanguage } from '../../config/config-types.js';
import type { PhraseSet } from '../../understanding/phrase-set.js';
import { checkActorOutcomes } from './actor-outcome-rules.js';
import { FLOW_MACHINE_FILE, FLOW_SETTINGS_FILE, readFlowFiles, type FlowFiles } from './flow-files.js';
import { checkLanguageFiles } from './flow-language-rules.js';
import { FlowProblemList, sortFlowProblems, type FlowJsonFile } from './flow-problems.js';
import { readFlowSettings } from './flow-settings-rules.js';
import type { FlowProblem, FlowSettings } from './flow-types.js';
import { parseJsonSource, type JsonPath } from './json-source-map.js';
import { buildMachineModel, type MachineModel } from './machine-model.js';
import { checkMachineStructure } from './machine-structure-rules.js';
import { checkMachineVocabulary } from './machine-vocabulary-rules.js';
import { xstateRejection } from './xstate-acceptance.js';

export interface FlowValidationOptions {
  /** The server config's agent groups: transfer targets and `fallbackTarget` must be among them. */
  readonly groups: Readonly<Record<string, AgentGroupConfig>>;
  /** `flows.variables.<flow id>` of the server config. @default {} */
  readonly variables?: Readonly<Record<string, string | null>>;
}

export interface FlowValidation {
  readonly files: FlowFiles;
  /** Sorted by file, line, column. Empty: the flow is valid and every field below is set. */
  readonly problems: readonly FlowProblem[];
  readonly settings: FlowSettings | null;
  readonly machine: Readonly<Record<string, unknown>> | null;
  readonly model: MachineModel | null;
  /** Positions in machine.json (path analysis reports use them). */
  readonly machineFile: FlowJsonFile | null;
  readonly phrases: Partial<Record<ConversationLanguage, PhraseSet>>;
  readonly prompts: Partial<Record<ConversationLanguage, Readonly<Record<string, string>>>>;
}

/** Reads the folder and validates it; never rejects (an unreadable folder is a problem). */
export async function validateFlow(
  directory: string,
  options: FlowValidationOptions,
): Promise<FlowProblem[]> {
  let files: FlowFiles;
  try {
    files = await readFlowFiles(directory);
  } catch (err) {
    return [unreadableFolder(directory, err)];
  }
  return [...validateFlowFiles(files, options).problems];
}

export function unreadableFolder(directory: string, err: unknown): FlowProblem {
  return {
    file: directory,
    line: null,
    column: null,
    statePath: null,
    message: `the flow folder cannot be read (${(err as Error).message})`,
  };
}

export function validateFlowFiles(files: FlowFiles, options: FlowValidationOptions): FlowValidation {
  const problems = new FlowProblemList(files.directory);
  const groups = new Set(Object.keys(options.groups));

  const settingsFile = parseFlowJson(files, FLOW_SETTINGS_FILE, problems);
  const settings =
    settingsFile === null
      ? null
      : readFlowSettings(
          settingsFile,
          {
            flowId: files.flowId,
            groups,
            variableOverrides: options.variables ?? {},
            configName: `server config flows.variables.${files.flowId}`,
          },
          problems,
        );

  const machineFile = parseFlowJson(files, FLOW_MACHINE_FILE, problems);
  let model: MachineModel | null = null;
  let findings = null;
  const problemsBeforeMachine = problems.problems.length;
  if (machineFile !== null) {
    const report = (
      path: JsonPath,
      statePath: string | null,
      message: string,
      part?: 'key' | 'value',
    ): void => problems.at(machineFile, path, statePath, message, part);
    model = buildMachineModel(machineFile.source.value, report);
    if (model !== null) {
      checkMachineStructure(model, report);
      findings = checkMachineVocabulary(model, { settings, groups }, report);
      checkActorOutcomes(model, report);
    }
  }
  const machineProblems = problems.problems.length - problemsBeforeMachine;

  const { phrases, prompts } = checkLanguageFiles(
    {
      directory: files.directory,
      texts: files.texts,
      languages: settings?.languages ?? [],
      findings,
      machine: machineFile,
    },
    problems,
  );

  if (model !== null && machineFile !== null && machineProblems === 0) {
    const rejection = xstateRejection(model.root.config, settings?.delays ?? {});
    if (rejection !== null) {
      problems.at(machineFile, [], null, `XState rejects the machine: ${rejection}`);
    }
  }

  return {
    files,
    problems: sortFlowProblems(problems.problems),
    settings,
    machine: model === null ? null : model.root.config,
    model,
    machineFile,
    phrases,
    prompts,
  };
}

/** Parses one of the flow's JSON files; reports it missing, unparsable, or with a key given twice. */
function parseFlowJson(files: FlowFiles, name: string, problems: FlowProblemList): FlowJsonFile | null {
  const text = files.texts.get(name);
  if (text === undefined) {
    problems.inFile(name, `missing: a flow folder needs ${name}`);
    return null;
  }
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    problems.inFile(name, `not valid JSON: ${parsed.message}`, parsed.position);
    return null;
  }
  const file: FlowJsonFile = { file: join(files.directory, name), source: parsed.source };
  for (const { path, position } of parsed.source.duplicateKeys) {
    problems.inFile(
      file.file,
      `"${String(path.at(-1))}" is given twice in the same object (the first is lost)`,
      position,
    );
  }
  return file;
}
