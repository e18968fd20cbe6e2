/**
 * Call recording to a stereo WAV file: caller on the left channel, IVR on the right, 8 kHz 16-bit PCM.
 *
 * Written as the call goes: frames are interleaved into a buffer that is appended to the file every
 * `flushBytes` (one second by default) through a single chain of async writes, so the media path never waits
 * for the disk. After each append the RIFF and data sizes in the header are patched, so a file cut short by a
 * crash is still a valid WAV up to its last append; `close()` writes the rest and patches them a last time.
 *
 * Alignment: `writeFrame(caller, ivr)` writes one 20 ms slot with both sides (a missing side is silence). When the
 * two sides arrive separately, `pushCaller` / `pushIvr` pair them in arrival order; if one side gets more than
 * `maxSkewFrames` ahead (the IVR is not playing, the caller's RTP paused), its frames are written against
 * silence so the recording keeps time.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FRAME_MS, SAMPLE_RATE, SAMPLES_PER_FRAME, type PcmFrame } from '../media-types.js';

export interface StereoWavRecorderOptions {
  /** Directory of the recording; created if missing. */
  directory: string;
  /** Plain file name (no directory part), e.g. `<call id>.wav`. An existing file is never overwritten. */
  fileName: string;
  /** Bytes buffered before an append. @default 32000 (1 s) */
  flushBytes: number;
  /** How far one side may run ahead of the other before it is written against silence, frames. @default 5 */
  maxSkewFrames: number;
  /** Bytes of unwritten audio beyond which new frames are dropped (disk too slow). @default 1_920_000 (60 s) */
  maxPendingBytes: number;
  /** Permissions of the new file: recordings are personal data. @default 0o640 */
  fileMode: number;
}

export const DEFAULT_RECORDER_OPTIONS = Object.freeze({
  flushBytes: 32_000,
  maxSkewFrames: 5,
  maxPendingBytes: 1_920_000,
  fileMode: 0o640,
});

export interface RecordingSummary {
  readonly path: string;
  /** 20 ms stereo frames in the file. */
  readonly frames: number;
  readonly durationMs: number;
  /** Size of the data chunk. */
  readonly dataBytes: number;
  /** Frames where the caller side was missing and silence was written. */
  readonly callerSilenceFrames: number;
  /** Frames where the IVR side was missing and silence was written. */
  readonly ivrSilenceFrames: number;
  /** Frames lost because the disk could not keep up or the WAV size limit was reached. */
  readonly droppedFrames: number;
}

const HEADER_BYTES = 44;
const CHANNELS = 2;
const BYTES_PER_FRAME = SAMPLES_PER_FRAME * CHANNELS * 2;
/** RIFF sizes are 32-bit: the data chunk can hold at most this many whole frames. */
const MAX_DATA_BYTES = Math.floor((0xffffffff - (HEADER_BYTES - 8)) / BYTES_PER_FRAME) * BYTES_PER_FRAME;

