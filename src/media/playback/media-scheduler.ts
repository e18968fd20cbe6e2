/**
 * The one 20 ms clock of all outgoing audio (DESIGN.md decision 2): every media session registers a tick handler
 * here instead of owning a timer, so a thousand calls cost fifty wake-ups a second, not fifty thousand.
 *
 * Timing choices, each measured by `scripts/bench/scheduler.ts` and `test/unit/media/playback/media-scheduler-load.test.ts`:
 * - Ticks sit on an ideal timeline `t0 + index × period` of a monotonic clock (`performance.now()`); each wait is
 *   computed from the next ideal deadline, never as "now + 20", so timer lateness never accumulates into drift.
 * - Node timers have 1 ms granularity and wake up to ~1 ms late (or, with libuv's cached loop time, a fraction of a
 *   millisecond early). With `spinMs` > 0 the scheduler's timer fires `spinMs` before the deadline; after one more
 *   event-loop turn for I/O (`setImmediate`) it blocks the thread for the rest of the wait with `sleep`
 *   (`Atomics.wait`, woken by a high-resolution timer within about 0.1 ms) and fires. That holds I/O back for at most
 *   `spinMs` per period, burns no CPU and makes no garbage. A time source without `sleep` polls with `setImmediate`
 *   until the deadline instead (busy, one Immediate object per turn: measured as the largest source of garbage in a
 *   media worker, 12 of 56 MB in 5 s). With `spinMs` = 0 it relies on `setTimeout` alone.
 * - After the event loop was blocked for one or more whole periods, the missed ticks are skipped and counted, never
 *   fired back-to-back: a burst of frames would arrive at the far end as a jitter spike and a catch-up would keep
 *   the loop busy when it is already behind. The one tick that fires carries `elapsedTicks` (1 + skipped) so that
 *   an RTP sender advances its timestamp by `elapsedTicks × 160` while its sequence number advances by one: the
 *   receiver sees a gap in media time that is not packet loss (RFC 3550 §5.1: the timestamp reflects the sampling
 *   instant) and keeps its playout aligned with real time (RFC 3551 §4.1 allows the marker bit on the first packet
 *   after such a gap). A prompt player does not drop audio for skipped ticks: its next frame continues where the
 *   previous one stopped, so words are not lost, only delayed.
 * - Two phases per tick: every `send` handler runs before any `process` handler. Sessions put only their outgoing
 *   packet in `send`, so all packets of a tick leave within the first milliseconds, each call at the same offset
 *   from tick to tick, whatever the receive side costs (VAD, events, flows reacting to them) in `process`.
 * - The send phase never waits for the process phase. Near capacity, a tick's process phase sometimes takes longer
 *   than the period (speech in many calls at once, a key press answered, a collection); if the next tick had to
 *   wait for it, every packet of that tick would leave late, which is the outbound jitter the far end hears. So the
 *   process phase checks the clock between handlers and, when the next deadline has come, stops and yields: the
 *   next tick's send phase runs on time, then the process phase goes on where it stopped and walks round the
 *   handler list once more, so that each handler runs at least once after every send phase. A process handler must
 *   therefore do all the work owed since its last run (a media session reads every caller frame it has not read
 *   yet), not one tick's worth. A send phase now waits at most for the one handler running at its deadline.
 * - A handler that throws is counted and reported through `onError`; the other handlers and later ticks run as usual.
 * The scheduler only runs while at least one handler is registered.
 */
import type { TimerHandle } from '../../shared/clock.js';
import { FRAME_MS } from '../media-types.js';

export interface SchedulerTick {
  /** Position of this tick on the ideal timeline (`t0 + index × period`); advances by `elapsedTicks`. */
  index: number;
  /** Periods since the previous tick: 1, or 1 + the number of ticks skipped after a blocked event loop. */
  elapsedTicks: number;
  /** The time source's reading (ms) when the tick fired. */
  now: number;
  /** When this tick was due on the ideal timeline (ms, same clock); `now − deadline` is its lateness. */
  deadline: number;
}

