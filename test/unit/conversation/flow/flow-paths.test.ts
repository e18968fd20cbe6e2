// Path tests: the machine walked with @xstate/graph, actor outcomes as events. A flow passes when every path ends
// in a transfer or hangup within maxTurns caller turns; a loop a caller can repeat forever is flagged.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFlowFiles } from '../../../../src/conversation/flow/flow-files.js';
import { checkFlowPaths, type FlowPathOptions } from '../../../../src/conversation/flow/flow-paths.js';
import type { FlowSettings } from '../../../../src/conversation/flow/flow-types.js';
import { validateFlowFiles } from '../../../../src/conversation/flow/flow-validator.js';
import { badFlow, GROUPS, goodFlow, positionOf } from './flow-fixtures.js';

/** Validates (the walk needs a valid flow) and walks. */
async function walk(directory: string, options: FlowPathOptions = {}) {
  const files = await readFlowFiles(directory);
  const validation = validateFlowFiles(files, { groups: GROUPS });
  assert.deepEqual(validation.problems, [], 'the fixture must pass the static rules');
  const { machine, settings, model, machineFile } = validation;
  return checkFlowPaths(
    { id: files.flowId, directory: files.directory, machine: machine!, settings: settings! },
    {
      locate: (keys) => {
        const node = model!.states.find((state) => state.path.join('.') === keys.join('.'));
        return node === undefined
          ? null
          : { file: machineFile!.file, ...machineFile!.source.position(node.jsonPath, 'key') };
      },
      ...options,
    },
  );
}

describe('checkFlowPaths', () => {
  it('passes a flow whose loops are bounded by counters and whose paths all end in a transfer or hangup', async () => {
    const report = await walk(goodFlow());
    assert.deepEqual(report.problems, []);
    assert.equal(report.complete, true);
    // ask: two silences then the menu (3 turns); confirm (1); menu: two retries then a group (3).
    assert.equal(report.longestTurns, 7);
    assert.ok(report.states > 10 && report.transitions > report.states, JSON.stringify(report));
  });

  it('reports a path longer than maxTurns, with the path', async () => {
    const report = await walk(goodFlow(), { maxTurns: 5 });
    assert.equal(report.problems.length, 1);
    const [problem] = report.problems;
    assert.match(
      problem!.message,
      /^a path takes 7 caller turns before it ends \(flow\.json maxTurns is 5\): start —always/,
    );
    assert.match(
      problem!.message,
      /—listen done \[all\(resultIs\(kind=no-input\), counterBelow\(name=silence,max=2\)\)\]→ ask/,
    );
    assert.match(problem!.message, /→ done$/);
  });

  it('flags an unbounded reprompt loop at the state where it starts', async () => {
    const directory = badFlow('unbounded-loop');
    const report = await walk(directory);
    assert.equal(report.longestTurns, null);
    assert.equal(report.problems.length, 1);
    const [problem] = report.problems;
    assert.equal(problem!.statePath, 'unbounded-loop.ask');
    assert.deepEqual(
      { line: problem!.line, column: problem!.column },
      positionOf(join(directory, 'machine.json'), '"ask": {'),
    );
    assert.match(
      problem!.message,
      /^unbounded loop: ask —listen done \[resultIs\(kind=no-input\|no-match\)\]→ ask can repeat forever \(one caller turn a round\); bound it with a counter/,
    );
  });

  it('flags an outcome no branch takes, an ending without transfer or hangup, and a loop without any turn', async () => {
    const report = await walk(badFlow('dead-ends'));
    const found = report.problems.map((problem) => `${problem.statePath}: ${problem.message}`);
    assert.equal(found.length, 3, found.join('\n'));
    assert.ok(
      found.some((text) =>
        /^dead-ends\.confirming: confirm done, no branch holds: no branch holds \(add an unguarded last branch\), so the call stays here/.test(
          text,
        ),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((text) =>
        /^dead-ends\.done: the flow ends without a transfer or hangup: greeting —say done→ confirming —confirm done \[answerIs\(answer=no\)\]→ farewell —say done→ done$/.test(
          text,
        ),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((text) =>
        /^dead-ends\.toCards: unbounded loop: toCards —transfer failed→ bounce —say done→ toCards can repeat forever \(without any caller turn\)/.test(
          text,
        ),
      ),
      found.join('\n'),
    );
  });

  it('flags a branch back to the same state without "reenter": XState would not restart the listen', () => {
    const machine = {
      id: 'same',
      initial: 'ask',
      states: {
        ask: {
          invoke: {
            src: 'listen',
            input: { prompts: ['ask'] },
            onDone: [
              { guard: { type: 'resultIs', params: { kind: 'no-input' } }, target: 'ask' },
              { target: 'bye' },
            ],
            onError: 'bye',
          },
        },
        bye: { invoke: { src: 'hangup', input: {}, onDone: 'done' } },
        done: { type: 'final' },
      },
    };
    const settings = { id: 'same', maxTurns: 12, delays: {} } as unknown as FlowSettings;
    const report = checkFlowPaths({ id: 'same', directory: '/flows/same', machine, settings });
    assert.deepEqual(
      report.problems.map((problem) => [problem.file, problem.statePath, problem.message.split(';')[0]]),
      [
        [
          '/flows/same/machine.json',
          'same.ask',
          'listen done [resultIs(kind=no-input)]: the branch taken keeps the call in this state without restarting ' +
            'it (add "reenter": true or another target), so the call stays here with nothing left to happen',
        ],
      ],
    );
  });

  it('says when it had to stop before the end of the state space', async () => {
    const report = await walk(goodFlow(), { maxStates: 5 });
    assert.equal(report.complete, false);
    assert.ok(
      report.problems.some((problem) =>
        /^path analysis incomplete: stopped after 5 states/.test(problem.message),
      ),
    );
    assert.ok(
      !report.problems.some((problem) => /dead end/.test(problem.message)),
      'unexplored states are not dead ends',
    );
  });
});
