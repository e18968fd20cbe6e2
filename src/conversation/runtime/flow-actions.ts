/**
 * The actions a flow may name (`FLOW_ACTIONS` in `flow-vocabulary.ts`). Each is a pure function of
 * `{ context, event }` and its params (templates already resolved) that returns the context fields it changes —
 * the machine applies them with XState's `assign` — or null for no change. `note` writes to the timeline instead.
 *
 * An action that cannot do what it is asked (a language the flow does not have, nothing to store) changes
 * nothing and says so in the timeline: an action never fails the call.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { AGENT_INTENT, OUT_OF_SCOPE_INTENT } from '../../understanding/phrase-set.js';
import type { ClassificationThresholds } from '../flow/flow-types.js';
import type { FlowContext, FlowNir } from './flow-context.js';
import { eventOutput } from './flow-guards.js';
import type { TemplateScope } from './flow-templates.js';
import type { FlowTimelineRecorder } from './flow-timeline-recorder.js';
import type { FlowActionName } from './flow-vocabulary.js';

export interface FlowActionEnvironment {
  readonly languages: readonly ConversationLanguage[];
  readonly thresholds: ClassificationThresholds;
  /** Notes and problems go to the timeline through `defer` (see `FlowTimelineRecorder.defer`). */
  readonly recorder: FlowTimelineRecorder;
}

export type FlowContextUpdate = { -readonly [K in keyof FlowContext]?: FlowContext[K] };

export type FlowActionParams = Readonly<Record<string, unknown>>;

export type FlowActionImplementation = (
  scope: TemplateScope,
  params: FlowActionParams,
  env: FlowActionEnvironment,
) => FlowContextUpdate | null;

interface ClassificationFields {
  readonly intent: string;
  readonly confidence: number;
  readonly runnerUp: FlowContext['runnerUp'];
}

function classificationFields(value: unknown): ClassificationFields | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { intent, confidence, runnerUp } = value as Record<string, unknown>;
  if (typeof intent !== 'string' || typeof confidence !== 'number') {
    return null;
  }
  const validRunnerUp =
    typeof runnerUp === 'object' &&
    runnerUp !== null &&
    typeof (runnerUp as Record<string, unknown>).intent === 'string' &&
    typeof (runnerUp as Record<string, unknown>).confidence === 'number';
  return { intent, confidence, runnerUp: validRunnerUp ? (runnerUp as FlowContext['runnerUp']) : null };
}

function intentUpdate(fields: ClassificationFields | null): FlowContextUpdate | null {
  return fields === null
    ? null
    : { intent: fields.intent, confidence: fields.confidence, runnerUp: fields.runnerUp };
}

function isFlowNir(value: unknown): value is FlowNir {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as FlowNir).value === 'string' &&
    typeof (value as FlowNir).valid === 'boolean' &&
    typeof (value as FlowNir).readBack === 'string'
  );
}

const isTopic = (intent: string): boolean => intent !== AGENT_INTENT && intent !== OUT_OF_SCOPE_INTENT;

export const FLOW_ACTION_IMPLEMENTATIONS: Readonly<Record<FlowActionName, FlowActionImplementation>> = {
  acceptIntent: ({ event }) => {
    const output = eventOutput(event);
    return intentUpdate(classificationFields(output?.classification) ?? classificationFields(output));
  },
  /**
   * `lastQualifiedIntent` = the current intent when it is a topic. A request for an agent that also named a
   * topic ("un conseiller pour ma carte Vitale": `agent`, runner-up `health_card` at least `high`) qualifies
   * that topic, so the agent request goes to the right group. `high`, not `medium`: the runner-up of an agent
   * request is renormalized among topics (`intent-decision.ts`), and a bare "un conseiller" reaches 0.5–0.65.
   */
  qualifyIntent: ({ context }, _params, env) => {
    if (context.intent !== null && isTopic(context.intent)) {
      return { lastQualifiedIntent: context.intent };
    }
    const topic = context.runnerUp;
    if (
      context.intent === AGENT_INTENT &&
      topic !== null &&
      isTopic(topic.intent) &&
      topic.confidence >= env.thresholds.high
    ) {
      return { lastQualifiedIntent: topic.intent };
    }
    return null;
  },
  applyCorrection: ({ event }) => intentUpdate(classificationFields(eventOutput(event)?.correction)),
  increment: ({ context }, { name }) => ({
    counters: { ...context.counters, [String(name)]: (context.counters[String(name)] ?? 0) + 1 },
  }),
  resetCounter: ({ context }, { name }) => ({ counters: { ...context.counters, [String(name)]: 0 } }),
  setVar: ({ context }, { name, value }) => ({ vars: { ...context.vars, [String(name)]: value ?? null } }),
  setLanguage: (_scope, { language }, env) => {
    const chosen = env.languages.find((candidate) => candidate === language);
    if (chosen === undefined) {
      const message = `setLanguage: "${String(language)}" is not a language of the flow (${env.languages.join(', ')})`;
      env.recorder.defer((state) => env.recorder.error({ state, message, errorKind: 'bad-input' }));
      return null;
    }
    return { language: chosen };
  },
  storeDigits: ({ event }) => {
    const digits = eventOutput(event)?.digits;
    return typeof digits === 'string' ? { digits } : null;
  },
  storeNir: ({ event }) => {
    const nir = eventOutput(event)?.nir;
    return isFlowNir(nir) ? { nir } : null;
  },
  storeLookup: ({ event }) => {
    const output =
      typeof event === 'object' && event !== null ? (event as { output?: unknown }).output : undefined;
    return output === undefined ? null : { lookup: output };
  },
  storeRoute: ({ event }) => {
    const output = eventOutput(event);
    return output !== null && output !== undefined && 'decision' in output ? { route: output } : null;
  },
  storeCallback: ({ event }) => {
    const output = eventOutput(event);
    return output !== null && output !== undefined && 'status' in output ? { callback: output } : null;
  },
  note: (_scope, { text }, env) => {
    const line = typeof text === 'string' ? text : JSON.stringify(text ?? '');
    env.recorder.defer((state) => env.recorder.note(line, state));
    return null;
  },
};
