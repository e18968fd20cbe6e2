import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { AudioFork } from '../../../../src/media/fork/audio-fork.js';
import type { ForkSubscription } from '../../../../src/media/fork/fork-subscription.js';

/** Frame `n`: every sample equals n, so order and identity are easy to check. */
function numbered(n: number): Int16Array {
  return new Int16Array(160).fill(n);
}

function sineFrames(hz: number, frames: number, amplitude = 8000): Int16Array[] {
  return Array.from({ length: frames }, (_, f) =>
    Int16Array.from({ length: 160 }, (_, n) =>
      Math.round(amplitude * Math.sin((2 * Math.PI * hz * (f * 160 + n)) / 8000)),
    ),
  );
}

async function drain(subscription: ForkSubscription): Promise<Int16Array[]> {
  const frames: Int16Array[] = [];
  for await (const frame of subscription) {
    frames.push(frame);
  }
  return frames;
}

/** Power of the component at `hz` in `samples` at `rate` (one DFT term). */
function tonePower(samples: Int16Array, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let n = 0; n < samples.length; n++) {
    re += samples[n]! * Math.cos((2 * Math.PI * hz * n) / rate);
    im -= samples[n]! * Math.sin((2 * Math.PI * hz * n) / rate);
  }
  return (2 * (re * re + im * im)) / (samples.length * samples.length);
}

