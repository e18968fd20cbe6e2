// Validation at load (docs/flow-format.md): each rule is shown passing on the good fixture and failing on a bad
// fixture, with the exact file:line:column, state path and message a designer would read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateFlow } from '../../../../src/conversation/flow/flow-validator.js';
import { assertProblems, badFlow, GROUPS, goodFlow } from './flow-fixtures.js';

const validate = (directory: string, variables: Record<string, string | null> = {}) =>
  validateFlow(directory, { groups: GROUPS, variables });

describe('validateFlow', () => {
  it('finds nothing wrong with a flow using every construct the rules check', async () => {
    // good/complete: say, listen, confirm, transfer (literal and templated target), hangup; all/any/not guards,
    // counters, after with a named delay, always, nested states, #id, sibling.child and .child targets, prompt
    // ids given as templates, prompt texts with templates, two languages.
    assert.deepEqual(await validate(goodFlow()), []);
  });

  it('reports unparsable JSON with its position, in any of the flow files', async () => {
    const directory = badFlow('unparsable');
    assertProblems(directory, await validate(directory), [
      {
        file: 'machine.json',
        at: '},\n      "after"',
        statePath: null,
        message: /^not valid JSON: trailing comma before "}"/,
      },
      {
        file: 'prompts/en.json',
        at: "'welcome'",
        statePath: null,
        message: /^not valid JSON: .*double quotes/,
      },
    ]);
  });

  it('checks flow.json against its schema: types, ranges, unknown settings', async () => {
    const directory = badFlow('settings-schema');
    assertProblems(directory, await validate(directory), [
      { file: 'flow.json', at: '"de"', statePath: null, message: /^languages\.1: Invalid enum value/ },
      { file: 'flow.json', at: '0,', statePath: null, message: /^maxTurns: Number must be greater than 0/ },
      {
        file: 'flow.json',
        at: '"fallbackTaget"',
        statePath: null,
        message: /^unknown setting "fallbackTaget"/,
      },
      {
        file: 'flow.json',
        at: '1.5',
        statePath: null,
        message: /^classification\.high: .*less than or equal to 1/,
      },
    ]);
  });

  it('checks flow.json values: id = folder, hints per declared language, thresholds, fallback group', async () => {
    const directory = badFlow('settings-values');
    assertProblems(directory, await validate(directory, { announcement: 'x', crisis: 'y' }), [
      {
        file: 'flow.json',
        at: '"another-name"',
        statePath: null,
        message: /id "another-name" must be the folder name "settings-values"/,
      },
      {
        file: 'flow.json',
        at: '"en"',
        statePath: null,
        message: /hints for "en", which is not in "languages"/,
      },
      {
        file: 'flow.json',
        at: '0.6',
        statePath: null,
        message: /medium must not be above classification\.high/,
      },
      {
        file: 'flow.json',
        at: '"nobody"',
        statePath: null,
        message: /fallbackTarget "nobody" is not a group of the server config \(groups: general, cards\)/,
      },
      {
        file: 'flow.json',
        at: '{ "announcement"',
        statePath: null,
        message:
          /flows\.variables\.settings-values sets variable "crisis", which flow\.json does not declare/,
      },
    ]);
  });

  it('checks names, input and params against the runtime vocabulary, templates and transfer groups', async () => {
    const directory = badFlow('vocabulary');
    assertProblems(directory, await validate(directory), [
      {
        file: 'machine.json',
        at: '"context"',
        statePath: 'vocabulary',
        message: /"context" must not be given/,
      },
      {
        file: 'machine.json',
        at: '"log"',
        statePath: 'vocabulary.greeting',
        message: /^unknown action "log" \(known: acceptIntent,/,
      },
      {
        file: 'machine.json',
        at: '{ "type": "increment" }',
        statePath: 'vocabulary.greeting',
        message: /^action increment needs params\.name$/,
      },
      {
        file: 'machine.json',
        at: '"play"',
        statePath: 'vocabulary.greeting',
        message: /^unknown actor "play" \(known: say, listen,/,
      },
      {
        file: 'machine.json',
        at: '"slow"',
        statePath: 'vocabulary.greeting',
        message: /^unknown delay "slow".*\(greetingTimeout\)/,
      },
      {
        file: 'machine.json',
        at: '"language"',
        statePath: 'vocabulary.ask',
        message: /^actor listen has no input field "language" \(it takes: prompts,/,
      },
      {
        file: 'machine.json',
        at: '"noinput"',
        statePath: 'vocabulary.ask',
        message: /^guard resultIs: "noinput" is not one of speech, dtmf, no-input/,
      },
      {
        file: 'machine.json',
        at: '"isHappy"',
        statePath: 'vocabulary.ask',
        message: /^unknown guard "isHappy"/,
      },
      {
        file: 'machine.json',
        at: '"cond"',
        statePath: 'vocabulary.ask',
        message: /"cond" is XState v4; XState v5 calls it "guard"/,
      },
      {
        file: 'machine.json',
        at: '{ "target": "toCards", "actions"',
        statePath: 'vocabulary.ask',
        message: /never taken: branch 4 before it has no guard/,
      },
      {
        file: 'machine.json',
        at: '"intent {{',
        statePath: 'vocabulary.ask',
        message: /template \{\{context\.intnet\}\}: "intnet" is not a context field/,
      },
      {
        file: 'machine.json',
        at: '"intent {{',
        statePath: 'vocabulary.ask',
        message: /template \{\{vars\.undeclared\}\}: variable "undeclared" is not declared/,
      },
      {
        file: 'machine.json',
        at: '"queue"',
        statePath: 'vocabulary.toCards',
        message: /^actor transfer has no input field "queue" \(it takes: target, prompts\)/,
      },
      {
        file: 'machine.json',
        at: '"nobody"',
        statePath: 'vocabulary.toNobody',
        message: /^transfer: target "nobody" is neither a group nor a skill of the routing config/,
      },
    ]);
  });

  it('checks the files of every declared language, prompt ids and the intents guards test', async () => {
    const directory = badFlow('languages');
    assertProblems(directory, await validate(directory), [
      {
        file: 'phrases/en.json',
        at: null,
        statePath: null,
        message: /^missing: flow\.json declares language "en"/,
      },
      {
        file: 'machine.json',
        at: '"refund"',
        statePath: 'languages.ask',
        message: /^intent "refund" has no phrases in phrases\/fr\.json$/,
      },
      {
        file: 'machine.json',
        at: '"menu"]',
        statePath: 'languages.menu.choose',
        message: /^prompt "menu" is missing in prompts\/en\.json$/,
      },
    ]);
  });

  it('checks where the machine goes: targets, initial states, reachability, ways out, outcomes', async () => {
    const directory = badFlow('structure');
    assertProblems(directory, await validate(directory), [
      {
        file: 'machine.json',
        at: '"done" }',
        statePath: 'structure',
        message: /target "done" is not valid from the root node: write "\.done"/,
      },
      {
        file: 'machine.json',
        at: '[\n          { "guard": { "type": "resultIs", "params": { "kind": "no-input" } }, "target": "toGeneral" }',
        statePath: 'structure.survey',
        message: /listen "onDone" does not route "no-match"/,
      },
      {
        file: 'machine.json',
        at: '{\n        "src": "listen",\n        "input": { "prompts": ["ask_reason"] },\n        "onDone": [\n          { "guard": { "type": "resultIs", "params": { "kind": "no-input" } }, "target": "nowhere"',
        statePath: 'structure.ask',
        message: /listen needs "onError"/,
      },
      {
        file: 'machine.json',
        at: '"nowhere"',
        statePath: 'structure.ask',
        message:
          /target "nowhere" does not exist: the root has no state "nowhere" \(it has: greeting, survey,/,
      },
      {
        file: 'machine.json',
        at: '{ "guard": "asksForAgent", "target": "toGeneral" }',
        nth: 2,
        statePath: 'structure.ask',
        message: /never taken: branch 3 before it has no guard/,
      },
      {
        file: 'machine.json',
        at: '"limbo": {}',
        statePath: 'structure.limbo',
        message: /^no way out: the state is not final/,
      },
      { file: 'machine.json', at: '"orphan"', statePath: 'structure.orphan', message: /^unreachable/ },
      { file: 'machine.json', at: '"menu": {', statePath: 'structure.menu', message: /needs "initial"/ },
      { file: 'machine.json', at: '"choose"', statePath: 'structure.menu.choose', message: /^unreachable/ },
      {
        file: 'machine.json',
        at: '"done": { "type": "final" }',
        nth: 2,
        statePath: null,
        message: /"done" is given twice in the same object/,
      },
    ]);
  });

  it("reports what only XState's createMachine refuses", async () => {
    const directory = badFlow('xstate-rejected');
    assertProblems(directory, await validate(directory), [
      {
        file: 'machine.json',
        at: '{',
        statePath: null,
        message: /^XState rejects the machine: Null events \(""\) cannot be specified/,
      },
    ]);
  });

  it('reports a folder that cannot be read', async () => {
    const problems = await validate(badFlow('no-such-flow'));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /the flow folder cannot be read/);
  });
});