export type TickHandler = (tick: SchedulerTick) => void;

/** When in a tick a handler runs: all `send` handlers first, then all `process` handlers. */
export type TickPhase = 'send' | 'process';

/** The scheduler's view of time; `pollingSchedulerTime` or `sleepingSchedulerTime` in production, a manual clock in tests. */
export interface SchedulerTimeSource {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Runs `fn` on the next event loop turn, after pending I/O. Needed only when `spinMs` > 0. */
  setImmediate?(fn: () => void): TimerHandle;
  /** Blocks the thread for `ms` (sub-millisecond), nothing else running. Optional: without it, the scheduler polls. */
  sleep?(ms: number): void;
}

/** A timer's handle without a closure: the scheduler arms one or more per tick, so each is garbage soon. */
class TimeoutHandle implements TimerHandle {
  constructor(private readonly timer: NodeJS.Timeout) {}
  cancel(): void {
    clearTimeout(this.timer);
  }
}

class ImmediateHandle implements TimerHandle {
  constructor(private readonly immediate: NodeJS.Immediate) {}
  cancel(): void {
    clearImmediate(this.immediate);
  }
}

/** What `Atomics.wait` waits on: nothing ever notifies it, so a wait always lasts its timeout. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Real time without `sleep`: the last `spinMs` before a tick are polled with `setImmediate`. For threads under the
 * normal scheduler, which a sleep would leave waiting for a core when it ends (measured: docs/media-capacity.md).
 * Timers keep the process alive: the scheduler runs only while calls have handlers registered.
 */
export const pollingSchedulerTime: SchedulerTimeSource = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => new TimeoutHandle(setTimeout(fn, ms)),
  setImmediate: (fn) => new ImmediateHandle(setImmediate(fn)),
};

/** Real time with `sleep` (`Atomics.wait`) for the last `spinMs` before a tick: for real-time media threads. */
export const sleepingSchedulerTime: SchedulerTimeSource = {
  ...pollingSchedulerTime,
  sleep: (ms) => {
    Atomics.wait(sleepCell, 0, 0, ms);
  },
};

export interface TickRegistration {
  readonly label: string;
  /** Stops calling the handler; idempotent. Safe to call from inside the handler. */
  unregister(): void;
}

export interface MediaSchedulerOptions {
  /** Tick period, ms. @default 20 (`FRAME_MS`) */
  periodMs?: number;
  /**
   * How long before each deadline to stop relying on timers, ms: the rest of the wait is one `setImmediate` turn
   * and then `timeSource.sleep` (or `setImmediate` polls without it); 0: timers alone. Needs
   * `timeSource.setImmediate`. @default 1
   */
  spinMs?: number;
  /** A tick that fires more than this after its deadline counts as late, ms. @default 5 */
  lateThresholdMs?: number;
  /** Ticks kept for the percentile statistics. @default 3000 (one minute at 20 ms) */
  statsWindow?: number;
  /** @default pollingSchedulerTime */
  timeSource?: SchedulerTimeSource;
  /** Called when a handler throws; the scheduler keeps running. Errors thrown by `onError` itself are ignored. */
  onError?: (error: unknown, registration: TickRegistration) => void;
  /**
   * Brackets every send phase: `begin` before the first send handler, `end` after the last (the media engine
   * batches the phase's packets into one system call with them: `rtp-io-ring.ts`). Errors go to `onError`.
   */
  sendPhase?: SendPhaseHooks;
  /**
   * Puts the ticks at this offset within the period on an absolute clock (`phase.originMs` + the time source's
   * reading, e.g. `performance.timeOrigin`, which differs between threads while `now()` runs from each thread's
   * own origin), instead of one period after the first registration. Media workers sharing the cores take
   * evenly spread offsets, so their send phases do not all want a core at the same moment. @default none
   */
  phase?: { offsetMs: number; originMs: number };
}

