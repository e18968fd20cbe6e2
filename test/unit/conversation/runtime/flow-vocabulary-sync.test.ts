// The validator checks flows against flow-vocabulary.ts; the runtime implements what it lists. This keeps the two
// in step: a name added to one without the other fails here, not in the middle of a call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLOW_ACTION_IMPLEMENTATIONS } from '../../../../src/conversation/runtime/flow-actions.js';
import { initialFlowContext } from '../../../../src/conversation/runtime/flow-context.js';
import { FLOW_GUARD_IMPLEMENTATIONS } from '../../../../src/conversation/runtime/flow-guards.js';
import { flowMachine } from '../../../../src/conversation/runtime/flow-machine.js';
import {
  FLOW_ACTIONS,
  FLOW_ACTORS,
  FLOW_CONTEXT_FIELDS,
  FLOW_GUARDS,
} from '../../../../src/conversation/runtime/flow-vocabulary.js';
import { runtimeBasicFlow } from './runtime-test-support.js';

const sorted = (names: Iterable<string>): string[] => [...names].sort();

describe('flow vocabulary and runtime', () => {
  it('implements exactly the guards and actions the validator accepts', () => {
    assert.deepEqual(sorted(Object.keys(FLOW_GUARD_IMPLEMENTATIONS)), sorted(Object.keys(FLOW_GUARDS)));
    assert.deepEqual(sorted(Object.keys(FLOW_ACTION_IMPLEMENTATIONS)), sorted(Object.keys(FLOW_ACTIONS)));
  });

  it('owns exactly the context fields templates may read', () => {
    const context = initialFlowContext({ language: 'fr', number: '3646', vars: {} });
    assert.deepEqual(sorted(Object.keys(context)), sorted(FLOW_CONTEXT_FIELDS));
  });

  it('provides every actor the validator accepts to the machine', async () => {
    const flow = await runtimeBasicFlow();
    const machine = flowMachine(flow);
    assert.equal(flowMachine(flow), machine, 'one machine per flow version');
    const provided = (machine.implementations as { actors: Record<string, unknown> }).actors;
    assert.deepEqual(sorted(Object.keys(provided)), sorted(Object.keys(FLOW_ACTORS)));
    const guards = (machine.implementations as { guards: Record<string, unknown> }).guards;
    assert.deepEqual(sorted(Object.keys(guards)), sorted(Object.keys(FLOW_GUARDS)));
    const actions = (machine.implementations as { actions: Record<string, unknown> }).actions;
    for (const name of Object.keys(FLOW_ACTIONS)) {
      assert.ok(name in actions, `action ${name} is provided`);
    }
  });
});
