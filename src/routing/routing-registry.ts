/**
 * The routing config a process serves, with hot reload like the flows (`src/conversation/flow/flow-registry.ts`):
 * the groups file is loaded at `open()` (a bad file then stops the start: there is nothing valid to serve), then
 * reloaded when it changes (an `fs.watch` on its folder, so that an editor's write-and-rename is seen, debounced)
 * and on `reload()` (the app calls it on SIGHUP).
 *
 * A reload validates the whole file beside the current config and swaps it in only when valid: an invalid file
 * never replaces a valid one, its problems are reported (`rejected`) and the current version keeps serving. Each
 * decision takes `current()` once, so a reload in the middle of a decision never mixes two versions. Reloads run
 * one at a time; a save that leaves the text as it was changes nothing.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { groupsFileInvalidError, tryLoadGroupsFile, type GroupsFileProblem } from './groups-file.js';
import type { RoutingConfig } from './routing-types.js';

export interface RoutingRegistryOptions {
  /** The groups file. @default 'config/groups.yaml' (resolved against the working directory) */
  readonly file: string;
  /** Reload when the file changes. @default true */
  readonly watch?: boolean;
  /** Quiet time after the last change before a reload starts, ms. @default 300 */
  readonly debounceMs?: number;
}

export type RoutingLoadTrigger = 'watch' | 'reload';

export type ReloadResult =
  | {
      readonly ok: true;
      readonly version: string;
      /** false: the text was unchanged, nothing was swapped. */
      readonly changed: boolean;
      readonly previousVersion: string;
    }
  | {
      readonly ok: false;
      readonly problems: readonly GroupsFileProblem[];
      /** The version still served. */
      readonly keptVersion: string;
    };

export type RoutingRegistryEvents = {
  loaded: [{ config: RoutingConfig; previousVersion: string; trigger: RoutingLoadTrigger }];
  rejected: [
    {
      file: string;
      problems: readonly GroupsFileProblem[];
      keptVersion: string;
      trigger: RoutingLoadTrigger;
    },
  ];
};

export class RoutingRegistry extends EventEmitter<RoutingRegistryEvents> {
  private config: RoutingConfig;
  private readonly file: string;
  private readonly debounceMs: number;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(file: string, config: RoutingConfig, options: RoutingRegistryOptions) {
    super();
    this.file = file;
    this.config = config;
    this.debounceMs = options.debounceMs ?? 300;
  }

  /** Loads the file; rejects with `AIG_ERR_ROUTING_INVALID` (every problem listed) when it is invalid. */
  static async open(options: RoutingRegistryOptions): Promise<RoutingRegistry> {
    const file = resolve(options.file);
    const result = await tryLoadGroupsFile(file);
    if (!result.ok) {
      throw groupsFileInvalidError(result.file, result.problems);
    }
    const registry = new RoutingRegistry(file, result.config, options);
    if (options.watch ?? true) {
      registry.startWatching();
    }
    return registry;
  }

  /** The config new decisions use. */
  current(): RoutingConfig {
    return this.config;
  }

  /** Reloads now; resolves with what happened (never rejects). */
  reload(): Promise<ReloadResult> {
    return this.enqueue('reload');
  }

  /** Stops watching; a reload in progress finishes but changes nothing. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private enqueue(trigger: RoutingLoadTrigger): Promise<ReloadResult> {
    const next = this.running.then(() => this.loadNow(trigger));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async loadNow(trigger: RoutingLoadTrigger): Promise<ReloadResult> {
    const previous = this.config;
    const result = await tryLoadGroupsFile(this.file);
    if (!result.ok) {
      if (!this.closed) {
        this.safeEmit('rejected', {
          file: result.file,
          problems: result.problems,
          keptVersion: previous.version,
          trigger,
        });
      }
      return { ok: false, problems: result.problems, keptVersion: previous.version };
    }
    if (result.config.version === previous.version) {
      return { ok: true, version: previous.version, changed: false, previousVersion: previous.version };
    }
    if (this.closed) {
      return { ok: true, version: previous.version, changed: false, previousVersion: previous.version };
    }
    this.config = result.config;
    this.safeEmit('loaded', { config: result.config, previousVersion: previous.version, trigger });
    return { ok: true, version: result.config.version, changed: true, previousVersion: previous.version };
  }

  private startWatching(): void {
    const name = basename(this.file);
    try {
      // The folder, not the file: editors and `git checkout` replace the file (a new inode a file watch misses).
      this.watcher = watch(dirname(this.file), (_event, changed) => {
        if (changed === null || changed === name) {
          this.schedule();
        }
      });
      this.watcher.on('error', () => {
        // The folder went away: keep serving; `reload()` (SIGHUP) still works.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // A folder that cannot be watched: `reload()` still updates.
    }
  }

  private schedule(): void {
    if (this.closed) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue('watch');
    }, this.debounceMs);
  }

  /** A listener's error never stops the registry. */
  private safeEmit<K extends keyof RoutingRegistryEvents>(event: K, ...args: RoutingRegistryEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: RoutingRegistryEvents[K]) => boolean)(event, ...args);
    } catch {
      // swallowed on purpose: listeners log their own failures
    }
  }
}