export interface SendPhaseHooks {
  begin(): void;
  end(): void;
}

/** What `onError` is given for an error thrown by a `sendPhase` hook. */
const SEND_PHASE_HOOK: TickRegistration = { label: 'send phase', unregister: () => undefined };

export interface PercentileSummary {
  p50: number;
  p99: number;
  max: number;
}

export interface SchedulerStats {
  running: boolean;
  handlers: number;
  /** Ticks fired. */
  ticks: number;
  /** Periods that passed without a tick because the event loop was blocked. */
  skippedTicks: number;
  /** Ticks fired more than `lateThresholdMs` after their deadline. */
  lateTicks: number;
  handlerErrors: number;
  /** Process phases cut short so that the next tick's send phase could run on time. */
  preemptedProcessPhases: number;
  /** Fire time minus ideal deadline, ms, over the stats window. */
  lateness: PercentileSummary;
  /** |interval between consecutive ticks − elapsedTicks × period|, ms, over the stats window. */
  intervalError: PercentileSummary;
  /** Time spent in handlers per wake-up (a tick, or a resumed process phase), ms, over the stats window. */
  handlerTime: PercentileSummary;
}

interface HandlerEntry {
  readonly handler: TickHandler;
  readonly registration: TickRegistration;
  readonly phase: TickPhase;
  active: boolean;
}

/** A fixed-size window of samples with an all-time maximum. */
class SampleWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private allTimeMax = 0;

  constructor(size: number) {
    this.samples = new Float64Array(size);
  }

  add(value: number): void {
    this.samples[this.next] = value;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
    this.allTimeMax = Math.max(this.allTimeMax, value);
  }

  summary(): PercentileSummary {
    if (this.count === 0) {
      return { p50: 0, p99: 0, max: 0 };
    }
    const sorted = this.samples.slice(0, this.count).sort();
    const at = (q: number): number => sorted[Math.min(this.count - 1, Math.ceil(q * this.count) - 1)] ?? 0;
    return { p50: at(0.5), p99: at(0.99), max: this.allTimeMax };
  }
}

export class MediaScheduler {
  private readonly periodMs: number;
  private readonly spinMs: number;
  private readonly lateThresholdMs: number;
  private readonly time: SchedulerTimeSource;
  private readonly onError: ((error: unknown, registration: TickRegistration) => void) | undefined;
  private readonly sendPhase: SendPhaseHooks | undefined;
  private readonly phase: { offsetMs: number; originMs: number } | undefined;

  /** Copy-on-write: a tick iterates the arrays it started with while handlers come and go. */
  private handlers: HandlerEntry[] = [];
  private processHandlers: HandlerEntry[] = [];
  private timer: TimerHandle | undefined;
  private running = false;
  /**
   * Process handlers still to run since the last send phase, walking round `processHandlers` from
   * `processCursor`: set to the list's length by each send phase, so a walk interrupted by a deadline and resumed
   * after the next send phase reaches every handler once after that send phase too.
   */
  private processOwed = 0;
  private processCursor = 0;
  /** The last tick fired, handed to process handlers (a resumed process phase runs after its deadline). */
  private lastTick: SchedulerTick | undefined;
  private t0 = 0;
  /** Index of the next tick due. */
  private nextIndex = 1;
  private lastIndex = 0;
  private lastFiredAt = 0;

  private ticks = 0;
  private skippedTicks = 0;
  private lateTicks = 0;
  private handlerErrors = 0;
  private preemptedPhases = 0;
  private readonly lateness: SampleWindow;
  private readonly intervalError: SampleWindow;
  private readonly handlerTime: SampleWindow;

