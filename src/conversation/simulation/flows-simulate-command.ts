/**
 * `aiguilleur flows simulate <flow> [--lang fr|en] [--script FILE] [--no-recognizer] [--config FILE]`: a call
 * without a phone, for flow designers. The flow is loaded and validated as the server would load it, then run by
 * the same runtime; only the call is simulated (`SimulatedCallPort`).
 *
 *   - interactive (no `--script`): type what the caller says, one turn per line (`simulated-turns.ts`: `#4` a key,
 *     an empty line silence, `!nomatch`, `!error unavailable`, `!hangup`); the prompts, recognized intents with
 *     their scores, state changes and the final decision are printed as readable lines;
 *   - `--script FILE`: the turns come from FILE (same syntax, `//` comments), and every event is printed as one
 *     JSON object per line — `{"event":"prompt","id":...,"text":...}`, `{"event":"state",...}`,
 *     `{"event":"classification",...}`... — the last line being the outcome
 *     `{"outcome":"transfer"|"callback"|"hangup","target":...,"intent":...,"turns":N,"reason":...}`.
 *
 * When the turns run out (end of script, or end of input), the caller stays silent: the flow must end anyway.
 * Transcripts are kept in the simulator's timeline (the designer typed them); digits and NIRs are masked as on a
 * live call, except in the prompts the IVR says (read-backs are shown as said).
 */
import { loadTransferTargets } from '../../routing/static-targets.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ConversationLanguage } from '../../config/config-types.js';
import { loadConfig } from '../../config/load-config.js';
import { AigError } from '../../errors/aig-error.js';
import type { TimelineEntry } from '../../store/call-timeline.js';
import { MemoryCallTimeline } from '../../store/memory-call-timeline.js';
import { formatFlowProblem } from '../flow/flow-problems.js';
import { tryLoadFlow } from '../flow/flow-loader.js';
import { runFlow, type FlowRunResult } from '../runtime/flow-runtime.js';
import {
  scriptedTurns,
  SimulatedCallPort,
  type SimulatedCallEvent,
  type SimulatedExpectation,
  type SimulatedTurnSource,
} from './simulated-call-port.js';
import { parseSimulatedScript, parseSimulatedTurn, type SimulatedTurn } from './simulated-turns.js';

const LANGUAGES: readonly ConversationLanguage[] = ['fr', 'en'];

export interface FlowsSimulateOptions {
  /** The flow's folder, or a flow id under the configured flows folder. */
  readonly flow: string | undefined;
  /** Language the call starts in. @default the flow's first language */
  readonly language?: string;
  /** Script of caller turns; absent: interactive. */
  readonly script?: string;
  /** Server config (groups, flow variables). @default the usual config lookup */
  readonly configFile?: string;
  /** Simulate a call whose recognizer is down (speech turns become recognizer errors). @default false */
  readonly noRecognizer?: boolean;
  /** Caller turns in interactive mode (stdin). */
  readonly input: Readable;
  /** One line of output (stdout). */
  readonly print: (line: string) => void;
  /** Writes the interactive prompt, no newline (stdout). @default print */
  readonly prompt?: (text: string) => void;
  /** One line of diagnostics (stderr). */
  readonly progress: (line: string) => void;
}

/** Resolves with the exit code: 0 the call ended, 1 the flow is invalid, 2 bad arguments. */
export async function runFlowsSimulate(options: FlowsSimulateOptions): Promise<number> {
  if (options.flow === undefined) {
    options.progress('flows simulate needs a flow folder: aiguilleur flows simulate <flow> [--lang fr|en]');
    return 2;
  }
  if (options.language !== undefined && !LANGUAGES.some((language) => language === options.language)) {
    options.progress(`--lang ${options.language}: expected one of ${LANGUAGES.join(', ')}`);
    return 2;
  }
  const config = loadConfig({ file: options.configFile });
  const directory =
    existsSync(options.flow) || options.flow.includes('/')
      ? options.flow
      : join(config.flows.directory ?? 'flows', options.flow);
  const flowId = directory.replace(/\/+$/, '').split('/').pop() ?? directory;
  const variables = config.flows.variables[flowId] ?? {};
  const groups = await loadTransferTargets(config);
  const loaded = await tryLoadFlow(directory, { groups, variables });
  if (!loaded.ok) {
    options.progress(`${loaded.directory}: the flow is invalid`);
    for (const problem of loaded.problems) {
      options.progress(formatFlowProblem(problem));
    }
    return 1;
  }
  const { flow } = loaded;
  const language =
    LANGUAGES.find((candidate) => candidate === options.language) ?? flow.settings.languages[0];
  if (language === undefined || !flow.settings.languages.includes(language)) {
    options.progress(`--lang ${options.language}: the flow speaks ${flow.settings.languages.join(', ')}`);
    return 2;
  }

  const json = options.script !== undefined;
  const write = json ? printJson(options.print) : printReadable(options.print);
  let turns: SimulatedTurnSource;
  let closeInput = (): void => undefined;
  if (options.script !== undefined) {
    turns = scriptedTurns(parseSimulatedScript(await readScript(options.script), options.script));
  } else {
    const interactive = new InteractiveTurns(
      options.input,
      options.prompt ?? options.print,
      options.progress,
    );
    turns = interactive;
    closeInput = () => interactive.close();
    options.print(
      `${flow.id} (${flow.version}), ${language}: type what the caller says — #4 a key, an empty line silence, ` +
        '!nomatch, !error unavailable, !hangup; end of input = silence.',
    );
  }
  const port = new SimulatedCallPort({
    turns,
    callId: 'simulation',
    recognizerAvailable: options.noRecognizer !== true,
    onEvent: (event) => write.callEvent(event),
  });
  const timeline = new MemoryCallTimeline((entry) => write.timelineEntry(entry));
  try {
    const result = await runFlow(flow, port, {
      groups,
      language,
      variables,
      timeline,
      transcripts: 'keep',
    });
    write.outcome(result);
  } finally {
    closeInput();
  }
  return 0;
}

