/**
 * Where a machine can go: targets that resolve, initial states, states no transition reaches, states a call can
 * enter but never leave, and branches that can never be taken. Target resolution follows XState v5
 * (`resolveTarget` / `getStateNodeByPath`): `sibling`, `sibling.child`, `.child` (of the source), `#id` and
 * `#id.child`; from the root node only `.child` and `#id` work. XState resolves targets lazily, when a transition
 * is first taken, so without this check a typo would surface in the middle of a call.
 */
import type { JsonPath } from './json-source-map.js';
import {
  isPlainObject,
  statePathOf,
  type MachineModel,
  type MachineShapeReporter,
  type MachineStateNode,
  type MachineTransition,
} from './machine-model.js';

/** Resolved targets of every transition whose targets all resolved. */
export type ResolvedTargets = ReadonlyMap<MachineTransition, readonly MachineStateNode[]>;

export function checkMachineStructure(model: MachineModel, report: MachineShapeReporter): ResolvedTargets {
  const ids = stateIds(model, report);
  const resolved = new Map<MachineTransition, MachineStateNode[]>();
  for (const transition of model.transitions) {
    const nodes: MachineStateNode[] = [];
    transition.targets.forEach((target, index) => {
      const result = resolveTarget(ids, transition.source, target);
      if (typeof result === 'string') {
        report(
          transition.targetPaths[index] ?? transition.jsonPath,
          statePathOf(model.machineId, transition.source),
          result,
        );
      } else {
        nodes.push(result);
      }
    });
    if (nodes.length === transition.targets.length) {
      resolved.set(transition, nodes);
    }
  }
  checkInitials(model, report);
  checkBranchOrder(model, report);
  checkFinalStates(model, report);
  const reachable = reachableStates(model, resolved);
  for (const node of model.states) {
    if (!reachable.has(node) && (node.parent === null || reachable.has(node.parent))) {
      report(
        node.jsonPath,
        statePathOf(model.machineId, node),
        'unreachable: no transition or initial state leads here',
        'key',
      );
    }
  }
  for (const node of model.states) {
    if (reachable.has(node) && isStuck(node, resolved)) {
      report(
        node.jsonPath,
        statePathOf(model.machineId, node),
        'no way out: the state is not final and no transition (on, always, after, invoke onDone/onError) ' +
          'with a target leaves it',
        'key',
      );
    }
  }
  return resolved;
}

/** Explicit `id`s and the machine's own id, as XState's id map has them; `report` hears of ids used twice. */
export function stateIds(model: MachineModel, report?: MachineShapeReporter): Map<string, MachineStateNode> {
  const ids = new Map<string, MachineStateNode>([[model.machineId, model.root]]);
  for (const node of model.states) {
    if (node.id === null || node.parent === null) {
      continue;
    }
    if (ids.has(node.id)) {
      report?.([...node.jsonPath, 'id'], statePathOf(model.machineId, node), `id "${node.id}" is used twice`);
    }
    ids.set(node.id, node);
  }
  return ids;
}

/** The state node `target` designates from `source`, or a message saying why there is none. */
export function resolveTarget(
  ids: ReadonlyMap<string, MachineStateNode>,
  source: MachineStateNode,
  target: string,
): MachineStateNode | string {
  if (target.startsWith('#')) {
    const [id = '', ...rest] = target.slice(1).split('.');
    const head = ids.get(id);
    return head === undefined ? `target "${target}": no state has id "${id}"` : descend(head, rest, target);
  }
  if (target.startsWith('.')) {
    return descend(source, target.slice(1).split('.'), target);
  }
  if (source.parent === null) {
    return `target "${target}" is not valid from the root node: write ".${target}" for a child state`;
  }
  return descend(source.parent, target.split('.'), target);
}

