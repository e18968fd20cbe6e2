/**
 * Shared by the runtime tests: the fixture flow `test/fixtures/flows/runtime-basic` loaded once (through the real
 * loader and validator), variants with another machine or settings for the failure paths the validator would
 * refuse, and a one-call runner over the simulated port.
 */
import { resolve } from 'node:path';
import type { AgentGroupConfig } from '../../../../src/config/config-types.js';
import { loadFlow } from '../../../../src/conversation/flow/flow-loader.js';
import type { FlowSettings, LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import { FlowCallSession } from '../../../../src/conversation/runtime/flow-call-session.js';
import { initialFlowContext, type FlowContext } from '../../../../src/conversation/runtime/flow-context.js';
import {
  runFlow,
  type FlowRunOptions,
  type FlowRunResult,
} from '../../../../src/conversation/runtime/flow-runtime.js';
import {
  DEFAULT_LISTEN_DEFAULTS,
  type FlowStepEnvironment,
  type FlowStepInput,
} from '../../../../src/conversation/runtime/flow-step-types.js';
import { FlowTimelineRecorder } from '../../../../src/conversation/runtime/flow-timeline-recorder.js';
import type { TranscriptPolicy } from '../../../../src/conversation/runtime/timeline-redaction.js';
import {
  scriptedTurns,
  SimulatedCallPort,
  type SimulatedCallEvent,
  type SimulatedCallPortOptions,
} from '../../../../src/conversation/simulation/simulated-call-port.js';
import {
  parseSimulatedTurn,
  type SimulatedTurn,
} from '../../../../src/conversation/simulation/simulated-turns.js';
import type { TimelineEntry } from '../../../../src/store/call-timeline.js';
import { MemoryCallTimeline } from '../../../../src/store/memory-call-timeline.js';

export const FIXTURE_FLOWS = resolve(import.meta.dirname, '../../../fixtures/flows');

export const TEST_GROUPS: Readonly<Record<string, AgentGroupConfig>> = Object.freeze({
  general: { uri: 'sip:general@127.0.0.1:5090', label: 'General' },
  cards: { uri: 'sip:cards@127.0.0.1:5090', label: 'Cards' },
  allowances: { uri: 'sip:allowances@127.0.0.1:5090', label: 'Allowances' },
});

let basic: Promise<LoadedFlow> | null = null;

/** `runtime-basic`, loaded and trained once per test process. */
export function runtimeBasicFlow(): Promise<LoadedFlow> {
  basic ??= loadFlow(resolve(FIXTURE_FLOWS, 'runtime-basic'), { groups: TEST_GROUPS });
  return basic;
}

/** The same flow (phrases, prompts, trained classifiers) with another machine and/or settings. */
export function flowVariant(
  base: LoadedFlow,
  changes: {
    machine?: Record<string, unknown>;
    settings?: Partial<FlowSettings>;
    prompts?: LoadedFlow['prompts'];
  },
): LoadedFlow {
  return {
    ...base,
    machine: changes.machine ?? base.machine,
    settings: { ...base.settings, ...changes.settings },
    prompts: changes.prompts ?? base.prompts,
  };
}

/** Turns written as in a simulator script. */
export function turns(...lines: string[]): SimulatedTurn[] {
  return lines.map((line) => parseSimulatedTurn(line)).filter((turn): turn is SimulatedTurn => turn !== null);
}

export interface SimulatedRun {
  readonly result: FlowRunResult;
  readonly port: SimulatedCallPort;
  readonly timeline: MemoryCallTimeline;
  readonly events: SimulatedCallEvent[];
  /** Prompt ids said, in order. */
  readonly prompts: string[];
}

/** Runs one simulated call to its end. */
export async function simulate(
  flow: LoadedFlow,
  lines: readonly string[],
  options: Partial<FlowRunOptions> & { port?: Partial<SimulatedCallPortOptions> } = {},
): Promise<SimulatedRun> {
  const events: SimulatedCallEvent[] = [];
  const port = new SimulatedCallPort({
    turns: scriptedTurns(turns(...lines)),
    onEvent: (event) => events.push(event),
    ...options.port,
  });
  const timeline = (options.timeline as MemoryCallTimeline | undefined) ?? new MemoryCallTimeline();
  const result = await runFlow(flow, port, { groups: TEST_GROUPS, ...options, timeline });
  const prompts = events.flatMap((event) => (event.event === 'prompt' ? [event.id] : []));
  return { result, port, timeline, events, prompts };
}

/** Everything in the timeline as one string, to look for what must not be there. */
export function timelineText(entries: readonly TimelineEntry[]): string {
  return entries.map((entry) => JSON.stringify(entry)).join('\n');
}

/** A step environment over a simulated port, to run one step (`run*Step`) on its own. */
export function stepEnvironment(
  flow: LoadedFlow,
  lines: readonly string[],
  options: {
    policy?: TranscriptPolicy;
    port?: Partial<SimulatedCallPortOptions>;
    maxTurns?: number;
    fetch?: typeof fetch;
  } = {},
): {
  env: FlowStepEnvironment;
  port: SimulatedCallPort;
  timeline: MemoryCallTimeline;
  session: FlowCallSession;
} {
  const port = new SimulatedCallPort({ turns: scriptedTurns(turns(...lines)), ...options.port });
  const timeline = new MemoryCallTimeline();
  const recorder = new FlowTimelineRecorder(timeline, options.policy ?? 'redact', () => 0);
  const session = new FlowCallSession(port, recorder, options.maxTurns ?? 20, () => undefined);
  const env: FlowStepEnvironment = {
    flow,
    session,
    callId: 'step-test',
    groups: TEST_GROUPS,
    listenDefaults: DEFAULT_LISTEN_DEFAULTS,
    fetch: options.fetch ?? globalThis.fetch,
  };
  return { env, port, timeline, session };
}

/** A context for pure tests, with overrides. */
export function testContext(overrides: Partial<FlowContext> = {}): FlowContext {
  return { ...initialFlowContext({ language: 'fr', number: '3646', vars: {} }), ...overrides };
}

/** A step's input as the machine would build it. */
export function stepInput(
  args: Record<string, unknown>,
  context: FlowContext = testContext(),
  event: unknown = { type: 'test' },
): FlowStepInput {
  return { args, scope: { context, event } };
}
