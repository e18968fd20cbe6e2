/**
 * The SIP message model (RFC 3261 §7). Header fields are kept in wire order with the name as received, so a
 * message can be re-serialized faithfully; look-ups are case-insensitive and understand compact forms (§7.3.3).
 */
import { canonicalHeaderName } from './header-names.js';

export interface SipHeaderField {
  /** Name as received or as set (serialized verbatim). */
  name: string;
  /** Raw value, trimmed, continuation lines folded into one space (§7.3.1). */
  value: string;
}

const HEADER_KEYS = new Map<string, string>();
const MAX_HEADER_KEYS = 4096;

/** Ordered, case-insensitive header list. `get`/`getAll` see "v" and "Via" as the same header. */
export class SipHeaders {
  readonly fields: SipHeaderField[] = [];

  constructor(fields: Iterable<SipHeaderField> = []) {
    for (const f of fields) {
      this.fields.push({ name: f.name, value: f.value });
    }
  }

  private static key(name: string): string {
    // Every look-up keys every field: memoize, since the same few names recur in every message. Bounded, so a
    // peer sending endless invented names cannot grow it.
    let key = HEADER_KEYS.get(name);
    if (key === undefined) {
      key = canonicalHeaderName(name).toLowerCase();
      if (HEADER_KEYS.size < MAX_HEADER_KEYS) {
        HEADER_KEYS.set(name, key);
      }
    }
    return key;
  }

  has(name: string): boolean {
    const k = SipHeaders.key(name);
    return this.fields.some((f) => SipHeaders.key(f.name) === k);
  }

  /** Raw value of the first field with this name (not split on commas). */
  get(name: string): string | undefined {
    const k = SipHeaders.key(name);
    return this.fields.find((f) => SipHeaders.key(f.name) === k)?.value;
  }

  /** Raw values of every field with this name, in order (not split on commas). */
  getFields(name: string): string[] {
    const k = SipHeaders.key(name);
    return this.fields.filter((f) => SipHeaders.key(f.name) === k).map((f) => f.value);
  }

  /** Every value, with comma-separated multi-values split (§7.3.1), quotes and <> respected. */
  getAll(name: string): string[] {
    return this.getFields(name).flatMap(splitHeaderValues);
  }

  /** Replaces every field of this name by one field (appended at the position of the first, or at the end). */
  set(name: string, value: string): void {
    const k = SipHeaders.key(name);
    const index = this.fields.findIndex((f) => SipHeaders.key(f.name) === k);
    this.remove(name);
    const field = { name: canonicalHeaderName(name), value };
    if (index < 0) {
      this.fields.push(field);
    } else {
      this.fields.splice(index, 0, field);
    }
  }

  append(name: string, value: string): void {
    this.fields.push({ name, value });
  }

  /** Inserts before every other field (used for Via and Record-Route, which are prepended, §16.6). */
  prepend(name: string, value: string): void {
    this.fields.unshift({ name, value });
  }

  remove(name: string): void {
    const k = SipHeaders.key(name);
    for (let i = this.fields.length - 1; i >= 0; i--) {
      const f = this.fields[i];
      if (f !== undefined && SipHeaders.key(f.name) === k) {
        this.fields.splice(i, 1);
      }
    }
  }

  clone(): SipHeaders {
    return new SipHeaders(this.fields);
  }
}

/** Splits a header value on top-level commas: not inside quotes, <...> or escaped (§7.3.1, §25.1). */
export function splitHeaderValues(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuotes) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        inQuotes = false;
      }
    } else if (c === '"') {
      inQuotes = true;
    } else if (c === '<') {
      inAngle = true;
    } else if (c === '>') {
      inAngle = false;
    } else if (c === ',' && !inAngle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}

export interface SipRequest {
  readonly kind: 'request';
  method: string;
  /** Request-URI as text (parse with `parseUri`). */
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export function isRequest(m: SipMessage): m is SipRequest {
  return m.kind === 'request';
}
