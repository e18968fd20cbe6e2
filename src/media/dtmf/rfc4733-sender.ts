/**
 * Produces RFC 4733 telephone-event packets for queued digits, one packet per 20 ms tick (RFC 4733 §2.5.1):
 *
 * - every packet of an event carries the event's start timestamp (§2.5.1.2); the first one has the RTP marker
 *   bit set (§2.5.1.2, RFC 3550 §5.1);
 * - while the key is down, an update every tick with the duration so far (§2.5.1.2);
 * - then the end packet (E bit, final duration) sent three times (§2.5.1.4), each with its own sequence number
 *   but the same timestamp and duration;
 * - a pause of silence (audio) between digits, so that the far end sees distinct presses.
 *
 * The sender is pure: `next(timestamp)` says what to send this tick, and the session writes the RTP header.
 */
import {
  MAX_EVENT_DURATION,
  TELEPHONE_EVENT_PAYLOAD_LENGTH,
  eventOfDigit,
  writeTelephoneEvent,
} from './rfc4733.js';

export interface Rfc4733SenderOptions {
  /** Power level in −dBm0 (RFC 4733 §2.3.4). @default 10 */
  volume?: number;
  /** Timestamp units per tick: 160 at 8000 Hz and 20 ms. @default 160 */
  unitsPerTick?: number;
  /** ms per tick. @default 20 */
  tickMs?: number;
}

export interface DtmfSendOptions {
  /** How long each key is held, ms (at least two ticks are sent). @default 100 */
  durationMs?: number;
  /** Silence between two digits, ms. @default 60 */
  pauseMs?: number;
}

export interface Rfc4733OutboundPacket {
  /** The 4-octet payload; a fresh buffer per packet. */
  payload: Buffer;
  marker: boolean;
  /** RTP timestamp: the event's start, the same for all its packets. */
  timestamp: number;
  end: boolean;
}

interface QueuedDigit {
  event: number;
  ticks: number;
  pauseTicks: number;
}

/** RFC 4733 §2.5.1.4: the final packet is sent three times. */
const END_PACKETS = 3;

export class Rfc4733Sender {
  private readonly volume: number;
  private readonly unitsPerTick: number;
  private readonly tickMs: number;
  private readonly queue: QueuedDigit[] = [];
  private current: QueuedDigit | undefined;
  private startTimestamp = 0;
  /** Ticks sent for the current digit. */
  private sent = 0;
  private pauseLeft = 0;

  constructor(options: Rfc4733SenderOptions = {}) {
    this.volume = options.volume ?? 10;
    this.unitsPerTick = options.unitsPerTick ?? 160;
    this.tickMs = options.tickMs ?? 20;
  }

  /** Queues digits to send ('0'-'9', '*', '#', 'A'-'D'); throws RangeError on any other character. */
  enqueue(digits: string, options: DtmfSendOptions = {}): void {
    const durationMs = options.durationMs ?? 100;
    const pauseMs = options.pauseMs ?? 60;
    const ticks = Math.max(2, Math.ceil(durationMs / this.tickMs));
    if (!(durationMs > 0) || ticks * this.unitsPerTick > MAX_EVENT_DURATION) {
      // Longer presses would need the segments of RFC 4733 §2.5.1.3; no IVR holds a key for 8 s.
      throw new RangeError(`DTMF duration ${durationMs} ms is out of range`);
    }
    const queued: QueuedDigit[] = [];
    for (const digit of digits) {
      const event = eventOfDigit(digit);
      if (event === undefined) {
        throw new RangeError(`'${digit}' is not a DTMF digit`);
      }
      queued.push({
        event,
        ticks,
        pauseTicks: Math.max(0, Math.ceil(pauseMs / this.tickMs)),
      });
    }
    this.queue.push(...queued);
  }

  /** True while an event or its trailing pause is in progress, or digits wait. */
  get busy(): boolean {
    return this.current !== undefined || this.pauseLeft > 0 || this.queue.length > 0;
  }

  /** Drops queued digits; an event in progress still ends properly (its end packets are sent). */
  clear(): void {
    this.queue.length = 0;
  }

  /**
   * Call once per tick with the RTP timestamp this tick's packet would carry. Returns the telephone-event packet
   * to send instead of audio, or undefined when audio (or nothing) goes out this tick.
   */
  next(timestamp: number): Rfc4733OutboundPacket | undefined {
    if (this.current === undefined) {
      if (this.pauseLeft > 0) {
        this.pauseLeft--;
        return undefined;
      }
      const nextDigit = this.queue.shift();
      if (nextDigit === undefined) {
        return undefined;
      }
      this.current = nextDigit;
      this.startTimestamp = timestamp >>> 0;
      this.sent = 0;
    }
    const digit = this.current;
    this.sent++;
    const ended = this.sent >= digit.ticks;
    const duration = Math.min(this.sent, digit.ticks) * this.unitsPerTick;
    const payload = Buffer.alloc(TELEPHONE_EVENT_PAYLOAD_LENGTH);
    writeTelephoneEvent(payload, { event: digit.event, end: ended, volume: this.volume, duration });
    if (this.sent >= digit.ticks + END_PACKETS - 1) {
      this.current = undefined;
      this.pauseLeft = digit.pauseTicks;
    }
    return { payload, marker: this.sent === 1, timestamp: this.startTimestamp, end: ended };
  }
}
