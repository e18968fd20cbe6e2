/**
 * The receive side's audio path: the jitter buffer, then G.711 decoding into 20 ms frames.
 *
 * One packet per tick is the usual case and decodes straight into the caller's frame. A peer that packetises
 * at another ptime (10, 30, 40 ms: RFC 4566 §6 makes ptime a hint only) still plays at the right pace: decoded
 * samples go through a small FIFO, and packets are popped only as the frames need them. A lost packet is
 * concealed with silence as long as the packets around it.
 */
import type { G711Decoder } from '../codec/g711.js';
import { SAMPLES_PER_FRAME } from '../media-types.js';
import {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferPacket,
  type JitterBufferPop,
  type JitterBufferPushResult,
  type JitterBufferStats,
} from './jitter-buffer.js';

/** Decoded samples that may wait between packets and frames: more than 4 packets of 60 ms. */
const FIFO_SAMPLES = 2048;

export class RtpPlayout {
  private readonly jitter: JitterBuffer;
  private readonly decode: G711Decoder;
  private readonly fifo = new Int16Array(FIFO_SAMPLES);
  private fifoRead = 0;
  private fifoWrite = 0;
  /** Size of the last packet played, used to conceal a missing one. */
  private lastPacketSamples = SAMPLES_PER_FRAME;

  constructor(decode: G711Decoder, options: JitterBufferOptions) {
    this.decode = decode;
    this.jitter = new JitterBuffer(options);
  }

  /** See `JitterBuffer.push`: `playable` false for packets that take a sequence number but carry no audio. */
  push(packet: JitterBufferPacket, bytes: Uint8Array, playable: boolean): JitterBufferPushResult {
    return this.jitter.push(packet, bytes, playable);
  }

  /** Fills the first 160 samples of `frame` with the next 20 ms of audio, silence where there is none. */
  pullFrame(frame: Int16Array): Int16Array {
    if (frame.length < SAMPLES_PER_FRAME) {
      throw new RangeError(`a frame needs room for ${SAMPLES_PER_FRAME} samples`);
    }
    if (this.fifoWrite === this.fifoRead) {
      const popped = this.jitter.pop();
      if (!popped.lost && popped.payload.length === SAMPLES_PER_FRAME) {
        this.decode(popped.payload, frame);
        this.lastPacketSamples = SAMPLES_PER_FRAME;
        return frame;
      }
      this.buffer(popped);
    }
    while (this.fifoWrite - this.fifoRead < SAMPLES_PER_FRAME && this.buffer(this.jitter.pop())) {
      // Short packets: pop until the frame is complete or the jitter buffer runs dry.
    }
    const available = Math.min(SAMPLES_PER_FRAME, this.fifoWrite - this.fifoRead);
    frame.set(this.fifo.subarray(this.fifoRead, this.fifoRead + available));
    frame.fill(0, available, SAMPLES_PER_FRAME);
    this.fifoRead += available;
    if (this.fifoRead === this.fifoWrite) {
      this.fifoRead = 0;
      this.fifoWrite = 0;
    }
    return frame;
  }

  stats(): JitterBufferStats {
    return this.jitter.stats();
  }

  /** Decodes a popped packet (or conceals a missing one) into the FIFO; false when the buffer is dry. */
  private buffer(popped: JitterBufferPop): boolean {
    if (popped.lost && popped.reason === 'idle') {
      return false;
    }
    const samples = popped.lost ? this.lastPacketSamples : popped.payload.length;
    if (this.fifoWrite + samples > FIFO_SAMPLES) {
      this.fifo.copyWithin(0, this.fifoRead, this.fifoWrite);
      this.fifoWrite -= this.fifoRead;
      this.fifoRead = 0;
    }
    const room = Math.min(samples, FIFO_SAMPLES - this.fifoWrite);
    const target = this.fifo.subarray(this.fifoWrite, this.fifoWrite + room);
    if (popped.lost) {
      target.fill(0);
    } else {
      this.decode(popped.payload.subarray(0, room), target);
      this.lastPacketSamples = popped.payload.length;
    }
    this.fifoWrite += room;
    return true;
  }
}
