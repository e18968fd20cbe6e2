/**
 * One prompt's audio as the IVR plays it: 8 kHz mono 16-bit PCM cut into 20 ms frames, plus the same frames
 * G.711-encoded per codec on first use, so that a prompt heard by a thousand callers is encoded once, not once per
 * call and per frame.
 */
import { encoderFor } from '../codec/g711.js';
import {
  FRAME_MS,
  SAMPLES_PER_FRAME,
  SAMPLE_RATE,
  type G711CodecName,
  type PcmFrame,
} from '../media-types.js';

export class PromptAudio {
  readonly language: string;
  readonly id: string;
  /** Where it was loaded from (for errors and logs). */
  readonly source: string;
  /** The audio zero-padded to whole frames; `frames` are views into it. Treat as read-only. */
  readonly pcm: Int16Array;
  readonly frames: readonly PcmFrame[];
  /** Duration before padding. */
  readonly durationMs: number;
  private readonly encoded = new Map<G711CodecName, readonly Buffer[]>();
  private readonly onGrow: ((bytes: number) => void) | undefined;

  /**
   * @param samples 8 kHz mono PCM of any length.
   * @param onGrow told how many bytes each lazily encoded codec adds (the cache's byte accounting).
   */
  constructor(
    identity: { language: string; id: string; source: string },
    samples: Int16Array,
    onGrow?: (bytes: number) => void,
  ) {
    this.language = identity.language;
    this.id = identity.id;
    this.source = identity.source;
    this.pcm = padToFrames(samples);
    this.frames = splitFrames(this.pcm);
    this.durationMs = (samples.length * 1000) / SAMPLE_RATE;
    this.onGrow = onGrow;
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /** Played length, whole frames. */
  get paddedDurationMs(): number {
    return this.frames.length * FRAME_MS;
  }

  /** Memory held: PCM plus every encoded codec. */
  get byteSize(): number {
    return this.pcm.byteLength + this.encoded.size * this.pcm.length;
  }

  /** The frames as G.711 payloads (160 bytes each), encoded on the first call per codec. */
  encodedFrames(codec: G711CodecName): readonly Buffer[] {
    let frames = this.encoded.get(codec);
    if (frames === undefined) {
      const bytes = encoderFor(codec)(this.pcm);
      const views: Buffer[] = [];
      for (let offset = 0; offset < bytes.length; offset += SAMPLES_PER_FRAME) {
        views.push(bytes.subarray(offset, offset + SAMPLES_PER_FRAME));
      }
      frames = views;
      this.encoded.set(codec, frames);
      this.onGrow?.(bytes.length);
    }
    return frames;
  }
}

/** Copies `samples` into a buffer of whole 160-sample frames, the tail filled with silence. */
export function padToFrames(samples: Int16Array): Int16Array {
  const frames = Math.ceil(samples.length / SAMPLES_PER_FRAME);
  const padded = new Int16Array(frames * SAMPLES_PER_FRAME);
  padded.set(samples);
  return padded;
}

/** Views of consecutive 160-sample frames of `pcm` (whose length must be a whole number of frames). */
export function splitFrames(pcm: Int16Array): PcmFrame[] {
  const frames: PcmFrame[] = [];
  for (let offset = 0; offset + SAMPLES_PER_FRAME <= pcm.length; offset += SAMPLES_PER_FRAME) {
    frames.push(pcm.subarray(offset, offset + SAMPLES_PER_FRAME));
  }
  return frames;
}
