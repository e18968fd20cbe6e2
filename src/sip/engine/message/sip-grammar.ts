/**
 * Character classes and small scanners shared by the SIP grammar parsers (RFC 3261 §25.1). Table look-ups and
 * index walking instead of regular expressions: these run for every header of every packet, and hand-written
 * scanners cannot backtrack.
 */

const TOKEN = new Uint8Array(128);
const HEX = new Uint8Array(128);

function mark(table: Uint8Array, chars: string): void {
  for (let i = 0; i < chars.length; i++) {
    table[chars.charCodeAt(i)] = 1;
  }
}

const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
mark(TOKEN, ALPHANUM + "-.!%*_+`'~");
mark(HEX, '0123456789abcdefABCDEF');

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isHexChar(code: number): boolean {
  return code < 128 && HEX[code] === 1;
}

export function isDigitChar(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** True when `text` is a non-empty RFC 3261 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    if (!isTokenChar(text.charCodeAt(i))) {
      return false;
    }
  }
  return true;
}

/** True when `text` is a non-empty run of ASCII digits. */
export function isDigits(text: string): boolean {
  if (text.length === 0) {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    if (!isDigitChar(text.charCodeAt(i))) {
      return false;
    }
  }
  return true;
}

/** Index of the first character at or after `from` that is not SP or HTAB (header values are already unfolded). */
export function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) {
      break;
    }
    i++;
  }
  return i;
}

/** Index of the first character at or after `from` that is not a token character. */
export function skipToken(text: string, from: number): number {
  let i = from;
  while (i < text.length && isTokenChar(text.charCodeAt(i))) {
    i++;
  }
  return i;
}

/**
 * Index just past the closing quote of the quoted-string that starts at `from` (which must be a `"`), or -1 when
 * it is not terminated. quoted-pair (`\` + any char) is skipped as a unit (§25.1).
 */
export function skipQuotedString(text: string, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      i++;
    } else if (c === 0x22) {
      return i + 1;
    }
  }
  return -1;
}

/** The content of a quoted-string with quoted-pairs resolved; text that is not quoted comes back unchanged. */
export function unquoteString(text: string): string {
  if (text.length < 2 || text.charCodeAt(0) !== 0x22 || text.charCodeAt(text.length - 1) !== 0x22) {
    return text;
  }
  const inner = text.slice(1, -1);
  if (!inner.includes('\\')) {
    return inner;
  }
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\' && i + 1 < inner.length) {
      i++;
      out += inner[i];
    } else {
      out += c;
    }
  }
  return out;
}

/** Wraps `text` in a quoted-string, escaping `"` and `\` as quoted-pairs (§25.1). */
export function quoteString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + '"';
}
