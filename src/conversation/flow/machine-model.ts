/**
 * `machine.json` read as a tree the validation rules can walk: every state node with its path, every transition
 * (from `on`, `always`, `after`, a state's `onDone`, an invoke's `onDone`/`onError`) normalised to a list of
 * branches, every invoke, action and guard reference, each with the JSON path it came from (for positions).
 *
 * Building the model also checks the shape XState v5 expects (object vs. string vs. list, known keys), because a
 * misspelt key (`intial`, `cond`, `actionss`) is silently ignored by XState and would turn into a confusing
 * runtime behaviour. What a name means (actors, guards, actions) is checked elsewhere (`machine-vocabulary-rules`),
 * where targets lead (`machine-structure-rules`).
 */
import type { JsonPath } from './json-source-map.js';

export type StateNodeType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export type TransitionTrigger =
  | { readonly kind: 'on'; readonly event: string }
  | { readonly kind: 'always' }
  | { readonly kind: 'after'; readonly delay: string }
  | { readonly kind: 'stateDone' }
  | { readonly kind: 'invokeDone'; readonly invoke: MachineInvoke }
  | { readonly kind: 'invokeError'; readonly invoke: MachineInvoke };

/** A named action used in `entry`, `exit` or a transition's `actions`. */
export interface ActionRef {
  readonly value: unknown;
  readonly jsonPath: JsonPath;
  readonly state: MachineStateNode;
}

export interface MachineTransition {
  readonly source: MachineStateNode;
  readonly trigger: TransitionTrigger;
  /** Index of this branch in its list (branches are tried in order). */
  readonly branch: number;
  readonly branchCount: number;
  readonly jsonPath: JsonPath;
  /** Raw target strings as written (none: a targetless transition). */
  readonly targets: readonly string[];
  /** Where each target is written. */
  readonly targetPaths: readonly JsonPath[];
  /** `undefined`: unguarded. */
  readonly guard: unknown;
  readonly actions: readonly ActionRef[];
  readonly reenter: boolean;
}

export interface MachineInvoke {
  readonly state: MachineStateNode;
  readonly index: number;
  readonly jsonPath: JsonPath;
  readonly src: unknown;
  readonly input: unknown;
  readonly hasOnDone: boolean;
  readonly hasOnError: boolean;
  onDone: MachineTransition[];
  onError: MachineTransition[];
}

export interface MachineStateNode {
  readonly key: string;
  /** State keys from the root (the root's is empty). */
  readonly path: readonly string[];
  readonly jsonPath: JsonPath;
  readonly config: Readonly<Record<string, unknown>>;
  readonly parent: MachineStateNode | null;
  readonly children: MachineStateNode[];
  readonly type: StateNodeType;
  /** The `id` given in the file, if any. */
  readonly id: string | null;
  readonly invokes: MachineInvoke[];
  /** Transitions defined on this node (its invokes' included). */
  readonly transitions: MachineTransition[];
  readonly entry: ActionRef[];
  readonly exit: ActionRef[];
}

export interface MachineModel {
  /** The machine's `id`, `(machine)` when absent, as XState names it. */
  readonly machineId: string;
  readonly root: MachineStateNode;
  /** Every node, parents before children, in file order. */
  readonly states: readonly MachineStateNode[];
  readonly transitions: readonly MachineTransition[];
  readonly invokes: readonly MachineInvoke[];
  readonly actions: readonly ActionRef[];
}

/** Receives shape problems: JSON path in `machine.json`, state path, message, key or value position. */
export type MachineShapeReporter = (
  path: JsonPath,
  statePath: string | null,
  message: string,
  part?: 'key' | 'value',
) => void;

const STATE_KEYS = new Set([
  'id',
  'type',
  'initial',
  'states',
  'on',
  'always',
  'after',
  'invoke',
  'entry',
  'exit',
  'onDone',
  'description',
  'meta',
  'tags',
  'history',
  'target',
  'output',
]);
const ROOT_ONLY_KEYS = new Set(['version']);
const INVOKE_KEYS = new Set(['id', 'src', 'input', 'onDone', 'onError', 'systemId']);
const TRANSITION_KEYS = new Set(['target', 'guard', 'actions', 'reenter', 'description', 'meta']);
const STATE_TYPES = new Set(['atomic', 'compound', 'parallel', 'final', 'history']);
/** XState v4 spellings, with what v5 calls them. */
const RENAMED: Readonly<Record<string, string>> = {
  cond: 'guard',
  internal: 'reenter',
  onEntry: 'entry',
  onExit: 'exit',
  services: 'invoke',
};

export const DEFAULT_MACHINE_ID = '(machine)';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Dotted state path for messages: the machine id then the state keys (`root.ask.classify`). */
export function statePathOf(machineId: string, node: Pick<MachineStateNode, 'path'>): string {
  return [machineId, ...node.path].join('.');
}

