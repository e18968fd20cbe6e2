/**
 * How the engine takes headers an app wrote (drachtio protocol doc §1.6 "How the server uses app headers"):
 * Via, Route, RSeq, Record-Route and Content-Length are the engine's own; unknown names are written with a
 * capital after each dash; `@localhost` in From, To, Contact and P-Asserted-Identity becomes the transport's
 * host:port, because drachtio-srf's createUAC and createB2BUA rely on that rewrite.
 */
import { canonicalHeaderName } from '../message/header-names.js';
import type { SipHeaders } from '../message/sip-message.js';

const IMMUTABLE = new Set(['via', 'route', 'rseq', 'record-route', 'content-length']);
const LOCALHOST_REWRITTEN = new Set(['from', 'to', 'contact', 'p-asserted-identity']);
const HEADER_NAME = /^[A-Za-z0-9!%*_+`'~.-]+$/;

/**
 * Copies the app's headers into `target`, skipping the immutable ones and any in `skip` (lowercase canonical
 * names), replacing `@localhost` with `hostport`. Headers already present in `target` are replaced.
 */
export function applyAppHeaders(
  appHeaders: SipHeaders,
  target: SipHeaders,
  hostport: string,
  skip: ReadonlySet<string> = new Set(),
): void {
  const seen = new Set<string>();
  for (const field of appHeaders.fields) {
    if (!HEADER_NAME.test(field.name)) {
      continue;
    }
    const name = canonicalHeaderName(field.name);
    const lower = name.toLowerCase();
    if (IMMUTABLE.has(lower) || skip.has(lower)) {
      continue;
    }
    const value = LOCALHOST_REWRITTEN.has(lower) ? rewriteLocalhost(field.value, hostport) : field.value;
    if (!seen.has(lower)) {
      target.remove(name);
      seen.add(lower);
    }
    target.append(name, value);
  }
}

/** `sip:1234@localhost;x` → `sip:1234@<hostport>;x` (also `@localhost:5060`). */
export function rewriteLocalhost(value: string, hostport: string): string {
  return value.replace(/@localhost(:\d+)?(?=[>;?,\s]|$)/gi, `@${hostport}`);
}

/** RFC 3261 §7.4.1 is silent on a missing type; drachtio types a body starting `v=0` as SDP (doc §1.6). */
export function detectContentType(body: Buffer): string | undefined {
  return body.subarray(0, 3).toString('latin1') === 'v=0' ? 'application/sdp' : undefined;
}