async function readScript(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new AigError('AIG_ERR_FLOW_INPUT', `${file}: ${(err as Error).message}`, { cause: err });
  }
}

interface SimulationPrinter {
  callEvent(event: SimulatedCallEvent): void;
  timelineEntry(entry: TimelineEntry): void;
  outcome(result: FlowRunResult): void;
}

/** `--script`: one JSON object per event. Prompts are printed as said (the timeline's copy is redacted). */
function printJson(print: (line: string) => void): SimulationPrinter {
  return {
    callEvent(event) {
      if (event.event === 'prompt') {
        print(JSON.stringify({ event: 'prompt', id: event.id, text: event.text }));
      } else {
        print(JSON.stringify(event));
      }
    },
    timelineEntry(entry) {
      if (entry.type !== 'prompt') {
        print(JSON.stringify({ event: entry.type, ...entry.data }));
      }
    },
    outcome(result) {
      print(
        JSON.stringify({
          outcome: result.outcome,
          target: result.target,
          intent: result.intent,
          turns: result.turns,
          reason: result.reason,
        }),
      );
    },
  };
}

const pad = (label: string): string => `[${label}]`.padEnd(17);
const fixed = (value: unknown): string => (typeof value === 'number' ? value.toFixed(2) : String(value));

/** Interactive: one readable line per event. */
function printReadable(print: (line: string) => void): SimulationPrinter {
  return {
    callEvent(event) {
      switch (event.event) {
        case 'prompt':
          print(`${pad('ivr')}${event.id}: ${event.text}`);
          return;
        case 'transfer':
          print(`${pad('transfer')}${event.target} (${event.uri}) ${JSON.stringify(event.context)}`);
          return;
        case 'hangup':
          print(`${pad('hangup')}by ${event.by}`);
      }
    },
    timelineEntry({ type, data }) {
      switch (type) {
        case 'state':
          print(`${pad('state')}${String(data.to)}`);
          return;
        case 'recognition': {
          const what = data.transcript ?? data.key ?? data.digits ?? data.errorKind ?? '';
          print(`${pad('heard')}${String(data.kind)} ${JSON.stringify(what)}`);
          return;
        }
        case 'classification': {
          const runnerUp = data.runnerUp as { intent: string; confidence: number } | null;
          const scores = Object.entries(data.scores as Record<string, number>)
            .slice(0, 3)
            .map(([intent, score]) => `${intent} ${fixed(score)}`)
            .join(', ');
          print(
            `${pad('intent')}${String(data.intent)} ${fixed(data.confidence)}` +
              (runnerUp === null ? '' : `, runner-up ${runnerUp.intent} ${fixed(runnerUp.confidence)}`) +
              `  (top: ${scores})`,
          );
          return;
        }
        case 'prompt':
          return;
        default:
          print(`${pad(type)}${JSON.stringify(data)}`);
      }
    },
    outcome(result) {
      print(
        `${pad('outcome')}${result.outcome}${result.target === null ? '' : ` → ${result.target}`}, intent ` +
          `${result.intent ?? '(none)'}, ${result.turns} turns (${result.reason})`,
      );
    },
  };
}

/** Caller turns typed at the terminal (or piped in); end of input = silence from then on. */
class InteractiveTurns implements SimulatedTurnSource {
  private readonly lines: AsyncIterator<string>;
  private readonly reader: ReturnType<typeof createInterface>;
  private ended = false;

  constructor(
    input: Readable,
    private readonly prompt: (text: string) => void,
    private readonly progress: (line: string) => void,
  ) {
    this.reader = createInterface({ input, crlfDelay: Infinity, terminal: false });
    this.lines = this.reader[Symbol.asyncIterator]();
  }

  async next(expecting: SimulatedExpectation): Promise<SimulatedTurn | null> {
    for (;;) {
      if (this.ended) {
        return null;
      }
      this.prompt(expecting === 'digits' ? 'caller (digits)> ' : 'caller> ');
      const line = await this.lines.next();
      if (line.done === true) {
        this.ended = true;
        this.prompt('\n');
        return null;
      }
      try {
        const turn = parseSimulatedTurn(line.value);
        if (turn !== null) {
          return turn;
        }
      } catch (err) {
        this.progress((err as Error).message);
      }
    }
  }

  close(): void {
    this.reader.close();
  }
}
