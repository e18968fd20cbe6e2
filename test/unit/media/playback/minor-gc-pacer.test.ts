// The minor-GC pacer on this process' real V8 heap: it collects after a send phase only once the young generation
// is past its threshold, and the collection empties it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { MinorGcPacer } from '../../../../src/media/playback/minor-gc-pacer.js';

function newSpace(): { used: number; capacity: number } {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!;
  return { used: space.space_used_size, capacity: space.space_used_size + space.space_available_size };
}

/** Short-lived objects until the new space is at least `fraction` full (a collection on the way resets it). */
function fillNewSpace(fraction: number): void {
  let sink: unknown[] = [];
  for (let i = 0; i < 10_000_000; i++) {
    sink.push({ i });
    if (sink.length === 1000) {
      sink = [];
      const { used, capacity } = newSpace();
      if (used >= fraction * capacity) {
        return;
      }
    }
  }
  throw new Error('the new space never filled');
}

describe('MinorGcPacer', () => {
  it('runs a minor collection after a send phase once the new space is past the threshold, not before', () => {
    const pacer = MinorGcPacer.create({ threshold: 0.5 });
    assert.ok(pacer !== undefined, 'V8 lets the gc function be exposed');
    pacer.afterSendPhase(); // whatever the state, start from an empty new space
    const start = pacer.stats().collections;
    fillNewSpace(0.2);
    assert.ok(newSpace().used < 0.5 * newSpace().capacity);
    pacer.afterSendPhase();
    assert.equal(pacer.stats().collections, start, 'under the threshold: no collection');
    fillNewSpace(0.7);
    pacer.afterSendPhase();
    const stats = pacer.stats();
    assert.equal(stats.collections, start + 1);
    assert.ok(stats.pauseMs > 0);
    assert.ok(newSpace().used < 0.5 * newSpace().capacity, `new space after: ${JSON.stringify(newSpace())}`);
  });

  it('rejects a threshold outside (0, 1)', () => {
    assert.throws(() => MinorGcPacer.create({ threshold: 0 }), RangeError);
    assert.throws(() => MinorGcPacer.create({ threshold: 1 }), RangeError);
  });
});
