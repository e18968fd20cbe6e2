/**
 * Path tests (issue 5: "every path ends in transfer, callback or hangup within a bounded number of turns"). The
 * static rules see one state at a time; this walks the machine as XState runs it, with `@xstate/graph`'s
 * `getAdjacencyMap` over XState's own `transition` function, and reports:
 *
 *   - loops a caller can go round forever (a reprompt without a counter, a confirm that can always say "no"),
 *   - paths longer than `maxTurns` caller turns before they end,
 *   - actor outcomes no `onDone`/`onError` branch takes (the call would sit in that state, the actor finished),
 *   - states where nothing can happen any more, and endings that are neither a transfer nor a hangup.
 *
 * The model. The machine runs with stand-ins: actors never settle by themselves; the walk sends, in every state,
 * each outcome the flow distinguishes. For each invoked actor, one done event per `onDone` branch (and one error
 * event per `onError` branch), built so that this branch is the first whose guard holds; the same for `after`
 * timers and for `always` lists whose guards read the caller's answer. Guards are abstracted: `counterBelow` is
 * evaluated for real on counters that `increment`/`resetCounter` maintain (capped at the largest `max` tested,
 * beyond which no guard can tell values apart, so the state space stays finite); every other guard (`resultIs`,
 * `intentIs`, `confidence`, `recognizerAvailable`...) is a free condition each synthesized event sets to true or
 * false. A "turn" is an outcome of `listen`, `collectDigits` or `confirm`; a path ends well when the machine
 * reaches its final state after a `transfer` completed or a `hangup` ran (a failed hangup still ends the call).
 * A state of the walk is the state value, the outcome so far, and the counters some reachable state still tests:
 * dropping the others keeps the walk small (the reference flow: 434 states rather than 21,004) and loses nothing.
 *
 * Limits, on purpose:
 *   - guard conditions are independent: two guards that cannot both hold in a real call (`intentIs card` and
 *     `intentIs refund` on one answer) may be assumed to, so a reported path can be infeasible; a loop the model
 *     calls unbounded is one the caller could keep choosing if the conditions were independent;
 *   - conditions on variables and context other than counters are free (a `varSet` test can go both ways);
 *   - `always` guards are decided once when the state is entered, not after every event;
 *   - events other than actor outcomes and timers (`on` handlers for runtime events) are not sent: a state that
 *     waits only for those is reported as a dead end;
 *   - an actor failure without `onError` is the runtime's backstop (transfer to `fallbackTarget`), not a path;
 *   - past `maxStates` distinct states the walk stops and says so (`complete: false`).
 */
import { join } from 'node:path';
import { getAdjacencyMap } from '@xstate/graph';
import {
  assign,
  createMachine,
  fromCallback,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type EventObject,
  type MachineConfig,
} from 'xstate';
import { FLOW_ACTIONS, FLOW_ACTORS, FLOW_GUARDS } from '../runtime/flow-vocabulary.js';
import { FLOW_MACHINE_FILE } from './flow-files.js';
import type { FlowProblem, LoadedFlow, SourcePosition } from './flow-types.js';
import { describeGuard } from './guard-description.js';
import { DEFAULT_MACHINE_ID, isPlainObject } from './machine-model.js';
import {
  branchAssignments,
  conditionKey,
  counterNames,
  evaluate,
  freeConditions,
  isCounterTest,
} from './path-conditions.js';
import {
  leafPaths,
  PathGraph,
  type PathContext,
  type PathEvent,
  type RawAdjacency,
  type Serializer,
} from './path-graph.js';

export interface FlowPathOptions {
  /** Caller turns a path may take before it ends. @default the flow's `maxTurns` */
  readonly maxTurns?: number;
  /** Distinct states (state value × live counters) explored before the walk gives up. @default 20000 */
  readonly maxStates?: number;
  /** Where a state is written (`machine.json` position of its key), for problem positions. */
  readonly locate?: (statePath: readonly string[]) => SourcePosition | null;
}

