/**
 * Which service a call reaches: the dialled number is the user part of the Request-URI (RFC 3261 §19.1.1), or
 * the number of a `tel:` URI (RFC 3966), looked up in the configured numbers.
 */
import { AigError } from '../../errors/aig-error.js';
import type { ServiceNumber } from './sip-app-types.js';

/** RFC 3966 §5.1.1 visual separators; carriers also send spaces (`%20`) in user parts. */
const VISUAL_SEPARATORS = /[-.()\s]/g;
const TELEPHONE_NUMBER = /^\+?[\d\-.()\s]+$/;

/**
 * Reads the user part of a `sip:`/`sips:` Request-URI, or the number of a `tel:` URI, without its parameters
 * (`;user=phone`, `;phone-context=…`) and with %-escapes decoded. Returns undefined when the URI has none.
 */
export function dialledUserPart(requestUri: string): string | undefined {
  const uri = requestUri.trim().replace(/^<|>$/g, '');
  const tel = /^tel:([^;?]+)/i.exec(uri);
  if (tel?.[1] !== undefined) {
    return decode(tel[1]);
  }
  const sip = /^sips?:([^@]*)@/i.exec(uri);
  if (sip?.[1] === undefined) {
    return undefined;
  }
  // RFC 3261 §25.1: userinfo = user [":" password]; a telephone-subscriber user may carry ";params".
  const user = sip[1].split(':')[0]?.split(';')[0] ?? '';
  return user === '' ? undefined : decode(user);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Digits with an optional leading `+` and visual separators only. */
export function isTelephoneNumber(user: string): boolean {
  return TELEPHONE_NUMBER.test(user.trim()) && /\d/.test(user);
}

/**
 * The form numbers are compared in: a telephone number keeps its digits and a leading `+`
 * (`+33 1-23.45` → `+3312345`); anything else (`accueil`) is kept as is, since SIP user parts are
 * case-sensitive (RFC 3261 §19.1.4).
 */
export function normaliseNumber(user: string): string {
  const trimmed = user.trim();
  return isTelephoneNumber(trimmed) ? trimmed.replace(VISUAL_SEPARATORS, '') : trimmed;
}

export interface NumberMatch<T extends ServiceNumber = ServiceNumber> {
  /** The configured key that matched (as written in the configuration). */
  readonly number: string;
  readonly service: T;
}

export class NumberDirectory<T extends ServiceNumber = ServiceNumber> {
  private readonly byNumber = new Map<string, NumberMatch<T>>();

  constructor(numbers: Readonly<Record<string, T>>) {
    for (const [number, service] of Object.entries(numbers)) {
      const key = normaliseNumber(number);
      if (key === '') {
        throw new AigError('AIG_ERR_CONFIG_INVALID', 'numbers: an empty dialled number is configured');
      }
      const clash = this.byNumber.get(key);
      if (clash !== undefined) {
        throw new AigError(
          'AIG_ERR_CONFIG_INVALID',
          `numbers: "${number}" and "${clash.number}" are the same number`,
        );
      }
      this.byNumber.set(key, { number, service });
    }
  }

  get size(): number {
    return this.byNumber.size;
  }

  /** Looks up a dialled user part (already extracted from the Request-URI). */
  lookup(dialled: string): NumberMatch<T> | undefined {
    return this.byNumber.get(normaliseNumber(dialled));
  }

  /** Looks up the number a Request-URI dials; undefined when it dials none or an unknown one. */
  resolve(requestUri: string): NumberMatch<T> | undefined {
    const user = dialledUserPart(requestUri);
    return user === undefined ? undefined : this.lookup(user);
  }
}
