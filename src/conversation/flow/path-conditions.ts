/**
 * Guards as conditions, for the path tests (`flow-paths.ts`). A guard reference is a tree of `all`/`any`/`not`
 * over leaf conditions; `counterBelow` leaves are evaluated on counters, every other leaf is a free condition the
 * walk sets. For a list of branches (an `onDone`, an `always`...), `branchAssignments` finds, for each branch, one
 * setting of the free conditions under which that branch is the first to hold, so that each outcome the flow
 * distinguishes becomes one synthesized event.
 */
import { isPlainObject } from './machine-model.js';

/** Free conditions per branch list above which branches are found greedily instead of by enumeration. */
const MAX_ENUMERATED_CONDITIONS = 12;

/** A guard reference as `{ type, params }`. */
export interface Condition {
  readonly type: string;
  readonly params: Readonly<Record<string, unknown>>;
}

function asCondition(guard: unknown): Condition | null {
  if (typeof guard === 'string') {
    return { type: guard, params: {} };
  }
  return isPlainObject(guard) && typeof guard.type === 'string'
    ? { type: guard.type, params: isPlainObject(guard.params) ? guard.params : {} }
    : null;
}

/** A stable key for a free condition: its JSON with sorted keys. */
export function conditionKey(condition: Condition): string {
  return JSON.stringify(condition, (_key, value: unknown) =>
    isPlainObject(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}

export function isCounterTest(condition: Condition): boolean {
  const { params } = condition;
  return (
    condition.type === 'counterBelow' && typeof params.name === 'string' && typeof params.max === 'number'
  );
}

function childConditions(condition: Condition): unknown[] {
  const { params } = condition;
  if ((condition.type === 'all' || condition.type === 'any') && Array.isArray(params.guards)) {
    return params.guards;
  }
  return condition.type === 'not' ? [params.guard] : [];
}

/** Keys of the conditions inside `guard` the walk chooses (everything but counter tests and combinators). */
export function freeConditions(guard: unknown): string[] {
  const condition = asCondition(guard);
  if (condition === null) {
    return [];
  }
  const children = childConditions(condition);
  if (children.length > 0 || condition.type === 'not') {
    return children.flatMap(freeConditions);
  }
  return isCounterTest(condition) ? [] : [conditionKey(condition)];
}

export function counterTests(guard: unknown): string[] {
  const condition = asCondition(guard);
  if (condition === null) {
    return [];
  }
  const children = childConditions(condition);
  if (children.length > 0) {
    return children.flatMap(counterTests);
  }
  return isCounterTest(condition) ? [conditionKey(condition)] : [];
}

/** Evaluates a guard; `lookup` answers leaf conditions. */
export function evaluate(guard: unknown, lookup: (condition: Condition) => boolean): boolean {
  const condition = asCondition(guard);
  if (condition === null) {
    return false;
  }
  const children = childConditions(condition);
  switch (condition.type) {
    case 'all':
      return children.every((child) => evaluate(child, lookup));
    case 'any':
      return children.some((child) => evaluate(child, lookup));
    case 'not':
      return !evaluate(children[0], lookup);
    default:
      return lookup(condition);
  }
}

/**
 * One assignment of free conditions per branch that makes it the first branch to hold (counter tests may go
 * either way: the context decides), plus one where none holds when the list has no unguarded branch.
 */
export function branchAssignments(
  guards: readonly unknown[],
): { branch: number | null; conditions: Record<string, boolean> }[] {
  const free = [...new Set(guards.flatMap(freeConditions))];
  const counters = [...new Set(guards.flatMap(counterTests))];
  const variables = [...free, ...counters];
  const results: { branch: number | null; conditions: Record<string, boolean> }[] = [];
  const seen = new Set<string>();
  const targets: (number | null)[] = guards.map((_, index) => index);
  if (guards.every((guard) => guard !== undefined)) {
    targets.push(null);
  }
  for (const target of targets) {
    const assignment = findAssignment(guards, target, variables);
    if (assignment === null) {
      continue;
    }
    const conditions = Object.fromEntries(free.map((key) => [key, assignment.get(key) === true]));
    const key = JSON.stringify(conditions);
    if (!seen.has(key)) {
      seen.add(key);
      results.push({ branch: target, conditions });
    }
  }
  return results;
}

function findAssignment(
  guards: readonly unknown[],
  target: number | null,
  variables: readonly string[],
): Map<string, boolean> | null {
  const satisfies = (assignment: Map<string, boolean>): boolean => {
    const value = (guard: unknown): boolean =>
      guard === undefined || evaluate(guard, (condition) => assignment.get(conditionKey(condition)) === true);
    const end = target ?? guards.length;
    for (let index = 0; index < end; index += 1) {
      if (value(guards[index])) {
        return false;
      }
    }
    return target === null || value(guards[target]);
  };
  if (variables.length <= MAX_ENUMERATED_CONDITIONS) {
    const masks = Array.from({ length: 2 ** variables.length }, (_, mask) => mask).sort(
      (a, b) => popCount(a) - popCount(b) || a - b,
    );
    for (const mask of masks) {
      const assignment = new Map(variables.map((key, bit) => [key, (mask & (1 << bit)) !== 0]));
      if (satisfies(assignment)) {
        return assignment;
      }
    }
    return null;
  }
  // Greedy: the target's own conditions true, everything else false.
  const own = new Set(
    target === null ? [] : [...freeConditions(guards[target]), ...counterTests(guards[target])],
  );
  const assignment = new Map(variables.map((key) => [key, own.has(key)]));
  return satisfies(assignment) ? assignment : null;
}

function popCount(mask: number): number {
  let count = 0;
  for (let rest = mask; rest !== 0; rest &= rest - 1) {
    count += 1;
  }
  return count;
}

export function counterNames(guard: unknown): string[] {
  return counterTests(guard).map((key) =>
    String((JSON.parse(key) as { params: { name: unknown } }).params.name),
  );
}
