/**
 * Inbound reorder buffer with a fixed playout delay, keyed by RTP sequence number.
 *
 * `push` stores packets as they arrive; `pop` is called once per packet interval (each 20 ms tick) and returns
 * the next packet in sequence, or `{ lost: true }` when there is nothing to play, which the caller conceals with
 * silence. Two reasons are told apart: `missing` means a packet is absent while later ones are here (loss, or
 * too late), `idle` means the buffer ran dry (not started, the sender paused, or a delay spike).
 *
 * Playout starts once `depth` packets' worth of sequence span is buffered, or `depth` ticks after the first
 * packet, whichever comes first. A dry buffer goes back to that prefill, which also rebuilds the delay after a
 * talkspurt (RFC 3551 §4.1 silence suppression). Latency is capped: when more than `maxDepth` packets are
 * pending, the oldest are dropped back to `depth`.
 *
 * Sequence numbers are extended across the 16-bit wrap and restarts are handled as in RFC 3550 Appendix A.1:
 * a new SSRC starts a new stream at once (the session decides which SSRC to follow), and a jump beyond
 * MAX_DROPOUT ahead or MAX_MISORDER behind is believed only when the next packet follows it in sequence.
 */
import { MAX_DROPOUT, MAX_MISORDER, sequenceDelta } from './rtp-sequence.js';

export interface JitterBufferOptions {
  /** Playout delay in packets (3 × 20 ms = 60 ms). @default 3 */
  depth?: number;
  /** Pending packets beyond which the oldest are discarded, to bound the delay. @default 3 × depth */
  maxDepth?: number;
}

/**
 * A packet as the jitter buffer takes it: its header fields, and where its payload lies in the datagram it comes
 * with (an `RtpPacketHeader` from `readRtpHeader` is one).
 */
export interface JitterBufferPacket {
  readonly ssrc: number;
  readonly sequenceNumber: number;
  readonly payloadType: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

/**
 * A packet to play. Its payload is the buffer's own copy, and the object is the buffer's too: both stay valid
 * until the buffer has taken `CAPACITY` (64) more sequence numbers, which is more than enough to decode it.
 */
export interface JitterBufferFrame {
  readonly lost: false;
  readonly payload: Buffer;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly marker: boolean;
}

export interface JitterBufferGap {
  readonly lost: true;
  readonly reason: 'missing' | 'idle';
}

export type JitterBufferPop = JitterBufferFrame | JitterBufferGap;

/** What `push` did with a packet. */
export type JitterBufferPushResult =
  | 'accepted'
  /** Accepted as the first packet of a new stream (new SSRC, or a sequence restart confirmed by A.1). */
  | 'restarted'
  | 'duplicate'
  /** Its turn to play has passed. */
  | 'late'
  /** A sequence jump waiting for a second packet in sequence (A.1); dropped. */
  | 'probation';

export interface JitterBufferStats {
  /** Packets waiting to be played. */
  buffered: number;
  playing: boolean;
  late: number;
  duplicates: number;
  /** Ticks answered `missing`. */
  concealed: number;
  /** Packets discarded to bound the delay. */
  overflowDrops: number;
  /** Times playout ran dry and went back to prefill. */
  underruns: number;
  /** New SSRC or confirmed sequence restart. */
  restarts: number;
  probationDrops: number;
}

type MutableFrame = { -readonly [K in keyof JitterBufferFrame]: JitterBufferFrame[K] };

const MISSING: JitterBufferGap = Object.freeze({ lost: true, reason: 'missing' });
const IDLE: JitterBufferGap = Object.freeze({ lost: true, reason: 'idle' });
/** Ring size: 1.28 s of 20 ms packets, a power of two for masking. */
const CAPACITY = 64;
const MASK = CAPACITY - 1;
/**
 * Payload bytes kept in place per slot: G.711 up to 32 ms. A longer payload (40 or 60 ms packets) gets a buffer of
 * its own.
 */
const SLOT_BYTES = 256;
/** Extended sequence numbers start one cycle up so that packets reordered before the first stay positive. */
const FIRST_CYCLE = 0x10000;

export class JitterBuffer {
  readonly depth: number;
  readonly maxDepth: number;
  /** Extended sequence number held by each slot; kept after playout so that duplicates are recognised. */
  private readonly slotSeq = new Float64Array(CAPACITY).fill(Number.NaN);
  /** Whether each slot holds a packet not yet played. */
  private readonly slotFilled = new Uint8Array(CAPACITY);
  private readonly slotPlayable = new Uint8Array(CAPACITY);
  /** Payload bytes: the packets are copied in, so that the datagrams they came in can be reused at once. */
  private readonly slab = Buffer.alloc(CAPACITY * SLOT_BYTES);
  /** Each slot's frame object, filled again for each packet it holds (see `JitterBufferFrame`). */
  private readonly slotFrame: MutableFrame[] = Array.from({ length: CAPACITY }, (_, slot) => ({
    lost: false,
    payload: this.slab.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES),
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    marker: false,
  }));
  private ssrc: number | undefined;
  /** Highest extended sequence number received. */
  private highest = 0;
  /** Last extended sequence number played or skipped (or the ring's floor before playout); at or below is late. */
  private played = 0;
  private pending = 0;
  private playing = false;
  private prefillTicks = 0;
  /** A.1 `bad_seq`: the sequence number that would confirm a jump. */
  private restartCandidate = -1;
  private readonly counters = {
    late: 0,
    duplicates: 0,
    concealed: 0,
    overflowDrops: 0,
    underruns: 0,
    restarts: 0,
    probationDrops: 0,
  };

