// JSON with positions: every flow problem points at file:line:column, so the parser must place keys and values
// exactly and name syntax errors the way a designer can fix them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonSource } from '../../../../src/conversation/flow/json-source-map.js';

function parsed(text: string) {
  const result = parseJsonSource(text);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.source;
}

/** Line and column of the first `needle` in `text` (1-based). */
function at(text: string, needle: string, from = 0): { line: number; column: number } {
  const offset = text.indexOf(needle, from);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

function failure(text: string) {
  const result = parseJsonSource(text);
  assert.ok(!result.ok, 'expected a syntax error');
  return result;
}

describe('parseJsonSource', () => {
  it('gives the value JSON.parse gives and the position of every key and value', () => {
    const text =
      '{\n  "states": {\n    "ask": { "invoke": [ { "src": "listen" } ] }\n  },\n  "n": -1.5e3\n}\n';
    const source = parsed(text);
    assert.deepEqual(source.value, JSON.parse(text));
    assert.deepEqual(source.position([]), { line: 1, column: 1 });
    assert.deepEqual(source.position(['states', 'ask'], 'key'), at(text, '"ask"'));
    assert.deepEqual(source.position(['states', 'ask']), at(text, '{ "invoke"'));
    assert.deepEqual(source.position(['states', 'ask', 'invoke', 0, 'src']), at(text, '"listen"'));
    assert.deepEqual(source.position(['n']), at(text, '-1.5e3'));
    assert.deepEqual(source.position(['n']), { line: 5, column: 8 });
  });

  it('resolves a path that is not in the document to its nearest ancestor', () => {
    const source = parsed('{\n  "a": { "b": 1 }\n}');
    assert.deepEqual(source.position(['a', 'missing', 'deeper']), source.position(['a']));
  });

  it('decodes escapes like JSON.parse and counts columns in UTF-16 units', () => {
    const text = '{ "t\\u00e9": "caf\\u00e9 \\"x\\"", "é": 2 }';
    const source = parsed(text);
    assert.deepEqual(source.value, { té: 'café "x"', é: 2 });
    assert.deepEqual(source.position(['é'], 'key'), at(text, '"é"'));
  });

  it('lists keys given twice in one object (JSON.parse silently keeps the last)', () => {
    const source = parsed('{\n  "a": 1,\n  "a": 2,\n  "b": { "a": 3 }\n}');
    assert.deepEqual(source.duplicateKeys, [{ path: ['a'], position: { line: 3, column: 3 } }]);
  });

  it('tolerates a byte-order mark', () => {
    assert.deepEqual(parsed('\uFEFF{"a":1}').value, { a: 1 });
  });

  for (const [name, text, line, column, message] of [
    ['a trailing comma in an object', '{\n  "a": 1,\n}', 3, 1, /trailing comma before "}"/],
    ['a trailing comma in a list', '[1, 2, ]', 1, 8, /trailing comma before "]"/],
    ['a comment', '{\n  // note\n  "a": 1\n}', 2, 3, /comments are not allowed/],
    ['single quotes', "{ 'a': 1 }", 1, 3, /expected a key in double quotes/],
    ['a missing comma', '{ "a": 1 "b": 2 }', 1, 10, /expected "," or "}"/],
    ['a missing colon', '{ "a" 1 }', 1, 7, /expected ":" after the key "a"/],
    ['an unterminated string', '{ "a": "x\n}', 1, 8, /unterminated string/],
    ['a bad escape', '{ "a": "\\x" }', 1, 9, /invalid escape/],
    ['an unquoted word', '{ "a": yes }', 1, 8, /unexpected character "y": expected a value/],
    ['an empty file', '  \n', 2, 1, /empty/],
    ['text after the value', '{} {}', 1, 4, /after the end of the JSON value/],
    ['a truncated file', '{ "a": [1, 2', 1, 13, /end of file/],
  ] as const) {
    it(`reports ${name} at its line and column`, () => {
      const result = failure(text);
      assert.deepEqual(result.position, { line, column });
      assert.match(result.message, message);
    });
  }

  it('agrees with JSON.parse on what is valid', () => {
    for (const text of ['0', '-0.5', '"x"', 'true', 'null', '[]', '{}', '[{"a":[null,false]}]', '1e-7']) {
      assert.deepEqual(parsed(text).value, JSON.parse(text));
    }
    for (const text of ['01', '1.', '.5', '+1', 'NaN', '[1,]', '{"a":1,}', 'tru', '"\t"']) {
      assert.throws(() => JSON.parse(text));
      assert.equal(parseJsonSource(text).ok, false, text);
    }
  });
});
