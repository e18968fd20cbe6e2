/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966). The user part, parameter values and headers are kept as
 * written (escapes included) so a URI formats back to what was received; the scheme is lower-cased (§19.1.4:
 * schemes compare case-insensitively) and parameter names too.
 *
 * `host` never carries the IPv6 brackets: `sip:[2001:db8::1]:5060` has host `2001:db8::1`, ready for a socket
 * call; `formatUri` and `uriHostPort` put the brackets back. For `tel:` URIs the host is the number.
 */
import { formatParams, parseParams } from './header-params.js';
import { isDigitChar, isDigits, isHexChar, isTokenChar } from './sip-grammar.js';
import { SipParseError } from './sip-parse-error.js';

export interface SipUri {
  /** Lower-cased: 'sip', 'sips' or 'tel'. */
  scheme: string;
  /** User part as written, escapes kept (`%61lice`). */
  user?: string;
  password?: string;
  /** Host name, IPv4 address, IPv6 address without brackets, or the number of a tel URI. */
  host: string;
  port?: number;
  /** uri-parameters, lower-cased names, null for `;lr`-style parameters. */
  params: Map<string, string | null>;
  /** URI headers (`?name=value&...`) as written. */
  headers: Map<string, string>;
}

const URI_SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel']);

const USER_EXTRA = new Uint8Array(128);
const PASSWORD_EXTRA = new Uint8Array(128);
const TEL_CHARS = new Uint8Array(128);
for (const c of "-_.!~*'()&=+$,;?/") {
  USER_EXTRA[c.charCodeAt(0)] = 1;
}
for (const c of "-_.!~*'()&=+$,") {
  PASSWORD_EXTRA[c.charCodeAt(0)] = 1;
}
// RFC 3966 §3: phonedigit-hex, visual separators and the global-number "+".
for (const c of '0123456789abcdefABCDEF*#+-.()') {
  TEL_CHARS[c.charCodeAt(0)] = 1;
}

function isAlphaNum(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** True when every char is alphanum, in `extra`, or part of a `%HH` escape. */
function isEscapedRun(text: string, extra: Uint8Array): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      if (!isHexChar(text.charCodeAt(i + 1)) || !isHexChar(text.charCodeAt(i + 2))) {
        return false;
      }
      i += 2;
    } else if (!(isAlphaNum(c) || (c < 128 && extra[c] === 1))) {
      return false;
    }
  }
  return true;
}

function isHostNameChar(code: number): boolean {
  // "_" is not in the RFC 1123 hostname grammar but is common in SRV-style names; accepting it costs nothing.
  return isAlphaNum(code) || code === 0x2d || code === 0x2e || code === 0x5f;
}

function badUri(): SipParseError {
  return new SipParseError('Bad URI');
}

/** Lower-cased scheme of a URI text, or undefined when it does not start with `scheme ":"` (§25.1 absoluteURI). */
export function uriScheme(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    return undefined;
  }
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!alpha && (i === 0 || !(isDigitChar(c) || c === 0x2b || c === 0x2d || c === 0x2e))) {
      return undefined;
    }
  }
  return text.slice(0, colon).toLowerCase();
}

/** Parses a sip:, sips: or tel: URI. Throws `SipParseError` ("Bad URI", "Unsupported URI Scheme"). */
export function parseUri(text: string): SipUri {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // No LWS, angle brackets or quotes inside a URI: those belong to the enclosing header (§25.1).
    if (c <= 0x20 || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x7f) {
      throw badUri();
    }
  }
  const scheme = uriScheme(text);
  if (scheme === undefined) {
    throw badUri();
  }
  if (!URI_SCHEMES.has(scheme)) {
    throw new SipParseError('Unsupported URI Scheme');
  }
  const rest = text.slice(scheme.length + 1);
  return scheme === 'tel' ? parseTel(rest) : parseSip(scheme, rest);
}

function parseTel(rest: string): SipUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (number.length === 0) {
    throw badUri();
  }
  for (let i = 0; i < number.length; i++) {
    const c = number.charCodeAt(i);
    if (c >= 128 || TEL_CHARS[c] !== 1) {
      throw badUri();
    }
  }
  return {
    scheme: 'tel',
    host: number,
    params: semi < 0 ? new Map<string, string | null>() : parseUriParams(rest, semi),
    headers: new Map<string, string>(),
  };
}

function parseUriParams(text: string, from: number): Map<string, string | null> {
  try {
    return parseParams(text, from);
  } catch (error) {
    throw new SipParseError('Bad URI', { cause: error });
  }
}

