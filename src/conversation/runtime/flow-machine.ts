/**
 * A flow's `machine.json` made runnable: the JSON config, in which every actor, guard, action and delay is a name,
 * becomes an XState v5 machine whose implementations are the runtime's (`setup({ actors, guards, actions,
 * delays })`), bound to one call.
 *
 * The config is rewritten, never mutated, so that templates resolve when each step runs:
 *   - every `invoke.input` becomes a function of `{ context, event }` giving the step its resolved input and the
 *     scope it was invoked in (prompt texts render against it);
 *   - every action and guard `params` holding a template becomes such a function too (a `note` renders against
 *     the redacted scope: its text goes to the timeline);
 *   - every `onDone`/`onError` of an invoke first runs the runtime's bookkeeping action, which copies `turns`,
 *     `lastResult` and `transcript` into the context (flows read them, only the runtime writes them);
 *   - a transition from a state to itself (`"ask"` in `ask`'s `onDone`) re-enters it (`reenter: true`), so its
 *     invoke runs again: what a designer means by "ask again". XState v5 would otherwise stay in the state with
 *     its step finished, waiting for nothing. A transition that says `reenter` itself keeps its choice.
 *
 * One machine is built per flow version and shared by its calls (building the reference flow's costs ~3 ms and
 * ~150 KiB; a call's actor ~10 KiB): the call's services travel in the context, under a symbol (`callContext`).
 */
import { assign, fromPromise, setup, type AnyEventObject, type AnyStateMachine } from 'xstate';
import { AigError } from '../../errors/aig-error.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import { runCollectDigitsStep } from './collect-digits-step.js';
import { runConfirmStep } from './confirm-step.js';
import {
  FLOW_ACTION_IMPLEMENTATIONS,
  type FlowActionEnvironment,
  type FlowContextUpdate,
} from './flow-actions.js';
import { classifyUtterance } from './flow-classification.js';
import type { FlowContext } from './flow-context.js';
import { FLOW_GUARD_IMPLEMENTATIONS, type FlowGuardEnvironment } from './flow-guards.js';
import { promptIds, resolvePrompts } from './flow-prompts.js';
import { booleanArg, stringArg } from './flow-step-args.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';
import { containsTemplate, resolveTemplates, type TemplateScope } from './flow-templates.js';
import {
  FLOW_ACTIONS,
  FLOW_ACTORS,
  FLOW_GUARDS,
  type FlowActionName,
  type FlowGuardName,
} from './flow-vocabulary.js';
import { runListenStep } from './listen-step.js';
import { runLookupStep } from './lookup-step.js';
import { redactScope } from './timeline-redaction.js';
import { runOfferCallbackStep } from './offer-callback-step.js';
import { runRouteStep } from './route-step.js';
import { runTransferStep } from './transfer-step.js';

/** The runtime's own action, added to every invoke's `onDone`/`onError` (not a name flows may use). */
const SYNC_TURN_ACTION = 'aig.syncTurn';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type ParamsFunction = (args: { context: FlowContext; event: AnyEventObject }) => unknown;

/** `{ type, params }` with templated params → params as a function; anything else unchanged. */
function bindParams(reference: unknown, redacted: (scope: TemplateScope) => TemplateScope): unknown {
  if (!isRecord(reference) || !isRecord(reference.params) || !containsTemplate(reference.params)) {
    return reference;
  }
  const raw = reference.params;
  const forTimeline = reference.type === 'note';
  const params: ParamsFunction = ({ context, event }) =>
    resolveTemplates(raw, forTimeline ? redacted({ context, event }) : { context, event });
  return { ...reference, params };
}

function bindActions(actions: unknown, redacted: (scope: TemplateScope) => TemplateScope): unknown {
  if (actions === undefined) {
    return undefined;
  }
  return Array.isArray(actions)
    ? actions.map((action) => bindParams(action, redacted))
    : bindParams(actions, redacted);
}

/** Where a transition is written: the state's key and `#id` (to recognize a transition to itself). */
interface TransitionSource {
  readonly key: string | null;
  readonly id: string | null;
}

function targetsItself(target: unknown, source: TransitionSource): boolean {
  const targets = Array.isArray(target) ? target : [target];
  return targets.some(
    (item) =>
      typeof item === 'string' &&
      ((source.key !== null && item === source.key) || (source.id !== null && item === `#${source.id}`)),
  );
}

/** A transition config (string target, object, or list of them) with its guards and actions bound. */
function bindTransitions(
  transitions: unknown,
  redacted: (scope: TemplateScope) => TemplateScope,
  source: TransitionSource,
  prependAction?: string,
): unknown {
  const bindOne = (transition: unknown): unknown => {
    const object: Json =
      typeof transition === 'string' ? { target: transition } : isRecord(transition) ? transition : {};
    const bound: Json = { ...object };
    if (object.reenter === undefined && targetsItself(object.target, source)) {
      bound.reenter = true;
    }
    if (object.guard !== undefined) {
      bound.guard = bindParams(object.guard, redacted);
    }
    const actions = bindActions(object.actions, redacted);
    if (prependAction !== undefined) {
      bound.actions = [
        prependAction,
        ...(actions === undefined ? [] : Array.isArray(actions) ? (actions as unknown[]) : [actions]),
      ];
    } else if (actions !== undefined) {
      bound.actions = actions;
    }
    return bound;
  };
  if (transitions === undefined) {
    return prependAction === undefined ? undefined : { actions: [prependAction] };
  }
  return Array.isArray(transitions) ? transitions.map(bindOne) : bindOne(transitions);
}

