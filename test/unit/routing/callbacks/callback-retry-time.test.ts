// When a callback may be dialled, and when the next attempt goes after a busy / no answer: backoff, then moved into
// the next open interval, never in the last minutes before closing, never beyond the attempts allowed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  nextAttemptTime,
  nextDialTime,
  retryBackoffMinutes,
} from '../../../../src/routing/callbacks/callback-retry-time.js';

const utc = (iso: string): Date => new Date(`${iso}Z`);
const span = (from: string, to: string) => ({ start: utc(from), end: utc(to) });
const policy = { maxAttempts: 3, retryBackoffMinutes: [10, 30] };
// Open 07:30–11:00Z and 12:30–16:00Z on Tuesday, 07:30–11:00Z on Wednesday.
const hours = [
  span('2025-03-04T07:30', '2025-03-04T11:00'),
  span('2025-03-04T12:30', '2025-03-04T16:00'),
  span('2025-03-05T07:30', '2025-03-05T11:00'),
];

describe('callback retry time', () => {
  it('backoff per attempt, the last value repeating', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryBackoffMinutes(n, policy)),
      [10, 30, 30, 30],
    );
    assert.equal(retryBackoffMinutes(1, { retryBackoffMinutes: [] }), 0);
  });

  it('dial now when open, else at the next opening; not in the closing margin', () => {
    assert.equal(nextDialTime(utc('2025-03-04T09:00'), hours, 5)?.toISOString(), '2025-03-04T09:00:00.000Z');
    assert.equal(nextDialTime(utc('2025-03-04T11:30'), hours, 5)?.toISOString(), '2025-03-04T12:30:00.000Z');
    assert.equal(nextDialTime(utc('2025-03-04T10:56'), hours, 5)?.toISOString(), '2025-03-04T12:30:00.000Z');
    assert.equal(nextDialTime(utc('2025-03-04T10:56'), hours, 0)?.toISOString(), '2025-03-04T10:56:00.000Z');
    assert.equal(nextDialTime(utc('2025-03-05T12:00'), hours, 5), null);
  });

  it('after a failed attempt: backoff inside the hours, moved past lunch and past the night', () => {
    assert.equal(
      nextAttemptTime(utc('2025-03-04T09:00'), 1, policy, hours, 5)?.toISOString(),
      '2025-03-04T09:10:00.000Z',
    );
    // 10:45 + 30 min = 11:15, during lunch: the afternoon opening.
    assert.equal(
      nextAttemptTime(utc('2025-03-04T10:45'), 2, { ...policy, maxAttempts: 5 }, hours, 5)?.toISOString(),
      '2025-03-04T12:30:00.000Z',
    );
    // 15:40 + 10 min = 15:50, inside the 5-minute margin? No: 15:50 < 15:55, allowed. 15:48 + 10 = 15:58 is not.
    assert.equal(
      nextAttemptTime(utc('2025-03-04T15:40'), 1, policy, hours, 5)?.toISOString(),
      '2025-03-04T15:50:00.000Z',
    );
    assert.equal(
      nextAttemptTime(utc('2025-03-04T15:48'), 1, policy, hours, 5)?.toISOString(),
      '2025-03-05T07:30:00.000Z',
    );
  });

  it('no attempt after the last one, nor when nothing opens within the intervals given', () => {
    assert.equal(nextAttemptTime(utc('2025-03-04T09:00'), 3, policy, hours, 5), null);
    assert.equal(nextAttemptTime(utc('2025-03-05T10:58'), 1, policy, hours, 5), null);
  });
});