  constructor(options: MediaSchedulerOptions = {}) {
    this.periodMs = options.periodMs ?? FRAME_MS;
    this.time = options.timeSource ?? pollingSchedulerTime;
    this.spinMs = this.time.setImmediate === undefined ? 0 : Math.max(0, options.spinMs ?? 1);
    this.lateThresholdMs = options.lateThresholdMs ?? 5;
    this.onError = options.onError;
    this.sendPhase = options.sendPhase;
    this.phase = options.phase;
    const window = options.statsWindow ?? 3000;
    this.lateness = new SampleWindow(window);
    this.intervalError = new SampleWindow(window);
    this.handlerTime = new SampleWindow(window);
    if (!(this.periodMs > 0)) {
      throw new RangeError(`periodMs must be positive, got ${this.periodMs}`);
    }
  }

  /**
   * Calls `handler` once per tick, from the next tick on, until unregistered, in `phase` (handlers of a phase run
   * in registration order). Starts the scheduler if idle.
   */
  register(handler: TickHandler, label = 'handler', phase: TickPhase = 'send'): TickRegistration {
    const registration: TickRegistration = {
      label,
      unregister: () => this.remove(entry),
    };
    const entry: HandlerEntry = { handler, registration, active: true, phase };
    if (phase === 'send') {
      this.handlers = [...this.handlers, entry];
    } else {
      this.processHandlers = [...this.processHandlers, entry];
    }
    if (!this.running) {
      this.start();
    }
    return registration;
  }

  /** Unregisters every handler and stops. */
  close(): void {
    for (const entry of [...this.handlers, ...this.processHandlers]) {
      entry.active = false;
    }
    this.handlers = [];
    this.processHandlers = [];
    this.stop();
  }

  get handlerCount(): number {
    return this.handlers.length + this.processHandlers.length;
  }

  stats(): SchedulerStats {
    return {
      running: this.running,
      handlers: this.handlerCount,
      ticks: this.ticks,
      skippedTicks: this.skippedTicks,
      lateTicks: this.lateTicks,
      handlerErrors: this.handlerErrors,
      preemptedProcessPhases: this.preemptedPhases,
      lateness: this.lateness.summary(),
      intervalError: this.intervalError.summary(),
      handlerTime: this.handlerTime.summary(),
    };
  }

  private remove(entry: HandlerEntry): void {
    if (!entry.active) {
      return;
    }
    entry.active = false;
    if (entry.phase === 'send') {
      this.handlers = this.handlers.filter((e) => e !== entry);
    } else {
      this.processHandlers = this.processHandlers.filter((e) => e !== entry);
    }
    if (this.handlerCount === 0) {
      this.stop();
    }
  }

  private start(): void {
    this.running = true;
    const now = this.time.now();
    if (this.phase === undefined) {
      this.t0 = now;
    } else {
      // The first deadline after now that sits at the offset on the absolute clock; t0 is one period before it.
      const period = this.periodMs;
      const wait = (((this.phase.offsetMs - (this.phase.originMs + now)) % period) + period) % period;
      this.t0 = now + wait - period;
    }
    this.lastFiredAt = this.t0;
    this.lastIndex = 0;
    this.nextIndex = 1;
    this.arm();
  }

