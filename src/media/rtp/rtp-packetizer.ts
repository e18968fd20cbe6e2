/**
 * The send side's packet path: one RTP stream (RFC 3550 §5.1) of G.711 frames and RFC 4733 events, one packet per
 * tick, written in place into reused buffers and handed to `transmit`.
 *
 * - random initial sequence number and timestamp (§5.1) and SSRC (§8), then seq + 1 per packet and timestamp
 *   + samples per tick, whether a packet goes out or not;
 * - marker bit on the first packet of a talkspurt (RFC 3551 §4.1): the first packet, and the first after ticks
 *   skipped by silence suppression;
 * - queued DTMF takes the place of audio on its ticks (RFC 4733 §2.5.1, see `Rfc4733Sender`).
 *
 * Buffers: packets of 20 ms go out of a ring of a few preallocated buffers, so the steady state allocates
 * nothing. dgram normally sends synchronously; when the socket buffer is full it keeps the buffer until the send
 * completes, and the ring makes sure that buffer is not rewritten by the next tick.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { encoderFor, silenceCodeFor, type G711Encoder } from '../codec/g711.js';
import { Rfc4733Sender, type DtmfSendOptions } from '../dtmf/rfc4733-sender.js';
import { FRAME_MS, SAMPLES_PER_FRAME, type G711CodecName } from '../media-types.js';
import { RTP_HEADER_LENGTH, writeRtpHeader, type RtpHeaderFields } from './rtp-packet.js';
import type { RtpStats } from './rtp-stats.js';

const PACKET_RING = 4;
/** Largest frame accepted: 60 ms. */
export const MAX_FRAME_SAMPLES = 480;

export interface RtpPacketizerOptions {
  codec: G711CodecName;
  payloadType: number;
  telephoneEventPayloadType: number | undefined;
  stats: RtpStats;
  clock: Clock;
  transmit: (packet: Buffer) => void;
}

function checkFrameSize(samples: number): void {
  if (!Number.isInteger(samples) || samples <= 0 || samples > MAX_FRAME_SAMPLES) {
    throw new RangeError(`an RTP frame holds 1-${MAX_FRAME_SAMPLES} samples, not ${samples}`);
  }
}

export class RtpPacketizer {
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  private readonly payloadType: number;
  private readonly eventPayloadType: number | undefined;
  private readonly encode: G711Encoder;
  private readonly silenceCode: number;
  private readonly stats: RtpStats;
  private readonly clock: Clock;
  private readonly transmit: (packet: Buffer) => void;
  private readonly dtmf = new Rfc4733Sender({ unitsPerTick: SAMPLES_PER_FRAME, tickMs: FRAME_MS });
  private sequence = randomInt(0, 0x10000);
  private timestamp = randomBytes(4).readUInt32BE(0);
  private talkspurtStart = true;
  private hasSent = false;
  private lastSentTimestamp = 0;
  private lastSentAtMs = 0;
  private readonly packets: Buffer[] = [];
  private readonly payloadViews: Buffer[] = [];
  private ring = 0;
  /** Whether each ring packet's payload already holds G.711 silence (it is then not filled again). */
  private readonly ringSilent = new Uint8Array(PACKET_RING);
  private readonly header: RtpHeaderFields = {
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
  };

  constructor(options: RtpPacketizerOptions) {
    this.payloadType = options.payloadType;
    this.eventPayloadType = options.telephoneEventPayloadType;
    this.encode = encoderFor(options.codec);
    this.silenceCode = silenceCodeFor(options.codec);
    this.stats = options.stats;
    this.clock = options.clock;
    this.transmit = options.transmit;
    for (let i = 0; i < PACKET_RING; i++) {
      const packet = Buffer.alloc(RTP_HEADER_LENGTH + SAMPLES_PER_FRAME);
      this.packets.push(packet);
      this.payloadViews.push(packet.subarray(RTP_HEADER_LENGTH));
    }
  }

