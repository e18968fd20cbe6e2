import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { OverloadMonitor, type DelayHistogram } from '../../../src/shared/overload-monitor.js';

/** A histogram whose p99 the test sets, in milliseconds. */
class FakeHistogram implements DelayHistogram {
  p99Ms = 0;
  enabled = false;
  resets = 0;
  enable(): boolean {
    this.enabled = true;
    return true;
  }
  disable(): boolean {
    this.enabled = false;
    return true;
  }
  reset(): void {
    this.resets += 1;
  }
  percentile(percentile: number): number {
    assert.equal(percentile, 99);
    return this.p99Ms * 1e6;
  }
}

function setup(): { clock: ManualClock; histogram: FakeHistogram; monitor: OverloadMonitor } {
  const clock = new ManualClock();
  const histogram = new FakeHistogram();
  const monitor = new OverloadMonitor({ thresholdMs: 250, windowMs: 1000, clock, histogram });
  return { clock, histogram, monitor };
}

describe('OverloadMonitor', () => {
  it('judges each window by its p99 delay against the threshold', () => {
    const { clock, histogram, monitor } = setup();
    monitor.start();
    assert.ok(histogram.enabled);
    histogram.p99Ms = 400;
    assert.equal(monitor.isOverloaded(), false, 'no verdict before the first window closes');
    clock.advance(1000);
    assert.equal(monitor.isOverloaded(), true);
    assert.equal(monitor.lastDelayMs(), 400);
    histogram.p99Ms = 250;
    clock.advance(999);
    assert.equal(monitor.isOverloaded(), true, 'the verdict holds for the whole next window');
    clock.advance(1);
    assert.equal(monitor.isOverloaded(), false, 'equal to the threshold is not over it');
  });

  it('starts each window from an empty histogram', () => {
    const { clock, histogram, monitor } = setup();
    monitor.start();
    const before = histogram.resets;
    clock.advance(3000);
    assert.equal(histogram.resets - before, 3);
  });

  it('stop() disables sampling, clears the verdict and cancels its timer', () => {
    const { clock, histogram, monitor } = setup();
    monitor.start();
    histogram.p99Ms = 1000;
    clock.advance(1000);
    assert.ok(monitor.isOverloaded());
    monitor.stop();
    assert.equal(monitor.isOverloaded(), false);
    assert.equal(histogram.enabled, false);
    assert.equal(clock.pending(), 0);
  });

  it('start() twice keeps a single window timer', () => {
    const { clock, monitor } = setup();
    monitor.start();
    monitor.start();
    assert.equal(clock.pending(), 1);
    monitor.stop();
  });

  it('detects a real, repeatedly stalled event loop with the default histogram', async () => {
    const monitor = new OverloadMonitor({ thresholdMs: 50, windowMs: 500 });
    const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    monitor.start();
    try {
      // Sustained overload: 100 ms of synchronous work, a breath for timers, again, for longer than a window.
      let sawOverload = false;
      const end = performance.now() + 1500;
      while (performance.now() < end && !sawOverload) {
        const until = performance.now() + 100;
        while (performance.now() < until) {
          // Busy-wait: the loop cannot run timers, which is what an overload looks like.
        }
        await pause();
        sawOverload = monitor.isOverloaded();
      }
      assert.ok(sawOverload, `p99 ${monitor.lastDelayMs()} ms`);
      assert.ok(monitor.lastDelayMs() > 50);
    } finally {
      monitor.stop();
    }
  });
});
