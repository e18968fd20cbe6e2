/**
 * RFC 4733 telephone-event payload (§2.3) and the DTMF event codes (§3.2, Table 3).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 * `duration` is in RTP timestamp units (8000 Hz for telephone-event/8000, RFC 4733 §2.3.5); `volume` is the
 * power level in −dBm0, 0-63 (§2.3.4).
 */

export const TELEPHONE_EVENT_PAYLOAD_LENGTH = 4;
/** RFC 4733 §2.3.5: the duration field is 16 bits. */
export const MAX_EVENT_DURATION = 0xffff;

export interface TelephoneEvent {
  /** Event code, 0-255 (§2.3.1); 0-15 are DTMF (§3.2). */
  event: number;
  /** E bit: this packet ends the event (§2.3.2). */
  end: boolean;
  /** Power level, −dBm0 (0-63, §2.3.4). */
  volume: number;
  /** Duration so far in timestamp units (§2.3.5). */
  duration: number;
}

/** RFC 4733 §3.2 Table 3: events 0-9 are the digits, then * # A B C D. */
const DTMF_DIGITS = '0123456789*#ABCD';

/** The DTMF digit of an event code, or undefined for non-DTMF events (flash, tones…). */
export function digitOfEvent(event: number): string | undefined {
  return event >= 0 && event < DTMF_DIGITS.length ? DTMF_DIGITS[event] : undefined;
}

/** The event code of a DTMF digit ('0'-'9', '*', '#', 'A'-'D', case-insensitive), or undefined. */
export function eventOfDigit(digit: string): number | undefined {
  if (digit.length !== 1) {
    return undefined;
  }
  const index = DTMF_DIGITS.indexOf(digit.toUpperCase());
  return index < 0 ? undefined : index;
}

/** Reads a telephone-event payload; undefined when it is shorter than 4 octets (§2.3). */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < TELEPHONE_EVENT_PAYLOAD_LENGTH) {
    return undefined;
  }
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

/** Writes a telephone-event payload at `offset` (the R bit is sent as 0, §2.3.3); returns the offset after it. */
export function writeTelephoneEvent(buf: Buffer, event: TelephoneEvent, offset = 0): number {
  if (event.event < 0 || event.event > 255 || event.volume < 0 || event.volume > 63) {
    throw new RangeError(`telephone-event ${event.event} volume ${event.volume} out of range`);
  }
  buf[offset] = event.event;
  buf[offset + 1] = (event.end ? 0x80 : 0) | event.volume;
  buf.writeUInt16BE(Math.min(MAX_EVENT_DURATION, Math.max(0, event.duration)), offset + 2);
  return offset + TELEPHONE_EVENT_PAYLOAD_LENGTH;
}

export function buildTelephoneEvent(event: TelephoneEvent): Buffer {
  const buf = Buffer.alloc(TELEPHONE_EVENT_PAYLOAD_LENGTH);
  writeTelephoneEvent(buf, event);
  return buf;
}