describe('AudioFork', () => {
  it('gives every subscriber every frame, in order, as a copy of what was pushed', async () => {
    const fork = new AudioFork();
    const a = fork.subscribe({ name: 'asr' });
    const b = fork.subscribe();
    const buffer = new Int16Array(160);
    for (let n = 1; n <= 5; n++) {
      buffer.fill(n);
      fork.push(buffer);
    }
    buffer.fill(99);
    fork.close();
    for (const s of [a, b]) {
      const frames = await drain(s);
      assert.deepEqual(
        frames.map((f) => f[0]),
        [1, 2, 3, 4, 5],
      );
      assert.ok(s.ended);
      assert.equal(s.delivered, 5);
    }
    assert.equal(a.name, 'asr');
    assert.equal(b.name, 'subscriber-2');
  });

  it('drops the oldest frames of a slow subscriber, counts them, and never holds up the others', async () => {
    const fork = new AudioFork();
    const slow = fork.subscribe({ queueFrames: 5 });
    const fast = fork.subscribe();
    const fastFrames: number[] = [];
    const reading = (async () => {
      for await (const frame of fast) {
        fastFrames.push(frame[0]!);
      }
    })();
    for (let n = 0; n < 12; n++) {
      fork.push(numbered(n));
      await nextTurn();
    }
    assert.equal(slow.queued, 5);
    assert.equal(slow.dropped, 7);
    assert.deepEqual(
      fork.stats().find((s) => s.name === slow.name),
      {
        name: slow.name,
        sampleRate: 8000,
        queued: 5,
        dropped: 7,
        delivered: 0,
      },
    );
    fork.close();
    await reading;
    assert.deepEqual(fastFrames, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(fast.dropped, 0);
    assert.deepEqual(
      (await drain(slow)).map((f) => f[0]),
      [7, 8, 9, 10, 11],
    );
  });

  it('stays bounded however far behind a subscriber is (50 frames by default)', () => {
    const fork = new AudioFork();
    const idle = fork.subscribe();
    for (let n = 0; n < 10_000; n++) {
      fork.push(numbered(n % 1000));
    }
    assert.equal(idle.queued, 50);
    assert.equal(idle.dropped, 9950);
  });

  it('wakes a waiting reader as soon as a frame arrives', async () => {
    const fork = new AudioFork();
    const subscription = fork.subscribe();
    const pending = subscription.next();
    fork.push(numbered(42));
    const result = await pending;
    assert.equal(result.done, false);
    assert.equal(result.value?.[0], 42);
    await assert.rejects(Promise.all([subscription.next(), subscription.next()]), /called again/);
    fork.close();
  });

  it('leaves the fork on unsubscribe() or break, and ends a pending read', async () => {
    const fork = new AudioFork();
    const a = fork.subscribe();
    const b = fork.subscribe();
    assert.equal(fork.subscriberCount, 2);
    const pending = a.next();
    a.unsubscribe();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(fork.subscriberCount, 1);
    fork.push(numbered(1));
    fork.push(numbered(2));
    for await (const frame of b) {
      assert.equal(frame[0], 1);
      break;
    }
    assert.equal(fork.subscriberCount, 0);
  });

  it('queues the recent past for a late subscriber (pre-roll)', async () => {
    const fork = new AudioFork({ historyFrames: 10 });
    for (let n = 0; n < 30; n++) {
      fork.push(numbered(n));
    }
    const late = fork.subscribe({ preRollFrames: 4 });
    fork.push(numbered(30));
    fork.close();
    assert.deepEqual(
      (await drain(late)).map((f) => f[0]),
      [26, 27, 28, 29, 30],
    );
    assert.throws(() => new AudioFork({ historyFrames: 10 }).subscribe({ preRollFrames: 11 }), RangeError);
  });

  it('upsamples to 16 kHz: 320-sample frames, the tone kept, its image above 4 kHz removed', async () => {
    const fork = new AudioFork();
    const wide = fork.subscribe({ sampleRate: 16000 });
    for (const frame of sineFrames(1000, 25)) {
      fork.push(frame);
    }
    fork.close();
    const frames = await drain(wide);
    assert.equal(frames.length, 25);
    assert.ok(frames.every((f) => f.length === 320));
    const steady = new Int16Array(frames.slice(5).flatMap((f) => [...f]));
    const tone = tonePower(steady, 1000, 16000);
    const image = tonePower(steady, 7000, 16000);
    assert.ok(Math.abs(10 * Math.log10(tone / (8000 * 8000 * 0.5))) < 0.5, 'unity gain in the pass band');
    assert.ok(10 * Math.log10(image / tone) < -45, `image at ${10 * Math.log10(image / tone)} dB`);
  });

  it('gives a late 16 kHz subscriber with pre-roll the same samples as one that was there all along', async () => {
    const fork = new AudioFork({ historyFrames: 10 });
    const early = fork.subscribe({ sampleRate: 16000, queueFrames: 100 });
    const input = sineFrames(440, 40, 6000);
    input.slice(0, 20).forEach((f) => fork.push(f));
    const late = fork.subscribe({ sampleRate: 16000, preRollFrames: 10 });
    input.slice(20).forEach((f) => fork.push(f));
    fork.close();
    const all = await drain(early);
    const lateFrames = await drain(late);
    assert.equal(lateFrames.length, 30);
    assert.deepEqual(lateFrames, all.slice(10));
  });

  it('primes the 16 kHz path from history when the first wide subscriber arrives late', async () => {
    const reference = new AudioFork({ historyFrames: 10 });
    const referenceSub = reference.subscribe({ sampleRate: 16000, queueFrames: 100 });
    const fork = new AudioFork({ historyFrames: 10 });
    const input = sineFrames(300, 30, 6000);
    input.forEach((f) => reference.push(f));
    // The first 16 kHz subscriber arrives after frame 20: its pre-roll (frames 11..20) is upsampled on the spot.
    input.slice(0, 21).forEach((f) => fork.push(f));
    const late = fork.subscribe({ sampleRate: 16000, preRollFrames: 10 });
    input.slice(21).forEach((f) => fork.push(f));
    reference.close();
    fork.close();
    const expected = (await drain(referenceSub)).slice(11);
    const got = await drain(late);
    assert.equal(got.length, expected.length);
    // The late path started 11 frames in, so its filter state differs for the first frame only.
    assert.deepEqual(got.slice(1), expected.slice(1));
  });

  it('after close(): later pushes are ignored and new subscriptions end at once', async () => {
    const fork = new AudioFork();
    fork.close();
    fork.push(numbered(1));
    const after = fork.subscribe();
    assert.deepEqual(await after.next(), { value: undefined, done: true });
    assert.equal(fork.closed, true);
    assert.equal(fork.subscriberCount, 0);
  });

  it('rejects frames of the wrong size and bad options', () => {
    const fork = new AudioFork();
    assert.throws(() => fork.push(new Int16Array(80)), RangeError);
    assert.throws(() => fork.subscribe({ queueFrames: 0 }), RangeError);
    assert.throws(() => fork.subscribe({ sampleRate: 44100 as 8000 }), RangeError);
    assert.throws(() => new AudioFork({ historyFrames: -1 }), RangeError);
  });
});