export interface FlowPathReport {
  readonly problems: readonly FlowProblem[];
  /** false when the walk stopped at `maxStates`. */
  readonly complete: boolean;
  /** Distinct states explored. */
  readonly states: number;
  /** Transitions between them. */
  readonly transitions: number;
  /** Most caller turns on a path that ends; null when a loop makes it unbounded. */
  readonly longestTurns: number | null;
}

/** Actors whose outcome is a caller's turn. */
const TURN_ACTORS: ReadonlySet<string> = new Set(['listen', 'collectDigits', 'confirm']);
/** Actors whose completion ends the call's stay in the flow. */
const OUTCOME_ACTORS: ReadonlySet<string> = new Set(['transfer', 'hangup', 'offerCallback']);
/** A hangup that fails still ends the call (the caller is gone or the line is cut); a failed transfer does not. */
const ENDING_ON_ERROR: ReadonlySet<string> = new Set(['hangup']);
const CHOICE_EVENT = 'aig.choose.';
const OUTCOME_ACTION = 'aig.outcome';

export function checkFlowPaths(
  flow: Pick<LoadedFlow, 'id' | 'directory' | 'machine' | 'settings'>,
  options: FlowPathOptions = {},
): FlowPathReport {
  const maxTurns = options.maxTurns ?? flow.settings.maxTurns;
  const maxStates = options.maxStates ?? 20_000;
  const machineId = typeof flow.machine.id === 'string' ? flow.machine.id : DEFAULT_MACHINE_ID;
  const caps = counterCaps(flow.machine);
  const machine = abstractMachine(flow.machine, flow.settings.delays, caps);
  const nodes = allNodes(machine.root);
  const branchEvents = new Map<string, PathEvent[]>();
  /** The branch list each synthesized event was made for. */
  const branchSources = new Map<PathEvent, readonly AnyTransitionDefinition[]>();
  /** Events depend on the active states only, not on counters: computed once per state value. */
  const byValue = new Map<string, PathEvent[]>();
  const eventsFor = (snapshot: AnyMachineSnapshot): PathEvent[] => {
    if (snapshot.status !== 'active') {
      return [];
    }
    const key = JSON.stringify(snapshot.value);
    let events = byValue.get(key);
    if (events === undefined) {
      events = offeredEvents(snapshot, nodes, branchEvents, branchSources);
      byValue.set(key, events);
    }
    return events;
  };

  const serialize = stateSerializer(machine);
  const expanded = new Set<string>();
  let truncated = false;
  const adjacency = getAdjacencyMap(machine, {
    events: eventsFor as (snapshot: AnyMachineSnapshot) => EventObject[],
    serializeState: (snapshot) => serialize(snapshot as AnyMachineSnapshot),
    serializeEvent: (event) => JSON.stringify(event) as never,
    stopWhen: (snapshot) => {
      if (expanded.size >= maxStates) {
        truncated = true;
        return true;
      }
      expanded.add(serialize(snapshot as AnyMachineSnapshot));
      return false;
    },
  });

  const explainStuck = (event: PathEvent, snapshot: AnyMachineSnapshot): string => {
    const context = snapshot.context as PathContext;
    const taken = (branchSources.get(event) ?? []).find(
      (transition) => transition.guard === undefined || holds(transition.guard, context, event, caps),
    );
    return taken === undefined
      ? 'no branch holds (add an unguarded last branch)'
      : 'the branch taken keeps the call in this state without restarting it (add "reenter": true or another target)';
  };
  const analysis = new PathGraph(
    adjacency as unknown as RawAdjacency,
    machineId,
    expanded,
    serialize,
    explainStuck,
  );
  const problems = analysis.findProblems(maxTurns, (keys) => positionOf(flow, keys, options));
  if (truncated) {
    problems.push({
      ...positionOf(flow, [], options),
      statePath: null,
      message:
        `path analysis incomplete: stopped after ${maxStates} states (each counter value makes new states); ` +
        'the findings cover part of the flow',
    });
  }
  return {
    problems,
    complete: !truncated,
    states: analysis.size,
    transitions: analysis.edgeCount,
    longestTurns: analysis.longestTurns,
  };
}

