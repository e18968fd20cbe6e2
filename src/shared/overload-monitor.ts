/**
 * Event loop overload detection. Media pacing, SIP retransmissions and the speech pipeline all share one
 * event loop; once it lags, every live call suffers, so new calls are refused (503 + Retry-After) until it
 * recovers. Lives in `shared` because both the SIP engine and the call layer consult it, and neither may
 * import the other.
 *
 * The loop delay is sampled by `perf_hooks.monitorEventLoopDelay`. At the end of each window the monitor
 * takes the window's 99th percentile delay: above the threshold, the process counts as overloaded for the
 * whole next window, which gives the verdict some hysteresis. A stalled loop also takes fewer samples, so with
 * the default 10 ms resolution and 1 s window (about 100 samples) the p99 is close to the window's worst
 * stall: a loop that stalled past the threshold during the last second refuses new calls for the next one.
 * The mean would not do: it dilutes stalls among the idle samples and only moves when the loop is
 * blocked almost all the time, long after media has become inaudible.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemClock, type Clock, type TimerHandle } from './clock.js';

/** The part of `perf_hooks.IntervalHistogram` the monitor uses (values in nanoseconds). */
export interface DelayHistogram {
  enable(): boolean;
  disable(): boolean;
  reset(): void;
  percentile(percentile: number): number;
}

export interface OverloadMonitorOptions {
  /** Window p99 delay above which the process is overloaded, ms (`calls.eventLoopDelayMs`). */
  thresholdMs: number;
  /** Measurement window, ms. @default 1000 */
  windowMs?: number;
  /** Sampling resolution of the default histogram, ms. @default 10 */
  resolutionMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default monitorEventLoopDelay({ resolution: resolutionMs }) */
  histogram?: DelayHistogram;
}

const NS_PER_MS = 1e6;

export class OverloadMonitor {
  private readonly thresholdMs: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly histogram: DelayHistogram;
  private timer: TimerHandle | undefined;
  private overloaded = false;
  private lastP99Ms = 0;

  constructor(options: OverloadMonitorOptions) {
    this.thresholdMs = options.thresholdMs;
    this.windowMs = options.windowMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    this.histogram = options.histogram ?? monitorEventLoopDelay({ resolution: options.resolutionMs ?? 10 });
  }

  start(): void {
    if (this.timer !== undefined) {
      return;
    }
    this.histogram.reset();
    this.histogram.enable();
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.histogram.disable();
    this.overloaded = false;
  }

  /** Verdict of the last complete window; `false` before the first window ends and after `stop()`. */
  isOverloaded(): boolean {
    return this.overloaded;
  }

  /** 99th percentile loop delay of the last complete window, ms (for metrics). */
  lastDelayMs(): number {
    return this.lastP99Ms;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.closeWindow();
      this.schedule();
    }, this.windowMs);
  }

  private closeWindow(): void {
    // An empty histogram reports 0 (no sample means no measured delay).
    const p99 = this.histogram.percentile(99) / NS_PER_MS;
    this.lastP99Ms = Number.isFinite(p99) ? p99 : 0;
    this.overloaded = this.lastP99Ms > this.thresholdMs;
    this.histogram.reset();
  }
}
