// A media worker's stats posts: each session once per round, in slices of about equal size, never one big post.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsRotation } from '../../../../src/media/worker/stats-rotation.js';

describe('StatsRotation', () => {
  it('covers every session once per round, in slices of about 1/slices of them', () => {
    const sessions = new Set(Array.from({ length: 500 }, (_, i) => i));
    const rotation = new StatsRotation<number>(20);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const slice = rotation.nextSlice(
        () => sessions,
        (id) => sessions.has(id),
      );
      sizes.push(slice.length);
      seen.push(...slice);
    }
    assert.deepEqual(seen, [...sessions], 'each session exactly once, in order');
    assert.ok(Math.max(...sizes) <= 25 && Math.min(...sizes) >= 25, `slice sizes ${sizes.join(',')}`);
    // The next round starts over with the sessions of that moment.
    sessions.add(500);
    const next = rotation.nextSlice(
      () => sessions,
      (id) => sessions.has(id),
    );
    assert.deepEqual(
      next,
      Array.from({ length: 26 }, (_, i) => i),
    );
  });

  it('leaves out sessions closed during the round and spreads an uneven count', () => {
    const sessions = new Set([1, 2, 3, 4, 5, 6, 7]);
    const rotation = new StatsRotation<number>(3);
    const first = rotation.nextSlice(
      () => sessions,
      (id) => sessions.has(id),
    );
    sessions.delete(5);
    sessions.add(8); // opened during the round: waits for the next one
    const second = rotation.nextSlice(
      () => sessions,
      (id) => sessions.has(id),
    );
    const third = rotation.nextSlice(
      () => sessions,
      (id) => sessions.has(id),
    );
    assert.deepEqual([first, second, third], [[1, 2, 3], [4], [6, 7]]);
    assert.deepEqual(
      rotation.nextSlice(
        () => sessions,
        (id) => sessions.has(id),
      ),
      [1, 2, 3],
    );
    assert.throws(() => new StatsRotation(0), RangeError);
  });
});
