/**
 * The guards a flow may name (`FLOW_GUARDS` in `flow-vocabulary.ts`), as pure functions of `{ context, event }`
 * and their params (templates already resolved). See `docs/flow-format.md` for each one's meaning.
 *
 * Where a guard reads a classification, it takes the freshest one: the step's output (`event.output.classification`
 * of a listen, `event.output.correction` of a confirm, `event.output` of a classify), else what the context holds
 * (`intent`, `confidence`, `runnerUp`, set by `acceptIntent`). XState checks guards before running the
 * transition's actions, so `acceptIntent` on the same transition does not change what its guard saw.
 *
 * XState's own `and`/`or`/`not` take functions, which JSON cannot hold: flows combine guards with the runtime's
 * `all {guards}`, `any {guards}` and `not {guard}`, whose items are guard names or `{ type, params }`.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { AigError } from '../../errors/aig-error.js';
import type { IntentCandidate } from '../../understanding/intent-classifier-types.js';
import { AGENT_INTENT, OUT_OF_SCOPE_INTENT } from '../../understanding/phrase-set.js';
import type { ClassificationThresholds } from '../flow/flow-types.js';
import { errorKindOf } from './flow-step-error.js';
import type { FlowGuardName } from './flow-vocabulary.js';
import type { TemplateScope } from './flow-templates.js';

export interface FlowGuardEnvironment {
  readonly thresholds: ClassificationThresholds;
  recognizerAvailable(language: ConversationLanguage): boolean;
}

export type FlowGuardParams = Readonly<Record<string, unknown>>;

export type FlowGuardImplementation = (
  scope: TemplateScope,
  params: FlowGuardParams,
  env: FlowGuardEnvironment,
) => boolean;

/** A classification as guards need it, from the event or the context. */
interface GuardClassification {
  readonly intent: string;
  readonly confidence: number;
  readonly runnerUp: IntentCandidate | null;
  readonly outOfScope: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `event.output` when the event carries one (an actor's done event). */
export function eventOutput(event: unknown): Record<string, unknown> | null {
  return isRecord(event) && isRecord(event.output) ? event.output : null;
}

function asClassification(value: unknown): GuardClassification | null {
  if (!isRecord(value) || typeof value.intent !== 'string' || typeof value.confidence !== 'number') {
    return null;
  }
  const runnerUp = isRecord(value.runnerUp) ? (value.runnerUp as unknown as IntentCandidate) : null;
  return {
    intent: value.intent,
    confidence: value.confidence,
    runnerUp,
    outOfScope: value.outOfScope === true || value.intent === OUT_OF_SCOPE_INTENT,
  };
}

/** The freshest classification (see the file header), or null when there is none yet. */
function currentClassification(scope: TemplateScope): GuardClassification | null {
  const output = eventOutput(scope.event);
  const fromEvent =
    asClassification(output?.classification) ??
    asClassification(output?.correction) ??
    asClassification(output);
  if (fromEvent !== null) {
    return fromEvent;
  }
  const { context } = scope;
  if (context.intent === null) {
    return null;
  }
  return {
    intent: context.intent,
    confidence: context.confidence ?? 0,
    runnerUp: context.runnerUp,
    outOfScope: context.intent === OUT_OF_SCOPE_INTENT,
  };
}

/** `high`, `medium` (the flow's thresholds) or a number. */
function threshold(value: unknown, thresholds: ClassificationThresholds, name: string): number {
  if (value === 'high' || value === 'medium') {
    return thresholds[value];
  }
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new AigError('AIG_ERR_FLOW_INPUT', `guard confidence: "${name}" must be high, medium or a number`);
  }
  return number;
}

/** A param that may be one value or a list of them. */
function oneOf(param: unknown, value: unknown): boolean {
  const text = scalarText(value);
  if (text === null) {
    return false;
  }
  return Array.isArray(param) ? param.some((item) => scalarText(item) === text) : scalarText(param) === text;
}

/** Params and outputs compared as text (`9` and `"9"` are the same key); objects never match. */
function scalarText(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : null;
}

const isTopic = (intent: string): boolean => intent !== AGENT_INTENT && intent !== OUT_OF_SCOPE_INTENT;

export const FLOW_GUARD_IMPLEMENTATIONS: Readonly<Record<FlowGuardName, FlowGuardImplementation>> = {
  resultIs: ({ event }, { kind }) => oneOf(kind, eventOutput(event)?.kind),
  intentIs: (scope, { intent }) => currentClassification(scope)?.intent === intent,
  intentIn: (scope, { intents }) => {
    const current = currentClassification(scope)?.intent;
    return Array.isArray(intents) && current !== undefined && intents.includes(current);
  },
  confidence: (scope, { atLeast, below }, env) => {
    const current = currentClassification(scope);
    if (current === null) {
      return false;
    }
    if (atLeast !== undefined && current.confidence < threshold(atLeast, env.thresholds, 'atLeast')) {
      return false;
    }
    return below === undefined || current.confidence < threshold(below, env.thresholds, 'below');
  },
  closeRunnerUp: (scope, _params, env) => {
    const current = currentClassification(scope);
    const runnerUp = current?.runnerUp ?? null;
    return (
      current !== null &&
      runnerUp !== null &&
      isTopic(current.intent) &&
      isTopic(runnerUp.intent) &&
      current.confidence - runnerUp.confidence <= env.thresholds.closeMargin
    );
  },
  outOfScope: (scope) => currentClassification(scope)?.outOfScope === true,
  asksForAgent: (scope) => currentClassification(scope)?.intent === AGENT_INTENT,
  answerIs: ({ event }, { answer }) => oneOf(answer, eventOutput(event)?.answer),
  hasCorrection: ({ event }) => isRecord(eventOutput(event)?.correction),
  counterBelow: ({ context }, { name, max }) => (context.counters[String(name)] ?? 0) < Number(max),
  digitIs: ({ event }, { digit }) => {
    const output = eventOutput(event);
    return output?.kind === 'dtmf'
      ? oneOf(digit, output.digit)
      : output?.kind === 'digits' && oneOf(digit, output.digits);
  },
  nirValid: ({ context, event }) => {
    const nir = eventOutput(event)?.nir;
    return isRecord(nir) ? nir.valid === true : context.nir?.valid === true;
  },
  hasLastQualifiedIntent: ({ context }) => context.lastQualifiedIntent !== null,
  recognizerAvailable: ({ context }, _params, env) => env.recognizerAvailable(context.language),
  varSet: ({ context }, { name }) => {
    const value = Object.hasOwn(context.vars, String(name)) ? context.vars[String(name)] : undefined;
    return (
      value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)
    );
  },
  intentNeedsNir: (scope) => {
    const intent = currentClassification(scope)?.intent;
    const needing = scope.context.vars.nirIntents;
    return intent !== undefined && Array.isArray(needing) && needing.includes(intent);
  },
  errorKind: ({ event }, { kind }) => {
    const output = eventOutput(event);
    if (output?.kind === 'error') {
      return oneOf(kind, output.errorKind);
    }
    return isRecord(event) && 'error' in event && oneOf(kind, errorKindOf(event.error));
  },
  /** On the `route` output (in `onDone`), else `context.route`. */
  routeIs: ({ context, event }, { decision }) => {
    const output = eventOutput(event);
    const route = output !== undefined && output !== null && 'decision' in output ? output : context.route;
    return isRecord(route) && oneOf(decision, route.decision);
  },
  callbackAdvised: ({ context, event }) => {
    const output = eventOutput(event);
    const route = output !== undefined && output !== null && 'decision' in output ? output : context.route;
    return isRecord(route) && route.callbackAdvised === true;
  },
  callbackRequested: ({ context, event }) => {
    const output = eventOutput(event);
    const route = output !== undefined && output !== null && 'decision' in output ? output : context.route;
    return isRecord(route) && route.callbackRequested === true;
  },
  callbackBooked: ({ context, event }) => {
    const output = eventOutput(event);
    const callback =
      output !== undefined && output !== null && 'status' in output ? output : context.callback;
    return isRecord(callback) && callback.status === 'booked';
  },
  all: (scope, { guards }, env) =>
    guardList(guards, 'all').every((guard) => evaluateFlowGuard(guard, scope, env)),
  any: (scope, { guards }, env) =>
    guardList(guards, 'any').some((guard) => evaluateFlowGuard(guard, scope, env)),
  not: (scope, { guard }, env) => !evaluateFlowGuard(guard, scope, env),
};

function guardList(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new AigError('AIG_ERR_FLOW_INPUT', `guard ${name}: "guards" must be a list`);
  }
  return value;
}

/** Evaluates a guard reference: a name, or `{ type, params }`. */
export function evaluateFlowGuard(spec: unknown, scope: TemplateScope, env: FlowGuardEnvironment): boolean {
  const type = typeof spec === 'string' ? spec : isRecord(spec) ? spec.type : undefined;
  const params = isRecord(spec) && isRecord(spec.params) ? spec.params : {};
  if (typeof type !== 'string' || !Object.hasOwn(FLOW_GUARD_IMPLEMENTATIONS, type)) {
    throw new AigError('AIG_ERR_FLOW_INPUT', `unknown guard ${JSON.stringify(type)}`);
  }
  return FLOW_GUARD_IMPLEMENTATIONS[type as FlowGuardName](scope, params, env);
}
