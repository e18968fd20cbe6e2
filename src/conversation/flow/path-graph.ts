/**
 * The graph the path tests walk (`flow-paths.ts`): states reached by the abstract machine, the transitions between
 * them, and what is wrong with it: outcomes no branch takes, states nothing leads out of, endings without a
 * transfer or hangup, loops (strongly connected components, Tarjan), and the most caller turns on a path. Every
 * finding comes with a shortest example path from the start, written `state —event→ state`.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { FlowProblem } from './flow-types.js';
import { isPlainObject } from './machine-model.js';

const MAX_PATH_STEPS_SHOWN = 14;

/** A state's key in the graph (see `stateSerializer` in flow-paths.ts). */
export type Serializer = (snapshot: AnyMachineSnapshot) => string;

/** An event the walk sends: an actor outcome, a timer or an `always` choice, with the conditions it sets. */
export interface PathEvent extends EventObject {
  readonly aig: {
    /** Free condition (canonical guard JSON) → value. */
    readonly conditions: Readonly<Record<string, boolean>>;
    readonly label: string;
    readonly turn: boolean;
    /** Invoke id whose outcome this is. */
    readonly actorId: string | null;
  };
}

/** The abstract machine's context. */
export interface PathContext {
  readonly counters: Readonly<Record<string, number>>;
  readonly outcome: string | null;
}

export type RawAdjacency = Record<
  string,
  { state: AnyMachineSnapshot; transitions: Record<string, { event: PathEvent; state: AnyMachineSnapshot }> }
>;

interface Edge {
  readonly to: string;
  readonly event: PathEvent;
}

interface GraphNode {
  readonly key: string;
  readonly snapshot: AnyMachineSnapshot;
  readonly edges: Edge[];
}

