/**
 * The `transfer` step: say the state's prompts (no barge-in: the caller must hear where they are going), then hand
 * the call to an agent group. With routing (live calls): `target` names a skill or a group id, or is omitted to use
 * the decision `route` stored in `context.route`; the chosen group is tried, then its fallbacks (other eligible
 * groups, then the overflow chain) until one takes the call. Each group says how (`refer` or `bridge`, see
 * `GroupTransferPolicy`). Without routing (the simulator), `target` is a group id of the static list.
 *
 * The agent side receives the call's context (intent, confidence, priority and why, routing summary, language, flow
 * version, NIR status) — the NIR itself only for a group configured to receive personal data, what the caller said
 * never. A step failure (`no-agent`: nobody can take the call now; `transfer-failed`: every group refused) leaves
 * the caller with the flow, whose `onError` offers a callback or says the opening hours.
 */
import type { AgentGroupConfig } from '../../config/config-types.js';
import type { AgentGroup } from '../../routing/routing-types.js';
import type { TransferContextData, TransferRequest } from './call-port.js';
import type { FlowContext } from './flow-context.js';
import { promptIds, resolvePrompts } from './flow-prompts.js';
import { stringArg } from './flow-step-args.js';
import { FlowStepError } from './flow-step-error.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';
import { decideRoute, requireRouting, type FlowRouteSummary } from './route-step.js';

export interface TransferStepOutput {
  readonly status: 'transferred';
  readonly group: string;
  readonly method: 'refer' | 'bridge';
}

/** Blind transfers without routing wait this long for the final NOTIFY, ms (64·T1). */
const STATIC_TRANSFER_TIMEOUT_MS = 32_000;

/** What travels with the call to the agent: no transcript, the NIR only where allowed. */
export function transferContext(
  context: FlowContext,
  env: FlowStepEnvironment,
  route: Pick<FlowRouteSummary, 'priority' | 'priorityReasons' | 'reasons'> | null,
  personalData: boolean,
): TransferContextData {
  const intent = context.intent ?? context.lastQualifiedIntent;
  return {
    callId: env.callId,
    intent,
    confidence: context.confidence,
    priority: route?.priority ?? 0,
    priorityReasons: route?.priorityReasons ?? [],
    reasons: route?.reasons ?? 'static',
    language: context.language,
    flowVersion: `${env.flow.id}@${env.flow.version}`,
    nirStatus: context.nir === null ? 'absent' : context.nir.valid ? 'valid' : 'invalid',
    nir: personalData && context.nir?.valid === true ? context.nir.value : null,
  };
}

function staticGroup(groups: Readonly<Record<string, AgentGroupConfig>>, target: string): AgentGroupConfig {
  const group = Object.hasOwn(groups, target) ? groups[target] : undefined;
  if (group === undefined) {
    throw new FlowStepError(
      'AIG_ERR_FLOW_TRANSFER',
      'no-group',
      `group "${target}" is not in the configuration`,
    );
  }
  return group;
}

function requestFor(group: AgentGroup, context: TransferContextData): TransferRequest {
  return {
    target: group.id,
    uris: group.uris,
    mode: group.transfer.mode,
    fallbackToBridge: group.transfer.fallbackToBridge,
    timeoutMs: group.transfer.timeoutMs,
    context,
  };
}

function isRouteSummary(value: unknown): value is FlowRouteSummary {
  return typeof value === 'object' && value !== null && 'decision' in value && 'fallbacks' in value;
}

async function sayPrompts(env: FlowStepEnvironment, input: FlowStepInput): Promise<void> {
  const { args, scope } = input;
  const prompts = resolvePrompts(
    env.flow,
    scope.context.language,
    promptIds(args.prompts),
    scope,
    env.session.recorder,
    false,
  );
  if (prompts.length > 0) {
    await env.session.say({ prompts, language: scope.context.language, bargeIn: false });
  }
}

export async function runTransferStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<TransferStepOutput> {
  const { args, scope } = input;
  const context = scope.context;
  const target = stringArg(args, 'target');
  if (env.routing === undefined) {
    const routed = isRouteSummary(context.route) ? context.route.group : null;
    const name = target ?? routed;
    if (name === null) {
      throw new FlowStepError('AIG_ERR_FLOW_TRANSFER', 'no-group', 'no target and no route decision');
    }
    const group = staticGroup(env.groups, name);
    await sayPrompts(env, input);
    const outcome = await env.session.transfer({
      target: name,
      uris: [group.uri],
      mode: 'refer',
      fallbackToBridge: false,
      timeoutMs: STATIC_TRANSFER_TIMEOUT_MS,
      context: transferContext(context, env, null, false),
    });
    if (outcome.status === 'failed') {
      throw new FlowStepError('AIG_ERR_FLOW_TRANSFER', 'transfer-failed', `to "${name}": ${outcome.reason}`);
    }
    return { status: 'transferred', group: name, method: outcome.method };
  }

  const routing = requireRouting(env);
  let summary: FlowRouteSummary;
  const stored = context.route;
  if (target === null && isRouteSummary(stored)) {
    summary = stored;
  } else {
    summary = (await decideRoute(env, context, target, null)).summary;
  }
  if (summary.decision !== 'transfer' || summary.group === null) {
    throw new FlowStepError(
      'AIG_ERR_FLOW_TRANSFER',
      'no-agent',
      `no group can take the call now (${summary.decision}${summary.nextOpening === null ? '' : `, opens ${summary.nextOpening}`})`,
    );
  }
  const groups = [summary.group, ...summary.fallbacks]
    .map((id) => routing.group(id))
    .filter((group): group is AgentGroup => group !== null);
  await sayPrompts(env, input);
  const failures: string[] = [];
  for (const group of groups) {
    const outcome = await env.session.transfer(
      requestFor(group, transferContext(context, env, summary, group.receivesPersonalData)),
    );
    if (outcome.status === 'transferred') {
      routing.handedOver(group.id, env.callId);
      env.session.recorder.routing({ handedOver: group.id, method: outcome.method, failedBefore: failures });
      return { status: 'transferred', group: group.id, method: outcome.method };
    }
    failures.push(`${group.id}: ${outcome.reason}`);
    env.session.recorder.routing({
      transferFailed: group.id,
      reason: outcome.reason,
      sipStatus: outcome.sipStatus,
    });
  }
  throw new FlowStepError('AIG_ERR_FLOW_TRANSFER', 'transfer-failed', failures.join('; ') || 'no group');
}
