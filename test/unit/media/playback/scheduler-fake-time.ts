// A scheduler time source whose clock and timers the test moves by hand. Unlike ManualClock, time can jump
// without firing timers (`block`), which is what a blocked event loop looks like to the scheduler.
import type { TimerHandle } from '../../../../src/shared/clock.js';
import type { SchedulerTimeSource } from '../../../../src/media/playback/media-scheduler.js';

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
  immediate: boolean;
}

export class FakeSchedulerTime implements SchedulerTimeSource {
  current = 0;
  /** Added to the firing time of every timeout (a timer that wakes late). */
  timerLateness = 0;
  readonly requestedDelays: number[] = [];
  immediateCount = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];

  /** Sleeps taken (ms each): a sleep blocks the loop, like `block`. */
  readonly sleeps: number[] = [];

  constructor(
    private readonly withImmediate = false,
    withSleep = false,
  ) {
    if (!withImmediate) {
      // The scheduler checks for the method's presence to decide whether it may poll.
      (this as { setImmediate?: unknown }).setImmediate = undefined;
    }
    if (!withSleep) {
      (this as { sleep?: unknown }).sleep = undefined;
    }
  }

  sleep(ms: number): void {
    this.sleeps.push(ms);
    this.current += ms;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.requestedDelays.push(ms);
    return this.add({ id: ++this.seq, due: this.current + ms + this.timerLateness, fn, immediate: false });
  }

  setImmediate(fn: () => void): TimerHandle {
    this.immediateCount += 1;
    // An event loop turn: a few microseconds.
    return this.add({ id: ++this.seq, due: this.current + 0.05, fn, immediate: true });
  }

  /** Time passes with the loop blocked: nothing fires. */
  block(ms: number): void {
    this.current += ms;
  }

  /** Fires every timer due by now, at the current time (late if the loop was blocked). */
  runDue(): void {
    for (;;) {
      const due = this.timers
        .filter((t) => t.due <= this.current)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (due === undefined) {
        return;
      }
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }

  /** Moves time forward by `ms`, firing timers at their due times. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (next === undefined) {
        break;
      }
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }

  pending(): number {
    return this.timers.length;
  }

  private add(timer: FakeTimer): TimerHandle {
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }
}
