/**
 * JSON with positions. Flow designers fix what the validator reports, so every problem points at a line and column
 * of the file they edit; `JSON.parse` gives neither (and on Node 20 only an offset for syntax errors). This is a
 * small strict JSON parser (RFC 8259) that records where each key and value starts, and reports the first syntax
 * error with its line and column, in words a designer understands (a trailing comma, a comment, a missing quote).
 *
 * Values come from `JSON.parse` once the text is known to be valid, so escapes and numbers are decoded exactly as
 * the runtime will see them; this parser only supplies positions. A key given twice in one object is legal for
 * `JSON.parse` (the last one wins) but almost always a mistake in a flow (two states of the same name: the first
 * is silently lost), so duplicates are listed for the validator to report.
 */

/** Keys and indexes from the document root to a value, e.g. `['states', 'ask', 'invoke', 'onDone', 0]`. */
export type JsonPath = readonly (string | number)[];

/** 1-based line and column (columns count UTF-16 code units, as editors and `JSON.parse` do). */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

export interface JsonSource {
  readonly value: unknown;
  /**
   * Where the value at `path` starts (`part: 'key'`: where its key starts, for an object member). A path that is
   * not in the document resolves to its nearest ancestor that is.
   */
  position(path: JsonPath, part?: 'key' | 'value'): JsonPosition;
  /** Object keys given more than once (each occurrence after the first). */
  readonly duplicateKeys: readonly { readonly path: JsonPath; readonly position: JsonPosition }[];
}

export type JsonParseResult =
  | { readonly ok: true; readonly source: JsonSource }
  | { readonly ok: false; readonly position: JsonPosition; readonly message: string };

interface Located {
  key: number | undefined;
  value: number;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `text` as strict JSON (a leading byte-order mark is tolerated). */
export function parseJsonSource(text: string): JsonParseResult {
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const lines = lineStarts(body);
  const scanner = new PositionScanner(body);
  try {
    scanner.parseDocument();
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      return { ok: false, position: toPosition(lines, err.offset), message: err.message };
    }
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    // The scanner accepted what V8 refused: report V8's words at the start rather than claim the file is valid.
    return { ok: false, position: { line: 1, column: 1 }, message: (err as Error).message };
  }
  const located = scanner.located;
  return {
    ok: true,
    source: {
      value,
      duplicateKeys: scanner.duplicates.map(({ path, offset }) => ({
        path,
        position: toPosition(lines, offset),
      })),
      position(path, part = 'value') {
        for (let length = path.length; length >= 0; length -= 1) {
          const found = located.get(pointer(path.slice(0, length)));
          if (found !== undefined) {
            const offset =
              part === 'key' && length === path.length ? (found.key ?? found.value) : found.value;
            return toPosition(lines, offset);
          }
        }
        return { line: 1, column: 1 };
      },
    },
  };
}

function pointer(path: JsonPath): string {
  return path.map((segment) => String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      starts.push(i + 1);
    }
  }
  return starts;
}

