/**
 * `aiguilleur flows check [dir] [--config FILE]`: a flow designer's gate, the same validation the server runs when
 * it loads a flow, plus the path tests (`flow-paths.ts`: no unbounded loop, no path longer than `maxTurns`, every
 * ending a transfer or a hangup). `dir` is one flow folder (it holds flow.json or machine.json) or a folder of
 * flows (default: the configured `flows.directory`). Each problem is printed as `file:line:column  state.path
 * message`; a valid flow prints `ok <flow> <version>`. Exit 1 when anything is wrong. Transfer targets are checked
 * against the server config's `groups`, so check with the config the server uses.
 *
 * Classifiers are not trained here: training cannot fail on phrases that pass validation, and it takes seconds.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AgentGroupConfig, AiguilleurConfig } from '../config/config-types.js';
import { groupsFilePath, loadTransferTargets } from '../routing/static-targets.js';
import { loadConfig } from '../config/load-config.js';
import { packageRoot } from '../config/package-info.js';
import {
  FLOW_MACHINE_FILE,
  FLOW_SETTINGS_FILE,
  isIgnoredFlowEntry,
  readFlowFiles,
} from '../conversation/flow/flow-files.js';
import { checkFlowPaths } from '../conversation/flow/flow-paths.js';
import { formatFlowProblem, sortFlowProblems } from '../conversation/flow/flow-problems.js';
import type { FlowProblem, SourcePosition } from '../conversation/flow/flow-types.js';
import { unreadableFolder, validateFlowFiles } from '../conversation/flow/flow-validator.js';

export interface FlowsCheckCommandOptions {
  /** A flow folder or a folder of flows; default: the configured flows folder. */
  readonly target: string | undefined;
  /** Server config file (groups, flow variables). @default the usual config lookup */
  readonly configFile: string | undefined;
  /** Writes one line (stdout). */
  readonly print: (line: string) => void;
}

/** The configured flows folder: `flows.directory`, else the installation's `flows/`. */
export function flowsDirectory(config: AiguilleurConfig): string {
  return resolve(config.flows.directory ?? join(packageRoot(), 'flows'));
}

/** Resolves with the exit code: 0 every flow is valid, 1 otherwise. */
export async function runFlowsCheck(options: FlowsCheckCommandOptions): Promise<number> {
  const config = loadConfig({ file: options.configFile });
  const target = resolve(options.target ?? flowsDirectory(config));
  const folders = isFlowFolder(target) ? [target] : await flowFolders(target);
  if (folders.length === 0) {
    options.print(
      `${target}  -  no flow folder here (a flow folder holds ${FLOW_SETTINGS_FILE} and ${FLOW_MACHINE_FILE})`,
    );
    return 1;
  }
  let groups: Record<string, AgentGroupConfig>;
  try {
    groups = await loadTransferTargets(config);
  } catch (err) {
    options.print(`${groupsFilePath(config)}  -  ${(err as Error).message}`);
    return 1;
  }
  let failed = false;
  for (const folder of folders) {
    const { problems, version, flowId } = await checkFolder(folder, config, groups);
    if (problems.length === 0) {
      options.print(`ok ${flowId} ${version}`);
    } else {
      failed = true;
      for (const problem of problems) {
        options.print(formatFlowProblem(problem));
      }
    }
  }
  return failed ? 1 : 0;
}

function isFlowFolder(directory: string): boolean {
  return (
    !existsSync(directory) ||
    existsSync(join(directory, FLOW_SETTINGS_FILE)) ||
    existsSync(join(directory, FLOW_MACHINE_FILE))
  );
}

async function flowFolders(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && !isIgnoredFlowEntry(entry.name))
    .map((entry) => join(directory, entry.name))
    .sort();
}

async function checkFolder(
  folder: string,
  config: AiguilleurConfig,
  groups: Readonly<Record<string, AgentGroupConfig>>,
): Promise<{ problems: FlowProblem[]; version: string; flowId: string }> {
  let files;
  try {
    files = await readFlowFiles(folder);
  } catch (err) {
    return { problems: [unreadableFolder(folder, err)], version: '', flowId: folder };
  }
  const validation = validateFlowFiles(files, {
    groups,
    variables: config.flows.variables[files.flowId] ?? {},
  });
  const { settings, machine, model, machineFile } = validation;
  if (validation.problems.length > 0 || settings === null || machine === null) {
    return { problems: [...validation.problems], version: files.version, flowId: files.flowId };
  }
  const locate = (keys: readonly string[]): SourcePosition | null => {
    const node = model?.states.find((state) => state.path.join('.') === keys.join('.'));
    if (node === undefined || machineFile === null) {
      return null;
    }
    return { file: machineFile.file, ...machineFile.source.position(node.jsonPath, 'key') };
  };
  const paths = checkFlowPaths(
    { id: files.flowId, directory: files.directory, machine, settings },
    { locate },
  );
  return { problems: sortFlowProblems(paths.problems), version: files.version, flowId: files.flowId };
}
