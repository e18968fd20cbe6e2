// Shared by the flow tests: the fixture folders, a server config's groups, positions of text in fixture files,
// and scratch copies of fixtures that a test may edit.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentGroupConfig } from '../../../../src/config/config-types.js';
import type { FlowProblem } from '../../../../src/conversation/flow/flow-types.js';

export const FIXTURES = resolve(import.meta.dirname, '../../../fixtures/flows');
export const goodFlow = (name = 'complete'): string => join(FIXTURES, 'good', name);
export const badFlow = (name: string): string => join(FIXTURES, 'bad', name);

export const GROUPS: Readonly<Record<string, AgentGroupConfig>> = Object.freeze({
  general: { uri: 'sip:general@127.0.0.1:5090', label: 'General' },
  cards: { uri: 'sip:cards@127.0.0.1:5090', label: 'Cards' },
});

/** Line and column (1-based) of the `nth` occurrence of `needle` in a file. */
export function positionOf(file: string, needle: string, nth = 1): { line: number; column: number } {
  const text = readFileSync(file, 'utf8');
  let offset = -1;
  for (let i = 0; i < nth; i += 1) {
    offset = text.indexOf(needle, offset + 1);
    assert.ok(offset >= 0, `"${needle}" (#${nth}) not in ${file}`);
  }
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

export interface ExpectedProblem {
  /** Relative to the flow folder. */
  readonly file: string;
  /** Text the problem points at (its first character is the reported position); null: no position. */
  readonly at: string | null;
  readonly nth?: number;
  readonly statePath: string | null;
  readonly message: RegExp;
}

/** Asserts that `problems` holds exactly the expected ones (in any order). */
export function assertProblems(
  directory: string,
  problems: readonly FlowProblem[],
  expected: readonly ExpectedProblem[],
): void {
  const remaining = [...problems];
  for (const want of expected) {
    const file = join(directory, want.file);
    const position = want.at === null ? { line: null, column: null } : positionOf(file, want.at, want.nth);
    const index = remaining.findIndex(
      (problem) =>
        problem.file === file &&
        problem.line === position.line &&
        problem.column === position.column &&
        problem.statePath === want.statePath &&
        want.message.test(problem.message),
    );
    assert.ok(
      index >= 0,
      `no problem ${want.file}:${position.line}:${position.column} ${want.statePath} ${want.message}\n` +
        `got:\n${remaining.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.statePath} ${p.message}`).join('\n')}`,
    );
    remaining.splice(index, 1);
  }
  assert.deepEqual(
    remaining.map((p) => `${p.file}:${p.line}:${p.column} ${p.statePath} ${p.message}`),
    [],
    'unexpected problems',
  );
}

/** A scratch copy of a fixture flow, as `<tmp>/<name>/`, removed by the returned function. */
export function copyFlow(
  source: string,
  name: string,
): { root: string; directory: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'aig-flow-'));
  const directory = join(root, name);
  cpSync(source, directory, { recursive: true });
  return { root, directory, remove: () => rmSync(root, { recursive: true, force: true }) };
}
