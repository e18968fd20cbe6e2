/**
 * The caller's context as SIP headers for the agent side (issue 6 §4): one `X-Aiguilleur-*` header per field, and
 * the same data once more in a `User-to-User` header (RFC 7433) for agent platforms that read UUI rather than
 * custom headers. Pure: the transfer code places them in the REFER's Refer-To URI (RFC 3261 §19.1.1, escaped by
 * `referToValue`) or in the INVITE to the agent.
 *
 * User-to-User (RFC 7433 §4.1 ABNF: `uui-value = uui-data *(SEMI uui-param)`, with the `encoding`, `purpose` and
 * `content` parameters):
 *   - `encoding=hex`: the data is hexadecimal octets, the one encoding RFC 7433 defines (`enc-param-value =
 *     token / "hex"`; IANA "UUI Encoding" registry: `hex`, RFC 7433). JSON in UTF-8 holds `"`, `:`, `,` and maybe
 *     non-ASCII, which a token does not allow.
 *   - `purpose`: the UUI package. Absent means the ISDN interworking package (`isdn-uui`, RFC 7434), whose data
 *     is an ISDN UUI information element starting with a protocol discriminator octet — not what we send, so we
 *     name our own (unregistered) package, `aiguilleur` by default; RFC 7433 receivers ignore a UUI whose package
 *     they do not support, and the X- headers still carry everything. Configurable for platforms that only relay
 *     what they are told to.
 *   - `content`: what the data is within the package; `aiguilleur-context` by default (also configurable).
 * Size: ISDN interworking caps UUI data at 128 octets (the Q.931/ISUP user-user element), and gateways and SBCs
 * that map UUI to ISDN or keep it in fixed buffers commonly refuse or truncate more. We therefore keep the JSON
 * to `uuiMaxOctets` (default 128, i.e. 256 hex digits) with short keys, dropping the least useful fields first
 * (`r` reasons, `pr` priority reasons, `f` flow version, `c` confidence, `l` language, then `nir`) and reporting
 * what was dropped; the X- headers are never shortened except `Reasons` (at `reasonsMaxChars`).
 *
 * JSON keys (schema `v` 1): `v` version, `id` Call-ID, `i` intent, `c` confidence, `p` priority, `pr` priority
 * reasons, `r` routing reasons, `l` language, `f` flow version, `n` NIR status (`valid|invalid|absent`), `nir`.
 * Absent/null values are left out.
 */
import type { TransferContext } from './sip-app-types.js';

export interface ContextHeaderOptions {
  /** Largest User-to-User data, in octets before hex encoding. @default 128 */
  readonly uuiMaxOctets: number;
  /** RFC 7433 `purpose` (UUI package). @default 'aiguilleur' */
  readonly uuiPurpose: string;
  /** RFC 7433 `content`. @default 'aiguilleur-context' */
  readonly uuiContent: string;
  /** `X-Aiguilleur-Reasons` is cut to this many characters (the summary can grow with the rules). @default 200 */
  readonly reasonsMaxChars: number;
}

export const DEFAULT_CONTEXT_HEADER_OPTIONS: ContextHeaderOptions = Object.freeze({
  uuiMaxOctets: 128,
  uuiPurpose: 'aiguilleur',
  uuiContent: 'aiguilleur-context',
  reasonsMaxChars: 200,
});

export const CONTEXT_HEADER = {
  callId: 'X-Aiguilleur-Call-Id',
  intent: 'X-Aiguilleur-Intent',
  confidence: 'X-Aiguilleur-Confidence',
  priority: 'X-Aiguilleur-Priority',
  priorityReasons: 'X-Aiguilleur-Priority-Reasons',
  reasons: 'X-Aiguilleur-Reasons',
  language: 'X-Aiguilleur-Language',
  flowVersion: 'X-Aiguilleur-Flow-Version',
  nirStatus: 'X-Aiguilleur-Nir-Status',
  nir: 'X-Aiguilleur-Nir',
  userToUser: 'User-to-User',
} as const;

export interface ContextHeaders {
  /** Header name → value, in a stable order. */
  readonly headers: Readonly<Record<string, string>>;
  /** What went into User-to-User; null when even the essential fields did not fit (no UUI header then). */
  readonly uui: { readonly octets: number; readonly dropped: readonly string[] } | null;
}

/** Keys of the UUI JSON, in the order they are dropped when it is too large. */
const UUI_DROP_ORDER = ['r', 'pr', 'f', 'c', 'l', 'nir'] as const;

