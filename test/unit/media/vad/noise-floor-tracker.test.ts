import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoiseFloorTracker } from '../../../../src/media/vad/noise-floor-tracker.js';
import { gaussian, seededRandom } from './test-audio.js';

/** Feeds `frames` frames whose single band level is drawn by `level(i)`. */
function feed(
  tracker: NoiseFloorTracker,
  frames: number,
  level: (i: number) => number,
  inSpeech = false,
): void {
  const levels = new Float64Array(1);
  for (let i = 0; i < frames; i++) {
    levels[0] = level(i);
    tracker.update(levels, inSpeech);
  }
}

describe('NoiseFloorTracker', () => {
  it('settles a little under the median of a fluctuating background', () => {
    const tracker = new NoiseFloorTracker(1, { smoothing: 0 });
    const normal = gaussian(seededRandom(5));
    feed(tracker, 3000, () => -40 + 2 * normal());
    const floor = tracker.floorDb(0);
    // rise 3 dB/s vs fall 6 dB/s: the 1/3 quantile of N(-40, 2) is about -40.9.
    assert.ok(floor > -42 && floor < -40, `floor ${floor}`);
    assert.ok(
      Math.abs(tracker.spreadDb(0) - 1.35) < 0.5,
      `spread ${tracker.spreadDb(0)} (median |x - floor|)`,
    );
  });

  it('rises slowly under intermittent loud frames and falls fast when the background drops', () => {
    const tracker = new NoiseFloorTracker(1, { smoothing: 0, warmUpMs: 0 });
    feed(tracker, 200, () => -50);
    // Speech-like bursts, 20 dB up half of the time, every other 200 ms: the floor must stay near -50.
    feed(tracker, 500, (i) => (Math.floor(i / 10) % 2 === 0 ? -30 : -50));
    assert.ok(tracker.floorDb(0) < -48, `floor crept to ${tracker.floorDb(0)}`);
    // Share-of-gap fall down to within 8 dB, then 6 dB/s.
    feed(tracker, 10, () => -70);
    assert.ok(tracker.floorDb(0) < -61, `after 200 ms of a 20 dB quieter background: ${tracker.floorDb(0)}`);
    feed(tracker, 90, () => -70);
    assert.ok(tracker.floorDb(0) < -69, `after 2 s: ${tracker.floorDb(0)}`);
  });

  it('jumps to a new steady background after the steadiness window, even while in speech', () => {
    const tracker = new NoiseFloorTracker(1, { smoothing: 0, warmUpMs: 0 });
    feed(tracker, 200, () => -60);
    feed(tracker, 49, () => -35, true);
    assert.ok(tracker.floorDb(0) < -55, 'not before a full second');
    feed(tracker, 2, () => -35, true);
    assert.equal(tracker.floorDb(0), -35);
  });

  it('never goes below lowestFloorDbfs and learns nothing from digital silence', () => {
    const tracker = new NoiseFloorTracker(1, { smoothing: 0 });
    feed(tracker, 500, () => -120);
    assert.equal(tracker.floorDb(0), -75);
    assert.equal(tracker.spreadDb(0), 3);
  });
});