function parseSip(scheme: string, rest: string): SipUri {
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: new Map() };
  // The userinfo ends at the first "@" before any "?": "@" is not allowed unescaped in parameters, and headers
  // (which often carry an unescaped Call-ID such as "abc@host") come after the "?".
  const question = rest.indexOf('?');
  const at = rest.indexOf('@');
  let i = 0;
  if (at >= 0 && (question < 0 || at < question)) {
    const colon = rest.indexOf(':');
    const userEnd = colon >= 0 && colon < at ? colon : at;
    const user = rest.slice(0, userEnd);
    if (user.length === 0 || !isEscapedRun(user, USER_EXTRA)) {
      throw badUri();
    }
    uri.user = user;
    if (userEnd < at) {
      const password = rest.slice(userEnd + 1, at);
      if (!isEscapedRun(password, PASSWORD_EXTRA)) {
        throw badUri();
      }
      uri.password = password;
    }
    i = at + 1;
  }
  // hostport (§25.1): hostname / IPv4address / IPv6reference, then [":" port]
  if (rest.charCodeAt(i) === 0x5b) {
    const close = rest.indexOf(']', i);
    if (close < 0) {
      throw badUri();
    }
    const host = rest.slice(i + 1, close);
    if (!isIpv6Address(host)) {
      throw badUri();
    }
    uri.host = host;
    i = close + 1;
  } else {
    const start = i;
    while (i < rest.length && isHostNameChar(rest.charCodeAt(i))) {
      i++;
    }
    if (i === start) {
      throw badUri();
    }
    uri.host = rest.slice(start, i);
  }
  if (rest.charCodeAt(i) === 0x3a) {
    const start = i + 1;
    i = start;
    while (i < rest.length && isDigitChar(rest.charCodeAt(i))) {
      i++;
    }
    uri.port = parsePort(rest.slice(start, i));
  }
  const paramsEnd = question < 0 ? rest.length : question;
  if (i < paramsEnd) {
    if (rest.charCodeAt(i) !== 0x3b) {
      throw badUri();
    }
    uri.params = parseUriParams(rest.slice(0, paramsEnd), i);
  } else if (i > paramsEnd) {
    throw badUri();
  }
  if (question >= 0) {
    uri.headers = parseUriHeaders(rest.slice(question + 1));
  }
  return uri;
}

/** An IPv6 address as found between brackets: hex groups, colons, an optional dotted IPv4 tail (RFC 4291). */
export function isIpv6Address(host: string): boolean {
  if (!host.includes(':')) {
    return false;
  }
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (!isHexChar(c) && c !== 0x3a && c !== 0x2e) {
      return false;
    }
  }
  return true;
}

/** A port number 0..65535 from its digits (§25.1 port = 1*DIGIT); throws "Bad URI" otherwise. */
function parsePort(digits: string): number {
  if (!isDigits(digits) || digits.length > 5) {
    throw badUri();
  }
  const port = Number(digits);
  if (port > 65535) {
    throw badUri();
  }
  return port;
}

function parseUriHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  if (text.length === 0) {
    return headers;
  }
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!isUriHeaderName(name)) {
      throw badUri();
    }
    if (!headers.has(name)) {
      headers.set(name, eq < 0 ? '' : pair.slice(eq + 1));
    }
  }
  return headers;
}

// hname = 1*( hnv-unreserved / unreserved / escaped ), §25.1
function isUriHeaderName(text: string): boolean {
  if (text.length === 0) {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isTokenChar(c) && c !== 0x5b && c !== 0x5d && c !== 0x2f && c !== 0x3f && c !== 0x3a && c !== 0x24) {
      return false;
    }
  }
  return true;
}

/** `host[:port]`, with brackets around an IPv6 host (§19.1.1 hostport). */
export function uriHostPort(uri: Pick<SipUri, 'host' | 'port'>): string {
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  return uri.port === undefined ? host : `${host}:${uri.port}`;
}

export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'tel') {
    return `tel:${uri.host}${formatParams(uri.params)}`;
  }
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += uri.password === undefined ? `${uri.user}@` : `${uri.user}:${uri.password}@`;
  }
  out += uriHostPort(uri) + formatParams(uri.params);
  if (uri.headers.size > 0) {
    let separator = '?';
    for (const [name, value] of uri.headers) {
      out += `${separator}${name}=${value}`;
      separator = '&';
    }
  }
  return out;
}
