/**
 * DTMF carried in SIP INFO bodies (RFC 6086 INFO, with the de facto packages phones and gateways use):
 *
 * - `application/dtmf-relay`: `Signal=5\r\nDuration=160` (key=value lines, Duration in ms);
 * - `application/dtmf`: the digit alone, e.g. `5`.
 *
 * Some devices send the RFC 4733 event number instead of the character (`Signal=11` for '#'); both forms are
 * read. The SIP layer hands the Content-Type and body over; this module only reads them.
 */
import type { DtmfEvent } from '../media-types.js';
import { digitOfEvent, eventOfDigit } from './rfc4733.js';

export const DTMF_RELAY_CONTENT_TYPE = 'application/dtmf-relay';
export const DTMF_CONTENT_TYPE = 'application/dtmf';

/** Media type without parameters, lower-cased (RFC 2045 §5.1: type and subtype are case-insensitive). */
function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** A digit given as the character or as its RFC 4733 event number (0-15). */
function digitOf(value: string): string | undefined {
  const text = value.trim();
  if (eventOfDigit(text) !== undefined) {
    return text.toUpperCase();
  }
  if (/^\d{1,2}$/.test(text)) {
    return digitOfEvent(Number(text));
  }
  return undefined;
}

function parseDtmfRelay(body: string): DtmfEvent | undefined {
  let digit: string | undefined;
  let durationMs: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const equals = line.indexOf('=');
    if (equals < 0) {
      continue;
    }
    const key = line.slice(0, equals).trim().toLowerCase();
    const value = line.slice(equals + 1).trim();
    if (key === 'signal') {
      digit = digitOf(value);
      if (digit === undefined) {
        return undefined;
      }
    } else if (key === 'duration' && /^\d+$/.test(value)) {
      durationMs = Number(value);
    }
  }
  if (digit === undefined) {
    return undefined;
  }
  return durationMs === undefined ? { digit, source: 'sip-info' } : { digit, source: 'sip-info', durationMs };
}

/**
 * The DTMF digit in an INFO request's body, or undefined when the Content-Type is not a DTMF one or the body
 * holds no valid digit.
 */
export function parseDtmfInfo(contentType: string, body: string | Buffer): DtmfEvent | undefined {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  switch (mediaTypeOf(contentType)) {
    case DTMF_RELAY_CONTENT_TYPE:
      return parseDtmfRelay(text);
    case DTMF_CONTENT_TYPE: {
      const digit = digitOf(text);
      return digit === undefined ? undefined : { digit, source: 'sip-info' };
    }
    default:
      return undefined;
  }
}
