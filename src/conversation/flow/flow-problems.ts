/**
 * Collecting and printing validation problems. Every rule reports through a `FlowProblemList`, which turns a JSON
 * path in a parsed file into `file:line:column`; the CLI and the loader's error print them the same way, one per
 * line, `file:line:column  state.path  message`, so an editor or a terminal can jump to the spot.
 */
import { relative, isAbsolute, join } from 'node:path';
import type { FlowProblem } from './flow-types.js';
import type { JsonPath, JsonSource } from './json-source-map.js';

/** A flow file that parsed: its absolute path and its positions. */
export interface FlowJsonFile {
  readonly file: string;
  readonly source: JsonSource;
}

export class FlowProblemList {
  readonly problems: FlowProblem[] = [];

  constructor(
    /** The flow folder: files named relative to it are made absolute. */
    private readonly directory: string,
  ) {}

  /** A problem at the value (or key) found at `path` in a parsed file. */
  at(
    file: FlowJsonFile,
    path: JsonPath,
    statePath: string | null,
    message: string,
    part: 'key' | 'value' = 'value',
  ): void {
    const { line, column } = file.source.position(path, part);
    this.problems.push({ file: file.file, line, column, statePath, message });
  }

  /** A problem with a file as a whole (missing, unreadable), or at a known position. */
  inFile(file: string, message: string, position?: { line: number; column: number }): void {
    this.problems.push({
      file: isAbsolute(file) ? file : join(this.directory, file),
      line: position?.line ?? null,
      column: position?.column ?? null,
      statePath: null,
      message,
    });
  }
}

/** Problems in file order, then line and column; problems without a position first within their file. */
export function sortFlowProblems(problems: readonly FlowProblem[]): FlowProblem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.message.localeCompare(b.message),
  );
}

/**
 * `file:line:column  state.path  message`; the file relative to `base` when it lies below it, `-` for a problem
 * outside the machine.
 */
export function formatFlowProblem(problem: FlowProblem, base = process.cwd()): string {
  const fromBase = relative(base, problem.file);
  const file = fromBase.startsWith('..') || isAbsolute(fromBase) ? problem.file : fromBase;
  const where = problem.line === null ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  return `${where}  ${problem.statePath ?? '-'}  ${problem.message}`;
}