function bindTransitionMap(
  map: unknown,
  redacted: (scope: TemplateScope) => TemplateScope,
  source: TransitionSource,
): unknown {
  if (!isRecord(map)) {
    return map;
  }
  const bound: Json = {};
  for (const [key, transitions] of Object.entries(map)) {
    bound[key] = bindTransitions(transitions, redacted, source);
  }
  return bound;
}

function bindInvoke(
  invoke: unknown,
  redacted: (scope: TemplateScope) => TemplateScope,
  source: TransitionSource,
): unknown {
  const bindOne = (definition: unknown): unknown => {
    if (!isRecord(definition)) {
      return definition;
    }
    if (typeof definition.src !== 'string' || !Object.hasOwn(FLOW_ACTORS, definition.src)) {
      throw new AigError('AIG_ERR_FLOW_INPUT', `unknown actor ${JSON.stringify(definition.src)}`);
    }
    const raw = isRecord(definition.input) ? definition.input : {};
    const input = ({ context, event }: { context: FlowContext; event: AnyEventObject }): FlowStepInput => {
      const scope = { context, event };
      return { args: resolveTemplates(raw, scope) as Json, scope };
    };
    const bound: Json = {
      ...definition,
      input,
      onDone: bindTransitions(definition.onDone, redacted, source, SYNC_TURN_ACTION),
    };
    // Never add an onError the flow did not write: an unhandled step failure must reach the runtime.
    if (definition.onError !== undefined) {
      bound.onError = bindTransitions(definition.onError, redacted, source, SYNC_TURN_ACTION);
    }
    return bound;
  };
  return Array.isArray(invoke) ? invoke.map(bindOne) : bindOne(invoke);
}

/** Rewrites one state node (and its children) as described in the file header; `key` is its name in its parent. */
function bindStateNode(
  node: Json,
  redacted: (scope: TemplateScope) => TemplateScope,
  key: string | null = null,
): Json {
  const bound: Json = { ...node };
  const source: TransitionSource = { key, id: typeof node.id === 'string' ? node.id : null };
  if (node.invoke !== undefined) {
    bound.invoke = bindInvoke(node.invoke, redacted, source);
  }
  for (const key of ['entry', 'exit'] as const) {
    if (node[key] !== undefined) {
      bound[key] = bindActions(node[key], redacted);
    }
  }
  for (const field of ['on', 'after'] as const) {
    if (node[field] !== undefined) {
      bound[field] = bindTransitionMap(node[field], redacted, source);
    }
  }
  // An eventless transition to itself would loop at once whatever `reenter` says: left as written.
  if (node.always !== undefined) {
    bound.always = bindTransitions(node.always, redacted, { key: null, id: null });
  }
  if (node.onDone !== undefined) {
    bound.onDone = bindTransitions(node.onDone, redacted, source);
  }
  if (isRecord(node.states)) {
    const states: Json = {};
    for (const [name, child] of Object.entries(node.states)) {
      states[name] = isRecord(child) ? bindStateNode(child, redacted, name) : child;
    }
    bound.states = states;
  }
  return bound;
}

const CALL_SERVICES = Symbol('aiguilleur.flow.callServices');

type ContextWithServices = FlowContext & { readonly [CALL_SERVICES]?: FlowStepEnvironment };

/**
 * The context a call's actor starts with: the flow context, plus the call's services (port session, timeline,
 * groups...) under a symbol. The machine is shared by every call of a flow version; its implementations find
 * their call through the context they are given. Symbol keys survive XState's `assign` (`Object.assign` copies
 * them) and are out of reach of templates and `JSON.stringify`.
 */
export function callContext(context: FlowContext, env: FlowStepEnvironment): FlowContext {
  const withServices: ContextWithServices = { ...context, [CALL_SERVICES]: env };
  return withServices;
}

/** The services of the call a context belongs to. */
function callServices(context: FlowContext): FlowStepEnvironment {
  const env = (context as ContextWithServices)[CALL_SERVICES];
  if (env === undefined) {
    throw new AigError('AIG_ERR_FLOW_INPUT', 'the flow context has no call attached (use callContext)');
  }
  return env;
}

const machines = new WeakMap<LoadedFlow, AnyStateMachine>();

/**
 * The machine of a flow version, built once and shared by its calls (each call is one actor, started with
 * `input: callContext(...)`). Throws `AIG_ERR_FLOW_INPUT` on a name the runtime does not implement.
 */
export function flowMachine(flow: LoadedFlow): AnyStateMachine {
  let machine = machines.get(flow);
  if (machine === undefined) {
    machine = buildFlowMachine(flow);
    machines.set(flow, machine);
  }
  return machine;
}

