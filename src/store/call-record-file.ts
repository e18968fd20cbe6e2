/**
 * The call records' JSONL file, for log shippers: one record per line, appended, never rewritten.
 *
 * Opened with O_APPEND ('a'). Lines are handed to the kernel whole — each write(2) carries one line, or several
 * queued while the previous write was in progress, never part of one — so a crash never leaves half a line, and
 * several processes may append to one file on a local filesystem.
 *
 * Durability (`syncIntervalMs`): by default fdatasync at most once a second when lines were written, so a power
 * loss costs at most about a second of lines and a process crash none (they are in the kernel once written); 0
 * syncs after every write (`append` resolves after it); null never syncs (the kernel's writeback, ~30 s).
 *
 * Rotation: `reopen()` reopens the path (the SIGHUP handler; logrotate `postrotate`), and a timer checks once a
 * second whether the path still names the open file (same device and inode) and reopens it when logrotate moved
 * it away, so `create` mode works with no signal. `copytruncate` also works: with O_APPEND the next line lands at
 * the new end.
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AigError } from '../errors/aig-error.js';

export interface CallRecordFileLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CallRecordFileOptions {
  /** Its folder is created when missing. */
  readonly path: string;
  /** Mode of a created file: readable by the log shipper's group, not by others. @default 0o640 */
  readonly mode?: number;
  /** fdatasync at most this often when lines were written, ms; 0 = after every write; null = never. @default 1000 */
  readonly syncIntervalMs?: number | null;
  /** How often to check whether logrotate moved the file away, ms; null = never (only `reopen()`). @default 1000 */
  readonly rotationCheckMs?: number | null;
  readonly logger?: CallRecordFileLogger;
}

export interface CallRecordFileStats {
  readonly written: number;
  /** Lines the file refused (disk full, permissions, closed). */
  readonly failed: number;
}

/** Lines per write(2): enough to keep up, small enough to stay one atomic append. */
const BATCH_LINES = 256;

interface QueuedLine {
  readonly text: string;
  readonly done: (written: boolean) => void;
}

export class CallRecordFile {
  private readonly path: string;
  private readonly syncIntervalMs: number | null;
  private readonly rotationCheckMs: number | null;
  private handle: FileHandle | null = null;
  private identity: { dev: number; ino: number } | null = null;
  private queue: QueuedLine[] = [];
  private draining: Promise<void> | null = null;
  private reopenRequested = false;
  private syncRequested = false;
  private dirty = false;
  private lastSyncAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private warned = false;
  private counts = { written: 0, failed: 0 };

  private constructor(private readonly options: CallRecordFileOptions) {
    this.path = options.path;
    this.syncIntervalMs = options.syncIntervalMs === undefined ? 1000 : options.syncIntervalMs;
    this.rotationCheckMs = options.rotationCheckMs === undefined ? 1000 : options.rotationCheckMs;
  }

  /** Opens (creates) the file; rejects with AIG_ERR_CALL_RECORD_FILE. */
  static async open(options: CallRecordFileOptions): Promise<CallRecordFile> {
    const file = new CallRecordFile(options);
    await file.openHandle();
    const periods = [file.rotationCheckMs, file.syncIntervalMs].filter(
      (ms): ms is number => ms !== null && ms > 0,
    );
    if (periods.length > 0) {
      file.timer = setInterval(() => file.maintain(), Math.min(...periods));
      file.timer.unref();
    }
    return file;
  }

  get stats(): CallRecordFileStats {
    return { ...this.counts };
  }

  /** Appends one line (`text` ends with '\n'). Resolves false when it could not be written; never rejects. */
  append(text: string): Promise<boolean> {
    return new Promise((resolve) => {
      this.queue.push({ text, done: resolve });
      void this.drain();
    });
  }

  /** Reopens the path, after what was queued before is written. */
  async reopen(): Promise<void> {
    this.reopenRequested = true;
    await this.drain();
  }

