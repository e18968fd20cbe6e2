/**
 * Semantic checks on a parsed message (RFC 3261 §8.1.1, §8.2, §20): mandatory headers present once, each parsable,
 * CSeq method equal to the request method, a Request-URI with a scheme the engine serves. Each check answers with
 * a short reason phrase for the 400 (or 416) the engine sends back, or undefined when the message is acceptable.
 *
 * One pass over the header list buckets the fields the checks need: cheaper than a look-up per header name.
 */
import { parseCSeq } from './cseq.js';
import { parseNameAddr } from './name-addr.js';
import { isDigits } from './sip-grammar.js';
import { splitHeaderValues, type SipHeaders, type SipRequest, type SipResponse } from './sip-message.js';
import { parseUri, uriScheme } from './uri.js';
import { parseVia } from './via.js';

type CheckedHeader =
  'via' | 'from' | 'to' | 'call-id' | 'cseq' | 'max-forwards' | 'content-length' | 'contact';

const CHECKED: ReadonlyMap<string, CheckedHeader> = new Map<string, CheckedHeader>([
  ['via', 'via'],
  ['v', 'via'],
  ['from', 'from'],
  ['f', 'from'],
  ['to', 'to'],
  ['t', 'to'],
  ['call-id', 'call-id'],
  ['i', 'call-id'],
  ['cseq', 'cseq'],
  ['max-forwards', 'max-forwards'],
  ['content-length', 'content-length'],
  ['l', 'content-length'],
  ['contact', 'contact'],
  ['m', 'contact'],
]);

const URI_SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel']);

type Buckets = Record<CheckedHeader, string[] | undefined>;

// Lengths of the names in CHECKED: other names are skipped without lower-casing them.
const CHECKED_LENGTHS: ReadonlySet<number> = new Set([...CHECKED.keys()].map((name) => name.length));

function bucket(headers: SipHeaders): Buckets {
  // Every key present from the start: one object shape, so property access stays monomorphic.
  const buckets: Buckets = {
    via: undefined,
    from: undefined,
    to: undefined,
    'call-id': undefined,
    cseq: undefined,
    'max-forwards': undefined,
    'content-length': undefined,
    contact: undefined,
  };
  for (const field of headers.fields) {
    if (!CHECKED_LENGTHS.has(field.name.length)) {
      continue;
    }
    const key = CHECKED.get(field.name.toLowerCase());
    if (key !== undefined) {
      (buckets[key] ??= []).push(field.value);
    }
  }
  return buckets;
}

/** Every value of a list header's fields; a field without a comma skips the character-by-character split. */
function listValues(fields: string[] | undefined): string[] {
  if (fields === undefined) {
    return [];
  }
  const values: string[] = [];
  for (const field of fields) {
    if (field.includes(',')) {
      values.push(...splitHeaderValues(field));
    } else if (field.length > 0) {
      values.push(field);
    }
  }
  return values;
}

function succeeds(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

/** A header that must appear exactly once with exactly one value (§7.3.1 single-valued fields). */
function single(values: string[] | undefined, label: string): string | { value: string } {
  if (values === undefined || values.length === 0) {
    return `Missing ${label}`;
  }
  const value = values[0];
  if (values.length > 1 || value === undefined) {
    return `Duplicate ${label}`;
  }
  return { value };
}

function checkAddress(values: string[] | undefined, label: string): string | undefined {
  const one = single(values, label);
  if (typeof one === 'string') {
    return one;
  }
  // One field holding a comma list ("To: <sip:a@x>, <sip:b@x>") is as wrong as two fields; parseNameAddr
  // rejects it, as a top-level comma is neither a parameter nor allowed in an addr-spec (§20.10).
  if (!succeeds(() => parseNameAddr(one.value))) {
    return `Bad ${label}`;
  }
  return undefined;
}

function checkCommon(b: Buckets): string | undefined {
  const vias = listValues(b.via);
  if (vias.length === 0) {
    return 'Missing Via';
  }
  for (const via of vias) {
    if (!succeeds(() => parseVia(via))) {
      return 'Bad Via';
    }
  }
  const address = checkAddress(b.from, 'From') ?? checkAddress(b.to, 'To');
  if (address !== undefined) {
    return address;
  }
  const callId = single(b['call-id'], 'Call-ID');
  if (typeof callId === 'string') {
    return callId;
  }
  // callid = word [ "@" word ] (§25.1): never empty, never containing whitespace.
  if (callId.value.length === 0 || /\s/.test(callId.value)) {
    return 'Bad Call-ID';
  }
  const length = b['content-length'];
  if (length !== undefined && (length.length > 1 || !isDigits(length[0] ?? ''))) {
    return 'Bad Content-Length';
  }
  return undefined;
}

function checkCSeq(b: Buckets, method: string | undefined): string | undefined {
  const one = single(b.cseq, 'CSeq');
  if (typeof one === 'string') {
    return one;
  }
  let cseqMethod: string;
  try {
    cseqMethod = parseCSeq(one.value).method;
  } catch {
    return 'Bad CSeq';
  }
  // §8.1.1.5 / §17.1.3: even ACK and CANCEL, which reuse the INVITE's number, carry their own method.
  if (method !== undefined && cseqMethod !== method) {
    return 'CSeq Method Mismatch';
  }
  return undefined;
}

/** Reason phrase for the first problem found in a received request, or undefined when it may be processed. */
export function validateRequest(req: SipRequest): string | undefined {
  const b = bucket(req.headers);
  const common = checkCommon(b) ?? checkCSeq(b, req.method);
  if (common !== undefined) {
    return common;
  }
  const maxForwards = b['max-forwards'];
  if (maxForwards !== undefined) {
    // §20.22 / §8.1.1.6: an integer 0-255.
    const value = maxForwards[0] ?? '';
    if (maxForwards.length > 1 || !isDigits(value) || value.length > 3 || Number(value) > 255) {
      return 'Bad Max-Forwards';
    }
  }
  for (const contact of listValues(b.contact)) {
    // "Contact: *" is meaningful only in REGISTER (§10.2.2).
    const ok = contact === '*' ? req.method === 'REGISTER' : succeeds(() => parseNameAddr(contact));
    if (!ok) {
      return 'Bad Contact';
    }
  }
  const scheme = uriScheme(req.uri);
  if (scheme === undefined) {
    return 'Bad Request-URI';
  }
  if (!URI_SCHEMES.has(scheme)) {
    // §8.2.2.1 answers 416; the phrase lets the engine pick that status.
    return 'Unsupported URI Scheme';
  }
  try {
    // §19.1.1 (table 1): URI headers are not allowed in a Request-URI.
    return parseUri(req.uri).headers.size > 0 ? 'Bad Request-URI' : undefined;
  } catch {
    return 'Bad Request-URI';
  }
}

/** Reason for the first problem found in a received response, or undefined. Bad responses are dropped (§18.1.2). */
export function validateResponse(res: SipResponse): string | undefined {
  if (!Number.isInteger(res.status) || res.status < 100 || res.status > 699) {
    return 'Bad Status Code';
  }
  const b = bucket(res.headers);
  return checkCommon(b) ?? checkCSeq(b, undefined);
}
