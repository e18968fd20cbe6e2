import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceRateLimiter, type RateDecision } from '../../../src/sip/engine/guard/rate-limiter.js';

function count(decisions: RateDecision[]): Record<RateDecision, number> {
  const totals: Record<RateDecision, number> = { accept: 0, reject: 0, drop: 0 };
  for (const d of decisions) {
    totals[d] += 1;
  }
  return totals;
}

/** `rate` messages per second from `address` during [fromMs, toMs). */
function send(
  limiter: SourceRateLimiter,
  address: string,
  rate: number,
  fromMs: number,
  toMs: number,
): RateDecision[] {
  const out: RateDecision[] = [];
  const step = 1000 / rate;
  for (let t = fromMs; t < toMs; t += step) {
    out.push(limiter.check(address, t));
  }
  return out;
}

describe('SourceRateLimiter', () => {
  it('accepts a burst, then rejects until tokens refill', () => {
    const limiter = new SourceRateLimiter({ perSecond: 10, burst: 5, floodSeconds: 5 });
    const burst = Array.from({ length: 7 }, () => limiter.check('192.0.2.1', 0));
    assert.deepEqual(burst, ['accept', 'accept', 'accept', 'accept', 'accept', 'reject', 'reject']);
    assert.equal(limiter.check('192.0.2.1', 99), 'reject', 'less than one token after 99 ms at 10/s');
    assert.equal(limiter.check('192.0.2.1', 100), 'accept');
  });

  it('keeps sources apart', () => {
    const limiter = new SourceRateLimiter({ perSecond: 1, burst: 1, floodSeconds: 5 });
    assert.equal(limiter.check('192.0.2.1', 0), 'accept');
    assert.equal(limiter.check('192.0.2.1', 0), 'reject');
    assert.equal(limiter.check('192.0.2.2', 0), 'accept');
    assert.equal(limiter.check('2001:db8::1', 0), 'accept');
  });

  it('lets a source at the sustained rate through indefinitely', () => {
    const limiter = new SourceRateLimiter({ perSecond: 100, burst: 200, floodSeconds: 5 });
    const totals = count(send(limiter, '192.0.2.1', 100, 0, 60_000));
    assert.deepEqual(totals, { accept: 6000, reject: 0, drop: 0 });
  });

  it('rejects the excess of a flood, then drops it silently after floodSeconds, still serving the rate', () => {
    const limiter = new SourceRateLimiter({ perSecond: 100, burst: 200, floodSeconds: 5 });
    // 1,000 messages/s: the burst goes through, then ~100/s are accepted and the rest is over the limit.
    const firstSeconds = count(send(limiter, '192.0.2.66', 1000, 0, 5000));
    assert.equal(firstSeconds.drop, 0, 'no drop before floodSeconds');
    assert.ok(firstSeconds.reject > 4000);
    assert.ok(Math.abs(firstSeconds.accept - (200 + 500)) <= 2, `accepted ${firstSeconds.accept}`);
    // The first reject came once the burst was spent (~0.22 s), so dropping starts ~5.22 s.
    const turning = send(limiter, '192.0.2.66', 1000, 5000, 5300);
    assert.deepEqual(
      turning.slice(-10).filter((d) => d === 'reject'),
      [],
    );
    assert.ok(turning.includes('reject') && turning.includes('drop'));
    const later = count(send(limiter, '192.0.2.66', 1000, 5300, 8000));
    assert.equal(later.reject, 0, 'the excess is now dropped, not answered');
    assert.ok(later.drop > 2400);
    assert.ok(Math.abs(later.accept - 270) <= 2, `accepted ${later.accept} during the flood`);
  });

  it('ends the episode after one quiet second: 503s again before dropping', () => {
    const limiter = new SourceRateLimiter({ perSecond: 10, burst: 10, floodSeconds: 2 });
    send(limiter, '192.0.2.9', 100, 0, 3000);
    assert.equal(limiter.check('192.0.2.9', 3000), 'drop');
    // Silent for a second: the bucket refills and the episode is over.
    const after = send(limiter, '192.0.2.9', 100, 4500, 5000);
    assert.equal(count(after).drop, 0);
    assert.ok(count(after).reject > 0);
  });

  it('forgets idle sources, so memory does not grow with every address ever seen', () => {
    const limiter = new SourceRateLimiter({ perSecond: 10, burst: 20, floodSeconds: 5 });
    for (let i = 0; i < 1000; i++) {
      limiter.check(`10.0.${i >> 8}.${i & 255}`, i);
    }
    assert.equal(limiter.size, 1000);
    // A full bucket takes 2 s at 10/s; at t = 3 s every source seen before t = 1 s is idle.
    limiter.check('192.0.2.1', 3000);
    assert.equal(limiter.size, 1);
  });

  it('a forgotten source starts again with a full bucket (nothing was lost by forgetting it)', () => {
    const limiter = new SourceRateLimiter({ perSecond: 10, burst: 3, floodSeconds: 5 });
    send(limiter, '192.0.2.1', 1000, 0, 10);
    limiter.check('192.0.2.2', 5000);
    assert.equal(limiter.size, 1);
    assert.deepEqual(
      Array.from({ length: 4 }, () => limiter.check('192.0.2.1', 5000)),
      ['accept', 'accept', 'accept', 'reject'],
    );
  });

  it('caps the number of tracked sources, forgetting the least recently seen first', () => {
    const limiter = new SourceRateLimiter({ perSecond: 1, burst: 1, floodSeconds: 5, maxSources: 100 });
    for (let i = 0; i < 500; i++) {
      limiter.check(`10.1.${i >> 8}.${i & 255}`, 0);
    }
    assert.equal(limiter.size, 100);
    // The most recent source is still tracked (its bucket is empty).
    assert.equal(limiter.check('10.1.1.243', 0), 'reject');
  });

  it('refuses nonsensical options', () => {
    assert.throws(() => new SourceRateLimiter({ perSecond: 0, burst: 1, floodSeconds: 1 }), RangeError);
    assert.throws(() => new SourceRateLimiter({ perSecond: 1, burst: 0, floodSeconds: 1 }), RangeError);
  });
});
