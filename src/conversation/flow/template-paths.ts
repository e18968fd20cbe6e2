/**
 * Checking `{{path}}` templates at load. The runtime (`runtime/flow-templates.ts`) resolves them when a step runs
 * and reads a missing path as empty: a typo (`{{context.intnet}}`, `{{vars.anouncement}}`) would make a prompt
 * silently say nothing. Paths must start at `context.<field>` (a field the runtime owns, `FLOW_CONTEXT_FIELDS`),
 * `event` (what the step's event carries: not knowable at load), `vars.<name>` or a bare `<name>` (a variable
 * declared in `flow.json` or set by a `setVar` action).
 */
import { FLOW_CONTEXT_FIELDS } from '../runtime/flow-vocabulary.js';

const TEMPLATE = /\{\{([^{}]*)\}\}/g;
const PATH = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+)*$/;
const CONTEXT_FIELDS: ReadonlySet<string> = new Set(FLOW_CONTEXT_FIELDS);

/** True when `text` is or contains a template (such a value is only known when the step runs). */
export function isTemplated(text: string): boolean {
  return /\{\{[^{}]+\}\}/.test(text);
}

/**
 * Messages for each bad template in `text`. `variables`: the names a template may read as a variable, or null
 * when they are unknown (flow.json unusable) and variable names are not checked.
 */
export function templateProblems(text: string, variables: ReadonlySet<string> | null): string[] {
  const problems: string[] = [];
  const opened = (text.match(/\{\{/g) ?? []).length;
  const closed = [...text.matchAll(TEMPLATE)];
  if (opened > closed.length) {
    problems.push(`unclosed template in "${text}" ("{{" without "}}")`);
  }
  for (const match of closed) {
    const path = (match[1] ?? '').trim();
    const problem = pathProblem(path, variables);
    if (problem !== null) {
      problems.push(`template {{${path}}}: ${problem}`);
    }
  }
  return problems;
}

function pathProblem(path: string, variables: ReadonlySet<string> | null): string | null {
  if (!PATH.test(path)) {
    return 'not a path (expected context.<field>, event.<...>, vars.<name> or a variable name)';
  }
  const [root = '', second, third] = path.split('.');
  const variable = (name: string | undefined): string | null => {
    if (name === undefined) {
      return 'names no variable (vars.<name>)';
    }
    return variables === null || variables.has(name)
      ? null
      : `variable "${name}" is not declared in flow.json "variables" nor set by a setVar action`;
  };
  switch (root) {
    case 'event':
      return null;
    case 'context':
      if (second === undefined || !CONTEXT_FIELDS.has(second)) {
        return `"${second ?? ''}" is not a context field (${FLOW_CONTEXT_FIELDS.join(', ')})`;
      }
      return second === 'vars' ? variable(third) : null;
    case 'vars':
      return variable(second);
    default:
      return variable(root);
  }
}