  private stop(): void {
    this.running = false;
    this.processOwed = 0;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private deadline(index: number): number {
    return this.t0 + index * this.periodMs;
  }

  /** Waits for the next deadline: a timer for the bulk of the wait, then `setImmediate` polls for the rest. */
  private arm(): void {
    const remaining = this.deadline(this.nextIndex) - this.time.now();
    if (this.spinMs > 0 && remaining <= this.spinMs) {
      this.timer = this.time.setImmediate!(this.wakeUp);
    } else {
      this.timer = this.time.setTimeout(this.wakeUp, Math.max(0, remaining - this.spinMs));
    }
  }

  /**
   * A timer or a poll: fires the tick if its deadline has passed, else resumes a process phase that a deadline cut
   * short (the event loop has had a turn for I/O meanwhile), else waits on (woken early: by design when polling,
   * or because libuv's loop time is truncated to whole milliseconds).
   */
  /** `wake`, bound once: the scheduler arms a timer or a poll several times per tick. */
  private readonly wakeUp = (): void => this.wake();

  private wake(): void {
    this.timer = undefined;
    if (!this.running) {
      return;
    }
    let now = this.time.now();
    const deadline = this.deadline(this.nextIndex);
    if (
      now < deadline &&
      this.processOwed === 0 &&
      this.time.sleep !== undefined &&
      deadline - now <= this.spinMs
    ) {
      this.time.sleep(deadline - now);
      now = this.time.now();
    }
    if (now >= deadline) {
      this.fire(now);
    } else if (this.processOwed > 0) {
      this.runProcessPhase();
      this.handlerTime.add(this.time.now() - now);
    }
    if (this.running) {
      this.armNext();
    }
  }

  /** An unfinished process phase goes on at once (after I/O); otherwise the wait for the next deadline. */
  private armNext(): void {
    if (this.processOwed > 0 && this.time.setImmediate !== undefined) {
      this.timer = this.time.setImmediate(this.wakeUp);
    } else {
      this.arm();
    }
  }

  private fire(now: number): void {
    // The latest deadline that has passed; every earlier one not yet fired is skipped, not replayed.
    const dueIndex = Math.max(this.nextIndex, Math.floor((now - this.t0) / this.periodMs));
    const skipped = dueIndex - this.nextIndex;
    const elapsedTicks = dueIndex - this.lastIndex;
    this.skippedTicks += skipped;
    this.ticks += 1;

    const deadline = this.deadline(dueIndex);
    const lateness = now - deadline;
    this.lateness.add(lateness);
    if (lateness > this.lateThresholdMs) {
      this.lateTicks += 1;
    }
    this.intervalError.add(Math.abs(now - this.lastFiredAt - elapsedTicks * this.periodMs));
    this.lastFiredAt = now;
    this.lastIndex = dueIndex;
    this.nextIndex = dueIndex + 1;

    const tick: SchedulerTick = { index: dueIndex, elapsedTicks, now, deadline };
    this.lastTick = tick;
    this.runHook('begin');
    for (const entry of this.handlers) {
      this.runHandler(entry, tick);
    }
    this.runHook('end');
    this.processOwed = this.processHandlers.length;
    this.runProcessPhase();
    this.handlerTime.add(this.time.now() - now);
  }

  /**
   * Runs owed process handlers, round the list from the cursor, until none is owed or the next deadline has come
   * (see the header): the clock is read between handlers, about 50 ns against the tens of µs a call's caller side
   * costs.
   */
  private runProcessPhase(): void {
    const tick = this.lastTick;
    const nextDeadline = this.deadline(this.nextIndex);
    while (this.processOwed > 0) {
      const entries = this.processHandlers;
      if (entries.length === 0) {
        this.processOwed = 0;
        return;
      }
      if (this.processCursor >= entries.length) {
        this.processCursor = 0;
      }
      const entry = entries[this.processCursor]!;
      this.processCursor++;
      this.processOwed--;
      this.runHandler(entry, tick!);
      if (this.processOwed > 0 && this.time.now() >= nextDeadline) {
        this.preemptedPhases += 1;
        return;
      }
    }
  }

  private runHandler(entry: HandlerEntry, tick: SchedulerTick): void {
    if (!entry.active) {
      return;
    }
    try {
      entry.handler(tick);
    } catch (error) {
      this.reportError(error, entry.registration);
    }
  }

  private runHook(which: keyof SendPhaseHooks): void {
    if (this.sendPhase === undefined) {
      return;
    }
    try {
      this.sendPhase[which]();
    } catch (error) {
      this.reportError(error, SEND_PHASE_HOOK);
    }
  }

  private reportError(error: unknown, registration: TickRegistration): void {
    this.handlerErrors += 1;
    try {
      this.onError?.(error, registration);
    } catch {
      // A failing error reporter must not stop the clock of every call.
    }
  }
}
