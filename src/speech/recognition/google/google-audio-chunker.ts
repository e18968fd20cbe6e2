/**
 * Turns the audio fork's 20 ms PCM frames into the `audioContent` chunks of a Google streaming request.
 *
 * Why batch: one gRPC message per 20 ms frame is 50 messages a second per call, each with its own HTTP/2 frame
 * and protobuf envelope; Google recommends about 100 ms of audio per request
 * (cloud.google.com/speech-to-text/docs/best-practices-provide-speech-data#frame_size), which is 5 frames and adds
 * at most 80 ms before the audio leaves. The last, partial batch is sent at end of speech (`flush`).
 *
 * Encodings (`RecognitionConfig.AudioEncoding` in google/cloud/speech/v1/cloud_speech.proto), both at the 8 kHz
 * the caller sent — never resampled:
 *   - `MULAW`: G.711 µ-law, one byte per sample (160 bytes a frame), half the bytes of LINEAR16;
 *   - `LINEAR16`: signed 16-bit little-endian PCM (320 bytes a frame).
 */
import { endianness } from 'node:os';
import { encodeMulaw } from '../../../media/codec/g711.js';

export type GoogleAudioEncoding = 'MULAW' | 'LINEAR16';

const BIG_ENDIAN_HOST = endianness() === 'BE';

export class GoogleAudioChunker {
  private pending: Int16Array[] = [];
  private pendingSamples = 0;

  /** `framesPerChunk`: frames per `audioContent` message (5 = 100 ms at 20 ms frames). */
  constructor(
    readonly encoding: GoogleAudioEncoding,
    readonly framesPerChunk: number,
  ) {
    if (!Number.isInteger(framesPerChunk) || framesPerChunk < 1) {
      throw new RangeError(`framesPerChunk must be a positive integer, got ${framesPerChunk}`);
    }
  }

  /** Bytes one sample takes on the wire. */
  get bytesPerSample(): number {
    return this.encoding === 'MULAW' ? 1 : 2;
  }

  /** Frames waiting for the next chunk. */
  get pendingFrames(): number {
    return this.pending.length;
  }

  /** Adds one frame (not modified: fork frames are shared); returns a chunk when `framesPerChunk` are pending. */
  push(frame: Int16Array): Buffer | null {
    if (frame.length === 0) {
      return null;
    }
    this.pending.push(frame);
    this.pendingSamples += frame.length;
    return this.pending.length >= this.framesPerChunk ? this.flush() : null;
  }

  /** The pending frames as one chunk, or null when there are none. */
  flush(): Buffer | null {
    if (this.pending.length === 0) {
      return null;
    }
    const chunk = Buffer.allocUnsafe(this.pendingSamples * this.bytesPerSample);
    let offset = 0;
    for (const frame of this.pending) {
      if (this.encoding === 'MULAW') {
        encodeMulaw(frame, chunk.subarray(offset, offset + frame.length));
        offset += frame.length;
      } else {
        const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
        bytes.copy(chunk, offset);
        offset += frame.byteLength;
      }
    }
    if (this.encoding === 'LINEAR16' && BIG_ENDIAN_HOST) {
      chunk.swap16();
    }
    this.pending = [];
    this.pendingSamples = 0;
    return chunk;
  }

  /** Drops what is pending (the turn ended). */
  clear(): void {
    this.pending = [];
    this.pendingSamples = 0;
  }
}