function buildFlowMachine(flow: LoadedFlow): AnyStateMachine {
  const redacted = (scope: TemplateScope): TemplateScope =>
    redactScope(scope, callServices(scope.context).session.recorder.policy);
  const thresholds = flow.settings.classification;

  const guards: Record<
    string,
    (args: { context: FlowContext; event: AnyEventObject }, params: unknown) => boolean
  > = {};
  for (const name of Object.keys(FLOW_GUARDS) as FlowGuardName[]) {
    guards[name] = ({ context, event }, params) => {
      const guardEnv: FlowGuardEnvironment = {
        thresholds,
        recognizerAvailable: (language) => callServices(context).session.recognizerAvailable(language),
      };
      return FLOW_GUARD_IMPLEMENTATIONS[name]({ context, event }, isRecord(params) ? params : {}, guardEnv);
    };
  }

  const contextActions: Record<
    string,
    ReturnType<typeof assign<FlowContext, AnyEventObject, unknown, AnyEventObject, never>>
  > = {};
  for (const name of Object.keys(FLOW_ACTIONS) as FlowActionName[]) {
    contextActions[name] = assign<FlowContext, AnyEventObject, unknown, AnyEventObject, never>(
      ({ context, event }, params) => {
        const actionEnv: FlowActionEnvironment = {
          languages: flow.settings.languages,
          thresholds,
          recorder: callServices(context).session.recorder,
        };
        return (
          FLOW_ACTION_IMPLEMENTATIONS[name]({ context, event }, isRecord(params) ? params : {}, actionEnv) ??
          {}
        );
      },
    );
  }
  contextActions[SYNC_TURN_ACTION] = assign<FlowContext, AnyEventObject, unknown, AnyEventObject, never>(
    ({ context }) => {
      const { session } = callServices(context);
      const update: FlowContextUpdate = { turns: session.turns, lastResult: session.lastResult };
      if (session.transcript !== null && session.transcript !== context.transcript) {
        update.transcript = session.transcript;
      }
      return update;
    },
  );

  /** A step actor: its call's environment comes with the context it was invoked in. */
  const step = <T>(
    run: (env: FlowStepEnvironment, input: FlowStepInput, signal: AbortSignal) => Promise<T>,
  ) =>
    fromPromise<T, FlowStepInput>(({ input, signal }) =>
      run(callServices(input.scope.context), input, signal),
    );

  const actors = {
    say: step(async (env, input) => {
      const language = input.scope.context.language;
      const bargeIn = booleanArg(input.args, 'bargeIn', false);
      const ids = promptIds(input.args.prompts);
      const prompts = resolvePrompts(flow, language, ids, input.scope, env.session.recorder, bargeIn);
      if (prompts.length === 0) {
        return { status: 'finished' as const };
      }
      return { status: (await env.session.say({ prompts, language, bargeIn })).status };
    }),
    listen: step(runListenStep),
    collectDigits: step(runCollectDigitsStep),
    classify: step((env, input) =>
      classifyUtterance(
        flow,
        input.scope.context.language,
        stringArg(input.args, 'text') ?? '',
        env.session.recorder,
        'classify',
      ),
    ),
    confirm: step(runConfirmStep),
    lookup: step(runLookupStep),
    route: step(runRouteStep),
    transfer: step(runTransferStep),
    offerCallback: step(runOfferCallbackStep),
    hangup: step(async (env, input) => {
      const language = input.scope.context.language;
      const ids = promptIds(input.args.prompts);
      const prompts = resolvePrompts(flow, language, ids, input.scope, env.session.recorder, false);
      if (prompts.length > 0) {
        await env.session.say({ prompts, language, bargeIn: false });
      }
      await env.session.hangup();
      return { status: 'hung-up' as const };
    }),
  } satisfies Record<keyof typeof FLOW_ACTORS, unknown>;

  if (!isRecord(flow.machine)) {
    throw new AigError('AIG_ERR_FLOW_INPUT', `flow "${flow.id}": the machine is not an object`);
  }
  const config = bindStateNode(flow.machine, redacted);
  delete config.context;
  const types = {} as { context: FlowContext; events: AnyEventObject; input: FlowContext };
  const implementations = setup({
    types,
    actors,
    guards,
    actions: contextActions,
    delays: { ...flow.settings.delays },
  });
  // The config is data checked by the validator, not a typed literal: XState's config types cannot describe it.
  const machineConfig = {
    ...config,
    context: ({ input }: { input: FlowContext }) => input,
  } as unknown as Parameters<typeof implementations.createMachine>[0];
  return implementations.createMachine(machineConfig);
}

/** A state value as a readable path: `ask.listen`; parallel regions are joined with `, `. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (!isRecord(value)) {
    return String(value);
  }
  return Object.entries(value)
    .map(([key, child]) => {
      const inner = statePath(child);
      return isRecord(child) && Object.keys(child).length === 0 ? key : `${key}.${inner}`;
    })
    .join(', ');
}
