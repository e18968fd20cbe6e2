/**
 * The caller's number, kept only in two forms that cannot be dialled: a keyed hash (to recognise a repeat caller)
 * and a mask (for a human reading a record). The clear number never reaches Redis nor the call-record file.
 *
 * Normalization comes first, so one caller hashes the same whichever way the network presented the number. The
 * French forms below all become the E.164 `+33612345678` (ITU-T E.164; French numbering plan, ARCEP):
 *
 *   0612345678            national: trunk prefix 0 + 9-digit national significant number (NSN)
 *   +33612345678          international
 *   0033612345678         international with the 00 access prefix
 *   33612345678           international without prefix (some trunks drop the +)
 *   +33 (0)6 12 34 56 78  the "(0)" some people write after the country code
 *   06 12 34 56 78, 06.12.34.56.78, 06-12-34-56-78   visual separators (RFC 3966 §3 `visual-separator`)
 *   sip:+33612345678@host;user=phone, <sip:0612345678@host>, "Name" <tel:+33-6-12-34-56-78>
 *                         URIs: the user part of a SIP URI (RFC 3261 §19.1.1), the number of a tel URI (RFC 3966)
 *
 * French overseas departments share the national plan but have their own country codes: a national number whose
 * NSN starts 590/690/691 (Guadeloupe, Saint-Martin, Saint-Barthélemy) becomes +590…, 594/694 (Guyane) +594…,
 * 596/696/697 (Martinique) +596…, 262/263/692/693 (La Réunion) and 269/639 (Mayotte) +262…, each keeping the NSN
 * whole (0692 12 34 56 → +262692123456), so the same mobile hashes alike whether the trunk sent it nationally or
 * internationally. A number that fits no rule (a short service number, an extension) is kept as its digits with no
 * `+`, still hashed and masked.
 *
 * Withheld numbers (RFC 3323 §4.1.1.3 `sip:anonymous@anonymous.invalid`; "anonymous", "restricted", "private",
 * "unavailable", "unknown", "withheld"; an empty value; no digit at all) have no identity: null everywhere.
 */
import { createHmac } from 'node:crypto';
import { loadOrCreateSecretFile } from '../config/secret-file.js';

/** The file, under the data folder, holding the secret key of `hashCallerNumber`. */
export const CALLER_HASH_SECRET_FILE = 'caller-hash-secret';

/** Bytes of the generated secret: SHA-256's output length L, the minimum RFC 2104 §3 recommends for a key. */
const SECRET_BYTES = 32;

/** Overseas NSN prefixes (3 digits) → country code. Metropolitan NSNs (1–9 then 8 digits) stay +33. */
const OVERSEAS_COUNTRY_CODES: ReadonlyMap<string, string> = new Map([
  ['590', '590'],
  ['690', '590'],
  ['691', '590'],
  ['594', '594'],
  ['694', '594'],
  ['596', '596'],
  ['696', '596'],
  ['697', '596'],
  ['262', '262'],
  ['263', '262'],
  ['692', '262'],
  ['693', '262'],
  ['269', '262'],
  ['639', '262'],
]);

const WITHHELD = new Set([
  'anonymous',
  'restricted',
  'private',
  'unavailable',
  'unknown',
  'withheld',
  'anonymous.invalid',
]);

/**
 * The number in one comparable form: E.164 with `+` when the country is known, else its digits. null when the
 * number is withheld or absent.
 */
export function normalizeCallerNumber(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) {
    return null;
  }
  const user = userPart(raw);
  if (user === '' || WITHHELD.has(user.toLowerCase())) {
    return null;
  }
  const plus = /^\s*\+/.test(user);
  // "(0)" after a country code is a reading aid, never dialled.
  let digits = user.replace(/\(0\)/g, '').replace(/\D/g, '');
  if (digits === '') {
    return null;
  }
  if (!plus && digits.startsWith('00')) {
    return `+${digits.slice(2)}`.replace(/^\+33(\d{9})$/, (_m, nsn: string) => frenchE164(nsn));
  }
  if (plus) {
    if (digits.startsWith('33') && digits.length === 12 && digits[2] === '0') {
      digits = `33${digits.slice(3)}`; // +33 0612345678
    }
    return digits.startsWith('33') && digits.length === 11 ? frenchE164(digits.slice(2)) : `+${digits}`;
  }
  if (digits.length === 10 && digits.startsWith('0') && digits[1] !== '0') {
    return frenchE164(digits.slice(1));
  }
  if (digits.length === 11 && digits.startsWith('33') && digits[2] !== '0') {
    return frenchE164(digits.slice(2));
  }
  return digits;
}

/**
 * The French national form of a number (`0` + 9 digits, what the carrier gateway dials), from any form
 * `normalizeCallerNumber` reads — `+33…`, `0033…`, overseas departments under their own country codes, SIP/tel
 * URIs; null for a withheld or foreign number.
 */
export function frenchNationalNumber(raw: string | null | undefined): string | null {
  const e164 = normalizeCallerNumber(raw);
  const match = e164 === null ? null : /^\+(33|\d{3})(\d{9})$/.exec(e164);
  if (match === null) {
    return null;
  }
  const [, code, nsn] = match as unknown as [string, string, string];
  const overseas = OVERSEAS_COUNTRY_CODES.get(nsn.slice(0, 3));
  return (code === '33' && overseas === undefined) || overseas === code ? `0${nsn}` : null;
}

