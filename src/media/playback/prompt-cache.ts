/**
 * Prompt audio from `<directory>/<language>/<id>.wav`, converted once (any WAV the reader accepts → 8 kHz mono
 * 16-bit → 20 ms frames) and kept in memory. The cache is bounded by bytes (PCM plus lazily encoded G.711, least
 * recently used first out) and checks each file's size and modification time on every load, so a prompt
 * re-rendered or replaced on disk is picked up by the next call that plays it, without a restart. Concurrent loads
 * of the same prompt share one read.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AigError, isAigError } from '../../errors/aig-error.js';
import { ERROR_CODES } from '../../errors/error-codes.js';
import { toTelephonyPcm } from '../codec/resample.js';
import { readWav } from '../codec/wav.js';
import { PromptAudio } from './prompt-audio.js';

/** What a prompt player needs from a prompt store. */
export interface PromptSource {
  /** Rejects with `AIG_ERR_PROMPT_NOT_FOUND`, `AIG_ERR_WAV_INVALID` or `AIG_ERR_WAV_UNSUPPORTED`. */
  load(language: string, id: string): Promise<PromptAudio>;
}

export interface PromptCacheOptions {
  /** The prompts folder (holding `<language>/<id>.wav`). */
  directory: string;
  /** Memory bound, bytes. @default 64 MiB (about 70 minutes of 8 kHz audio with both G.711 codecs) */
  maxBytes?: number;
}

export interface PromptCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  /** Loads that found the file changed on disk and read it again. */
  reloads: number;
  evictions: number;
}

interface CacheEntry {
  audio: PromptAudio;
  size: number;
  mtimeMs: number;
  bytes: number;
}

/** Ids and languages become path segments: letters, digits, `_` and `-` only, so no path can escape the folder. */
const PROMPT_ID = /^[A-Za-z0-9_-]+$/;
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class PromptCache implements PromptSource {
  readonly directory: string;
  readonly maxBytes: number;
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<PromptAudio>>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private reloads = 0;
  private evictions = 0;

  constructor(options: PromptCacheOptions) {
    this.directory = options.directory;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** The file a prompt is read from. */
  pathOf(language: string, id: string): string {
    return join(this.directory, language, `${id}.wav`);
  }

  load(language: string, id: string): Promise<PromptAudio> {
    if (!LANGUAGE.test(language) || !PROMPT_ID.test(id)) {
      return Promise.reject(
        new AigError('AIG_ERR_PROMPT_NOT_FOUND', `invalid prompt reference "${language}/${id}"`),
      );
    }
    const key = `${language}/${id}`;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      return pending;
    }
    const loading = this.loadFresh(key, language, id).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, loading);
    return loading;
  }

  /** Drops every entry (e.g. after `prompts render`). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): PromptCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
      reloads: this.reloads,
      evictions: this.evictions,
    };
  }

  private async loadFresh(key: string, language: string, id: string): Promise<PromptAudio> {
    const path = this.pathOf(language, id);
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      this.forget(key);
      throw new AigError('AIG_ERR_PROMPT_NOT_FOUND', `${key} (${path}: ${(err as Error).message})`, {
        cause: err,
      });
    }
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.size === info.size && cached.mtimeMs === info.mtimeMs) {
      this.hits += 1;
      // Refresh recency: re-insertion moves the key to the end of the map.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.audio;
    }
    if (cached !== undefined) {
      this.reloads += 1;
      this.forget(key);
    } else {
      this.misses += 1;
    }
    const audio = await this.decode(path, language, id);
    const entry: CacheEntry = { audio, size: info.size, mtimeMs: info.mtimeMs, bytes: 0 };
    this.account(entry, audio.byteSize);
    this.entries.set(key, entry);
    this.evict(key);
    return audio;
  }

  private async decode(path: string, language: string, id: string): Promise<PromptAudio> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new AigError(
        'AIG_ERR_PROMPT_NOT_FOUND',
        `${language}/${id} (${path}: ${(err as Error).message})`,
        {
          cause: err,
        },
      );
    }
    try {
      const wav = readWav(bytes);
      const pcm = toTelephonyPcm(wav.samples, wav.sampleRate);
      const key = `${language}/${id}`;
      const audio = new PromptAudio({ language, id, source: path }, pcm, (grown) => {
        // Only an entry still cached counts; an evicted prompt's encoding dies with its last player.
        const entry = this.entries.get(key);
        if (entry !== undefined && entry.audio === audio) {
          this.account(entry, grown);
          this.evict(key);
        }
      });
      return audio;
    } catch (err) {
      if (isAigError(err)) {
        const prefix = `${ERROR_CODES[err.code].message}: `;
        const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
        throw new AigError(err.code, `${path}: ${detail}`, { cause: err });
      }
      throw err;
    }
  }

  private account(entry: CacheEntry, bytes: number): void {
    entry.bytes += bytes;
    this.bytes += bytes;
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }

  /** Evicts least recently used entries until within bounds; `keep` goes last (it is being used right now). */
  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) {
        return;
      }
      if (key === keep) {
        continue;
      }
      this.entries.delete(key);
      this.bytes -= entry.bytes;
      this.evictions += 1;
    }
    if (this.bytes > this.maxBytes) {
      // A single prompt larger than the whole cache: serve it, do not keep it.
      this.forget(keep);
      this.evictions += 1;
    }
  }
}
