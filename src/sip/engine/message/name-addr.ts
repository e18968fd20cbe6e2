/**
 * name-addr / addr-spec header values: From, To, Contact, Route, Record-Route, Refer-To, Referred-By, Reply-To,
 * P-Asserted-Identity (RFC 3261 §20.10, §25.1).
 *
 *   "Alice \"A\"" <sip:a@b;transport=tcp>;tag=1   display name, URI in <>, header params after >
 *   Alice <sip:a@b>                               unquoted display name (tokens and LWS)
 *   sip:a@b;tag=1                                 addr-spec: ";tag=1" is a header parameter, not a URI one (§20.10)
 *
 * The URI is returned as text: From/To may legally carry any absoluteURI scheme, so parsing it is left to callers
 * that need it (`parseUri`).
 */
import { formatParams, parseParams, scanParams } from './header-params.js';
import { isTokenChar, quoteString, skipQuotedString, skipWhitespace, unquoteString } from './sip-grammar.js';
import { SipParseError } from './sip-parse-error.js';
import { uriScheme } from './uri.js';

export interface NameAddr {
  /** Display name without quotes or quoted-pair escapes; undefined when absent. */
  displayName?: string;
  /** The URI as written, without the angle brackets. */
  uri: string;
  /** Header parameters (after the `>` or after the addr-spec), lower-cased names. */
  params: Map<string, string | null>;
}

interface NameAddrLayout {
  displayName: string | undefined;
  uri: string;
  /** Index where the header parameters start. */
  paramsFrom: number;
}

function badAddress(): SipParseError {
  return new SipParseError('Bad Address');
}

function isDisplayNameChar(code: number): boolean {
  // Unquoted display-name = *(token LWS) (§25.1); UTF-8 letters are accepted too, as many phones send them.
  return isTokenChar(code) || code === 0x20 || code === 0x09 || code >= 0x80;
}

function checkUri(uri: string, addrSpec: boolean): void {
  if (uriScheme(uri) === undefined) {
    throw badAddress();
  }
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    // §20.10: a URI with a comma, question mark or semicolon must be in <>; none may hold LWS or quotes.
    if (c <= 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || (addrSpec && (c === 0x2c || c === 0x3f))) {
      throw badAddress();
    }
  }
}

function layout(text: string): NameAddrLayout {
  let i = skipWhitespace(text, 0);
  let displayName: string | undefined;
  if (text.charCodeAt(i) === 0x22) {
    const end = skipQuotedString(text, i);
    if (end < 0) {
      throw badAddress();
    }
    displayName = unquoteString(text.slice(i, end));
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x3c) {
      throw badAddress();
    }
  } else {
    let j = i;
    while (j < text.length && isDisplayNameChar(text.charCodeAt(j))) {
      j++;
    }
    if (text.charCodeAt(j) !== 0x3c) {
      // addr-spec: the URI runs to the first ";", everything after is header parameters (§20.10).
      const semi = text.indexOf(';', i);
      const uri = text.slice(i, semi < 0 ? text.length : semi).trimEnd();
      checkUri(uri, true);
      return { displayName: undefined, uri, paramsFrom: semi < 0 ? text.length : semi };
    }
    const name = text.slice(i, j).trim();
    displayName = name.length > 0 ? name : undefined;
    i = j;
  }
  const close = text.indexOf('>', i + 1);
  if (close < 0) {
    throw badAddress();
  }
  const uri = text.slice(i + 1, close);
  checkUri(uri, false);
  return { displayName, uri, paramsFrom: close + 1 };
}

/** Parses one name-addr or addr-spec value (split comma lists first). Throws `SipParseError('Bad Address')`. */
export function parseNameAddr(text: string): NameAddr {
  const { displayName, uri, paramsFrom } = layout(text);
  let params: Map<string, string | null>;
  try {
    params = parseParams(text, paramsFrom);
  } catch (error) {
    throw new SipParseError('Bad Address', { cause: error });
  }
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** Always the name-addr form, so URI parameters can never be mistaken for header parameters. */
export function formatNameAddr(na: NameAddr): string {
  const name = na.displayName === undefined ? '' : `${quoteString(na.displayName)} `;
  return `${name}<${na.uri}>${formatParams(na.params)}`;
}

/** The `tag` parameter of a From/To value (§19.3), or undefined when absent, valueless or the value is malformed. */
export function getTag(headerValue: string): string | undefined {
  try {
    const { paramsFrom } = layout(headerValue);
    const span = scanParams(headerValue, paramsFrom).find((p) => p.name === 'tag');
    return span?.value ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The value with its `tag` set to `tag`: an existing tag's value is replaced in place, otherwise `;tag=...` is
 * appended. Everything else is left as written. Throws `SipParseError('Bad Address')` on a malformed value.
 */
export function setTag(headerValue: string, tag: string): string {
  const { paramsFrom } = layout(headerValue);
  let spans;
  try {
    spans = scanParams(headerValue, paramsFrom);
  } catch (error) {
    throw new SipParseError('Bad Address', { cause: error });
  }
  const existing = spans.find((p) => p.name === 'tag');
  if (existing === undefined) {
    return `${headerValue.trimEnd()};tag=${tag}`;
  }
  return `${headerValue.slice(0, existing.nameEnd)}=${tag}${headerValue.slice(existing.end)}`;
}
