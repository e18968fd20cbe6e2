/**
 * SIP message parser (RFC 3261 §7, §25). Pure: bytes in, `SipMessage` out, `SipParseError` (an `AigError` with code
 * AIG_ERR_SIP_PARSE and a reason phrase) on anything malformed.
 *
 * The parser checks framing and syntax that every message needs: start line, header-field syntax, unfolding,
 * Content-Length. Header semantics (mandatory headers, CSeq/method agreement, Via syntax, Request-URI scheme) are
 * checked by `validateRequest` / `validateResponse` (re-exported here), so a request with a bad CSeq still parses
 * and can be answered with a proper 400 that copies its Via, From, To and Call-ID (§8.2).
 */
import { isDigits, isToken } from './sip-grammar.js';
import { SipHeaders, type SipMessage } from './sip-message.js';
import { SipParseError } from './sip-parse-error.js';

export { validateRequest, validateResponse } from './validate-message.js';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;

/** Where the header block ends and what Content-Length says, for stream framing (RFC 3261 §18.3). */
export interface MessageHead {
  /** Bytes of CRLF before the start line, which stream receivers must ignore (§7.5). */
  headStart: number;
  /** Index of the first body byte: just past the blank line (CRLFCRLF, or LFLF). */
  headerEnd: number;
  /** Content-Length (or compact `l`) value; undefined when the header is absent. */
  contentLength: number | undefined;
}

/** Number of CR/LF bytes before the start line (§7.5; also RFC 5626 §4.4.1 keep-alive CRLFs). */
export function leadingCrlfLength(data: Buffer): number {
  let i = 0;
  while (i < data.length && (data[i] === CR || data[i] === LF)) {
    i++;
  }
  return i;
}

interface HeadBounds {
  /** Index of the LF that ends the last header line (the head text is [start, lastLf)). */
  lastLf: number;
  bodyStart: number;
}

/** Finds the blank line: an LF followed by LF or CRLF. Accepting bare LF tolerates LF-only senders. */
function findHeadBounds(data: Buffer, from: number): HeadBounds | undefined {
  let i = from;
  for (;;) {
    const lf = data.indexOf(LF, i);
    if (lf < 0) {
      return undefined;
    }
    const next = data[lf + 1];
    if (next === LF) {
      return { lastLf: lf, bodyStart: lf + 2 };
    }
    if (next === CR && data[lf + 2] === LF) {
      return { lastLf: lf, bodyStart: lf + 3 };
    }
    if (next === undefined || (next === CR && lf + 2 >= data.length)) {
      return undefined;
    }
    i = lf + 1;
  }
}

function parseContentLength(value: string): number {
  // §20.14: 1*DIGIT. Nine digits already exceed any datagram or sane stream message.
  if (!isDigits(value) || value.length > 9) {
    throw new SipParseError('Bad Content-Length');
  }
  return Number(value);
}

function isContentLengthName(name: string): boolean {
  return name.length === 1
    ? name === 'l' || name === 'L'
    : name.length === 14 && name.toLowerCase() === 'content-length';
}

/**
 * For stream transports: locates the end of the header block and reads Content-Length without parsing the rest.
 * Returns undefined while the blank line has not arrived yet (skip `headStart` bytes of CRLF keep-alives first,
 * see `leadingCrlfLength`). Throws `SipParseError` for an unreadable or repeated Content-Length.
 */
export function parseMessageHead(data: Buffer): MessageHead | undefined {
  const headStart = leadingCrlfLength(data);
  const bounds = findHeadBounds(data, headStart);
  if (bounds === undefined) {
    return undefined;
  }
  let contentLength: number | undefined;
  let lineStart = data.indexOf(LF, headStart) + 1;
  while (lineStart > 0 && lineStart <= bounds.lastLf) {
    const lf = data.indexOf(LF, lineStart);
    const first = data[lineStart];
    // Only decode the lines that can be Content-Length: "l:" or "content-length:" (any case).
    if (first === 0x6c || first === 0x4c || first === 0x63 || first === 0x43) {
      let end = lf;
      // A folded value continues on lines that start with whitespace (§7.3.1).
      while (data[end + 1] === SP || data[end + 1] === HTAB) {
        end = data.indexOf(LF, end + 1);
      }
      const line = data.toString('latin1', lineStart, end);
      const colon = line.indexOf(':');
      if (colon > 0 && isContentLengthName(line.slice(0, colon).trimEnd())) {
        if (contentLength !== undefined) {
          throw new SipParseError('Bad Content-Length');
        }
        contentLength = parseContentLength(line.slice(colon + 1).trim());
      }
      lineStart = end + 1;
    } else {
      lineStart = lf + 1;
    }
  }
  return { headStart, headerEnd: bounds.bodyStart, contentLength };
}

function isSipVersion(text: string): boolean {
  return text.length === 7 && text.toUpperCase() === 'SIP/2.0';
}

/** "SIP/" 1*DIGIT "." 1*DIGIT (§25.1) — well formed, just not a version we speak. */
function looksLikeSipVersion(text: string): boolean {
  if (text.length < 7 || text.slice(0, 4).toUpperCase() !== 'SIP/') {
    return false;
  }
  const dot = text.indexOf('.', 4);
  return dot > 4 && isDigits(text.slice(4, dot)) && isDigits(text.slice(dot + 1));
}

