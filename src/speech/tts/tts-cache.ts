/**
 * A TTS provider in front of another one, remembering what it said: in memory (least recently used out, bounded
 * by bytes) and, optionally, on disk as 8 kHz WAV files that survive restarts. Keys hash the provider's id (engine,
 * version, settings), the voice and the exact text, so a change to any of them synthesises again. Concurrent
 * requests for the same key share one synthesis: a hundred callers hearing the same dynamic sentence at once cost
 * one espeak process or one cloud request. Failures are not cached.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toTelephonyPcm } from '../../media/codec/resample.js';
import { readWav, writeWav } from '../../media/codec/wav.js';
import { SAMPLE_RATE } from '../../media/media-types.js';
import type { SynthesizeOptions, TtsProvider } from './tts-provider.js';

export interface TtsCacheOptions {
  /** Memory bound, bytes of PCM. @default 16 MiB (about 17 minutes of speech) */
  maxBytes?: number;
  /** Folder for the disk cache; none when omitted. Created on first write. */
  directory?: string;
  /** Called when the disk cache cannot be read or written (synthesis still succeeds). */
  onDiskError?: (error: unknown) => void;
}

export interface TtsCacheStats {
  entries: number;
  bytes: number;
  memoryHits: number;
  diskHits: number;
  /** Requests that waited on a synthesis already running for the same key. */
  shared: number;
  syntheses: number;
  evictions: number;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export class CachingTtsProvider implements TtsProvider {
  private readonly inner: TtsProvider;
  private readonly maxBytes: number;
  private readonly directory: string | undefined;
  private readonly onDiskError: ((error: unknown) => void) | undefined;
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly memory = new Map<string, Int16Array>();
  private readonly inFlight = new Map<string, Promise<Int16Array>>();
  private bytes = 0;
  private memoryHits = 0;
  private diskHits = 0;
  private shared = 0;
  private syntheses = 0;
  private evictions = 0;

  constructor(inner: TtsProvider, options: TtsCacheOptions = {}) {
    this.inner = inner;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.directory = options.directory;
    this.onDiskError = options.onDiskError;
  }

  get id(): string {
    return this.inner.id;
  }

  /** Closes the provider behind the cache. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }

  voiceFor(language: string): string {
    return this.inner.voiceFor(language);
  }

  /** The cache key of a request: a hash, so neither logs nor file names show the text. */
  keyOf(text: string, options: SynthesizeOptions): string {
    const voice = options.voice ?? this.inner.voiceFor(options.language);
    return createHash('sha256')
      .update(JSON.stringify([this.inner.id, voice, text]))
      .digest('hex');
  }

  /** Resolves to audio shared with other callers: treat it as read-only. */
  synthesize(text: string, options: SynthesizeOptions): Promise<Int16Array> {
    const key = this.keyOf(text, options);
    const cached = this.memory.get(key);
    if (cached !== undefined) {
      this.memoryHits += 1;
      this.memory.delete(key);
      this.memory.set(key, cached);
      return Promise.resolve(cached);
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      this.shared += 1;
      return pending;
    }
    const work = this.fill(key, text, options).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  stats(): TtsCacheStats {
    return {
      entries: this.memory.size,
      bytes: this.bytes,
      memoryHits: this.memoryHits,
      diskHits: this.diskHits,
      shared: this.shared,
      syntheses: this.syntheses,
      evictions: this.evictions,
    };
  }

  private async fill(key: string, text: string, options: SynthesizeOptions): Promise<Int16Array> {
    const fromDisk = await this.readDisk(key);
    if (fromDisk !== undefined) {
      this.diskHits += 1;
      this.remember(key, fromDisk);
      return fromDisk;
    }
    this.syntheses += 1;
    const pcm = await this.inner.synthesize(text, options);
    this.remember(key, pcm);
    await this.writeDisk(key, pcm);
    return pcm;
  }

  private remember(key: string, pcm: Int16Array): void {
    if (pcm.byteLength > this.maxBytes) {
      return;
    }
    this.memory.set(key, pcm);
    this.bytes += pcm.byteLength;
    for (const [oldKey, old] of this.memory) {
      if (this.bytes <= this.maxBytes) {
        break;
      }
      this.memory.delete(oldKey);
      this.bytes -= old.byteLength;
      this.evictions += 1;
    }
  }

  private fileOf(key: string): string | undefined {
    return this.directory === undefined ? undefined : join(this.directory, `${key}.wav`);
  }

  private async readDisk(key: string): Promise<Int16Array | undefined> {
    const file = this.fileOf(key);
    if (file === undefined) {
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.reportDiskError(err);
      }
      return undefined;
    }
    try {
      const wav = readWav(bytes);
      return toTelephonyPcm(wav.samples, wav.sampleRate);
    } catch (err) {
      // A damaged entry is synthesised again and overwritten.
      this.reportDiskError(err);
      return undefined;
    }
  }

  private async writeDisk(key: string, pcm: Int16Array): Promise<void> {
    const file = this.fileOf(key);
    if (file === undefined || this.directory === undefined) {
      return;
    }
    // Write then rename: a reader never sees half a file, even across processes sharing the folder.
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(this.directory, { recursive: true });
      await writeFile(temporary, writeWav(pcm, SAMPLE_RATE));
      await rename(temporary, file);
    } catch (err) {
      this.reportDiskError(err);
    }
  }

  private reportDiskError(error: unknown): void {
    try {
      this.onDiskError?.(error);
    } catch {
      // Reporting is best effort; the audio is already in hand.
    }
  }
}
