/**
 * Via header values (RFC 3261 §20.42, §25.1):
 *
 *   via-parm     = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport      (SLASH = SWS "/" SWS)
 *   sent-by      = host [ COLON port ]                                         (COLON = SWS ":" SWS)
 *
 * One value at a time: split a Via header field on commas first (`SipHeaders.getAll('Via')`).
 */
import { formatParams, parseParams } from './header-params.js';
import { isDigitChar, isTokenChar, skipToken, skipWhitespace } from './sip-grammar.js';
import { SipParseError } from './sip-parse-error.js';
import { isIpv6Address, uriHostPort } from './uri.js';

export interface Via {
  /** Protocol name and version, upper-cased: 'SIP/2.0'. */
  protocol: string;
  /** Upper-cased transport: 'UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'. */
  transport: string;
  /** Host name or address; IPv6 without brackets. */
  host: string;
  port?: number;
  /** via-params, lower-cased names; `rport` without a value is null (RFC 3581 §3). */
  params: Map<string, string | null>;
}

function badVia(): SipParseError {
  return new SipParseError('Bad Via');
}

function expectSlash(text: string, from: number): number {
  const i = skipWhitespace(text, from);
  if (text.charCodeAt(i) !== 0x2f) {
    throw badVia();
  }
  return skipWhitespace(text, i + 1);
}

function readToken(text: string, from: number): [string, number] {
  const end = skipToken(text, from);
  if (end === from) {
    throw badVia();
  }
  return [text.slice(from, end), end];
}

function isHostChar(code: number): boolean {
  // hostname / IPv4address chars; "_" tolerated as in uri.ts
  return (
    isTokenChar(code) && code !== 0x21 && code !== 0x25 && code !== 0x2a && code !== 0x2b && code !== 0x60
  );
}

/** Parses one via-parm. Throws `SipParseError('Bad Via')`. */
export function parseVia(text: string): Via {
  const [name, afterName] = readToken(text, skipWhitespace(text, 0));
  const [version, afterVersion] = readToken(text, expectSlash(text, afterName));
  const [transport, afterTransport] = readToken(text, expectSlash(text, afterVersion));
  let i = afterTransport;
  const hostStart = skipWhitespace(text, i);
  if (hostStart === i) {
    throw badVia();
  }
  i = hostStart;
  let host: string;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0) {
      throw badVia();
    }
    host = text.slice(i + 1, close);
    if (!isIpv6Address(host)) {
      throw badVia();
    }
    i = close + 1;
  } else {
    while (i < text.length && isHostChar(text.charCodeAt(i))) {
      i++;
    }
    if (i === hostStart) {
      throw badVia();
    }
    host = text.slice(hostStart, i);
  }
  const via: Via = {
    protocol: `${name.toUpperCase()}/${version}`,
    transport: transport.toUpperCase(),
    host,
    params: new Map(),
  };
  i = skipWhitespace(text, i);
  if (text.charCodeAt(i) === 0x3a) {
    const start = skipWhitespace(text, i + 1);
    i = start;
    while (i < text.length && isDigitChar(text.charCodeAt(i))) {
      i++;
    }
    const digits = text.slice(start, i);
    const port = Number(digits);
    if (digits.length === 0 || digits.length > 5 || port > 65535) {
      throw badVia();
    }
    via.port = port;
  }
  try {
    via.params = parseParams(text, i);
  } catch (error) {
    throw new SipParseError('Bad Via', { cause: error });
  }
  return via;
}

export function formatVia(via: Via): string {
  return `${via.protocol}/${via.transport} ${uriHostPort(via)}${formatParams(via.params)}`;
}

/** The branch parameter (§8.1.1.7), or undefined when absent or valueless. */
export function viaBranch(via: Via): string | undefined {
  return via.params.get('branch') ?? undefined;
}