/**
 * A header value is TEXT-UTF8 without line breaks (RFC 3261 §25.1 `TEXT-UTF8-TRIM`): control characters would
 * split or corrupt the message, so they become spaces; runs of spaces collapse.
 */
function headerText(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

function truncate(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** A priority reason is a rule id: keep it a token so the comma list stays unambiguous. */
function reasonToken(value: string): string {
  return headerText(value).replace(/[,;\s]+/g, '-');
}

function uuiData(context: TransferContext, reasons: string): Record<string, unknown> {
  const data: Record<string, unknown> = { v: 1, id: context.callId };
  if (context.intent !== null) {
    data.i = context.intent;
  }
  if (context.confidence !== null) {
    data.c = Math.round(context.confidence * 100) / 100;
  }
  data.p = context.priority;
  if (context.priorityReasons.length > 0) {
    data.pr = context.priorityReasons.map(reasonToken);
  }
  if (reasons !== '') {
    data.r = reasons;
  }
  data.l = context.language;
  data.f = context.flowVersion;
  data.n = context.nirStatus;
  if (context.nir !== null) {
    data.nir = context.nir;
  }
  return data;
}

/** `User-to-User` value (RFC 7433 §4.1) for `data`: its UTF-8 JSON, hex-encoded. */
function userToUserValue(
  data: unknown,
  options: Pick<ContextHeaderOptions, 'uuiPurpose' | 'uuiContent'>,
): string {
  const hex = Buffer.from(JSON.stringify(data), 'utf8').toString('hex');
  return `${hex};encoding=hex;purpose=${options.uuiPurpose};content=${options.uuiContent}`;
}

/** Reads a `User-to-User` value back: its parameters and, for hex-encoded JSON, the data (agent side, tests). */
export function decodeUserToUser(value: string): { data: unknown; params: Record<string, string> } | null {
  const [raw, ...rest] = value.trim().split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const [name, paramValue = ''] = param.split('=');
    params[(name ?? '').trim().toLowerCase()] = paramValue.trim();
  }
  if (raw === undefined || params.encoding !== 'hex' || !/^(?:[0-9a-fA-F]{2})+$/.test(raw)) {
    return null;
  }
  try {
    return { data: JSON.parse(Buffer.from(raw, 'hex').toString('utf8')) as unknown, params };
  } catch {
    return null;
  }
}

/** The headers carrying `context` to the agent. */
export function transferContextHeaders(
  context: TransferContext,
  overrides: Partial<ContextHeaderOptions> = {},
): ContextHeaders {
  const options = { ...DEFAULT_CONTEXT_HEADER_OPTIONS, ...overrides };
  const reasons = truncate(headerText(context.reasons), options.reasonsMaxChars);
  const headers: Record<string, string> = { [CONTEXT_HEADER.callId]: headerText(context.callId) };
  if (context.intent !== null) {
    headers[CONTEXT_HEADER.intent] = headerText(context.intent);
  }
  if (context.confidence !== null) {
    headers[CONTEXT_HEADER.confidence] = context.confidence.toFixed(2);
  }
  headers[CONTEXT_HEADER.priority] = String(Math.trunc(context.priority));
  if (context.priorityReasons.length > 0) {
    headers[CONTEXT_HEADER.priorityReasons] = context.priorityReasons.map(reasonToken).join(',');
  }
  if (reasons !== '') {
    headers[CONTEXT_HEADER.reasons] = reasons;
  }
  headers[CONTEXT_HEADER.language] = headerText(context.language);
  headers[CONTEXT_HEADER.flowVersion] = headerText(context.flowVersion);
  headers[CONTEXT_HEADER.nirStatus] = context.nirStatus;
  if (context.nir !== null) {
    headers[CONTEXT_HEADER.nir] = headerText(context.nir);
  }

  const data = uuiData(context, reasons);
  const dropped: string[] = [];
  const size = (): number => Buffer.byteLength(JSON.stringify(data), 'utf8');
  for (const key of UUI_DROP_ORDER) {
    if (size() <= options.uuiMaxOctets) {
      break;
    }
    if (key in data) {
      delete data[key];
      dropped.push(key);
    }
  }
  const octets = size();
  if (octets > options.uuiMaxOctets) {
    return { headers, uui: null };
  }
  headers[CONTEXT_HEADER.userToUser] = userToUserValue(data, options);
  return { headers, uui: { octets, dropped } };
}