function toPosition(starts: readonly number[], offset: number): JsonPosition {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/;

/** Recursive descent over the text, recording offsets; values are not built (JSON.parse does that). */
class PositionScanner {
  readonly located = new Map<string, Located>();
  readonly duplicates: { path: JsonPath; offset: number }[] = [];
  private at = 0;

  constructor(private readonly text: string) {}

  parseDocument(): void {
    this.skipSpace();
    if (this.at >= this.text.length) {
      throw new JsonSyntaxError(this.at, 'the file is empty: expected a JSON value');
    }
    this.parseValue([], undefined);
    this.skipSpace();
    if (this.at < this.text.length) {
      throw new JsonSyntaxError(this.at, `unexpected ${this.describe()} after the end of the JSON value`);
    }
  }

  private parseValue(path: (string | number)[], keyOffset: number | undefined): void {
    this.located.set(pointer(path), { key: keyOffset, value: this.at });
    const char = this.text[this.at];
    if (char === '{') {
      this.parseObject(path);
    } else if (char === '[') {
      this.parseArray(path);
    } else if (char === '"') {
      this.parseString();
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      NUMBER.lastIndex = this.at;
      const match = NUMBER.exec(this.text);
      if (match === null) {
        throw new JsonSyntaxError(this.at, 'malformed number');
      }
      this.at += match[0].length;
    } else if (this.text.startsWith('true', this.at)) {
      this.at += 4;
    } else if (this.text.startsWith('false', this.at)) {
      this.at += 5;
    } else if (this.text.startsWith('null', this.at)) {
      this.at += 4;
    } else if (char === "'") {
      throw new JsonSyntaxError(this.at, 'strings need double quotes (") in JSON');
    } else {
      throw new JsonSyntaxError(this.at, `unexpected ${this.describe()}: expected a value`);
    }
  }

  private parseObject(path: (string | number)[]): void {
    this.at += 1;
    const seen = new Set<string>();
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at += 1;
      return;
    }
    for (;;) {
      this.skipSpace();
      const keyOffset = this.at;
      if (this.text[this.at] !== '"') {
        throw new JsonSyntaxError(
          this.at,
          this.text[this.at] === '}'
            ? 'trailing comma before "}" (not allowed in JSON)'
            : `unexpected ${this.describe()}: expected a key in double quotes`,
        );
      }
      const key = JSON.parse(this.parseString()) as string;
      if (seen.has(key)) {
        this.duplicates.push({ path: [...path, key], offset: keyOffset });
      }
      seen.add(key);
      this.skipSpace();
      if (this.text[this.at] !== ':') {
        throw new JsonSyntaxError(
          this.at,
          `unexpected ${this.describe()}: expected ":" after the key "${key}"`,
        );
      }
      this.at += 1;
      this.skipSpace();
      this.parseValue([...path, key], keyOffset);
      this.skipSpace();
      const next = this.text[this.at];
      this.at += 1;
      if (next === '}') {
        return;
      }
      if (next !== ',') {
        this.at -= 1;
        throw new JsonSyntaxError(this.at, `unexpected ${this.describe()}: expected "," or "}"`);
      }
    }
  }

  private parseArray(path: (string | number)[]): void {
    this.at += 1;
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at += 1;
      return;
    }
    for (let index = 0; ; index += 1) {
      this.skipSpace();
      if (this.text[this.at] === ']') {
        throw new JsonSyntaxError(this.at, 'trailing comma before "]" (not allowed in JSON)');
      }
      this.parseValue([...path, index], undefined);
      this.skipSpace();
      const next = this.text[this.at];
      this.at += 1;
      if (next === ']') {
        return;
      }
      if (next !== ',') {
        this.at -= 1;
        throw new JsonSyntaxError(this.at, `unexpected ${this.describe()}: expected "," or "]"`);
      }
    }
  }

  /** Returns the raw string token, quotes included. */
  private parseString(): string {
    const start = this.at;
    this.at += 1;
    for (;;) {
      const code = this.text.charCodeAt(this.at);
      if (Number.isNaN(code) || code === 10) {
        throw new JsonSyntaxError(start, 'unterminated string (missing closing ")');
      }
      if (code < 0x20) {
        throw new JsonSyntaxError(this.at, 'control character in a string (write it as an escape, e.g. \\t)');
      }
      if (code === 0x5c) {
        if (!ESCAPE.test(this.text.slice(this.at + 1, this.at + 6))) {
          throw new JsonSyntaxError(this.at, 'invalid escape sequence in a string');
        }
        this.at += this.text[this.at + 1] === 'u' ? 6 : 2;
        continue;
      }
      this.at += 1;
      if (code === 0x22) {
        return this.text.slice(start, this.at);
      }
    }
  }

  private skipSpace(): void {
    for (;;) {
      const char = this.text[this.at];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
        this.at += 1;
      } else if (char === '/' && (this.text[this.at + 1] === '/' || this.text[this.at + 1] === '*')) {
        throw new JsonSyntaxError(this.at, 'comments are not allowed in JSON');
      } else {
        return;
      }
    }
  }

  private describe(): string {
    const char = this.text[this.at];
    return char === undefined ? 'end of file' : `character ${JSON.stringify(char)}`;
  }
}
