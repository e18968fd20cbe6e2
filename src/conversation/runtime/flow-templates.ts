/**
 * `{{path}}` templates in a flow's machine (`invoke.input`, action and guard `params`) and in its prompt texts,
 * resolved against `{ context, event }` when the step runs, never when the flow loads: `{{event.output.digits}}`
 * only exists once the digits are in.
 *
 * Paths start at `context.`, `event.` or `vars.` (short for `context.vars.`); a bare name (`{{announcement}}`, the
 * prompt files' style) is a variable too. A string that is exactly one template keeps the value's type (an object,
 * a number, null); inside a longer text, a missing value is the empty string and a list is read out item by item.
 */
import type { FlowContext } from './flow-context.js';

/** What a template can see. `event` is whatever XState delivered (an actor's done event has `output`). */
export interface TemplateScope {
  readonly context: FlowContext;
  readonly event: unknown;
}

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

/** True when `text` holds at least one template. */
export function hasTemplate(text: string): boolean {
  return /\{\{[^{}]+\}\}/.test(text);
}

/** The value at `path` (`context.intent`, `event.output.digits`, `vars.announcement`, `announcement`). */
export function lookupTemplatePath(path: string, scope: TemplateScope): unknown {
  const [root, ...rest] = path.split('.');
  let value: unknown;
  let segments: string[];
  switch (root) {
    case 'context':
      value = scope.context;
      segments = rest;
      break;
    case 'event':
      value = scope.event;
      segments = rest;
      break;
    case 'vars':
      value = scope.context.vars;
      segments = rest;
      break;
    default:
      value = scope.context.vars;
      segments = [root ?? '', ...rest];
  }
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** How a value reads inside a sentence. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) {
    return value.map(textOf).join(', ');
  }
  return JSON.stringify(value);
}

/** Replaces every template in `text` by its value's text. */
export function renderTemplate(text: string, scope: TemplateScope): string {
  return text.replace(TEMPLATE, (_match, path: string) => textOf(lookupTemplatePath(path, scope)));
}

/**
 * Resolves every string inside `value` (objects and arrays are walked, copies are returned). A string that is
 * exactly one template becomes the value itself (`null` when missing).
 */
export function resolveTemplates(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_TEMPLATE.exec(value);
    if (whole !== null) {
      return lookupTemplatePath(whole[1]!, scope) ?? null;
    }
    return hasTemplate(value) ? renderTemplate(value, scope) : value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => resolveTemplates(item, scope));
  }
  if (value !== null && typeof value === 'object') {
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      resolved[key] = resolveTemplates(item, scope);
    }
    return resolved;
  }
  return value;
}

/** True when a template appears anywhere inside `value`. */
export function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') {
    return hasTemplate(value);
  }
  if (Array.isArray(value)) {
    return value.some(containsTemplate);
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).some(containsTemplate);
  }
  return false;
}
