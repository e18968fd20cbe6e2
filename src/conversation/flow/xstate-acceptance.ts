/**
 * The last word on a machine's shape is XState's: the config is handed to `createMachine` with stand-ins for
 * every actor, guard, action and delay the vocabulary names, and each state node's transitions, invokes and
 * delays are read, which makes XState resolve what it otherwise resolves lazily (targets, initial states) when a
 * call first takes a transition. What it refuses is reported; the other rules say it more precisely, so this runs
 * only when they found nothing in the machine.
 */
import { createMachine, fromPromise, type AnyStateNode, type MachineConfig } from 'xstate';
import { FLOW_ACTIONS, FLOW_ACTORS, FLOW_GUARDS } from '../runtime/flow-vocabulary.js';

const stand = <T>(names: object, make: () => T): Record<string, T> =>
  Object.fromEntries(Object.keys(names).map((name) => [name, make()]));

/** XState's message when it rejects the machine, null when it accepts it. */
export function xstateRejection(
  config: Readonly<Record<string, unknown>>,
  delays: Readonly<Record<string, number>>,
): string | null {
  try {
    const machine = createMachine(config as MachineConfig<object, { type: string }>, {
      actors: stand(FLOW_ACTORS, () => fromPromise(() => Promise.resolve({}))),
      guards: stand(FLOW_GUARDS, () => () => false),
      actions: stand(FLOW_ACTIONS, () => () => undefined),
      delays: { ...delays },
    });
    visit(machine.root);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function visit(node: AnyStateNode): void {
  void node.transitions;
  void node.always;
  void node.after;
  void node.initial;
  void node.invoke;
  for (const child of Object.values(node.states)) {
    visit(child);
  }
}
