/**
 * Runs V8's minor garbage collection (a "scavenge") right after a send phase, when the young generation is
 * nearly full, instead of letting V8 start it whenever it fills up.
 *
 * Why: a scavenge stops the thread for 3-15 ms whatever the amount of garbage (its cost follows what survives; in
 * a media worker at 500 calls, 8-13 ms even on one thread, `--trace-gc`). V8 starts one from a task between two
 * event-loop callbacks or when an allocation finds the space full, so it often lands just before or inside a send
 * phase, and every call of the thread then sends late once and early once: at one scavenge every 5 s per worker
 * that is about 0.8% of all send intervals off by 8-13 ms, which alone decides the p99 of the capacity benchmark.
 * Right after a send phase the next one is almost 20 ms away, the process phase that follows gives way to it
 * (`media-scheduler.ts`), so the pause delays no packet.
 *
 * How: the send phase's end hook calls `afterSendPhase`; once per tick it reads the new space's occupancy
 * (`v8.getHeapSpaceStatistics`, ≈ 4 µs) and, past `threshold`, calls `gc({ type: 'minor' })`. The `gc` function
 * comes from V8's `--expose-gc`, set at run time (`v8.setFlagsFromString`) and fetched from a new context; that
 * flag only adds a `gc` global to contexts created from then on. Where it cannot be had, `create` answers
 * undefined and V8 collects on its own as before.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

export interface MinorGcPacerOptions {
  /** Occupancy of the new space (used / (used + available)) from which a send phase triggers a collection. @default 0.6 */
  threshold?: number;
}

export interface MinorGcPacerStats {
  /** Collections started after a send phase, and the time they took (ms, all together). */
  collections: number;
  pauseMs: number;
}

/** The `gc` function of `--expose-gc`, or undefined (V8 refused the flag, or no such function). */
function exposedGc(): GcFunction | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? (gc as GcFunction) : undefined;
  } catch {
    return undefined;
  }
}

export class MinorGcPacer {
  /** A pacer for this thread, or undefined where V8's `gc` cannot be exposed. */
  static create(options: MinorGcPacerOptions = {}): MinorGcPacer | undefined {
    const threshold = options.threshold ?? 0.6;
    if (!(threshold > 0 && threshold < 1)) {
      throw new RangeError(`threshold must be between 0 and 1, got ${threshold}`);
    }
    const gc = exposedGc();
    return gc === undefined ? undefined : new MinorGcPacer(gc, threshold);
  }

  private readonly counters: MinorGcPacerStats = { collections: 0, pauseMs: 0 };

  private constructor(
    private readonly gc: GcFunction,
    private readonly threshold: number,
  ) {}

  /** After a send phase: a minor collection now if the young generation is past the threshold. */
  afterSendPhase(): void {
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (space === undefined) {
      return;
    }
    const capacity = space.space_used_size + space.space_available_size;
    if (capacity > 0 && space.space_used_size >= this.threshold * capacity) {
      const started = performance.now();
      this.gc({ type: 'minor' });
      this.counters.collections++;
      this.counters.pauseMs += performance.now() - started;
    }
  }

  stats(): MinorGcPacerStats {
    return { ...this.counters };
  }
}
