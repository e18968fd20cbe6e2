/**
 * A reply to a message the parser refused (RFC 3261 §8.2.6 applied as far as the bytes allow): when the head
 * still shows Via, From, To, Call-ID and CSeq lines, echo them in a 400 (or 513) whose reason phrase says what is
 * wrong, so the sender is never left retransmitting into silence. Without those lines no valid response can
 * be routed, and nothing is sent.
 */
import { SipHeaders, type SipResponse } from '../message/sip-message.js';
import { canonicalHeaderName } from '../message/header-names.js';

const NEEDED = ['via', 'from', 'to', 'call-id', 'cseq'];

export function replyToGarbage(
  raw: Buffer,
  status: number,
  reason: string,
  toTag: string,
): SipResponse | undefined {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, headEnd < 0 ? Math.min(raw.length, 8192) : headEnd).toString('latin1');
  const lines = head.split(/\r?\n/);
  const first = lines[0] ?? '';
  if (first.startsWith('SIP/') || !/^[A-Za-z]+\s/.test(first) || /^ACK\s/i.test(first)) {
    return undefined; // never answer a response or an ACK (§17)
  }
  const found = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = canonicalHeaderName(line.slice(0, colon).trim()).toLowerCase();
    if (NEEDED.includes(name)) {
      const list = found.get(name) ?? [];
      list.push(line.slice(colon + 1).trim());
      found.set(name, list);
    }
  }
  if (!NEEDED.every((n) => (found.get(n)?.length ?? 0) > 0)) {
    return undefined;
  }
  const headers = new SipHeaders();
  for (const via of found.get('via') ?? []) {
    headers.append('Via', via);
  }
  headers.append('From', found.get('from')![0]!);
  const to = found.get('to')![0]!;
  headers.append('To', /;\s*tag\s*=/i.test(to) ? to : `${to};tag=${toTag}`);
  headers.append('Call-ID', found.get('call-id')![0]!);
  headers.append('CSeq', found.get('cseq')![0]!);
  return { kind: 'response', status, reason: sanitizeReason(reason), headers, body: Buffer.alloc(0) };
}

/** A reason phrase is one line of text (§25.1 Reason-Phrase). */
export function sanitizeReason(reason: string): string {
  return reason.replace(/[\r\n]+/g, ' ').slice(0, 120);
}