function checkVersion(version: string, reason: string): void {
  if (!isSipVersion(version)) {
    // A well-formed but unsupported version deserves 505 (§21.5.6): the phrase tells the engine so.
    throw new SipParseError(looksLikeSipVersion(version) ? 'Version Not Supported' : reason);
  }
}

/** Parses one complete message (a datagram, or one frame cut by the stream framer). */
export function parseMessage(data: Buffer): SipMessage {
  const start = leadingCrlfLength(data);
  if (start >= data.length) {
    throw new SipParseError('Empty Message');
  }
  let bounds = findHeadBounds(data, start);
  if (bounds === undefined) {
    // §7 requires the blank line; a datagram that ends right after a complete header line has lost nothing
    // else, so it is read as having no body. Ending mid-line means it was cut.
    if (data[data.length - 1] !== LF) {
      throw new SipParseError('Missing Blank Line');
    }
    bounds = { lastLf: data.length - 1, bodyStart: data.length };
  }
  const text = data.toString('utf8', start, bounds.lastLf);
  const firstLf = text.indexOf('\n');
  const startLine = stripCr(firstLf < 0 ? text : text.slice(0, firstLf));
  const headers = new SipHeaders();
  const fields = headers.fields;
  let pos = firstLf < 0 ? text.length : firstLf + 1;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) {
      end = text.length;
    }
    const lineEnd = end > pos && text.charCodeAt(end - 1) === CR ? end - 1 : end;
    const first = text.charCodeAt(pos);
    if (first === SP || first === HTAB) {
      // §7.3.1: a line starting with whitespace continues the previous header; the fold counts as one SP.
      const last = fields[fields.length - 1];
      if (last === undefined) {
        throw new SipParseError('Bad Header');
      }
      const more = text.slice(pos, lineEnd).trim();
      if (more.length > 0) {
        last.value = last.value.length > 0 ? `${last.value} ${more}` : more;
      }
    } else {
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon >= lineEnd) {
        throw new SipParseError('Bad Header');
      }
      // HCOLON = *( SP / HTAB ) ":" SWS (§25.1)
      let nameEnd = colon;
      while (
        nameEnd > pos &&
        (text.charCodeAt(nameEnd - 1) === SP || text.charCodeAt(nameEnd - 1) === HTAB)
      ) {
        nameEnd--;
      }
      const name = text.slice(pos, nameEnd);
      if (!isToken(name)) {
        throw new SipParseError('Bad Header');
      }
      fields.push({ name, value: text.slice(colon + 1, lineEnd).trim() });
    }
    pos = end + 1;
  }

  let contentLength: number | undefined;
  for (const field of fields) {
    if (isContentLengthName(field.name)) {
      if (contentLength !== undefined) {
        // Two Content-Length fields cannot both be trusted (§20.14: a single value frames the body).
        throw new SipParseError('Bad Content-Length');
      }
      contentLength = parseContentLength(field.value);
    }
  }
  let body: Buffer;
  if (contentLength === undefined) {
    body = Buffer.from(data.subarray(bounds.bodyStart));
  } else {
    if (bounds.bodyStart + contentLength > data.length) {
      throw new SipParseError('Content-Length exceeds body');
    }
    // §18.3: bytes past Content-Length in a datagram are discarded.
    body = Buffer.from(data.subarray(bounds.bodyStart, bounds.bodyStart + contentLength));
  }
  return parseStartLine(startLine, headers, body);
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

function parseStartLine(line: string, headers: SipHeaders, body: Buffer): SipMessage {
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/') {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2); the phrase may be empty.
    const sp = line.indexOf(' ');
    if (sp < 0) {
      throw new SipParseError('Bad Status Line');
    }
    checkVersion(line.slice(0, sp), 'Bad Status Line');
    const code = line.slice(sp + 1, sp + 4);
    const after = line.charCodeAt(sp + 4);
    if (!isDigits(code) || code.length !== 3 || (sp + 4 < line.length && after !== SP)) {
      throw new SipParseError('Bad Status Line');
    }
    const status = Number(code);
    if (status < 100 || status > 699) {
      throw new SipParseError('Bad Status Line');
    }
    return { kind: 'response', status, reason: line.slice(sp + 5).trimEnd(), headers, body };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version (§7.1): exactly two single spaces.
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
    throw new SipParseError('Bad Request Line');
  }
  const method = line.slice(0, sp1);
  const uri = line.slice(sp1 + 1, sp2);
  if (!isToken(method) || uri.length === 0) {
    throw new SipParseError('Bad Request Line');
  }
  checkVersion(line.slice(sp2 + 1), 'Bad Request Line');
  return { kind: 'request', method, uri, headers, body };
}

/**
 * Whether bytes that failed to parse started like a request (`METHOD SP ... SP SIP/...`), so the engine can still
 * answer 400 (§21.4.1) instead of dropping them silently. Responses and noise give undefined.
 */
export function isLikelyRequest(data: Buffer): { method: string } | undefined {
  const start = leadingCrlfLength(data);
  let end = data.indexOf(LF, start);
  if (end < 0) {
    end = data.length;
  }
  const line = stripCr(data.toString('latin1', start, Math.min(end, start + 2048)));
  const sp = line.indexOf(' ');
  const lastSp = line.lastIndexOf(' ');
  if (sp <= 0 || lastSp === sp) {
    return undefined;
  }
  const method = line.slice(0, sp);
  if (!isToken(method) || line.slice(lastSp + 1, lastSp + 5).toUpperCase() !== 'SIP/') {
    return undefined;
  }
  return { method };
}
