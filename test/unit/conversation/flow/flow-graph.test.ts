// `flows graph`: a Mermaid state diagram and the text Stately's editor imports (a createMachine({...}) call).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMachine } from 'xstate';
import { toMermaid, toStatelyImport } from '../../../../src/conversation/flow/flow-graph.js';
import { goodFlow } from './flow-fixtures.js';

const machine = JSON.parse(readFileSync(join(goodFlow(), 'machine.json'), 'utf8')) as Record<string, unknown>;

describe('toMermaid', () => {
  const lines = toMermaid(machine).split('\n');

  it('draws states with their actors, nested states as composites, initial and final markers', () => {
    assert.equal(lines[0], 'stateDiagram-v2');
    for (const expected of [
      '  [*] --> s_start',
      '  state "ask · listen" as s_ask',
      '  state "menu" as s_menu',
      '  state s_menu {',
      '    [*] --> s_menu__choose',
      '    state "choose · listen" as s_menu__choose',
      '  }',
      '  state "done" as s_done',
      '  s_done --> [*]',
    ]) {
      assert.ok(lines.includes(expected), `missing line: ${expected}`);
    }
  });

  it('labels transitions with their trigger and guard, including actor done and error', () => {
    for (const expected of [
      '  s_start --> s_greeting : always [recognizerAvailable]',
      '  s_greeting --> s_ask : after greetingTimeout',
      '  s_ask --> s_ask : listen done [all(resultIs(kind=no-input), counterBelow(name=silence,max=2))]',
      '  s_ask --> s_menu : listen done [resultIs(kind=no-input|no-match|dtmf)]',
      '  s_ask --> s_menu : listen error',
      '  s_confirming --> s_menu__choose : confirm error',
      '  s_menu__choose --> s_toCards : listen done [digitIs(digit=1)]',
      '  s_toGeneral --> s_goodbye : transfer error',
      '  note right of s_start : from anywhere, operator.restart',
    ]) {
      assert.ok(lines.includes(expected), `missing line: ${expected}`);
    }
  });

  it('keeps labels clear of what Mermaid would misread', () => {
    const text = toMermaid({
      initial: 'a',
      states: {
        a: {
          on: { 'x;y': { target: 'b', guard: { type: 'intentIn', params: { intents: ['"a"', 'b#c'] } } } },
        },
        b: {},
      },
    });
    assert.ok(text.includes("  s_a --> s_b : x,y [intentIn(intents='a'|bc)]"), text);
  });
});

describe('toStatelyImport', () => {
  it('wraps the machine config in the createMachine call the Stately importer expects', () => {
    const text = toStatelyImport(machine);
    assert.match(text, /^createMachine\(\{\n {2}"id": "complete",/);
    assert.match(text, /\}\);\n$/);
    const config = JSON.parse(text.slice('createMachine('.length, -');\n'.length)) as Record<string, unknown>;
    assert.deepEqual(config, machine);
    assert.equal(createMachine(config as never).id, 'complete');
  });
});
