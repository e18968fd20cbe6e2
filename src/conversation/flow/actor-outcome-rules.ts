/**
 * A caller who says nothing, is not understood, or whose recognizer fails must still reach a next step
 * (issue 5: "no dead end"). For each invoked actor the vocabulary flags (`ActorSpec`): `requiresOnError` → the
 * state must have `onError`; `requiresNoInputNoMatch` → `onDone` must route both `no-input` and `no-match`, with a
 * branch guarded by `resultIs` naming that kind (alone or inside `any`) or an unguarded branch. A branch under
 * `all`/`not` handles the kind only sometimes (e.g. while a counter is low), so it does not count on its own.
 */
import { FLOW_ACTORS } from '../runtime/flow-vocabulary.js';
import {
  isPlainObject,
  statePathOf,
  type MachineModel,
  type MachineShapeReporter,
  type MachineTransition,
} from './machine-model.js';

const SILENCE_AND_NOISE = ['no-input', 'no-match'] as const;

export function checkActorOutcomes(model: MachineModel, report: MachineShapeReporter): void {
  for (const invoke of model.invokes) {
    if (typeof invoke.src !== 'string' || !Object.hasOwn(FLOW_ACTORS, invoke.src)) {
      continue;
    }
    const src = invoke.src as keyof typeof FLOW_ACTORS;
    const spec = FLOW_ACTORS[src];
    const statePath = statePathOf(model.machineId, invoke.state);
    if (spec.requiresOnError && !invoke.hasOnError) {
      report(
        invoke.jsonPath,
        statePath,
        `${src} needs "onError": a failure (recognizer down, timeout) would otherwise leave the caller stuck`,
      );
    }
    if (!spec.requiresNoInputNoMatch) {
      continue;
    }
    if (!invoke.hasOnDone) {
      report(
        invoke.jsonPath,
        statePath,
        `${src} needs "onDone" routing its results, "no-input" and "no-match" included`,
      );
      continue;
    }
    for (const kind of SILENCE_AND_NOISE) {
      if (!routes(invoke.onDone, kind)) {
        report(
          [...invoke.jsonPath, 'onDone'],
          statePath,
          `${src} "onDone" does not route "${kind}": add a branch with guard ` +
            `{ "type": "resultIs", "params": { "kind": "${kind}" } } or an unguarded last branch`,
        );
      }
    }
  }
}

function routes(branches: readonly MachineTransition[], kind: string): boolean {
  return branches.some((branch) => branch.guard === undefined || surelyMatches(branch.guard, kind));
}

/** True when the guard holds for every output of that kind. */
function surelyMatches(guard: unknown, kind: string): boolean {
  if (!isPlainObject(guard) || !isPlainObject(guard.params)) {
    return false;
  }
  const { params } = guard;
  if (guard.type === 'resultIs') {
    return Array.isArray(params.kind) ? params.kind.includes(kind) : params.kind === kind;
  }
  if (guard.type === 'any' && Array.isArray(params.guards)) {
    return params.guards.some((child: unknown) => surelyMatches(child, kind));
  }
  return false;
}