  /** Writes what is queued, syncs (unless `syncIntervalMs` is null) and closes. Later appends fail. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
    await this.drain();
    await this.closeHandle();
  }

  private async openHandle(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a', this.options.mode ?? 0o640);
      const { dev, ino } = await this.handle.stat();
      this.identity = { dev, ino };
    } catch (err) {
      this.handle = null;
      throw new AigError('AIG_ERR_CALL_RECORD_FILE', `${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle === null) {
      return;
    }
    try {
      if (this.dirty && this.syncIntervalMs !== null) {
        await handle.datasync();
      }
      this.dirty = false;
    } finally {
      await handle.close();
    }
  }

  /** The one writer: lines, reopen and sync run here in turn, so none of them meets a half-closed handle. */
  private drain(): Promise<void> {
    this.draining ??= this.runQueue().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async runQueue(): Promise<void> {
    while (this.queue.length > 0 || this.reopenRequested || this.syncRequested) {
      if (this.reopenRequested) {
        this.reopenRequested = false;
        await this.reopenHandle();
      }
      if (this.queue.length > 0) {
        const batch = this.queue.splice(0, BATCH_LINES);
        const written = await this.writeBatch(batch);
        for (const line of batch) {
          line.done(written);
        }
        continue;
      }
      if (this.syncRequested) {
        this.syncRequested = false;
        await this.sync();
      }
    }
  }

  private async writeBatch(batch: readonly QueuedLine[]): Promise<boolean> {
    try {
      if (this.closed && this.handle === null) {
        throw new Error('the file is closed');
      }
      if (this.handle === null) {
        await this.openHandle();
      }
      const bytes = Buffer.from(batch.map((line) => line.text).join(''), 'utf8');
      let offset = 0;
      while (offset < bytes.length) {
        // position null: O_APPEND puts every write at the end of the file, whoever else appends.
        const { bytesWritten } = await this.handle!.write(bytes, offset, bytes.length - offset, null);
        offset += bytesWritten;
      }
      this.counts.written += batch.length;
      this.dirty = true;
      if (this.syncIntervalMs === 0) {
        await this.sync();
      }
      return true;
    } catch (err) {
      this.counts.failed += batch.length;
      if (!this.warned) {
        this.warned = true;
        this.options.logger?.error(
          { path: this.path, err: (err as Error).message },
          'call record file write failed (records still go to Redis)',
        );
      }
      return false;
    }
  }

  private async sync(): Promise<void> {
    if (!this.dirty || this.handle === null) {
      return;
    }
    this.dirty = false;
    this.lastSyncAt = performance.now();
    try {
      await this.handle.datasync();
    } catch (err) {
      this.options.logger?.warn({ path: this.path, err: (err as Error).message }, 'fdatasync failed');
    }
  }

  private async reopenHandle(): Promise<void> {
    await this.closeHandle();
    if (this.closed) {
      return;
    }
    try {
      await this.openHandle();
      this.warned = false;
      this.options.logger?.info({ path: this.path }, 'call record file reopened');
    } catch (err) {
      // The next batch tries again; until then its lines are counted as failed.
      this.options.logger?.error(
        { path: this.path, err: (err as Error).message },
        'call record file could not be reopened',
      );
    }
  }

  /** The timer: sync when due, reopen when the path no longer names the open file. */
  private maintain(): void {
    if (this.syncIntervalMs !== null && this.syncIntervalMs > 0 && this.dirty) {
      if (performance.now() - this.lastSyncAt >= this.syncIntervalMs) {
        this.syncRequested = true;
        void this.drain();
      }
    }
    const identity = this.identity;
    if (this.rotationCheckMs !== null && identity !== null) {
      stat(this.path).then(
        ({ dev, ino }) => {
          if (dev !== identity.dev || ino !== identity.ino) {
            void this.reopen();
          }
        },
        () => void this.reopen(), // moved away and not yet recreated: create it
      );
    }
  }
}
