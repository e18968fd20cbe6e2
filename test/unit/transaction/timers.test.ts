import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as timers from '../../../src/sip/engine/transaction/timers.js';
import { DEFAULT_TIMERS } from '../../../src/sip/engine/transaction/transaction-types.js';

const t = DEFAULT_TIMERS;

describe('RFC 3261 Table 4 timers with T1=500, T2=4000, T4=5000', () => {
  it('gives the RFC values', () => {
    assert.equal(timers.timerAInitial(t), 500);
    assert.equal(timers.timerANext(16_000), 32_000, 'timer A doubles without a cap');
    assert.equal(timers.timerB(t), 32_000);
    assert.equal(timers.timerD(t, false), 32_000);
    assert.equal(timers.timerD(t, true), 0);
    assert.equal(timers.timerEInitial(t), 500);
    assert.equal(timers.timerENext(2000, t, false), 4000);
    assert.equal(timers.timerENext(4000, t, false), 4000, 'capped at T2');
    assert.equal(timers.timerENext(500, t, true), 4000, 'T2 in Proceeding');
    assert.equal(timers.timerF(t), 32_000);
    assert.equal(timers.timerGInitial(t), 500);
    assert.equal(timers.timerGNext(1000, t), 2000);
    assert.equal(timers.timerGNext(4000, t), 4000);
    assert.equal(timers.timerH(t), 32_000);
    assert.equal(timers.timerI(t, false), 5000);
    assert.equal(timers.timerI(t, true), 0);
    assert.equal(timers.timerJ(t, false), 32_000);
    assert.equal(timers.timerJ(t, true), 0);
    assert.equal(timers.timerK(t, false), 5000);
    assert.equal(timers.timerK(t, true), 0);
    assert.equal(timers.timerL(t), 32_000);
    assert.equal(timers.timerM(t), 32_000);
  });

  it('scales with T1 (timer D keeps its 32 s floor)', () => {
    const fast = { t1: 100, t2: 400, t4: 500 };
    assert.equal(timers.timerB(fast), 6400);
    assert.equal(timers.timerD(fast, false), 32_000);
    assert.equal(timers.timerD({ t1: 1000, t2: 4000, t4: 5000 }, false), 64_000);
  });
});
