/**
 * Where an outbound call goes and what its INVITE says about us: the Request-URI for a callee given as a SIP
 * URI, a telephone number or a `tel:` URI, our From, and the extra headers a callback may add. Pure: each throws
 * a RangeError for what cannot be sent, which `dial` turns into a `failed` outcome before any INVITE leaves.
 */
import { isTelephoneNumber, normaliseNumber } from './number-directory.js';
import type { OutboundCallRequest } from './outbound-call-types.js';
import type { SrfHeaders } from './srf-types.js';

/** RFC 3261 §25.1 token: what a header name may be made of. */
const HEADER_NAME = /^[A-Za-z0-9!%'*+\-.^_`|~]+$/;
/** Headers the dialog, the transaction or our SDP own: a caller of `dial` cannot set them. */
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'call-id',
  'cseq',
  'via',
  'contact',
  'content-type',
  'content-length',
  'max-forwards',
]);

/**
 * The Request-URI for `to`: a `sip:`/`sips:` URI as is; a telephone number or `tel:` URI (RFC 3966) as the user
 * part of a URI at the gateway (RFC 3261 §19.1.6: a telephone-subscriber in the user part). Throws RangeError
 * for anything else, or a number with no gateway configured.
 */
export function outboundTargetUri(to: string, gatewayUri: string | undefined): string {
  const target = to.trim().replace(/^<(.*)>$/, '$1');
  if (/^sips?:[^@\s]*\S/i.test(target)) {
    return target;
  }
  const tel = /^tel:([^;?]+)/i.exec(target);
  const number = tel?.[1] ?? target;
  if (!isTelephoneNumber(number)) {
    throw new RangeError('callee is neither a SIP URI nor a telephone number');
  }
  if (gatewayUri === undefined || gatewayUri.trim() === '') {
    throw new RangeError('a telephone number needs a gateway (callbacks.gateway)');
  }
  const gateway = /^(sips?):(?:[^@]*@)?(.+)$/i.exec(gatewayUri.trim());
  const scheme = gateway?.[1]?.toLowerCase() ?? 'sip';
  const hostport = gateway?.[2] ?? gatewayUri.trim();
  return `${scheme}:${normaliseNumber(number)}@${hostport}`;
}

/** RFC 3261 §20.20 From: a quoted display name (quotes and backslashes escaped, §25.1) before the URI. */
export function outboundFromHeader(from: OutboundCallRequest['from']): string {
  const name = from.displayName?.replace(/[\r\n]/g, ' ').replace(/(["\\])/g, '\\$1');
  return name === undefined || name === '' ? `<${from.uri}>` : `"${name}" <${from.uri}>`;
}

/**
 * A request's extra INVITE headers, checked: token names (RFC 3261 §25.1), none the dialog or the transaction
 * owns, no line break in a value (header injection). Throws RangeError naming the first bad one.
 */
export function outboundExtraHeaders(headers: Readonly<Record<string, string>>): SrfHeaders {
  const out: SrfHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new RangeError(`header "${name}" cannot be set on an outbound INVITE`);
    }
    if (/[\r\n]/.test(value)) {
      throw new RangeError(`header "${name}" has a line break in its value`);
    }
    out[name] = value;
  }
  return out;
}
