// The shared 20 ms scheduler on a hand-driven clock: ideal-timeline deadlines, skipping (not bursting) after a
// blocked loop, handler isolation, lifecycle and statistics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaScheduler, type SchedulerTick } from '../../../../src/media/playback/media-scheduler.js';
import { FakeSchedulerTime } from './scheduler-fake-time.js';

function recordTicks(scheduler: MediaScheduler): SchedulerTick[] {
  const ticks: SchedulerTick[] = [];
  scheduler.register((tick) => ticks.push(tick), 'recorder');
  return ticks;
}

describe('MediaScheduler', () => {
  it('fires every 20 ms on the ideal timeline, one period after the first registration', () => {
    const time = new FakeSchedulerTime();
    time.current = 1000;
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const ticks = recordTicks(scheduler);
    time.advance(19);
    assert.equal(ticks.length, 0);
    time.advance(81);
    assert.deepEqual(
      ticks.map((t) => [t.index, t.elapsedTicks, t.now]),
      [
        [1, 1, 1020],
        [2, 1, 1040],
        [3, 1, 1060],
        [4, 1, 1080],
        [5, 1, 1100],
      ],
    );
    scheduler.close();
  });

  it('corrects drift: each wait is measured to the next ideal deadline, not "now + 20"', () => {
    const time = new FakeSchedulerTime();
    time.timerLateness = 3; // every timer wakes 3 ms late
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const ticks = recordTicks(scheduler);
    time.advance(1000);
    // Without correction the 3 ms would accumulate (23 ms periods, 43 ticks in a second); with it each tick is
    // exactly 3 ms late and the count matches the clock.
    assert.equal(ticks.length, 49);
    for (const [i, tick] of ticks.entries()) {
      assert.equal(tick.now, (i + 1) * 20 + 3);
      assert.equal(tick.elapsedTicks, 1);
    }
    assert.deepEqual(time.requestedDelays.slice(0, 3), [20, 17, 17]);
    const stats = scheduler.stats();
    assert.equal(stats.lateness.p50, 3);
    assert.equal(stats.intervalError.max, 3); // only the first interval (t0 → 23) is off by 3
    assert.equal(stats.intervalError.p50, 0);
    scheduler.close();
  });

  it('skips the ticks missed while the event loop was blocked instead of firing them in a burst', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const ticks = recordTicks(scheduler);
    time.advance(40); // ticks 1 and 2
    time.block(75); // now 115: deadlines 60, 80 and 100 passed while blocked
    time.runDue();
    assert.equal(ticks.length, 3, 'one tick after the block, not three');
    assert.deepEqual(ticks[2], { index: 5, elapsedTicks: 3, now: 115, deadline: 100 });
    time.advance(5); // 120: tick 6 on time, back on the original timeline
    assert.deepEqual(ticks[3], { index: 6, elapsedTicks: 1, now: 120, deadline: 120 });
    const stats = scheduler.stats();
    assert.equal(stats.skippedTicks, 2);
    assert.equal(stats.ticks, 4);
    assert.equal(stats.lateTicks, 1); // 15 ms after the deadline of tick 5
    assert.equal(stats.lateness.max, 15);
    // Every period is accounted for: fired + skipped = last index.
    assert.equal(stats.ticks + stats.skippedTicks, ticks.at(-1)!.index);
    scheduler.close();
  });

  it('fires a tick that is late by less than a period without skipping anything', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const ticks = recordTicks(scheduler);
    time.block(38);
    time.runDue();
    assert.deepEqual(ticks, [{ index: 1, elapsedTicks: 1, now: 38, deadline: 20 }]);
    time.advance(2);
    assert.deepEqual(ticks[1], { index: 2, elapsedTicks: 1, now: 40, deadline: 40 });
    assert.equal(scheduler.stats().skippedTicks, 0);
    scheduler.close();
  });

  it('keeps ticking when a handler throws, and reports the error with the handler label', () => {
    const time = new FakeSchedulerTime();
    const errors: [unknown, string][] = [];
    const scheduler = new MediaScheduler({
      timeSource: time,
      spinMs: 0,
      onError: (error, registration) => errors.push([error, registration.label]),
    });
    let before = 0;
    let after = 0;
    scheduler.register(() => (before += 1), 'before');
    scheduler.register(() => {
      throw new Error('encoder exploded');
    }, 'call-42');
    scheduler.register(() => (after += 1), 'after');
    time.advance(60);
    assert.equal(before, 3);
    assert.equal(after, 3);
    assert.equal(errors.length, 3);
    assert.equal(errors[0]![1], 'call-42');
    assert.match(String(errors[0]![0]), /encoder exploded/);
    assert.equal(scheduler.stats().handlerErrors, 3);
    scheduler.close();
  });

  it('survives an onError reporter that throws', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({
      timeSource: time,
      spinMs: 0,
      onError: () => {
        throw new Error('logger down');
      },
    });
    let calls = 0;
    scheduler.register(() => {
      calls += 1;
      throw new Error('boom');
    });
    time.advance(100);
    assert.equal(calls, 5);
    assert.equal(scheduler.stats().handlerErrors, 5);
    scheduler.close();
  });

  it('lets handlers unregister themselves and others mid-tick; new handlers start on the next tick', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const calls: string[] = [];
    let late: ReturnType<MediaScheduler['register']> | undefined;
    const second = scheduler.register(() => calls.push('second'), 'second');
    const first = scheduler.register(() => {
      calls.push('first');
      first.unregister();
      third.unregister(); // not yet called in this tick: must not be
      late = scheduler.register(() => calls.push('late'), 'late');
    }, 'first');
    const third = scheduler.register(() => calls.push('third'), 'third');
    time.advance(20);
    assert.deepEqual(calls, ['second', 'first']);
    time.advance(20);
    assert.deepEqual(calls, ['second', 'first', 'second', 'late']);
    second.unregister();
    late!.unregister();
    late!.unregister(); // idempotent
    assert.equal(scheduler.handlerCount, 0);
  });

  it('runs every send-phase handler before any process-phase handler, each phase in registration order', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const order: string[] = [];
    scheduler.register(() => order.push('in:a'), 'a:in', 'process');
    scheduler.register(() => order.push('out:a'), 'a');
    const b = scheduler.register(() => order.push('out:b'), 'b', 'send');
    const bIn = scheduler.register(() => order.push('in:b'), 'b:in', 'process');
    assert.equal(scheduler.handlerCount, 4);
    time.advance(20);
    assert.deepEqual(order, ['out:a', 'out:b', 'in:a', 'in:b']);
    b.unregister();
    bIn.unregister();
    assert.equal(scheduler.stats().handlers, 2);
    time.advance(20);
    assert.deepEqual(order.slice(4), ['out:a', 'in:a']);
    scheduler.close();
    assert.equal(scheduler.handlerCount, 0);
    assert.equal(scheduler.stats().running, false);
  });

  it('runs the next send phase on time when a process phase overruns, then finishes the process work it owes', () => {
    const time = new FakeSchedulerTime(true);
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 1 });
    const sendTimes: number[] = [];
    // Visits per process handler, each with the number of send phases that had run by then.
    const visits = new Map<string, number[]>();
    let sends = 0;
    scheduler.register(() => {
      sends += 1;
      sendTimes.push(time.now());
    }, 'out');
    for (const name of ['a', 'b', 'c', 'd']) {
      visits.set(name, []);
      scheduler.register(
        () => {
          visits.get(name)!.push(sends);
          // Tick 1's process phase costs 10 ms per handler (40 ms in all, two periods); later ones 1 ms.
          time.block(sends === 1 ? 10 : 1);
        },
        `${name}:in`,
        'process',
      );
    }
    time.advance(200);
    // The send phases keep the ideal timeline (within one event loop turn, 0.05 ms here): tick 2 was not held
    // back by tick 1's process phase, which would have let it go at 60 ms.
    assert.deepEqual(
      sendTimes.slice(0, 4).map((t) => Math.round(t * 10) / 10),
      [20, 40.1, 60, 80],
    );
    // a and b ran in tick 1's phase until the 40 ms deadline cut it; c and d ran after tick 2's send (and so
    // read both ticks' frames), then the walk went on round to a and b for tick 2; then one visit per tick each.
    assert.deepEqual(visits.get('a')!.slice(0, 4), [1, 2, 3, 4]);
    assert.deepEqual(visits.get('b')!.slice(0, 4), [1, 2, 3, 4]);
    assert.deepEqual(visits.get('c')!.slice(0, 4), [2, 3, 4, 5]);
    assert.deepEqual(visits.get('d')!.slice(0, 4), [2, 3, 4, 5]);
    assert.ok(scheduler.stats().preemptedProcessPhases >= 1);
    assert.equal(scheduler.stats().skippedTicks, 0);
    scheduler.close();
  });

  it('runs only while handlers are registered, and restarts on a fresh timeline', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const registration = scheduler.register(() => undefined);
    time.advance(50);
    registration.unregister();
    assert.equal(time.pending(), 0, 'no timer left behind');
    assert.equal(scheduler.stats().running, false);
    time.advance(1000);
    const ticks = recordTicks(scheduler);
    time.advance(20);
    assert.deepEqual(ticks, [{ index: 1, elapsedTicks: 1, now: 1070, deadline: 1070 }]);
    scheduler.close();
    assert.equal(time.pending(), 0);
    assert.equal(scheduler.handlerCount, 0);
  });

  it('without sleep, waits on a timer until spinMs before the deadline, then polls with setImmediate', () => {
    const time = new FakeSchedulerTime(true);
    time.timerLateness = 0.8; // timers wake up to a millisecond late; polling absorbs it
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 1 });
    const ticks = recordTicks(scheduler);
    time.advance(100.5);
    // Wake 1 ms early: 19 ms after start, then 19 ms after each on-time tick.
    for (const delay of time.requestedDelays.slice(0, 2)) {
      assert.ok(Math.abs(delay - 19) < 1e-9, `delay ${delay}`);
    }
    assert.ok(time.immediateCount > 0);
    for (const [i, tick] of ticks.entries()) {
      const deadline = (i + 1) * 20;
      assert.ok(tick.now >= deadline && tick.now < deadline + 0.1, `tick ${i + 1} at ${tick.now}`);
    }
    assert.equal(ticks.length, 5);
    scheduler.close();
  });

  it('with sleep, sleeps from the timer (spinMs early) exactly to the deadline: no busy poll', () => {
    const time = new FakeSchedulerTime(true, true);
    time.timerLateness = 0.3; // the timer wakes 0.7 ms before the deadline
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 1 });
    const ticks = recordTicks(scheduler);
    time.advance(100.5);
    assert.deepEqual(
      ticks.map((t) => t.now),
      [20, 40, 60, 80, 100],
    );
    // One sleep per tick, from the timer's wake-up 0.7 ms early; no setImmediate poll at all.
    assert.equal(time.immediateCount, 0);
    assert.equal(time.sleeps.length, 5);
    for (const ms of time.sleeps) {
      assert.ok(Math.abs(ms - 0.7) < 1e-9, `slept ${ms}`);
    }
    assert.equal(scheduler.stats().lateness.max, 0);
    scheduler.close();
  });

  it('reports percentiles over its window and an all-time maximum', () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({
      timeSource: time,
      spinMs: 0,
      statsWindow: 100,
      lateThresholdMs: 5,
    });
    recordTicks(scheduler);
    for (let i = 0; i < 100; i++) {
      // 98 on-time ticks, then two 10 ms-late ones (the loop blocked past their deadlines).
      if (i >= 98) {
        time.block(i === 98 ? 30 : 20);
        time.runDue();
      } else {
        time.advance(20);
      }
    }
    const stats = scheduler.stats();
    assert.equal(stats.ticks, 100);
    assert.equal(stats.lateness.p50, 0);
    assert.equal(stats.lateness.p99, 10);
    assert.equal(stats.lateness.max, 10);
    assert.equal(stats.lateTicks, 2);
    assert.equal(stats.skippedTicks, 0);
    scheduler.close();
  });

  it('brackets each send phase with the sendPhase hooks, before any process handler; a throwing hook is reported', () => {
    const time = new FakeSchedulerTime();
    const order: string[] = [];
    const errors: string[] = [];
    let failBegin = false;
    const scheduler = new MediaScheduler({
      timeSource: time,
      spinMs: 0,
      sendPhase: {
        begin: () => {
          order.push('begin');
          if (failBegin) {
            throw new Error('hook failed');
          }
        },
        end: () => order.push('end'),
      },
      onError: (_error, registration) => errors.push(registration.label),
    });
    scheduler.register(() => order.push('send a'), 'a');
    scheduler.register(() => order.push('process'), 'p', 'process');
    scheduler.register(() => order.push('send b'), 'b');
    time.advance(20);
    assert.deepEqual(order, ['begin', 'send a', 'send b', 'end', 'process']);
    failBegin = true;
    order.length = 0;
    time.advance(20);
    assert.deepEqual(order, ['begin', 'send a', 'send b', 'end', 'process'], 'the tick goes on');
    assert.deepEqual(errors, ['send phase']);
    scheduler.close();
  });

  it('with a phase, puts its ticks at that offset of the period on the absolute clock', () => {
    const time = new FakeSchedulerTime();
    time.current = 1003; // this thread's clock; its origin is 500 ms after the absolute clock's zero
    const scheduler = new MediaScheduler({
      timeSource: time,
      spinMs: 0,
      phase: { offsetMs: 10, originMs: 500 },
    });
    const ticks = recordTicks(scheduler);
    time.advance(60);
    // Absolute time 1503 + 7 = 1510 ≡ 10 (mod 20): the first tick at 1010, then every 20 ms.
    assert.deepEqual(
      ticks.map((t) => t.now),
      [1010, 1030, 1050],
    );
    assert.equal(scheduler.stats().intervalError.max, 0);
    scheduler.close();
  });
  it('rejects a non-positive period', () => {
    assert.throws(() => new MediaScheduler({ periodMs: 0 }), RangeError);
  });
});