function descend(from: MachineStateNode, keys: readonly string[], target: string): MachineStateNode | string {
  let node = from;
  for (const key of keys) {
    const child = node.children.find((candidate) => candidate.key === key);
    if (child === undefined) {
      const here = node.path.length === 0 ? 'the root' : `"${node.path.join('.')}"`;
      const known = node.children.map((c) => c.key).join(', ');
      return `target "${target}" does not exist: ${here} has no state "${key}"${known === '' ? '' : ` (it has: ${known})`}`;
    }
    node = child;
  }
  return node;
}

function initialKey(node: MachineStateNode): string | undefined {
  const initial = node.config.initial;
  if (typeof initial === 'string') {
    return initial;
  }
  return isPlainObject(initial) && typeof initial.target === 'string' ? initial.target : undefined;
}

function checkInitials(model: MachineModel, report: MachineShapeReporter): void {
  for (const node of model.states) {
    const statePath = statePathOf(model.machineId, node);
    const initial = node.config.initial;
    const key = initialKey(node);
    if (node.type === 'compound') {
      if (initial === undefined) {
        report(node.jsonPath, statePath, 'a state with child states needs "initial"', 'key');
      } else if (key === undefined) {
        report([...node.jsonPath, 'initial'], statePath, '"initial" must name a child state');
      } else if (!node.children.some((child) => child.key === key.replace(/^\./, ''))) {
        report(
          [...node.jsonPath, 'initial'],
          statePath,
          `initial state "${key}" is not a child state (children: ${node.children.map((c) => c.key).join(', ')})`,
        );
      }
    } else if (initial !== undefined) {
      report(
        [...node.jsonPath, 'initial'],
        statePath,
        node.type === 'parallel'
          ? 'a parallel state enters all its children: "initial" is not used'
          : '"initial" is given but the state has no child states',
        'key',
      );
    }
  }
}

/** Branches after an unguarded one are never tried. */
function checkBranchOrder(model: MachineModel, report: MachineShapeReporter): void {
  for (const transition of model.transitions) {
    if (transition.guard === undefined && transition.branch < transition.branchCount - 1) {
      const list: JsonPath = transition.jsonPath.slice(0, -1);
      report(
        [...list, transition.branch + 1],
        statePathOf(model.machineId, transition.source),
        `never taken: branch ${transition.branch + 1} before it has no guard and always wins`,
      );
    }
  }
}

function checkFinalStates(model: MachineModel, report: MachineShapeReporter): void {
  for (const node of model.states) {
    if (node.type !== 'final') {
      continue;
    }
    for (const key of ['on', 'always', 'after', 'invoke', 'states', 'onDone']) {
      if (node.config[key] !== undefined) {
        report(
          [...node.jsonPath, key],
          statePathOf(model.machineId, node),
          `a final state ends its parent: "${key}" is not allowed here`,
          'key',
        );
      }
    }
  }
}

/** Fixpoint: the root; a compound's initial child; a parallel's children; every target of a reachable node. */
function reachableStates(model: MachineModel, resolved: ResolvedTargets): Set<MachineStateNode> {
  const reachable = new Set<MachineStateNode>();
  const queue: MachineStateNode[] = [];
  const enter = (node: MachineStateNode): void => {
    for (let at: MachineStateNode | null = node; at !== null && !reachable.has(at); at = at.parent) {
      reachable.add(at);
      queue.push(at);
    }
  };
  enter(model.root);
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node.type === 'parallel') {
      node.children.forEach(enter);
    } else if (node.type === 'compound') {
      const key = initialKey(node)?.replace(/^\./, '');
      const initial = node.children.find((child) => child.key === key);
      if (initial !== undefined) {
        enter(initial);
      }
    }
    for (const transition of node.transitions) {
      resolved.get(transition)?.forEach(enter);
    }
  }
  return reachable;
}

/** An atomic, non-final state with no transition to a valid target on itself or an ancestor. */
function isStuck(node: MachineStateNode, resolved: ResolvedTargets): boolean {
  if (node.type !== 'atomic') {
    return false;
  }
  for (let at: MachineStateNode | null = node; at !== null; at = at.parent) {
    if (at.transitions.some((transition) => (resolved.get(transition)?.length ?? 0) > 0)) {
      return false;
    }
  }
  return true;
}
