/**
 * CSeq header values (RFC 3261 §20.16): `1*DIGIT LWS Method`. The number is a 32-bit unsigned integer that must
 * be below 2**31 (§8.1.1.5); the method is a case-sensitive token.
 */
import { isDigitChar, isTokenChar, skipWhitespace } from './sip-grammar.js';
import { SipParseError } from './sip-parse-error.js';

export interface CSeq {
  seq: number;
  method: string;
}

const MAX_SEQ = 2 ** 31 - 1;

/** Parses `"4711 INVITE"`. Throws `SipParseError('Bad CSeq')`. */
export function parseCSeq(text: string): CSeq {
  let i = skipWhitespace(text, 0);
  const digitsStart = i;
  while (i < text.length && isDigitChar(text.charCodeAt(i))) {
    i++;
  }
  const digits = text.slice(digitsStart, i);
  const methodStart = skipWhitespace(text, i);
  if (digits.length === 0 || methodStart === i) {
    throw new SipParseError('Bad CSeq');
  }
  i = methodStart;
  while (i < text.length && isTokenChar(text.charCodeAt(i))) {
    i++;
  }
  const method = text.slice(methodStart, i);
  if (method.length === 0 || skipWhitespace(text, i) !== text.length) {
    throw new SipParseError('Bad CSeq');
  }
  // Leading zeros are legal (RFC 4475 §3.1.1.1 sends "0009"); the value, not the length, is bounded.
  const seq = Number(digits);
  if (seq > MAX_SEQ) {
    throw new SipParseError('Bad CSeq');
  }
  return { seq, method };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