/** Returns null when `machine.json` is not even an object (reported). */
export function buildMachineModel(value: unknown, report: MachineShapeReporter): MachineModel | null {
  if (!isPlainObject(value)) {
    report([], null, 'machine.json must hold one object: an XState machine config');
    return null;
  }
  const machineId = typeof value.id === 'string' && value.id !== '' ? value.id : DEFAULT_MACHINE_ID;
  const builder = new ModelBuilder(machineId, report);
  if ('context' in value) {
    report(['context'], machineId, '"context" must not be given: the runtime owns the context', 'key');
  }
  const root = builder.node('', [], [], value, null);
  return {
    machineId,
    root,
    states: builder.states,
    transitions: builder.transitions,
    invokes: builder.invokes,
    actions: builder.actions,
  };
}

class ModelBuilder {
  readonly states: MachineStateNode[] = [];
  readonly transitions: MachineTransition[] = [];
  readonly invokes: MachineInvoke[] = [];
  readonly actions: ActionRef[] = [];

  constructor(
    private readonly machineId: string,
    private readonly report: MachineShapeReporter,
  ) {}

  node(
    key: string,
    path: readonly string[],
    jsonPath: JsonPath,
    config: Record<string, unknown>,
    parent: MachineStateNode | null,
  ): MachineStateNode {
    const statePath = statePathOf(this.machineId, { path });
    for (const name of Object.keys(config)) {
      if (STATE_KEYS.has(name) || (parent === null && (ROOT_ONLY_KEYS.has(name) || name === 'context'))) {
        continue;
      }
      const renamed = RENAMED[name];
      this.report(
        [...jsonPath, name],
        statePath,
        renamed === undefined
          ? `unknown state property "${name}"`
          : `"${name}" is XState v4; XState v5 calls it "${renamed}"`,
        'key',
      );
    }
    const states = config.states;
    if (states !== undefined && !isPlainObject(states)) {
      this.report([...jsonPath, 'states'], statePath, '"states" must be an object of named states');
    }
    const childEntries = isPlainObject(states) ? Object.entries(states) : [];
    const node: MachineStateNode = {
      key,
      path,
      jsonPath,
      config,
      parent,
      children: [],
      type: this.nodeType(config, childEntries.length > 0, jsonPath, statePath),
      id: typeof config.id === 'string' ? config.id : null,
      invokes: [],
      transitions: [],
      entry: [],
      exit: [],
    };
    if (config.id !== undefined && (typeof config.id !== 'string' || config.id === '')) {
      this.report([...jsonPath, 'id'], statePath, '"id" must be a non-empty string');
    } else if (typeof config.id === 'string' && config.id.includes('.')) {
      this.report(
        [...jsonPath, 'id'],
        statePath,
        `id "${config.id}" must not contain "." (it separates state keys)`,
      );
    }
    this.states.push(node);
    node.entry.push(...this.actionList(config.entry, [...jsonPath, 'entry'], node));
    node.exit.push(...this.actionList(config.exit, [...jsonPath, 'exit'], node));
    this.readTransitions(node, statePath);
    this.readInvokes(node, statePath);
    for (const [childKey, childConfig] of childEntries) {
      const childJsonPath = [...jsonPath, 'states', childKey];
      if (childKey === '' || childKey.includes('.') || childKey.startsWith('#')) {
        this.report(
          childJsonPath,
          statePath,
          `state key "${childKey}" must not be empty or contain "." or "#"`,
          'key',
        );
        continue;
      }
      if (!isPlainObject(childConfig)) {
        this.report(childJsonPath, `${statePath}.${childKey}`, 'a state must be an object');
        continue;
      }
      node.children.push(this.node(childKey, [...path, childKey], childJsonPath, childConfig, node));
    }
    return node;
  }

  private nodeType(
    config: Record<string, unknown>,
    hasChildren: boolean,
    jsonPath: JsonPath,
    statePath: string,
  ): StateNodeType {
    const type = config.type;
    if (type === undefined) {
      return hasChildren ? 'compound' : 'atomic';
    }
    if (typeof type !== 'string' || !STATE_TYPES.has(type)) {
      this.report(
        [...jsonPath, 'type'],
        statePath,
        `unknown state type ${JSON.stringify(type)} (atomic, compound, parallel, final or history)`,
      );
      return hasChildren ? 'compound' : 'atomic';
    }
    return type as StateNodeType;
  }

  private readTransitions(node: MachineStateNode, statePath: string): void {
    const { config, jsonPath } = node;
    if (config.on !== undefined) {
      if (isPlainObject(config.on)) {
        for (const [event, value] of Object.entries(config.on)) {
          this.transitionList(node, { kind: 'on', event }, value, [...jsonPath, 'on', event], statePath);
        }
      } else {
        this.report(
          [...jsonPath, 'on'],
          statePath,
          '"on" must be an object mapping event types to transitions',
        );
      }
    }
    if (config.always !== undefined) {
      this.transitionList(node, { kind: 'always' }, config.always, [...jsonPath, 'always'], statePath);
    }
    if (config.after !== undefined) {
      if (isPlainObject(config.after)) {
        for (const [delay, value] of Object.entries(config.after)) {
          this.transitionList(
            node,
            { kind: 'after', delay },
            value,
            [...jsonPath, 'after', delay],
            statePath,
          );
        }
      } else {
        this.report(
          [...jsonPath, 'after'],
          statePath,
          '"after" must be an object mapping delays to transitions',
        );
      }
    }
    if (config.onDone !== undefined) {
      this.transitionList(node, { kind: 'stateDone' }, config.onDone, [...jsonPath, 'onDone'], statePath);
    }
  }

