// Erlang C against values that can be checked by hand or are published, the sum form as an independent check,
// and the queue-length fallback when the offered load reaches the staffed agents.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erlangB, erlangC, estimateWait } from '../../../src/routing/estimated-wait.js';

const close = (actual: number | null, expected: number, tolerance = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

/** The textbook form, fine for small agent counts: (A^c/c!)·c/(c−A) / (Σ_{k<c} A^k/k! + that). */
function erlangCBySum(agents: number, erlangs: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term = (term * erlangs) / (k + 1);
  }
  const top = (term * agents) / (agents - erlangs);
  return top / (sum + top);
}

describe('Erlang B and C', () => {
  it('matches values worked by hand', () => {
    close(erlangB(1, 1), 0.5);
    close(erlangB(2, 1), 0.2);
    close(erlangC(1, 0.5), 0.5, 1e-12); // M/M/1: P(wait) = ρ
    close(erlangC(2, 1), 1 / 3, 1e-12); // M/M/2: 2ρ²/(1+ρ) with ρ = 0.5
    close(erlangC(3, 2), 4 / 9, 1e-12);
  });

  it('matches the classic contact-centre example: 10 Erlangs on 14 agents wait 17.4% of the time', () => {
    // 100 calls in 30 minutes, 180 s handling time: P(wait) 0.1741, average speed of answer 7.8 s.
    close(erlangC(14, 10), 0.17413, 1e-5);
    const estimate = estimateWait({
      arrivalsPerMinute: 100 / 30,
      averageHandlingSeconds: 180,
      agents: 14,
      inProgress: 0,
    });
    assert.equal(estimate.model, 'erlang-c');
    close(estimate.offeredErlangs, 10, 1e-9);
    close(estimate.seconds, 7.836, 1e-3);
  });

  it('agrees with the sum form, and stays finite for hundreds of agents', () => {
    for (const [agents, erlangs] of [
      [5, 4.2],
      [20, 15],
      [50, 48.5],
      [100, 80],
    ] as const) {
      close(erlangC(agents, erlangs), erlangCBySum(agents, erlangs), 1e-9);
    }
    const big = erlangC(600, 580);
    assert.ok(Number.isFinite(big) && big > 0 && big < 1, String(big));
  });

  it('is 0 with no traffic and 1 at or above saturation', () => {
    assert.equal(erlangC(4, 0), 0);
    assert.equal(erlangC(4, 4), 1);
    assert.equal(erlangC(0, 1), 1);
  });
});

describe('estimateWait', () => {
  it('M/M/1 at half load waits the handling time', () => {
    // λ = 1/min, S = 30 s: ρ = 0.5, W = ρ·S/(1−ρ) = 30 s.
    const estimate = estimateWait({
      arrivalsPerMinute: 1,
      averageHandlingSeconds: 30,
      agents: 1,
      inProgress: 0,
    });
    close(estimate.seconds, 30, 1e-9);
    close(estimate.occupancy, 0.5, 1e-12);
  });

  it('a quiet group answers at once', () => {
    const estimate = estimateWait({
      arrivalsPerMinute: 0,
      averageHandlingSeconds: 300,
      agents: 5,
      inProgress: 0,
    });
    assert.equal(estimate.seconds, 0);
    assert.equal(estimate.model, 'erlang-c');
  });

  it('falls back to the queue length when the load reaches the agents', () => {
    // 2 agents, 300 s, 1 call a minute: A = 5 Erlangs ≥ 2. 6 in progress: 4 waiting, the new call waits for 5
    // departures, one every 150 s.
    const estimate = estimateWait({
      arrivalsPerMinute: 1,
      averageHandlingSeconds: 300,
      agents: 2,
      inProgress: 6,
    });
    assert.equal(estimate.model, 'queue-length');
    assert.equal(estimate.seconds, 750);
    assert.equal(estimate.probabilityOfWaiting, 1);
    const free = estimateWait({
      arrivalsPerMinute: 1,
      averageHandlingSeconds: 300,
      agents: 2,
      inProgress: 1,
    });
    assert.equal(free.model, 'queue-length');
    assert.equal(free.seconds, 0);
  });

  it('has no figure without agents', () => {
    const estimate = estimateWait({
      arrivalsPerMinute: 1,
      averageHandlingSeconds: 300,
      agents: 0,
      inProgress: 3,
    });
    assert.equal(estimate.seconds, null);
    assert.equal(estimate.model, null);
  });

  it('grows sharply as occupancy approaches 1', () => {
    const waits = [0.5, 0.8, 0.9, 0.95, 0.99].map(
      (rho) =>
        estimateWait({
          arrivalsPerMinute: (rho * 10 * 60) / 300,
          averageHandlingSeconds: 300,
          agents: 10,
          inProgress: 0,
        }).seconds!,
    );
    for (let i = 1; i < waits.length; i++) {
      assert.ok(waits[i]! > waits[i - 1]!, waits.join(', '));
    }
    assert.ok(waits[4]! > 20 * waits[1]!, waits.join(', '));
  });
});
