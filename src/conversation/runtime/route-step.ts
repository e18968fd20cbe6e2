/**
 * The `route` step: asks routing where this caller should go now — the group with the right skill and level that is
 * open and has capacity, the estimated wait there, the caller's priority — or that nobody can take the call (closed,
 * or full everywhere: a callback). The whole reasons record goes to the timeline; the flow gets a summary it can
 * speak and decide on (`storeRoute` keeps it in `context.route`):
 *
 *   { decision: "transfer" | "callback" | "closed", group, groupName, fallbacks, estimatedWaitSeconds, wait (spoken),
 *     callbackAdvised, nextOpening, nextOpeningText (spoken), hours (spoken opening hours), priority,
 *     priorityReasons, reasons }
 *
 * `transfer` without a target uses `context.route` (or routes first when there is none).
 */
import type { RoutingDecision } from '../../routing/routing-types.js';
import type { FlowContext } from './flow-context.js';
import type { FlowRouteRequest, FlowRouting } from './flow-routing.js';
import { stringArg } from './flow-step-args.js';
import { FlowStepError } from './flow-step-error.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';
import { spokenMoment, spokenOpeningHours, spokenWait } from './spoken-time.js';

/** What `context.route` holds. */
export interface FlowRouteSummary {
  readonly decision: 'transfer' | 'callback' | 'closed';
  readonly group: string | null;
  readonly groupName: string | null;
  readonly fallbacks: readonly string[];
  readonly estimatedWaitSeconds: number | null;
  readonly wait: string | null;
  readonly callbackAdvised: boolean;
  /** The caller asked to be called back during the call. */
  readonly callbackRequested: boolean;
  readonly nextOpening: string | null;
  readonly nextOpeningText: string | null;
  readonly hours: string | null;
  readonly priority: number;
  readonly priorityReasons: readonly string[];
  /** Short: `rule=<id> skill=<s>/<level> group=<id> wait=<s>s`. */
  readonly reasons: string;
}

/** The flow's knowledge of the call, as routing needs it. */
export function routeRequest(
  env: FlowStepEnvironment,
  context: FlowContext,
  target: string | null,
  level: 1 | 2 | null,
): FlowRouteRequest {
  const entities: Record<string, unknown> = {};
  if (context.nir !== null) {
    entities.nir = context.nir.valid;
  }
  const vulnerability = env.session.vulnerability;
  if (vulnerability !== null) {
    entities.vulnerability = vulnerability;
  }
  return {
    callId: env.callId,
    dialledNumber: context.number,
    language: context.language,
    intent: context.intent ?? context.lastQualifiedIntent,
    confidence: context.confidence,
    entities,
    recognitionFailures: env.session.recognitionFailures,
    vulnerabilityDeclared: vulnerability !== null,
    target,
    level,
  };
}

export function summarizeRoute(
  decision: RoutingDecision,
  language: FlowContext['language'],
  now: Date,
  callbackRequested = false,
): FlowRouteSummary {
  const { reasons } = decision;
  const group = decision.group;
  const wait = decision.kind === 'transfer' ? decision.estimatedWaitSeconds : null;
  const nextOpening = decision.kind === 'transfer' ? null : decision.nextOpening;
  const timezone = group?.hours.timezone ?? 'Europe/Paris';
  return {
    decision: decision.kind,
    group: group?.id ?? null,
    groupName: group?.name ?? null,
    fallbacks: decision.kind === 'transfer' ? decision.fallbacks.map((g) => g.id) : [],
    estimatedWaitSeconds: wait,
    wait: wait === null ? null : spokenWait(wait, language),
    callbackAdvised: decision.kind === 'transfer' ? decision.callbackAdvised : decision.kind === 'callback',
    callbackRequested,
    nextOpening,
    nextOpeningText:
      nextOpening === null ? null : spokenMoment(new Date(nextOpening), now, timezone, language),
    hours: group === null ? null : spokenOpeningHours(group.hours, language),
    priority: decision.priority.level,
    priorityReasons: [...decision.priority.reasons],
    reasons:
      `rule=${reasons.rulesFired.join('+') || 'default'} skill=${reasons.skill}/${reasons.level}` +
      ` group=${reasons.chosen ?? 'none'}${wait === null ? '' : ` wait=${Math.round(wait)}s`}` +
      (reasons.overflowUsed ? ' overflow' : ''),
  };
}

/**
 * Without routing (the designer's simulator run without a routing file): the named group of the static list, open,
 * no wait — so flows that route can still be walked through. The timeline says so.
 */
function staticRoute(env: FlowStepEnvironment, target: string): FlowRouteSummary {
  if (!Object.hasOwn(env.groups, target)) {
    throw new FlowStepError(
      'AIG_ERR_FLOW_TRANSFER',
      'no-group',
      `group "${target}" is not in the configuration`,
    );
  }
  env.session.recorder.routing({ decision: 'transfer', group: target, static: true });
  return {
    decision: 'transfer',
    group: target,
    groupName: env.groups[target]?.label ?? target,
    fallbacks: [],
    estimatedWaitSeconds: 0,
    wait: null,
    callbackAdvised: false,
    callbackRequested: env.session.callbackRequested,
    nextOpening: null,
    nextOpeningText: null,
    hours: null,
    priority: 0,
    priorityReasons: [],
    reasons: `static group=${target}`,
  };
}

export function requireRouting(env: FlowStepEnvironment): FlowRouting {
  if (env.routing === undefined) {
    throw new FlowStepError('AIG_ERR_FLOW_TRANSFER', 'no-group', 'routing is not available on this call');
  }
  return env.routing;
}

/** Decides, records the reasons in the timeline, and returns the summary. */
export async function decideRoute(
  env: FlowStepEnvironment,
  context: FlowContext,
  target: string | null,
  level: 1 | 2 | null,
): Promise<{ decision: RoutingDecision; summary: FlowRouteSummary }> {
  const routing = requireRouting(env);
  const decision = await routing.route(routeRequest(env, context, target, level));
  const summary = summarizeRoute(decision, context.language, new Date(), env.session.callbackRequested);
  env.session.recorder.routing({
    decision: decision.kind,
    group: summary.group,
    fallbacks: summary.fallbacks,
    estimatedWaitSeconds: summary.estimatedWaitSeconds,
    callbackAdvised: summary.callbackAdvised,
    callbackRequested: summary.callbackRequested,
    nextOpening: summary.nextOpening,
    priority: decision.priority,
    reasons: decision.reasons,
  });
  return { decision, summary };
}

export async function runRouteStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<FlowRouteSummary> {
  const { args, scope } = input;
  const skill = stringArg(args, 'skill') ?? null;
  const levelArg = args.level;
  const level = levelArg === 1 || levelArg === '1' ? 1 : levelArg === 2 || levelArg === '2' ? 2 : null;
  if (levelArg !== undefined && levelArg !== null && level === null) {
    throw new FlowStepError('AIG_ERR_FLOW_INPUT', 'bad-input', '"level" must be 1 or 2');
  }
  if (env.routing === undefined) {
    return staticRoute(env, skill === '' || skill === null ? env.flow.settings.fallbackTarget : skill);
  }
  const { summary } = await decideRoute(env, scope.context, skill === '' ? null : skill, level);
  return summary;
}