  private readInvokes(node: MachineStateNode, statePath: string): void {
    const value = node.config.invoke;
    if (value === undefined) {
      return;
    }
    const list = Array.isArray(value) ? value : [value];
    list.forEach((config: unknown, index) => {
      const jsonPath = Array.isArray(value)
        ? [...node.jsonPath, 'invoke', index]
        : [...node.jsonPath, 'invoke'];
      if (!isPlainObject(config)) {
        this.report(
          jsonPath,
          statePath,
          'an invoke must be an object { "src": ..., "input": ..., "onDone": ... }',
        );
        return;
      }
      for (const name of Object.keys(config)) {
        if (!INVOKE_KEYS.has(name)) {
          this.report([...jsonPath, name], statePath, `unknown invoke property "${name}"`, 'key');
        }
      }
      const invoke: MachineInvoke = {
        state: node,
        index,
        jsonPath,
        src: config.src,
        input: config.input,
        hasOnDone: config.onDone !== undefined,
        hasOnError: config.onError !== undefined,
        onDone: [],
        onError: [],
      };
      node.invokes.push(invoke);
      this.invokes.push(invoke);
      if (config.onDone !== undefined) {
        invoke.onDone = this.transitionList(
          node,
          { kind: 'invokeDone', invoke },
          config.onDone,
          [...jsonPath, 'onDone'],
          statePath,
        );
      }
      if (config.onError !== undefined) {
        invoke.onError = this.transitionList(
          node,
          { kind: 'invokeError', invoke },
          config.onError,
          [...jsonPath, 'onError'],
          statePath,
        );
      }
    });
  }

  private transitionList(
    node: MachineStateNode,
    trigger: TransitionTrigger,
    value: unknown,
    jsonPath: JsonPath,
    statePath: string,
  ): MachineTransition[] {
    const list = Array.isArray(value) ? value : [value];
    const made: MachineTransition[] = [];
    list.forEach((branch: unknown, index) => {
      const branchPath = Array.isArray(value) ? [...jsonPath, index] : jsonPath;
      const transition = this.transition(node, trigger, branch, branchPath, statePath, index, list.length);
      if (transition !== null) {
        made.push(transition);
      }
    });
    node.transitions.push(...made);
    this.transitions.push(...made);
    return made;
  }

  private transition(
    node: MachineStateNode,
    trigger: TransitionTrigger,
    value: unknown,
    jsonPath: JsonPath,
    statePath: string,
    branch: number,
    branchCount: number,
  ): MachineTransition | null {
    const base = { source: node, trigger, branch, branchCount, jsonPath };
    if (typeof value === 'string') {
      return {
        ...base,
        targets: [value],
        targetPaths: [jsonPath],
        guard: undefined,
        actions: [],
        reenter: false,
      };
    }
    if (!isPlainObject(value)) {
      this.report(
        jsonPath,
        statePath,
        'a transition must be a target string or an object { "target", "guard", ... }',
      );
      return null;
    }
    for (const name of Object.keys(value)) {
      if (!TRANSITION_KEYS.has(name)) {
        const renamed = RENAMED[name];
        this.report(
          [...jsonPath, name],
          statePath,
          renamed === undefined
            ? `unknown transition property "${name}"`
            : `"${name}" is XState v4; XState v5 calls it "${renamed}"`,
          'key',
        );
      }
    }
    let targets: string[] = [];
    let targetPaths: JsonPath[] = [];
    const target = value.target;
    if (typeof target === 'string') {
      targets = [target];
      targetPaths = [[...jsonPath, 'target']];
    } else if (Array.isArray(target) && target.every((t): t is string => typeof t === 'string')) {
      targets = target;
      targetPaths = target.map((_, index) => [...jsonPath, 'target', index]);
    } else if (target !== undefined) {
      this.report(
        [...jsonPath, 'target'],
        statePath,
        '"target" must be a state (string) or a list of states',
      );
    }
    if (value.reenter !== undefined && typeof value.reenter !== 'boolean') {
      this.report([...jsonPath, 'reenter'], statePath, '"reenter" must be true or false');
    }
    return {
      ...base,
      targets,
      targetPaths,
      guard: value.guard,
      actions: this.actionList(value.actions, [...jsonPath, 'actions'], node),
      reenter: value.reenter === true,
    };
  }

  private actionList(value: unknown, jsonPath: JsonPath, node: MachineStateNode): ActionRef[] {
    if (value === undefined) {
      return [];
    }
    const refs = Array.isArray(value)
      ? value.map((item: unknown, index) => ({ value: item, jsonPath: [...jsonPath, index], state: node }))
      : [{ value, jsonPath, state: node }];
    this.actions.push(...refs);
    return refs;
  }
}
