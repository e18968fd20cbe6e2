/**
 * Pictures of a flow (`aiguilleur flows graph`):
 *
 *   - Mermaid `stateDiagram-v2`: every state (nested states as composite states, parallel regions separated by
 *     `--`), the actor a state invokes in its label, and every transition with a target, labelled with what
 *     triggers it (event, `always`, `after <delay>`, `<actor> done` / `<actor> error`, `done` of a compound state)
 *     and its guard. GitHub, GitLab and most documentation tools render it.
 *   - Stately: the machine as the Stately visual editor imports it. Its importer ("Import from code") takes a
 *     `createMachine({...})` call holding the config object (https://stately.ai/docs/import-from-code); a flow's
 *     machine.json is that config, as JSON, with implementations referenced by name, which the editor shows as
 *     named actions, guards and actors.
 *
 * Both are built from `machine.json` alone: a picture helps most while a flow is still invalid.
 */
import { describeGuard } from './guard-description.js';
import { buildMachineModel, type MachineStateNode, type MachineTransition } from './machine-model.js';
import { resolveTarget, stateIds } from './machine-structure-rules.js';

export type FlowGraphFormat = 'mermaid' | 'stately';
export const FLOW_GRAPH_FORMATS: readonly FlowGraphFormat[] = ['mermaid', 'stately'];

/** The Stately editor's import text for a machine config. */
export function toStatelyImport(machine: Readonly<Record<string, unknown>>): string {
  return `createMachine(${JSON.stringify(machine, null, 2)});\n`;
}

/** A Mermaid state diagram of a machine config. Unresolvable targets are left out (`flows check` names them). */
export function toMermaid(machine: Readonly<Record<string, unknown>>): string {
  const model = buildMachineModel(machine, () => undefined);
  if (model === null) {
    return 'stateDiagram-v2\n';
  }
  const ids = new MermaidIds();
  const lines = ['stateDiagram-v2'];
  const declare = (node: MachineStateNode, indent: string): void => {
    const id = ids.of(node);
    lines.push(`${indent}state "${stateLabel(node)}" as ${id}`);
    if (node.children.length > 0) {
      lines.push(`${indent}state ${id} {`);
      children(node, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  const children = (node: MachineStateNode, indent: string): void => {
    const initial = typeof node.config.initial === 'string' ? node.config.initial : undefined;
    const first = node.children.find((child) => child.key === initial);
    if (node.type !== 'parallel' && first !== undefined) {
      lines.push(`${indent}[*] --> ${ids.of(first)}`);
    }
    node.children.forEach((child, index) => {
      if (node.type === 'parallel' && index > 0) {
        lines.push(`${indent}--`);
      }
      declare(child, indent);
      if (child.type === 'final') {
        lines.push(`${indent}${ids.of(child)} --> [*]`);
      }
    });
  };
  children(model.root, '  ');
  const known = stateIds(model);
  for (const transition of model.transitions) {
    const label = transitionLabel(transition);
    for (const target of transition.targets) {
      const to = resolveTarget(known, transition.source, target);
      if (typeof to === 'string' || transition.source.parent === null) {
        // A root-level transition leaves every state: drawn from the start marker would mislead, so it is listed.
        if (typeof to !== 'string') {
          lines.push(`  note right of ${ids.of(to)} : from anywhere, ${escapeLabel(label)}`);
        }
        continue;
      }
      lines.push(`  ${ids.of(transition.source)} --> ${ids.of(to)} : ${escapeLabel(label)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function stateLabel(node: MachineStateNode): string {
  const actors = node.invokes.map((invoke) => (typeof invoke.src === 'string' ? invoke.src : '?'));
  const kind = node.type === 'history' ? ' (history)' : '';
  const text = actors.length === 0 ? `${node.key}${kind}` : `${node.key}${kind} · ${actors.join(', ')}`;
  return text.replaceAll('"', "'");
}

function transitionLabel(transition: MachineTransition): string {
  const { trigger } = transition;
  let label: string;
  switch (trigger.kind) {
    case 'on':
      label = trigger.event;
      break;
    case 'always':
      label = 'always';
      break;
    case 'after':
      label = `after ${trigger.delay}`;
      break;
    case 'stateDone':
      label = 'done';
      break;
    case 'invokeDone':
    case 'invokeError': {
      const src = typeof trigger.invoke.src === 'string' ? trigger.invoke.src : 'actor';
      label = `${src} ${trigger.kind === 'invokeDone' ? 'done' : 'error'}`;
      break;
    }
  }
  return transition.guard === undefined ? label : `${label} [${describeGuard(transition.guard)}]`;
}

/** Mermaid reads `;` as a statement end and `#…;` as an entity; braces and quotes confuse its lexer. */
function escapeLabel(label: string): string {
  return label.replace(
    /[;#{}"]/g,
    (char) => ({ ';': ',', '#': '', '{': '(', '}': ')', '"': "'" })[char] ?? '',
  );
}

/** Mermaid identifiers for states: letters, digits and `_`, unique. */
class MermaidIds {
  private readonly byNode = new Map<MachineStateNode, string>();
  private readonly used = new Set<string>();

  of(node: MachineStateNode): string {
    const known = this.byNode.get(node);
    if (known !== undefined) {
      return known;
    }
    // The prefix keeps state names clear of Mermaid keywords (`end`, `state`, `note`, `direction`).
    const base = `s_${node.path.length === 0 ? 'root' : node.path.join('__').replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; this.used.has(id); n += 1) {
      id = `${base}_${n}`;
    }
    this.used.add(id);
    this.byNode.set(node, id);
    return id;
  }
}
