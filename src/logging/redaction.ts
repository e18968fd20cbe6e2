/**
 * Personal data never reaches the logs in clear: caller identities are masked (enough is kept to correlate
 * two lines of the same call), and what the caller said or keyed (digits, NIR, transcripts) is replaced
 * entirely. pino applies `REDACT_PATHS` to every log object and child binding; free text, which pino cannot
 * see into, goes through `redactSipUri` before it is logged.
 */

export const REDACTED = '[Redacted]';

/** Keys whose value identifies the caller: masked with `maskNumber` / `redactSipUri`. */
const IDENTITY_KEYS: readonly string[] = Object.freeze([
  'caller',
  'callerId',
  'callerNumber',
  'callingNumber',
  'from',
  'to',
  'contact',
  'pAssertedIdentity',
  'p-asserted-identity',
  'remote-party-id',
  'phone',
]);

/** Keys whose value is what the caller said or keyed: replaced entirely. */
const CONTENT_KEYS: readonly string[] = Object.freeze([
  'nir',
  'digits',
  'dtmf',
  'transcript',
  'utterance',
  'alternatives',
]);

const IDENTITY_KEY_SET = new Set(IDENTITY_KEYS);

/** `from`/`to` also name the two ends of a logged state transition (`{ from: 'trying', to: 'proceeding' }`):
 * under these keys a value with no digit and no URI is not an identity and stays readable. */
const TRANSITION_KEYS = new Set(['from', 'to']);

function pathFor(prefix: string, key: string): string {
  // Bracket notation for keys that are not identifiers (SIP header names with dashes).
  const accessor = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return prefix === '' ? accessor.replace(/^\./, '') : `${prefix}${accessor}`;
}

/** pino `redact.paths`: each key at the top level and up to two objects deep. */
export const REDACT_PATHS: readonly string[] = Object.freeze(
  [...IDENTITY_KEYS, ...CONTENT_KEYS].flatMap((key) =>
    ['', '*', '*.*'].map((prefix) => pathFor(prefix, key)),
  ),
);

/** pino `redact.censor`: decides per key between masking and full replacement. */
export function censorSensitiveValue(value: unknown, path: readonly unknown[]): unknown {
  const key = String(path[path.length - 1]);
  if (!IDENTITY_KEY_SET.has(key)) {
    return REDACTED;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return maskNumber(String(value));
  }
  if (typeof value === 'string') {
    if (TRANSITION_KEYS.has(key) && !/[\p{N}<]|(?:sips?|tel):/iu.test(value)) {
      return value;
    }
    return /(?:sips?|tel):|</i.test(value) ? redactSipUri(value) : maskNumber(value);
  }
  return value === null || value === undefined ? value : REDACTED;
}

/**
 * Masks every letter and digit except the first two and the last two: `0612345678` → `06******78`,
 * `+33612345678` → `+33*******78`. Values with fewer than six of them are masked entirely, since their ends
 * would reveal too much. Separators (`+`, spaces, dots, dashes) are kept.
 */
export function maskNumber(value: string): string {
  const significant = value.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
  const keep = significant >= 6 ? 2 : 0;
  let seen = 0;
  return value.replace(/[\p{L}\p{N}]/gu, (char) => {
    seen += 1;
    return seen <= keep || seen > significant - keep ? char : '*';
  });
}

const SIP_USERINFO = /\b(sips?):([^@\s;<>"?]+)@/gi;
const TEL_NUMBER = /\btel:([+\d][\d\-.()]*)/gi;
const QUOTED_DISPLAY_NAME = /"(?:[^"\\]|\\.)*"(\s*<)/g;
const BARE_DISPLAY_NAME = /^(\s*)[^\s"<>:@][^"<>:@]*?(\s*<(?:sips?|tel):)/i;

/**
 * Masks the user part of every `sip:`/`sips:` URI and the number of every `tel:` URI in `text`, drops any
 * password in the userinfo (RFC 3261 §19.1.1 forbids sending one, scanners do anyway) and hides display names:
 * `"Jean Dupont" <sip:0612345678@example.org>` → `"***" <sip:06******78@example.org>`.
 */
export function redactSipUri(text: string): string {
  return text
    .replace(QUOTED_DISPLAY_NAME, '"***"$1')
    .replace(BARE_DISPLAY_NAME, '$1***$2')
    .replace(SIP_USERINFO, (_match, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
      const password = colon < 0 ? '' : ':***';
      return `${scheme}:${maskNumber(user)}${password}@`;
    })
    .replace(TEL_NUMBER, (_match, number: string) => `tel:${maskNumber(number)}`);
}
