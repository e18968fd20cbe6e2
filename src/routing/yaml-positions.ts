/**
 * Line and column of a path in a parsed YAML document, so that a problem found in the data (by zod, or by a
 * cross-check) is reported where the author wrote it. A path that does not exist (a missing field) is reported at
 * the nearest existing parent; `part: 'key'` points at a mapping key rather than its value (an unknown field).
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type YamlPath = readonly (string | number)[];

export interface YamlPosition {
  readonly line: number;
  readonly column: number;
}

export class YamlPositions {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the node at `path` (or of its key), else of the nearest parent that exists. */
  at(path: YamlPath, part: 'key' | 'value' = 'value'): YamlPosition {
    let node: unknown = this.document.contents;
    let found: Node | null = isNode(node) ? node : null;
    let parentKey: Node | null = null;
    for (let index = 0; index < path.length; index++) {
      const segment = path[index]!;
      const isLast = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && keyOf(item.key) === String(segment),
        );
        if (pair === undefined) {
          // A missing field: point at the key of the mapping that should hold it ("cards:"), not inside it.
          found = parentKey ?? found;
          break;
        }
        parentKey = isNode(pair.key) ? pair.key : null;
        if (isLast && part === 'key' && isNode(pair.key)) {
          found = pair.key;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        parentKey = null;
      } else {
        break;
      }
      if (!isNode(node)) {
        break;
      }
      found = node;
    }
    const offset = found?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function keyOf(key: unknown): string {
  return isScalar(key) ? String(key.value) : '';
}
