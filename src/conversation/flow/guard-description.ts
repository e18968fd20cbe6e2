/**
 * A guard reference written out short for people: `resultIs(kind=no-input)`, `all(intentIs(intent=card),
 * confidence(atLeast=high))`, `intentIn(intents=card|refund)`. Used in diagram labels and path reports, where the
 * JSON form would be unreadable (and its quotes would break Mermaid).
 */
import { isPlainObject } from './machine-model.js';

export function describeGuard(guard: unknown): string {
  if (typeof guard === 'string') {
    return guard;
  }
  if (!isPlainObject(guard) || typeof guard.type !== 'string') {
    return '?';
  }
  const params = isPlainObject(guard.params) ? guard.params : {};
  if ((guard.type === 'all' || guard.type === 'any') && Array.isArray(params.guards)) {
    return `${guard.type}(${params.guards.map(describeGuard).join(', ')})`;
  }
  if (guard.type === 'not') {
    return `not(${describeGuard(params.guard)})`;
  }
  const written = Object.entries(params)
    .map(([key, value]) => `${key}=${describeValue(value)}`)
    .join(',');
  return written === '' ? guard.type : `${guard.type}(${written})`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(describeValue).join('|');
  }
  return JSON.stringify(value) ?? String(value);
}
