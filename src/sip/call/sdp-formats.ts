/**
 * Reading the formats of one SDP `m=` line: which payload type means which codec, and which RFC 4733 events a
 * telephone-event format carries. Shared by the answerer and by the check of answers to our own offers.
 */
import type { MediaDescription } from 'sdp-transform';
import type { AudioCodecName } from './sdp-types.js';

export const TELEPHONE_EVENT = 'telephone-event';

/** G.711 static payload types (RFC 3551 §6, table 4): valid even when the offer has no `a=rtpmap`. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<AudioCodecName, number>> = { PCMU: 0, PCMA: 8 };

const STATIC_FORMATS: ReadonlyMap<number, ResolvedFormat> = new Map([
  [0, { payloadType: 0, encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [8, { payloadType: 8, encoding: 'PCMA', clockRate: 8000, channels: 1 }],
]);

/** The RFC 4733 events we can receive: DTMF digits 0-9, *, #, A-D (§3.2, table 7). */
export const SUPPORTED_EVENTS: ReadonlySet<number> = new Set(Array.from({ length: 16 }, (_, i) => i));

/** RFC 4733 §7.1.1: without an fmtp, a telephone-event format carries events 0-15. */
const DEFAULT_EVENTS = '0-15';

export interface ResolvedFormat {
  readonly payloadType: number;
  /** Encoding name as written (case kept); compare case-insensitively (RFC 4855 §3). */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels: number;
}

/** Payload types listed on an `m=` line, in the offerer's order (RFC 4566 §5.14). */
export function listedPayloadTypes(media: MediaDescription): number[] {
  return String(media.payloads ?? '')
    .split(/\s+/)
    .filter((token) => /^\d+$/.test(token))
    .map(Number);
}

/** `a=rtpmap` wins; without one, only the static assignments of RFC 3551 are known. */
export function resolveFormat(media: MediaDescription, payloadType: number): ResolvedFormat | undefined {
  const rtpmap = media.rtp.find((entry) => entry.payload === payloadType);
  if (rtpmap !== undefined) {
    return {
      payloadType,
      encoding: rtpmap.codec,
      clockRate: rtpmap.rate ?? 8000,
      channels: rtpmap.encoding ?? 1,
    };
  }
  return STATIC_FORMATS.get(payloadType);
}

export function isCodec(format: ResolvedFormat, name: AudioCodecName): boolean {
  return format.encoding.toUpperCase() === name && format.clockRate === 8000 && format.channels === 1;
}

export function isTelephoneEvent(format: ResolvedFormat): boolean {
  return format.encoding.toLowerCase() === TELEPHONE_EVENT;
}

/** The event list of a telephone-event format (`a=fmtp:101 0-15,66`), or the RFC 4733 default. */
export function eventsOf(media: MediaDescription, payloadType: number): string {
  const fmtp = media.fmtp.find((entry) => entry.payload === payloadType);
  const config = fmtp?.config.trim() ?? '';
  return config === '' ? DEFAULT_EVENTS : config;
}

/** Parses an RFC 4733 §2.4.1 event list (`0-15,66,70`) into event codes; undefined when malformed. */
export function parseEventList(list: string): Set<number> | undefined {
  const events = new Set<number>();
  for (const part of list.split(',')) {
    const range = /^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})\s*)?$/.exec(part);
    if (range === null) {
      return undefined;
    }
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (first > 255 || last > 255 || last < first) {
      return undefined;
    }
    for (let event = first; event <= last; event += 1) {
      events.add(event);
    }
  }
  return events;
}

/** Writes event codes back as a compact list (`0-11,14`). */
export function formatEventList(events: Iterable<number>): string {
  const sorted = [...new Set(events)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let previous = start;
  for (const event of sorted.slice(1)) {
    if (previous !== undefined && event === previous + 1) {
      previous = event;
      continue;
    }
    parts.push(start === previous ? `${start}` : `${start}-${previous}`);
    start = event;
    previous = event;
  }
  if (start !== undefined) {
    parts.push(start === previous ? `${start}` : `${start}-${previous}`);
  }
  return parts.join(',');
}

/** The events both sides handle, or undefined when the offer's list is malformed or shares none with ours. */
export function commonEvents(offered: string): string | undefined {
  const events = parseEventList(offered);
  if (events === undefined) {
    return undefined;
  }
  const shared = [...events].filter((event) => SUPPORTED_EVENTS.has(event));
  return shared.length === 0 ? undefined : formatEventList(shared);
}
