/**
 * Turns received RFC 4733 telephone-event packets into one `DtmfEvent` per key press.
 *
 * An event is identified by its RTP timestamp, which stays the event's start for all its packets (RFC 4733
 * §2.5.1.2); the E bit ends it, and the end packet is sent three times (§2.5.1.4).
 *
 * Reporting choice: a digit is reported when it ends, with its duration taken from the end packet (§2.5.2.2), so
 * `onDigit` fires exactly once per press however many redundant packets arrive. Because an IVR wants to stop a
 * prompt as soon as a key goes down, `onDigitStart` also fires on the first packet of the event. When the end
 * packets are all lost, the digit is still reported: when the next event starts, or when `poll` finds the
 * event silent for `endTimeoutMs`.
 */
import type { DtmfEvent } from '../media-types.js';
import { MAX_EVENT_DURATION, digitOfEvent, parseTelephoneEvent } from './rfc4733.js';

export interface Rfc4733ReceiverOptions {
  /** Once per digit, when it ends. */
  onDigit: (event: DtmfEvent) => void;
  /** On the first packet of a digit (barge-in). */
  onDigitStart?: (digit: string) => void;
  /** An event with no packet for this long is over even without an end packet. @default 300 */
  endTimeoutMs?: number;
  /** Timestamp units per ms: 8 for telephone-event/8000 (RFC 4733 §2.1). @default 8 */
  unitsPerMs?: number;
}

/** What `receive` made of a packet. */
export type Rfc4733ReceiveResult = 'start' | 'update' | 'end' | 'redundant' | 'ignored' | 'invalid';

interface ActiveEvent {
  timestamp: number;
  event: number;
  digit: string;
  /** Duration of this segment so far, timestamp units. */
  duration: number;
  /** Duration of the earlier segments of a long event (§2.5.1.3). */
  earlierSegments: number;
  lastPacketMs: number;
}

/** Timestamps of recently finished events, to drop their redundant end packets. */
const FINISHED_MEMORY = 8;

export class Rfc4733Receiver {
  private readonly onDigit: (event: DtmfEvent) => void;
  private readonly onDigitStart: ((digit: string) => void) | undefined;
  private readonly endTimeoutMs: number;
  private readonly unitsPerMs: number;
  private active: ActiveEvent | undefined;
  private readonly finished: number[] = [];

  constructor(options: Rfc4733ReceiverOptions) {
    this.onDigit = options.onDigit;
    this.onDigitStart = options.onDigitStart;
    this.endTimeoutMs = options.endTimeoutMs ?? 300;
    this.unitsPerMs = options.unitsPerMs ?? 8;
  }

  /** One telephone-event packet: its payload and RTP timestamp, received at `nowMs`. */
  receive(payload: Buffer, timestamp: number, nowMs: number): Rfc4733ReceiveResult {
    const packet = parseTelephoneEvent(payload);
    if (packet === undefined) {
      return 'invalid';
    }
    const digit = digitOfEvent(packet.event);
    if (digit === undefined) {
      // Not DTMF (flash, line tones: RFC 4733 §3.2 covers only 0-15 here).
      return 'ignored';
    }
    if (this.finished.includes(timestamp)) {
      return 'redundant';
    }
    let active = this.active;
    let started = false;
    if (active !== undefined && active.timestamp !== timestamp) {
      if (this.continuesLongEvent(active, packet.event, timestamp)) {
        // §2.5.1.3: a new segment of the same event, starting where the full previous segment ended.
        active.earlierSegments += active.duration;
        active.timestamp = timestamp;
        active.duration = 0;
      } else {
        // The previous event's end packets were lost: it is over all the same.
        this.finish(active);
        active = undefined;
      }
    }
    if (active === undefined) {
      active = {
        timestamp,
        event: packet.event,
        digit,
        duration: 0,
        earlierSegments: 0,
        lastPacketMs: nowMs,
      };
      this.active = active;
      started = true;
      this.onDigitStart?.(digit);
    }
    active.duration = Math.max(active.duration, packet.duration);
    active.lastPacketMs = nowMs;
    if (packet.end) {
      this.finish(active);
      return 'end';
    }
    return started ? 'start' : 'update';
  }

  /** True while an event has started and not ended: `poll` has something to time out. */
  get inProgress(): boolean {
    return this.active !== undefined;
  }

  /** Ends an event whose packets stopped without an end packet; call it regularly (each tick is fine). */
  poll(nowMs: number): void {
    const active = this.active;
    if (active !== undefined && nowMs - active.lastPacketMs >= this.endTimeoutMs) {
      this.finish(active);
    }
  }

  /** Forgets the event in progress and the finished ones (new source). */
  reset(): void {
    this.active = undefined;
    this.finished.length = 0;
  }

  private continuesLongEvent(active: ActiveEvent, event: number, timestamp: number): boolean {
    return (
      active.event === event &&
      active.duration === MAX_EVENT_DURATION &&
      timestamp === (active.timestamp + MAX_EVENT_DURATION) >>> 0
    );
  }

  private finish(active: ActiveEvent): void {
    this.active = undefined;
    this.finished.push(active.timestamp);
    if (this.finished.length > FINISHED_MEMORY) {
      this.finished.shift();
    }
    this.onDigit({
      digit: active.digit,
      source: 'rfc4733',
      durationMs: (active.earlierSegments + active.duration) / this.unitsPerMs,
    });
  }
}
