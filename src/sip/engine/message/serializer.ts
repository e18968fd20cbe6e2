/**
 * SIP message serializer (RFC 3261 §7): start line, header fields in order with their names as stored, a
 * Content-Length computed from the body bytes, the blank line, the body.
 *
 * Content-Length is always written (§20.14: mandatory over streams, harmless over UDP) and any stored value is
 * replaced, so a body edited after parsing can never be framed with a stale length.
 */
import { isToken } from './sip-grammar.js';
import type { SipMessage } from './sip-message.js';
import { SipParseError } from './sip-parse-error.js';

function isContentLength(name: string): boolean {
  return name.length === 1
    ? name === 'l' || name === 'L'
    : name.length === 14 && name.toLowerCase() === 'content-length';
}

/**
 * A header value safe to put on one line. A CR or LF would end the header early (header injection); replacing the
 * line break and its surrounding whitespace by one SP is exactly what unfolding does (§7.3.1).
 */
function oneLine(value: string): string {
  if (!value.includes('\n') && !value.includes('\r')) {
    return value;
  }
  return value.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ');
}

function startLine(m: SipMessage): string {
  if (m.kind === 'request') {
    if (!isToken(m.method) || m.uri.length === 0 || /\s/.test(m.uri)) {
      throw new SipParseError('Bad Request Line');
    }
    return `${m.method} ${m.uri} SIP/2.0\r\n`;
  }
  if (!Number.isInteger(m.status) || m.status < 100 || m.status > 699) {
    throw new SipParseError('Bad Status Line');
  }
  return `SIP/2.0 ${m.status} ${oneLine(m.reason)}\r\n`;
}

/** The message as bytes. Throws `SipParseError` for a start line or header name that cannot be written. */
export function serializeMessage(m: SipMessage): Buffer {
  let head = startLine(m);
  let lengthWritten = false;
  const lengthLine = (name: string): string => `${name}: ${m.body.length}\r\n`;
  for (const field of m.headers.fields) {
    if (isContentLength(field.name)) {
      // Written once, where the first Content-Length stood, keeping the name's spelling (compact "l" too).
      if (!lengthWritten) {
        head += lengthLine(field.name);
        lengthWritten = true;
      }
      continue;
    }
    if (!isToken(field.name)) {
      throw new SipParseError('Bad Header');
    }
    head += `${field.name}: ${oneLine(field.value)}\r\n`;
  }
  if (!lengthWritten) {
    head += lengthLine('Content-Length');
  }
  head += '\r\n';
  if (m.body.length === 0) {
    return Buffer.from(head, 'utf8');
  }
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + m.body.length);
  out.write(head, 0, 'utf8');
  m.body.copy(out, headLength);
  return out;
}
