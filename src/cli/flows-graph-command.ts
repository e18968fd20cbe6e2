/**
 * `aiguilleur flows graph <flow> [--format mermaid|stately] [--config FILE]`: the flow's machine as a Mermaid state
 * diagram (default) or as the text Stately's visual editor imports (`flow-graph.ts`). `<flow>` is a flow folder or
 * a flow id under the configured flows folder. Only `machine.json` is read, so an unfinished flow can be drawn.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { FLOW_MACHINE_FILE } from '../conversation/flow/flow-files.js';
import { FLOW_GRAPH_FORMATS, toMermaid, toStatelyImport } from '../conversation/flow/flow-graph.js';
import { parseJsonSource } from '../conversation/flow/json-source-map.js';
import { isPlainObject } from '../conversation/flow/machine-model.js';
import { flowsDirectory } from './flows-check-command.js';

export interface FlowsGraphCommandOptions {
  /** A flow folder, or a flow id under the configured flows folder. */
  readonly flow: string | undefined;
  /** @default 'mermaid' */
  readonly format: string | undefined;
  /** Server config file (only to find the flows folder for a flow id). */
  readonly configFile: string | undefined;
  /** Writes the output (stdout). */
  readonly print: (text: string) => void;
  /** Writes one line of diagnostics (stderr). */
  readonly progress: (line: string) => void;
}

/** Resolves with the exit code: 0 printed, 1 machine.json unreadable, 2 bad arguments. */
export async function runFlowsGraph(options: FlowsGraphCommandOptions): Promise<number> {
  const format = FLOW_GRAPH_FORMATS.find((candidate) => candidate === (options.format ?? 'mermaid'));
  if (options.flow === undefined || format === undefined) {
    options.progress(
      options.flow === undefined
        ? 'flows graph needs a flow folder: aiguilleur flows graph <flow> [--format mermaid|stately]'
        : `--format ${options.format}: expected one of ${FLOW_GRAPH_FORMATS.join(', ')}`,
    );
    return 2;
  }
  const folder =
    existsSync(options.flow) || options.flow.includes('/')
      ? resolve(options.flow)
      : join(flowsDirectory(loadConfig({ file: options.configFile })), options.flow);
  const file = join(folder, FLOW_MACHINE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    options.progress(`${file}  -  cannot be read (${(err as Error).message})`);
    return 1;
  }
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    options.progress(
      `${file}:${parsed.position.line}:${parsed.position.column}  -  not valid JSON: ${parsed.message}`,
    );
    return 1;
  }
  const machine = parsed.source.value;
  if (!isPlainObject(machine)) {
    options.progress(`${file}:1:1  -  machine.json must hold one object: an XState machine config`);
    return 1;
  }
  options.print(format === 'mermaid' ? toMermaid(machine) : toStatelyImport(machine));
  return 0;
}