export class PathGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** Actor outcomes after which the actor is finished but the machine stays, with why. */
  private readonly stuck: { from: string; event: PathEvent; why: string }[] = [];
  private readonly initial: string;
  edgeCount = 0;
  longestTurns: number | null = null;

  constructor(
    adjacency: RawAdjacency,
    private readonly machineId: string,
    /** States whose events were tried (the others were left when the walk hit its limit). */
    private readonly expanded: ReadonlySet<string>,
    serialize: Serializer,
    /** Why an actor outcome left the machine where it was. */
    explainStuck: (event: PathEvent, snapshot: AnyMachineSnapshot) => string,
  ) {
    const keys = Object.keys(adjacency);
    this.initial = keys[0] ?? '';
    for (const [key, { state }] of Object.entries(adjacency)) {
      this.nodes.set(key, { key, snapshot: state, edges: [] });
    }
    for (const [key, { state, transitions }] of Object.entries(adjacency)) {
      const node = this.nodes.get(key)!;
      for (const { event, state: next } of Object.values(transitions)) {
        const actorId = event.aig.actorId;
        const children = next.children as Readonly<Record<string, unknown>>;
        const finishedInPlace =
          actorId !== null &&
          children[actorId] !== undefined &&
          children[actorId] === (state.children as Readonly<Record<string, unknown>>)[actorId];
        if (next === state || finishedInPlace) {
          if (actorId !== null) {
            this.stuck.push({ from: key, event, why: explainStuck(event, state) });
          }
          continue;
        }
        const to = serialize(next);
        if (this.nodes.has(to)) {
          node.edges.push({ to, event });
          this.edgeCount += 1;
        }
      }
    }
  }

  get size(): number {
    return this.nodes.size;
  }

  findProblems(
    maxTurns: number,
    where: (keys: readonly string[]) => { file: string; line: number | null; column: number | null },
  ): FlowProblem[] {
    const problems: FlowProblem[] = [];
    const reported = new Set<string>();
    /** One problem per state and kind: candidates come nearest first, so the example path is a shortest one. */
    const add = (snapshot: AnyMachineSnapshot, kind: string, message: string): void => {
      const leaves = leafPaths(snapshot.value);
      const statePath = leaves.map((keys) => [this.machineId, ...keys].join('.')).join(' + ');
      const dedupe = `${statePath}\0${kind}`;
      if (!reported.has(dedupe)) {
        reported.add(dedupe);
        problems.push({ ...where(leaves[0] ?? []), statePath, message });
      }
    };
    const parents = this.shortestPaths();
    const order = new Map([...parents.keys()].map((key, index) => [key, index]));
    const nearestFirst = <T>(items: T[], key: (item: T) => string): T[] =>
      items.sort((a, b) => (order.get(key(a)) ?? Infinity) - (order.get(key(b)) ?? Infinity));

    for (const { from, event, why } of nearestFirst([...this.stuck], (entry) => entry.from)) {
      add(
        this.nodes.get(from)!.snapshot,
        `stuck:${event.type}`,
        `${event.aig.label}: ${why}, so the call stays here with nothing left to happen; ` +
          `reached by ${this.describePath(parents, from)}`,
      );
    }
    const stuckStates = new Set(this.stuck.map((entry) => entry.from));
    for (const node of nearestFirst([...this.nodes.values()], (candidate) => candidate.key)) {
      if (node.snapshot.status === 'done') {
        if ((node.snapshot.context as PathContext).outcome === null) {
          add(
            node.snapshot,
            'ending',
            `the flow ends without a transfer or hangup: ${this.describePath(parents, node.key)}`,
          );
        }
      } else if (node.edges.length === 0 && this.expanded.has(node.key) && !stuckStates.has(node.key)) {
        add(
          node.snapshot,
          'dead end',
          `dead end: no actor outcome or timer leads out of this state; reached by ${this.describePath(parents, node.key)}`,
        );
      }
    }
    const components = this.loops();
    for (const component of components) {
      const entry = component.find((key) => parents.has(key)) ?? component[0]!;
      const cycle = this.cycleFrom(entry, new Set(component));
      const turns = cycle.filter((edge) => edge.event.aig.turn).length;
      add(
        this.nodes.get(entry)!.snapshot,
        'loop',
        `unbounded loop: ${this.describeSteps(entry, cycle)} can repeat forever ` +
          (turns > 0
            ? `(${turns === 1 ? 'one caller turn' : `${turns} caller turns`} a round)`
            : '(without any caller turn)') +
          '; bound it with a counter (increment + counterBelow); reached by ' +
          this.describePath(parents, entry),
      );
    }
    if (components.length === 0) {
      const { turns, end } = this.longestByTurns();
      this.longestTurns = turns;
      if (turns > maxTurns && end !== null) {
        add(
          this.nodes.get(end.key)!.snapshot,
          'turns',
          `a path takes ${turns} caller turns before it ends (flow.json maxTurns is ${maxTurns}): ` +
            this.describeSteps(this.initial, end.path),
        );
      }
    }
    return problems;
  }

  /** Breadth-first parent links from the initial state (shortest example paths). */
  private shortestPaths(): Map<string, { from: string; edge: Edge } | null> {
    const parents = new Map<string, { from: string; edge: Edge } | null>([[this.initial, null]]);
    const queue = [this.initial];
    while (queue.length > 0) {
      const key = queue.shift()!;
      for (const edge of this.nodes.get(key)?.edges ?? []) {
        if (!parents.has(edge.to)) {
          parents.set(edge.to, { from: key, edge });
          queue.push(edge.to);
        }
      }
    }
    return parents;
  }

  private describePath(parents: Map<string, { from: string; edge: Edge } | null>, key: string): string {
    const edges: Edge[] = [];
    for (let at = parents.get(key); at !== null && at !== undefined; at = parents.get(at.from)) {
      edges.unshift(at.edge);
    }
    return this.describeSteps(this.initial, edges);
  }

  private describeSteps(start: string, edges: readonly Edge[]): string {
    const name = (key: string): string =>
      leafPaths(this.nodes.get(key)?.snapshot.value ?? '')
        .map((keys) => keys.join('.'))
        .join('+');
    const steps = edges.map((edge) => ` —${edge.event.aig.label}→ ${name(edge.to)}`);
    const shown =
      steps.length <= MAX_PATH_STEPS_SHOWN
        ? steps
        : [...steps.slice(0, 4), ` … (${steps.length - 8} steps) …`, ...steps.slice(-4)];
    return `${name(start)}${shown.join('')}`;
  }

  /** Strongly connected components with a cycle (Tarjan), each in discovery order. */
  private loops(): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const found: string[][] = [];
    let counter = 0;
    // Iterative to survive large graphs.
    for (const start of this.nodes.keys()) {
      if (index.has(start)) {
        continue;
      }
      const work: { key: string; next: number }[] = [{ key: start, next: 0 }];
      index.set(start, counter);
      low.set(start, counter);
      counter += 1;
      stack.push(start);
      onStack.add(start);
      while (work.length > 0) {
        const frame = work[work.length - 1]!;
        const edges = this.nodes.get(frame.key)!.edges;
        if (frame.next < edges.length) {
          const to = edges[frame.next]!.to;
          frame.next += 1;
          if (!index.has(to)) {
            index.set(to, counter);
            low.set(to, counter);
            counter += 1;
            stack.push(to);
            onStack.add(to);
            work.push({ key: to, next: 0 });
          } else if (onStack.has(to)) {
            low.set(frame.key, Math.min(low.get(frame.key)!, index.get(to)!));
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent !== undefined) {
          low.set(parent.key, Math.min(low.get(parent.key)!, low.get(frame.key)!));
        }
        if (low.get(frame.key) === index.get(frame.key)) {
          const component: string[] = [];
          let key: string;
          do {
            key = stack.pop()!;
            onStack.delete(key);
            component.push(key);
          } while (key !== frame.key);
          const selfLoop = this.nodes.get(frame.key)!.edges.some((edge) => edge.to === frame.key);
          if (component.length > 1 || selfLoop) {
            found.push(component.reverse());
          }
        }
      }
    }
    return found;
  }

  /** A shortest way round from `start` back to itself inside `component`. */
  private cycleFrom(start: string, component: ReadonlySet<string>): Edge[] {
    const parents = new Map<string, { from: string; edge: Edge }>();
    const queue = [start];
    const visited = new Set<string>();
    while (queue.length > 0) {
      const key = queue.shift()!;
      for (const edge of this.nodes.get(key)!.edges) {
        if (!component.has(edge.to)) {
          continue;
        }
        if (edge.to === start) {
          const edges = [edge];
          for (let at = key; at !== start;) {
            const parent = parents.get(at)!;
            edges.unshift(parent.edge);
            at = parent.from;
          }
          return edges;
        }
        if (!visited.has(edge.to)) {
          visited.add(edge.to);
          parents.set(edge.to, { from: key, edge });
          queue.push(edge.to);
        }
      }
    }
    return [];
  }

  /** On an acyclic graph: the most caller turns from the initial state to an end, and that path. */
  private longestByTurns(): { turns: number; end: { key: string; path: Edge[] } | null } {
    const best = new Map<string, { turns: number; path: Edge[] }>();
    const visit = (key: string): { turns: number; path: Edge[] } => {
      const known = best.get(key);
      if (known !== undefined) {
        return known;
      }
      let result = { turns: 0, path: [] as Edge[] };
      for (const edge of this.nodes.get(key)!.edges) {
        const rest = visit(edge.to);
        const turns = rest.turns + (edge.event.aig.turn ? 1 : 0);
        if (turns > result.turns || (turns === result.turns && rest.path.length + 1 > result.path.length)) {
          result = { turns, path: [edge, ...rest.path] };
        }
      }
      best.set(key, result);
      return result;
    };
    const longest = visit(this.initial);
    const last = longest.path.at(-1);
    return { turns: longest.turns, end: { key: last?.to ?? this.initial, path: longest.path } };
  }
}

/** State keys of each active leaf, e.g. `{ menu: 'choose' }` → `[['menu', 'choose']]`. */
export function leafPaths(value: unknown): string[][] {
  if (typeof value === 'string') {
    return [[value]];
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) {
      return [[]];
    }
    return entries.flatMap(([key, child]) => leafPaths(child).map((rest) => [key, ...rest]));
  }
  return [[]];
}
