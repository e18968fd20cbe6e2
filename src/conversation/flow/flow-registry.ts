/**
 * The flows a process serves, by id, with hot reload. At `start()` every folder under the flows directory is
 * loaded; a bad one is reported (`rejected`) and skipped, the others serve. Afterwards a flow reloads when its files
 * change (a recursive `fs.watch` on its folder, debounced so that an editor's save-as-rename or a `git checkout` of
 * several files counts once) and on `reload()` (the app calls it on SIGHUP, which also picks up new folders).
 *
 * A reload builds a whole new `LoadedFlow` (validated, classifiers trained) beside the current one and swaps it in
 * only when it is valid: a flow that fails validation never replaces a good one, and the problems are reported
 * (`rejected`). `get()` hands out the current object; a call keeps the one it got, so calls in progress finish on
 * their version while new calls take the new one. Reloads of one flow run one at a time, and a save that leaves
 * the content as it was (same version hash) changes nothing.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AgentGroupConfig } from '../../config/config-types.js';
import { AigError } from '../../errors/aig-error.js';
import type { IntentClassifierOptions } from '../../understanding/intent-classifier-types.js';
import { isIgnoredFlowEntry, readFlowFiles } from './flow-files.js';
import { tryLoadFlow } from './flow-loader.js';
import type { FlowProblem, LoadedFlow } from './flow-types.js';

export interface FlowRegistryOptions {
  /** Folder holding one folder per flow (`flows.directory`, resolved). */
  readonly directory: string;
  /** The server config's agent groups (transfer targets are checked against them). */
  readonly groups: Readonly<Record<string, AgentGroupConfig>>;
  /** `flows.variables`: per flow id, values of its declared variables. @default {} */
  readonly variables?: Readonly<Record<string, Readonly<Record<string, string | null>>>>;
  /** Reload a flow when its files change (`flows.watch`). @default true */
  readonly watch?: boolean;
  /** Quiet time after the last file change before a reload starts, ms. @default 300 */
  readonly debounceMs?: number;
  /** How classifiers are trained. @default {} */
  readonly classifierOptions?: IntentClassifierOptions;
}

/** What started a load. */
export type FlowLoadTrigger = 'start' | 'watch' | 'reload';

export interface FlowLoadedReport {
  readonly flowId: string;
  readonly flow: LoadedFlow;
  /** The version it replaced; null on the first load. */
  readonly previousVersion: string | null;
  readonly trigger: FlowLoadTrigger;
}

export interface FlowRejectedReport {
  readonly flowId: string;
  readonly directory: string;
  readonly problems: readonly FlowProblem[];
  /** The version still served; null when the flow has none. */
  readonly keptVersion: string | null;
  readonly trigger: FlowLoadTrigger;
}

export type FlowRegistryEvents = {
  loaded: [FlowLoadedReport];
  rejected: [FlowRejectedReport];
};

export class FlowRegistry extends EventEmitter<FlowRegistryEvents> {
  private readonly directory: string;
  private readonly debounceMs: number;
  private readonly flows = new Map<string, LoadedFlow>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per flow: the load running now (loads of one flow never overlap). */
  private readonly running = new Map<string, Promise<void>>();
  /** Per flow: a load waiting for the running one (at most one waits: it will read the latest files). */
  private readonly waiting = new Map<string, Promise<void>>();
  private rootWatcher: FSWatcher | undefined;
  private closed = false;

  constructor(private readonly options: FlowRegistryOptions) {
    super();
    this.directory = resolve(options.directory);
    this.debounceMs = options.debounceMs ?? 300;
  }

  /** Loads every flow folder; rejects only when the flows directory itself cannot be read. */
  async start(): Promise<void> {
    const ids = await this.flowFolders();
    for (const flowId of ids) {
      await this.load(flowId, 'start');
    }
    if (this.options.watch ?? true) {
      for (const flowId of ids) {
        this.watchFlow(flowId);
      }
      this.watchRoot();
    }
  }

  /** The current version of a flow; undefined when it never loaded. */
  get(flowId: string): LoadedFlow | undefined {
    return this.flows.get(flowId);
  }

  /** Ids of the flows being served, sorted. */
  get flowIds(): string[] {
    return [...this.flows.keys()].sort();
  }

  /** Reloads one flow, or every folder (new ones included) when no id is given. Resolves when done. */
  async reload(flowId?: string): Promise<void> {
    const ids = flowId === undefined ? await this.flowFolders() : [flowId];
    await Promise.all(
      ids.map(async (id) => {
        await this.load(id, 'reload');
        if ((this.options.watch ?? true) && !this.closed) {
          this.watchFlow(id);
        }
      }),
    );
  }