/** Canonical 44-byte header of a 16-bit PCM WAV (RIFF `fmt ` chunk of 16 bytes, then `data`). */
function wavHeader(dataBytes: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  header.writeUInt16LE(CHANNELS, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * CHANNELS * 2, 28);
  header.writeUInt16LE(CHANNELS * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

export class StereoWavRecorder {
  readonly path: string;
  private readonly options: Readonly<Omit<StereoWavRecorderOptions, 'directory' | 'fileName'>>;
  private readonly file: FileHandle;
  private buffer: Buffer;
  private buffered = 0;
  /** Bytes handed to the write chain and not yet written. */
  private pendingBytes = 0;
  /** Data bytes accepted (written or on their way). */
  private dataBytes = 0;
  private writtenBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closing: Promise<RecordingSummary> | undefined;
  private readonly callerQueue: Int16Array[] = [];
  private readonly ivrQueue: Int16Array[] = [];
  private frames = 0;
  private callerSilence = 0;
  private ivrSilence = 0;
  private dropped = 0;

  private constructor(path: string, file: FileHandle, options: StereoWavRecorder['options']) {
    this.path = path;
    this.file = file;
    this.options = options;
    this.buffer = Buffer.alloc(Math.max(BYTES_PER_FRAME, options.flushBytes));
  }

  /** Creates the directory and the file (failing if it exists) and writes the header. */
  static async open(
    options: Pick<StereoWavRecorderOptions, 'directory' | 'fileName'> & Partial<StereoWavRecorderOptions>,
  ): Promise<StereoWavRecorder> {
    const { directory, fileName, ...rest } = options;
    if (fileName === '' || fileName === '.' || fileName === '..' || basename(fileName) !== fileName) {
      throw new RangeError(`recording file name must be a plain name, got ${JSON.stringify(fileName)}`);
    }
    const settings = { ...DEFAULT_RECORDER_OPTIONS, ...rest };
    await mkdir(directory, { recursive: true });
    const path = join(directory, fileName);
    const file = await open(path, 'wx', settings.fileMode);
    try {
      await file.write(wavHeader(0), 0, HEADER_BYTES, 0);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new StereoWavRecorder(path, file, settings);
  }

  /** Frames in the recording so far. */
  get durationMs(): number {
    return this.frames * FRAME_MS;
  }

  /** One 20 ms slot with both sides; `undefined` for a side is silence. Queued single-side frames go first. */
  writeFrame(caller: PcmFrame | undefined, ivr: PcmFrame | undefined): void {
    this.drainQueues(0);
    this.append(caller, ivr);
  }

  /** The caller's next frame, paired with the IVR's in arrival order. */
  pushCaller(frame: PcmFrame): void {
    this.callerQueue.push(frame.slice());
    this.pair();
  }

  /** The IVR's next frame, paired with the caller's in arrival order. */
  pushIvr(frame: PcmFrame): void {
    this.ivrQueue.push(frame.slice());
    this.pair();
  }

  /** Appends what is buffered and patches the header; resolves when it is on disk (or rejects with the error). */
  async flush(): Promise<void> {
    this.submit();
    await this.chain;
    if (this.failure !== undefined) {
      throw this.failure;
    }
  }

  /** Writes the rest (unpaired frames against silence), patches the sizes, closes the file. Idempotent. */
  close(): Promise<RecordingSummary> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<RecordingSummary> {
    this.drainQueues(0);
    this.submit();
    await this.chain;
    await this.file.close();
    if (this.failure !== undefined) {
      throw this.failure;
    }
    return {
      path: this.path,
      frames: this.frames,
      durationMs: this.durationMs,
      dataBytes: this.writtenBytes,
      callerSilenceFrames: this.callerSilence,
      ivrSilenceFrames: this.ivrSilence,
      droppedFrames: this.dropped,
    };
  }

  private pair(): void {
    while (this.callerQueue.length > 0 && this.ivrQueue.length > 0) {
      this.append(this.callerQueue.shift(), this.ivrQueue.shift());
    }
    this.drainQueues(this.options.maxSkewFrames);
  }

  /** Writes single-side frames against silence until at most `keep` remain queued. */
  private drainQueues(keep: number): void {
    while (this.callerQueue.length > keep) {
      this.append(this.callerQueue.shift(), undefined);
    }
    while (this.ivrQueue.length > keep) {
      this.append(undefined, this.ivrQueue.shift());
    }
  }

  private append(caller: PcmFrame | undefined, ivr: PcmFrame | undefined): void {
    if (this.closing !== undefined || this.failure !== undefined) {
      this.dropped++;
      return;
    }
    if (
      this.dataBytes + BYTES_PER_FRAME > MAX_DATA_BYTES ||
      this.pendingBytes > this.options.maxPendingBytes
    ) {
      this.dropped++;
      return;
    }
    if (this.buffered + BYTES_PER_FRAME > this.buffer.length) {
      this.submit();
    }
    const out = this.buffer;
    let at = this.buffered;
    for (let i = 0; i < SAMPLES_PER_FRAME; i++) {
      out.writeInt16LE(caller?.[i] ?? 0, at);
      out.writeInt16LE(ivr?.[i] ?? 0, at + 2);
      at += 4;
    }
    this.buffered = at;
    this.dataBytes += BYTES_PER_FRAME;
    this.frames++;
    this.callerSilence += caller === undefined ? 1 : 0;
    this.ivrSilence += ivr === undefined ? 1 : 0;
    if (this.buffered >= this.options.flushBytes) {
      this.submit();
    }
  }

  /** Hands the buffer to the write chain: append at the end of the data, then patch both sizes. */
  private submit(): void {
    if (this.buffered === 0) {
      return;
    }
    const chunk = this.buffer.subarray(0, this.buffered);
    this.buffer = Buffer.alloc(this.buffer.length);
    this.buffered = 0;
    this.pendingBytes += chunk.length;
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) {
        return;
      }
      try {
        await this.file.write(chunk, 0, chunk.length, HEADER_BYTES + this.writtenBytes);
        this.writtenBytes += chunk.length;
        const header = wavHeader(this.writtenBytes);
        await this.file.write(header, 4, 4, 4);
        await this.file.write(header, 40, 4, 40);
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
      } finally {
        this.pendingBytes -= chunk.length;
      }
    });
  }
}