  /** Encodes and sends one frame, unless a DTMF packet takes the tick. */
  sendFrame(pcm: Int16Array): void {
    const samples = pcm.length;
    checkFrameSize(samples);
    if (!this.sendDtmfTick()) {
      const packet = this.packetFor(samples);
      if (samples === SAMPLES_PER_FRAME) {
        this.encode(pcm, this.payloadViews[this.ring]);
        this.ringSilent[this.ring] = 0;
      } else {
        this.encode(pcm, packet.subarray(RTP_HEADER_LENGTH));
      }
      this.sendAudio(packet, samples);
    }
    this.advance(samples);
  }

  /** Sends a frame of G.711 silence, unless a DTMF packet takes the tick. */
  sendSilence(samples: number): void {
    checkFrameSize(samples);
    if (!this.sendDtmfTick()) {
      const packet = this.packetFor(samples);
      if (samples !== SAMPLES_PER_FRAME) {
        packet.fill(this.silenceCode, RTP_HEADER_LENGTH);
      } else if (this.ringSilent[this.ring] === 0) {
        packet.fill(this.silenceCode, RTP_HEADER_LENGTH);
        this.ringSilent[this.ring] = 1;
      }
      this.sendAudio(packet, samples);
    }
    this.advance(samples);
  }

  /** Sends no audio this tick (DTMF still goes); the next audio packet starts a talkspurt. */
  skipFrame(samples: number): void {
    checkFrameSize(samples);
    if (!this.sendDtmfTick()) {
      this.talkspurtStart = true;
    }
    this.advance(samples);
  }

  /** Queues RFC 4733 digits; false when telephone-event was not negotiated. */
  sendDtmf(digits: string, options?: DtmfSendOptions): boolean {
    if (this.eventPayloadType === undefined) {
      return false;
    }
    this.dtmf.enqueue(digits, options);
    return true;
  }

  /** RTP timestamp and clock time of the last packet, for the SR (RFC 3550 §6.4.1). */
  lastSent(): { timestamp: number; atMs: number } | undefined {
    return this.hasSent ? { timestamp: this.lastSentTimestamp, atMs: this.lastSentAtMs } : undefined;
  }

  private advance(samples: number): void {
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  private packetFor(samples: number): Buffer {
    if (samples !== SAMPLES_PER_FRAME) {
      return Buffer.allocUnsafe(RTP_HEADER_LENGTH + samples);
    }
    this.ring = (this.ring + 1) % PACKET_RING;
    return this.packets[this.ring]!;
  }

  private sendAudio(packet: Buffer, samples: number): void {
    this.writeHeader(packet, this.talkspurtStart, this.payloadType, this.timestamp);
    this.talkspurtStart = false;
    this.transmit(packet);
    this.afterSend(samples);
  }

  /** Sends this tick's telephone-event packet if one is due; true when it took the tick. */
  private sendDtmfTick(): boolean {
    if (this.eventPayloadType === undefined || !this.dtmf.busy) {
      return false;
    }
    const event = this.dtmf.next(this.timestamp);
    if (event === undefined) {
      return false;
    }
    const packet = Buffer.allocUnsafe(RTP_HEADER_LENGTH + event.payload.length);
    this.writeHeader(packet, event.marker, this.eventPayloadType, event.timestamp);
    event.payload.copy(packet, RTP_HEADER_LENGTH);
    this.transmit(packet);
    this.afterSend(event.payload.length);
    return true;
  }

  private writeHeader(packet: Buffer, marker: boolean, payloadType: number, timestamp: number): void {
    const header = this.header;
    header.marker = marker;
    header.payloadType = payloadType;
    header.sequenceNumber = this.sequence;
    header.timestamp = timestamp;
    header.ssrc = this.ssrc;
    writeRtpHeader(packet, header);
  }

  private afterSend(payloadBytes: number): void {
    this.sequence = (this.sequence + 1) & 0xffff;
    this.stats.recordSent(payloadBytes);
    this.hasSent = true;
    // The tick's timestamp, also for DTMF (whose packets carry the event start): the SR extrapolates from it.
    this.lastSentTimestamp = this.timestamp;
    this.lastSentAtMs = this.clock.now();
  }
}
