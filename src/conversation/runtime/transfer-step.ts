/**
 * The `transfer` step: say the state's prompts (no barge-in: the caller must hear where they are going), then
 * hand the call to an agent group by id. The group's SIP URI comes from the server config (`groups`); the routing
 * issue will put its own decision behind the same id. The agent side receives the call's context — intent,
 * language, flow version, whether a valid NIR was captured — but never the NIR itself nor what the caller said.
 */
import type { AgentGroupConfig } from '../../config/config-types.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import type { FlowContext } from './flow-context.js';
import { promptIds, resolvePrompts } from './flow-prompts.js';
import { requiredStringArg } from './flow-step-args.js';
import { FlowStepError } from './flow-step-error.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';

export interface TransferStepOutput {
  readonly status: 'transferred';
}

/** What travels with the call to the agent (SIP headers on a live call): no personal data. */
export function transferContext(
  context: FlowContext,
  flow: LoadedFlow,
  callId: string,
): Record<string, string> {
  const intent = context.intent ?? context.lastQualifiedIntent;
  const transferred: Record<string, string> = {
    callId,
    flow: flow.id,
    flowVersion: flow.version,
    language: context.language,
    nirStatus: context.nir === null ? 'absent' : context.nir.valid ? 'valid' : 'invalid',
  };
  if (intent !== null) {
    transferred.intent = intent;
  }
  if (context.confidence !== null) {
    transferred.confidence = context.confidence.toFixed(2);
  }
  if (context.lastQualifiedIntent !== null) {
    transferred.qualifiedIntent = context.lastQualifiedIntent;
  }
  return transferred;
}

/** The group's config, or a `no-group` step error. */
function agentGroup(groups: Readonly<Record<string, AgentGroupConfig>>, target: string): AgentGroupConfig {
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

export async function runTransferStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<TransferStepOutput> {
  const { args, scope } = input;
  const target = requiredStringArg(args, 'target');
  const group = agentGroup(env.groups, target);
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
  const outcome = await env.session.transfer({
    target,
    uri: group.uri,
    context: transferContext(scope.context, env.flow, env.callId),
  });
  if (outcome.status === 'failed') {
    throw new FlowStepError('AIG_ERR_FLOW_TRANSFER', 'transfer-failed', `to "${target}": ${outcome.reason}`);
  }
  return { status: 'transferred' };
}