function positionOf(
  flow: Pick<LoadedFlow, 'directory'>,
  keys: readonly string[],
  options: FlowPathOptions,
): { file: string; line: number | null; column: number | null } {
  const located = options.locate?.(keys) ?? null;
  return {
    file: located?.file ?? join(flow.directory, FLOW_MACHINE_FILE),
    line: located?.line ?? null,
    column: located?.column ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The abstract machine

/** Largest `max` each counter is compared with; counters are kept at or under it. */
function counterCaps(machine: Readonly<Record<string, unknown>>): Map<string, number> {
  const caps = new Map<string, number>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (isPlainObject(value)) {
      if (value.type === 'counterBelow' && isPlainObject(value.params)) {
        const { name, max } = value.params;
        if (typeof name === 'string' && typeof max === 'number') {
          caps.set(name, Math.max(caps.get(name) ?? 0, max));
        }
      }
      Object.values(value).forEach(visit);
    }
  };
  visit(machine);
  return caps;
}

/** The flow's machine with `always` lists that read free conditions turned into choice events. */
function abstractMachine(
  config: Readonly<Record<string, unknown>>,
  delays: Readonly<Record<string, number>>,
  caps: ReadonlyMap<string, number>,
): AnyStateMachine {
  const copy = structuredClone(config) as Record<string, unknown>;
  delete copy.context;
  rewriteState(copy, []);
  const guards: Record<
    string,
    (args: { context: PathContext; event: EventObject }, params: unknown) => boolean
  > = {};
  for (const name of Object.keys(FLOW_GUARDS)) {
    guards[name] = ({ context, event }, params) => holds({ type: name, params }, context, event, caps);
  }
  const actions: Record<string, unknown> = {};
  for (const name of Object.keys(FLOW_ACTIONS)) {
    actions[name] = () => undefined;
  }
  actions.increment = assign(({ context }: { context: PathContext }, params: { name?: unknown }) => {
    const name = String(params.name);
    const cap = caps.get(name) ?? 0;
    return { counters: { ...context.counters, [name]: Math.min((context.counters[name] ?? 0) + 1, cap) } };
  });
  actions.resetCounter = assign(({ context }: { context: PathContext }, params: { name?: unknown }) => ({
    counters: { ...context.counters, [String(params.name)]: 0 },
  }));
  actions[OUTCOME_ACTION] = assign((_: unknown, params: { outcome: string }) => ({
    outcome: params.outcome,
  }));
  const actors = Object.fromEntries(
    Object.keys(FLOW_ACTORS).map((name) => [name, fromCallback(() => undefined)]),
  );
  return createMachine(
    { ...copy, context: { counters: {}, outcome: null } } as MachineConfig<PathContext, EventObject>,
    { actors, guards, actions, delays: { ...delays } } as never,
  );
}

function rewriteState(state: Record<string, unknown>, path: readonly string[]): void {
  const always = state.always;
  if (always !== undefined) {
    const branches = (Array.isArray(always) ? always : [always]) as unknown[];
    if (branches.some((branch) => isPlainObject(branch) && freeConditions(branch.guard).length > 0)) {
      delete state.always;
      const on = isPlainObject(state.on) ? state.on : {};
      on[`${CHOICE_EVENT}${path.join('.')}`] = branches;
      state.on = on;
    }
  }
  const invokes =
    state.invoke === undefined ? [] : Array.isArray(state.invoke) ? state.invoke : [state.invoke];
  for (const invoke of invokes as unknown[]) {
    if (!isPlainObject(invoke)) {
      continue;
    }
    delete invoke.input;
    const src = typeof invoke.src === 'string' ? invoke.src : '';
    for (const key of ['onDone', ...(ENDING_ON_ERROR.has(src) ? ['onError'] : [])]) {
      if (OUTCOME_ACTORS.has(src) && invoke[key] !== undefined) {
        invoke[key] = markOutcome(invoke[key], src);
      }
    }
  }
  if (isPlainObject(state.states)) {
    for (const [key, child] of Object.entries(state.states)) {
      if (isPlainObject(child)) {
        rewriteState(child, [...path, key]);
      }
    }
  }
}

/** Prepends the action that records how the call left the flow to every branch of a transition list. */
function markOutcome(value: unknown, outcome: string): unknown[] {
  const mark = { type: OUTCOME_ACTION, params: { outcome } };
  return ((Array.isArray(value) ? value : [value]) as unknown[]).map((branch) => {
    const object = typeof branch === 'string' ? { target: branch } : isPlainObject(branch) ? branch : {};
    const actions =
      object.actions === undefined ? [] : Array.isArray(object.actions) ? object.actions : [object.actions];
    return { ...object, actions: [mark, ...(actions as unknown[])] };
  });
}

/** The guard as the walking machine sees it: counters from the context, other conditions from the event. */
function holds(
  guard: unknown,
  context: PathContext,
  event: EventObject,
  caps: ReadonlyMap<string, number>,
): boolean {
  const conditions = (event as Partial<PathEvent>).aig?.conditions ?? {};
  return evaluate(guard, (condition) => {
    if (isCounterTest(condition)) {
      const params = condition.params as { readonly name: string; readonly max: number };
      return Math.min(context.counters[params.name] ?? 0, caps.get(params.name) ?? 0) < params.max;
    }
    return conditions[conditionKey(condition)] === true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Events offered in a state

function allNodes(root: AnyStateNode): AnyStateNode[] {
  return [root, ...Object.values(root.states).flatMap((child) => allNodes(child))];
}

function stateValueOf(path: readonly string[]): string | Record<string, unknown> {
  if (path.length === 1) {
    return path[0]!;
  }
  return { [path[0]!]: stateValueOf(path.slice(1)) };
}

function isActive(snapshot: AnyMachineSnapshot, node: AnyStateNode): boolean {
  return node.path.length === 0 || snapshot.matches(stateValueOf(node.path));
}

function offeredEvents(
  snapshot: AnyMachineSnapshot,
  nodes: readonly AnyStateNode[],
  cache: Map<string, PathEvent[]>,
  sources: Map<PathEvent, readonly AnyTransitionDefinition[]>,
): PathEvent[] {
  const choices: PathEvent[] = [];
  const others: PathEvent[] = [];
  let mustChoose = false;
  for (const node of nodes) {
    if (!isActive(snapshot, node)) {
      continue;
    }
    for (const [eventType, transitions] of node.transitions) {
      const events = eventsOf(node, eventType, transitions, cache, sources);
      if (eventType.startsWith(CHOICE_EVENT)) {
        choices.push(...events);
        mustChoose ||= transitions.some((transition) => transition.guard === undefined);
      } else if (/^xstate\.(done\.actor|error\.actor|after)\./.test(eventType)) {
        others.push(...events);
      }
    }
  }
  return mustChoose ? choices : [...choices, ...others];
}

function eventsOf(
  node: AnyStateNode,
  eventType: string,
  transitions: readonly AnyTransitionDefinition[],
  cache: Map<string, PathEvent[]>,
  sources: Map<PathEvent, readonly AnyTransitionDefinition[]>,
): PathEvent[] {
  const cacheKey = `${node.id}\0${eventType}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) {
    return cached;
  }
  const actor = /^xstate\.(done|error)\.actor\.(.*)$/.exec(eventType);
  const invoke = actor === null ? undefined : node.invoke.find((definition) => definition.id === actor[2]);
  const src = typeof invoke?.src === 'string' ? invoke.src : null;
  const what =
    actor !== null
      ? `${src ?? 'actor'} ${actor[1] === 'done' ? 'done' : 'failed'}`
      : eventType.startsWith(CHOICE_EVENT)
        ? 'always'
        : `after ${eventType.split('.')[2] ?? ''}`;
  const guards = transitions.map((transition) => transition.guard);
  const events = branchAssignments(guards).map(({ branch, conditions }): PathEvent => ({
    type: eventType,
    aig: {
      conditions,
      label:
        branch === null
          ? `${what}, no branch holds`
          : guards[branch] === undefined
            ? what
            : `${what} [${describeGuard(guards[branch])}]`,
      turn: actor !== null && src !== null && TURN_ACTORS.has(src),
      actorId: actor === null ? null : (actor[2] ?? null),
    },
  }));
  cache.set(cacheKey, events);
  for (const event of events) {
    sources.set(event, transitions);
  }
  return events;
}

/**
 * A state's key for the walk: status, state value, outcome and the counters that can still matter. A counter no
 * state reachable from here tests is dropped, so that e.g. every way of reaching a transfer counts as one state
 * (resets are ignored, which keeps more counters than needed, never fewer).
 */
function stateSerializer(machine: AnyStateMachine): Serializer {
  const nodes = allNodes(machine.root);
  const byPath = new Map(nodes.map((node) => [node.path.join('.'), node]));
  const leaves = nodes.filter((node) => Object.keys(node.states).length === 0);
  const tested = new Map<AnyStateNode, Set<string>>();
  const next = new Map<AnyStateNode, Set<AnyStateNode>>();
  const entered = (node: AnyStateNode): AnyStateNode[] => {
    if (node.type === 'parallel') {
      return Object.values(node.states).flatMap(entered);
    }
    if (node.type === 'history') {
      return node.parent === undefined ? [] : leavesUnder(node.parent);
    }
    if (Object.keys(node.states).length > 0) {
      return (node.initial?.target ?? []).flatMap(entered);
    }
    return [node];
  };
  for (const leaf of leaves) {
    const names = new Set<string>();
    const targets = new Set<AnyStateNode>();
    for (let at: AnyStateNode | undefined = leaf; at !== undefined; at = at.parent) {
      for (const transition of [...[...at.transitions.values()].flat(), ...(at.always ?? [])]) {
        counterNames(transition.guard).forEach((name) => names.add(name));
        (transition.target ?? []).flatMap(entered).forEach((target) => targets.add(target));
      }
    }
    tested.set(leaf, names);
    next.set(leaf, targets);
  }
  const live = new Map([...tested].map(([leaf, names]) => [leaf, new Set(names)]));
  for (let changed = true; changed;) {
    changed = false;
    for (const leaf of leaves) {
      const mine = live.get(leaf)!;
      const before = mine.size;
      for (const target of next.get(leaf)!) {
        live.get(target)?.forEach((name) => mine.add(name));
      }
      changed ||= mine.size !== before;
    }
  }
  const liveIn = new Map<string, ReadonlySet<string>>();
  return (snapshot) => {
    const value = JSON.stringify(snapshot.value);
    let names = liveIn.get(value);
    if (names === undefined) {
      names = new Set(
        leafPaths(snapshot.value).flatMap((keys) => [...(live.get(byPath.get(keys.join('.'))!) ?? [])]),
      );
      liveIn.set(value, names);
    }
    const context = snapshot.context as PathContext;
    const counters = Object.entries(context.counters)
      .filter(([name, count]) => count > 0 && names.has(name))
      .sort(([a], [b]) => a.localeCompare(b));
    return JSON.stringify([snapshot.status, value, counters, context.outcome]);
  };
}

function leavesUnder(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states);
  return children.length === 0 ? [node] : children.flatMap(leavesUnder);
}