  constructor(options: JitterBufferOptions = {}) {
    const depth = options.depth ?? 3;
    const maxDepth = options.maxDepth ?? depth * 3;
    if (!Number.isInteger(depth) || depth < 1 || !Number.isInteger(maxDepth) || maxDepth < depth) {
      throw new RangeError(
        `jitter buffer depth ${depth}/${maxDepth} must be integers with 1 ≤ depth ≤ maxDepth`,
      );
    }
    if (maxDepth >= CAPACITY) {
      throw new RangeError(`jitter buffer maxDepth must stay below ${CAPACITY}`);
    }
    this.depth = depth;
    this.maxDepth = maxDepth;
  }

  /**
   * Stores a packet (its payload is copied from `bytes`, which the caller may reuse at once). `playable` false marks a packet that takes a sequence number but carries no audio (RFC 4733
   * telephone-event, comfort noise): it is stepped over without using a tick, so it neither plays nor counts as
   * a loss.
   */
  push(packet: JitterBufferPacket, bytes: Uint8Array, playable = true): JitterBufferPushResult {
    if (packet.ssrc !== this.ssrc) {
      const known = this.ssrc !== undefined;
      this.restart(packet);
      this.store(this.highest, packet, bytes, playable);
      return known ? 'restarted' : 'accepted';
    }
    const delta = sequenceDelta(packet.sequenceNumber, this.highest);
    if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
      // A.1: believe a big jump only when the next packet follows it.
      if (packet.sequenceNumber === this.restartCandidate) {
        this.restart(packet);
        this.store(this.highest, packet, bytes, playable);
        return 'restarted';
      }
      this.restartCandidate = (packet.sequenceNumber + 1) & 0xffff;
      this.counters.probationDrops++;
      return 'probation';
    }
    const seq = this.highest + delta;
    if (seq <= this.played) {
      if (this.slotSeq[seq & MASK] === seq) {
        this.counters.duplicates++;
        return 'duplicate';
      }
      this.counters.late++;
      return 'late';
    }
    if (this.slotSeq[seq & MASK] === seq) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    if (seq - this.played > CAPACITY) {
      // A forward jump larger than the ring: what is pending can no longer be played in order.
      this.skipTo(seq - CAPACITY);
    }
    this.store(seq, packet, bytes, playable);
    return 'accepted';
  }

  /** The next packet to play this tick, or a gap to conceal. */
  pop(): JitterBufferPop {
    if (this.ssrc === undefined || this.pending === 0) {
      if (this.playing) {
        this.playing = false;
        this.prefillTicks = 0;
        this.counters.underruns++;
      }
      return IDLE;
    }
    if (!this.playing) {
      this.prefillTicks++;
      const lowest = this.lowestPending();
      if (this.highest - lowest + 1 < this.depth && this.prefillTicks < this.depth) {
        return IDLE;
      }
      // Frames missing before the first pending one were covered by idle ticks already: start at it.
      this.played = lowest - 1;
      this.playing = true;
    }
    if (this.highest - this.played > this.maxDepth) {
      // Too much delay ahead: first skip the gap of missing packets (no point playing silence for them), then,
      // if still too far behind, drop the oldest packets.
      this.played = this.lowestPending() - 1;
      if (this.highest - this.played > this.maxDepth) {
        this.skipTo(this.highest - this.depth);
      }
    }
    for (;;) {
      const next = this.played + 1;
      const slot = next & MASK;
      if (this.slotFilled[slot] === 1 && this.slotSeq[slot] === next) {
        this.slotFilled[slot] = 0;
        this.pending--;
        this.played = next;
        if (this.slotPlayable[slot] === 0) {
          if (this.pending === 0) {
            return this.pop();
          }
          continue;
        }
        return this.slotFrame[slot]!;
      }
      if (this.pending > 0) {
        this.played = next;
        this.counters.concealed++;
        return MISSING;
      }
      return this.pop();
    }
  }

  /** Forgets everything, as if no packet had been received. */
  reset(): void {
    this.clearSlots();
    this.ssrc = undefined;
    this.playing = false;
    this.prefillTicks = 0;
    this.restartCandidate = -1;
  }

  stats(): JitterBufferStats {
    return { buffered: this.pending, playing: this.playing, ...this.counters };
  }

  private restart(packet: JitterBufferPacket): void {
    if (this.ssrc !== undefined) {
      this.counters.restarts++;
    }
    this.clearSlots();
    this.ssrc = packet.ssrc;
    this.highest = FIRST_CYCLE + packet.sequenceNumber;
    // Nothing played yet: packets reordered ahead of this first one are still welcome, as far as the ring reaches.
    this.played = this.highest - CAPACITY + 1;
    this.playing = false;
    this.prefillTicks = 0;
    this.restartCandidate = -1;
  }

  private store(seq: number, packet: JitterBufferPacket, bytes: Uint8Array, playable: boolean): void {
    const slot = seq & MASK;
    this.slotSeq[slot] = seq;
    const frame = this.slotFrame[slot]!;
    const length = packet.payloadLength;
    const start = packet.payloadOffset;
    if (length <= SLOT_BYTES) {
      if (frame.payload.length !== length || frame.payload.buffer !== this.slab.buffer) {
        frame.payload = this.slab.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + length);
      }
      // A loop, not set(subarray): no view object per packet.
      const payload = frame.payload;
      for (let i = 0; i < length; i++) {
        payload[i] = bytes[start + i]!;
      }
    } else {
      frame.payload = Buffer.from(bytes.subarray(start, start + length));
    }
    frame.payloadType = packet.payloadType;
    frame.sequenceNumber = packet.sequenceNumber;
    frame.timestamp = packet.timestamp;
    frame.marker = packet.marker;
    this.slotFilled[slot] = 1;
    this.slotPlayable[slot] = playable ? 1 : 0;
    this.pending++;
    if (seq > this.highest) {
      this.highest = seq;
    }
  }

  /** Drops pending packets up to and including `seq`, which becomes the last played. */
  private skipTo(seq: number): void {
    for (let s = this.played + 1; s <= seq && this.pending > 0; s++) {
      const slot = s & MASK;
      if (this.slotFilled[slot] === 1 && this.slotSeq[slot] === s) {
        this.slotFilled[slot] = 0;
        this.pending--;
        this.counters.overflowDrops++;
      }
    }
    this.played = seq;
  }

  private lowestPending(): number {
    for (let s = this.played + 1; s <= this.highest; s++) {
      const slot = s & MASK;
      if (this.slotFilled[slot] === 1 && this.slotSeq[slot] === s) {
        return s;
      }
    }
    return this.highest;
  }

  private clearSlots(): void {
    this.slotSeq.fill(Number.NaN);
    this.slotFilled.fill(0);
    this.pending = 0;
  }
}