/** A French 9-digit NSN in E.164, with the overseas departments' own country codes. */
function frenchE164(nsn: string): string {
  const overseas = OVERSEAS_COUNTRY_CODES.get(nsn.slice(0, 3));
  return overseas === undefined ? `+33${nsn}` : `+${overseas}${nsn}`;
}

/** The user part of a SIP/tel URI or name-addr, or the value itself when it is not a URI. */
function userPart(raw: string): string {
  let value = raw.trim();
  const bracketed = /<([^>]*)>/.exec(value);
  if (bracketed?.[1] !== undefined) {
    value = bracketed[1].trim();
  }
  const scheme = /^(sips?|tel):/i.exec(value);
  if (scheme !== null) {
    value = value.slice(scheme[0].length);
    if (scheme[1]!.toLowerCase() !== 'tel') {
      const at = value.indexOf('@');
      if (at >= 0) {
        value = value.slice(0, at);
      } else {
        return value.toLowerCase() === 'anonymous.invalid' ? '' : value.split(';')[0]!.trim();
      }
    }
    // Parameters (RFC 3966 `;phone-context=`, `;isub=`; SIP user-params) are not part of the number.
    value = value.split(';')[0]!;
    // A SIP user part may carry a password after ':' (RFC 3261 §19.1.1).
    value = value.split(':')[0]!;
  }
  try {
    value = decodeURIComponent(value);
  } catch {
    // Not percent-encoded: keep as is.
  }
  return value.trim();
}

/**
 * HMAC-SHA-256 of the normalized number under `secret`, 64 lowercase hex digits; null when withheld.
 *
 * A plain hash would not protect anything: a French mobile is one of about 10⁹ numbers, hashed in seconds. Keyed,
 * the hash can only be recomputed by who holds the secret (the IVR hosts), not by who reads Redis or the records.
 */
export function hashCallerNumber(
  number: string | null | undefined,
  secret: Uint8Array | string,
): string | null {
  const normalized = normalizeCallerNumber(number);
  if (normalized === null) {
    return null;
  }
  return createHmac('sha256', secret).update(normalized, 'utf8').digest('hex');
}

// prettier-ignore
const TWO_DIGIT_COUNTRY_CODES: ReadonlySet<string> = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** The digits of an E.164 country code: ITU-T E.164 assigns 1 (1, 7), 2 or 3 digits by the leading digits. */
function countryCodeLength(digits: string): number {
  const first = digits[0];
  if (first === '1' || first === '7') {
    return 1;
  }
  return TWO_DIGIT_COUNTRY_CODES.has(digits.slice(0, 2)) ? 2 : 3;
}

const BULLET = '•';

/**
 * A form for humans: the country code, the first digit of the national number (mobile or landline, region) and the
 * last two digits — `+33612345678` → `+33 6•• ••• •78`. Numbers too short to keep anything (under 6 national
 * digits) are all bullets. null when withheld.
 */
export function maskCallerNumber(number: string | null | undefined): string | null {
  const normalized = normalizeCallerNumber(number);
  if (normalized === null) {
    return null;
  }
  if (!normalized.startsWith('+')) {
    return maskDigits(normalized, normalized.length >= 6);
  }
  const digits = normalized.slice(1);
  const ccLength = countryCodeLength(digits);
  return `+${digits.slice(0, ccLength)} ${maskDigits(digits.slice(ccLength), true)}`;
}

/** Groups of three counted from the end (the kept last digits stay together); keeps the first and last two
 * digits when `keepEnds` and there are at least six. */
function maskDigits(digits: string, keepEnds: boolean): string {
  const keepEndsHere = keepEnds && digits.length >= 6;
  const chars = [...digits].map((digit, index) =>
    keepEndsHere && (index === 0 || index >= digits.length - 2) ? digit : BULLET,
  );
  const groups: string[] = [];
  for (let end = chars.length; end > 0; end -= 3) {
    groups.unshift(chars.slice(Math.max(0, end - 3), end).join(''));
  }
  return groups.join(' ');
}

/** True for what `maskCallerNumber` produces: at most 6 digits shown, and bullets. */
export function isMaskedCallerNumber(value: string): boolean {
  const digits = value.replace(/\D/g, '').length;
  return /^\+?[\d•][\d• ]*$/.test(value) && value.includes(BULLET) && digits <= 6;
}

/**
 * The secret of `hashCallerNumber`: 32 random bytes kept hex-encoded in `<dataDir>/caller-hash-secret` (mode
 * 0600), created at first start and read after. Two processes starting together agree (exclusive create; the
 * loser reads the winner's file).
 *
 * Every IVR process that shares one Redis must hold the same file, or the same caller hashes differently on each
 * host and repeat callers go unseen: copy it when adding a host. It is kept apart from Redis on purpose (whoever
 * holds the hashes and the secret can recover numbers by trying them all). Replacing it starts every caller's
 * history afresh.
 */
export async function loadOrCreateHashSecret(dataDir: string): Promise<Buffer> {
  const hex = await loadOrCreateSecretFile({
    dataDir,
    fileName: CALLER_HASH_SECRET_FILE,
    bytes: SECRET_BYTES,
    // An empty file is a crash between create and write; anything else was edited by hand. Either way,
    // regenerating silently would break every caller's history: say so.
    problem: (secret) =>
      /^[0-9a-f]{64}$/i.test(secret)
        ? null
        : 'expected 64 hex digits (32 bytes); restore the file shared by the other IVR hosts, or delete it ' +
          'to start a new history',
    // Group or others could read it (a copy made with the wrong umask): the secret is what protects the hashes.
    tightenMode: true,
  });
  return Buffer.from(hex, 'hex');
}