  /** Stops watching; loads in progress finish but change nothing. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) {
      clearTimeout(timer);
    }
    this.timers.clear();
    for (const watcher of this.watchers.values()) {
      watcher.close();
    }
    this.watchers.clear();
    this.rootWatcher?.close();
    this.rootWatcher = undefined;
  }

  private async flowFolders(): Promise<string[]> {
    try {
      const entries = await readdir(this.directory, { withFileTypes: true });
      return entries
        .filter((entry) => entry.isDirectory() && !isIgnoredFlowEntry(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (err) {
      throw new AigError('AIG_ERR_FLOW_INVALID', `${this.directory}: the flows folder cannot be read`, {
        cause: err,
      });
    }
  }

  /** Queues a load of `flowId` after the one running, merging with one already waiting. */
  private load(flowId: string, trigger: FlowLoadTrigger): Promise<void> {
    const waiting = this.waiting.get(flowId);
    if (waiting !== undefined) {
      return waiting;
    }
    const before = this.running.get(flowId) ?? Promise.resolve();
    const next = before.then(() => {
      this.waiting.delete(flowId);
      const run = this.loadNow(flowId, trigger);
      this.running.set(flowId, run);
      return run;
    });
    this.waiting.set(flowId, next);
    return next;
  }

  /** Never rejects: whatever goes wrong is a rejection report, and the current version stays. */
  private async loadNow(flowId: string, trigger: FlowLoadTrigger): Promise<void> {
    const directory = join(this.directory, flowId);
    try {
      await this.replace(flowId, directory, trigger);
    } catch (err) {
      this.safeEmit('rejected', {
        flowId,
        directory,
        problems: [
          {
            file: directory,
            line: null,
            column: null,
            statePath: null,
            message: `the flow could not be loaded: ${(err as Error).message}`,
          },
        ],
        keptVersion: this.flows.get(flowId)?.version ?? null,
        trigger,
      });
    }
  }

  private async replace(flowId: string, directory: string, trigger: FlowLoadTrigger): Promise<void> {
    const current = this.flows.get(flowId);
    if (current !== undefined) {
      // Unchanged content: nothing to validate or train (an editor touching a file, a no-op checkout).
      const version = await readFlowFiles(directory).then(
        (files) => files.version,
        () => null,
      );
      if (version === current.version) {
        return;
      }
    }
    const result = await tryLoadFlow(directory, {
      groups: this.options.groups,
      variables: this.options.variables?.[flowId] ?? {},
      classifierOptions: this.options.classifierOptions,
    });
    if (this.closed) {
      return;
    }
    if (result.ok) {
      this.flows.set(flowId, result.flow);
      this.safeEmit('loaded', {
        flowId,
        flow: result.flow,
        previousVersion: current?.version ?? null,
        trigger,
      });
    } else {
      this.safeEmit('rejected', {
        flowId,
        directory,
        problems: result.problems,
        keptVersion: current?.version ?? null,
        trigger,
      });
    }
  }

  private watchFlow(flowId: string): void {
    if (this.watchers.has(flowId)) {
      return;
    }
    try {
      const watcher = watch(join(this.directory, flowId), { recursive: true }, (_event, name) => {
        const file = typeof name === 'string' ? name : '';
        if (file.split(/[\\/]/).some(isIgnoredFlowEntry)) {
          return;
        }
        this.schedule(flowId, () => this.load(flowId, 'watch'));
      });
      watcher.on('error', () => {
        // The folder went away or cannot be watched any more: keep serving the loaded version, stop watching.
        watcher.close();
        this.watchers.delete(flowId);
        this.schedule(flowId, () => this.load(flowId, 'watch'));
      });
      this.watchers.set(flowId, watcher);
    } catch {
      // A folder that cannot be watched still serves; `reload()` (SIGHUP) still updates it.
    }
  }

  /** New flow folders appear without a restart. */
  private watchRoot(): void {
    try {
      this.rootWatcher = watch(this.directory, (_event, name) => {
        const flowId = typeof name === 'string' ? name : '';
        if (flowId === '' || isIgnoredFlowEntry(flowId) || this.watchers.has(flowId)) {
          return;
        }
        this.schedule(flowId, async () => {
          const isFolder = await stat(join(this.directory, flowId)).then(
            (found) => found.isDirectory(),
            () => false,
          );
          if (isFolder && !this.closed) {
            await this.load(flowId, 'watch');
            this.watchFlow(flowId);
          }
        });
      });
      this.rootWatcher.on('error', () => {
        this.rootWatcher?.close();
        this.rootWatcher = undefined;
      });
    } catch {
      // Without it, new folders wait for `reload()`.
    }
  }

  /** Runs `action` once `debounceMs` have passed without another change to the same flow. */
  private schedule(flowId: string, action: () => Promise<void>): void {
    if (this.closed) {
      return;
    }
    clearTimeout(this.timers.get(flowId));
    this.timers.set(
      flowId,
      setTimeout(() => {
        this.timers.delete(flowId);
        void action();
      }, this.debounceMs),
    );
  }

  /** A listener's error never stops the registry (the next reload must still happen). */
  private safeEmit<K extends keyof FlowRegistryEvents>(event: K, ...args: FlowRegistryEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: FlowRegistryEvents[K]) => boolean)(event, ...args);
    } catch {
      // swallowed on purpose: listeners log their own failures
    }
  }
}
