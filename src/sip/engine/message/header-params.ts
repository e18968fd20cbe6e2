/**
 * Parameters of header fields and URIs: `;name`, `;name=value`, `;name="quoted value"` (RFC 3261 §25.1
 * generic-param, uri-parameter). LWS is allowed around `;` and `=` in header fields (SEMI and EQUAL are SWS-wrapped);
 * URI parameters never contain it, so the same scanner serves both.
 *
 * Names are case-insensitive (§7.3.1, §19.1.4) and come back lower-cased; values are kept exactly as written,
 * quotes included, because a quoted and an unquoted value can mean different things (RFC 3840 feature tags).
 * Use `unquoteString` from `sip-grammar.ts` to read a quoted value.
 */
import { isTokenChar, skipQuotedString, skipWhitespace } from './sip-grammar.js';
import { SipParseError } from './sip-parse-error.js';

/** One parameter and where it sits in the scanned text (used to edit a header value in place, e.g. `setTag`). */
export interface ParamSpan {
  /** Lower-cased name. */
  name: string;
  /** Value as written (quotes kept), or null for a parameter without `=`. */
  value: string | null;
  /** Index of the `;` that opens the parameter. */
  start: number;
  /** Index just past the name. */
  nameEnd: number;
  /** Index just past the value (or the name when there is no value). */
  end: number;
}

// uri pname/pvalue also allow param-unreserved "[" "]" "/" ":" "&" "+" "$" (§25.1); token covers the rest.
function isNameChar(code: number): boolean {
  return (
    isTokenChar(code) ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x2f ||
    code === 0x3a ||
    code === 0x26 ||
    code === 0x24
  );
}

function endsUnquotedValue(code: number): boolean {
  // ; SP HTAB , " — a comma would separate header values, a quote must open a quoted-string.
  return code === 0x3b || code === 0x20 || code === 0x09 || code === 0x2c || code === 0x22;
}

type ParamVisitor = (name: string, value: string | null, start: number, nameEnd: number, end: number) => void;

/** The scanner behind `scanParams` and `parseParams`; a visitor avoids building span objects nobody reads. */
function visitParams(text: string, from: number, visit: ParamVisitor): void {
  const length = text.length;
  let i = skipWhitespace(text, from);
  while (i < length) {
    if (text.charCodeAt(i) !== 0x3b) {
      throw new SipParseError('Bad Parameter');
    }
    const start = i;
    i = skipWhitespace(text, i + 1);
    const nameStart = i;
    while (i < length && isNameChar(text.charCodeAt(i))) {
      i++;
    }
    if (i === nameStart) {
      throw new SipParseError('Bad Parameter');
    }
    const nameEnd = i;
    let value: string | null = null;
    const afterName = skipWhitespace(text, i);
    if (afterName < length && text.charCodeAt(afterName) === 0x3d) {
      const valueStart = skipWhitespace(text, afterName + 1);
      let valueEnd: number;
      if (valueStart < length && text.charCodeAt(valueStart) === 0x22) {
        valueEnd = skipQuotedString(text, valueStart);
        if (valueEnd < 0) {
          throw new SipParseError('Bad Parameter');
        }
      } else {
        valueEnd = valueStart;
        while (valueEnd < length && !endsUnquotedValue(text.charCodeAt(valueEnd))) {
          valueEnd++;
        }
        if (valueEnd === valueStart) {
          throw new SipParseError('Bad Parameter');
        }
      }
      value = text.slice(valueStart, valueEnd);
      i = valueEnd;
    }
    visit(text.slice(nameStart, nameEnd).toLowerCase(), value, start, nameEnd, i);
    i = skipWhitespace(text, i);
  }
}

/**
 * Scans `;param` entries from `from` to the end of `text`. Leading and trailing whitespace is allowed; anything that
 * is not a parameter throws `SipParseError('Bad Parameter')`.
 */
export function scanParams(text: string, from = 0): ParamSpan[] {
  const spans: ParamSpan[] = [];
  visitParams(text, from, (name, value, start, nameEnd, end) => {
    spans.push({ name, value, start, nameEnd, end });
  });
  return spans;
}

/** Parameters from `from` to the end of `text` as a map (lower-cased names; the first of duplicates wins). */
export function parseParams(text: string, from = 0): Map<string, string | null> {
  const params = new Map<string, string | null>();
  if (from >= text.length) {
    return params;
  }
  visitParams(text, from, (name, value) => {
    if (!params.has(name)) {
      params.set(name, value);
    }
  });
  return params;
}

/** `;name=value;flag` with values written as stored (quote them with `quoteString` when they need it). */
export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) {
    out += value === null ? `;${name}` : `;${name}=${value}`;
  }
  return out;
}
