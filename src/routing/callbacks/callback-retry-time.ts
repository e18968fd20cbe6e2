/**
 * When a callback may be dialled: inside one of its group's open intervals, far enough from closing time for the
 * citizen to be transferred to someone. Used for the first attempt (a closure added after booking, or workers that
 * were down all weekend, must not ring a citizen at night) and for retries (backoff, then moved into the next open
 * interval). Pure.
 */
import { mergeIntervals, type TimeInterval } from './callback-slots.js';
import type { CallbackPolicy } from '../routing-types.js';

const MINUTE_MS = 60_000;

/** Minutes to wait after attempt `attemptsMade` (1-based) before the next one: the last value repeats. */
export function retryBackoffMinutes(
  attemptsMade: number,
  policy: Pick<CallbackPolicy, 'retryBackoffMinutes'>,
): number {
  const steps = policy.retryBackoffMinutes;
  if (steps.length === 0) {
    return 0;
  }
  return steps[Math.min(Math.max(attemptsMade, 1), steps.length) - 1] ?? 0;
}

/**
 * The first instant at or after `earliest` inside an open interval and at least `closingMarginMinutes` before that
 * interval ends; null when there is none among `intervals`.
 */
export function nextDialTime(
  earliest: Date,
  intervals: readonly TimeInterval[],
  closingMarginMinutes: number,
): Date | null {
  const at = earliest.getTime();
  const margin = Math.max(0, closingMarginMinutes) * MINUTE_MS;
  for (const interval of mergeIntervals(intervals)) {
    const lastStart = interval.end.getTime() - margin;
    const candidate = Math.max(at, interval.start.getTime());
    if (candidate < lastStart) {
      return new Date(candidate);
    }
  }
  return null;
}

/**
 * When attempt `attemptsMade + 1` should be dialled, after an attempt that ended at `endedAt` without reaching the
 * citizen; null when no attempt is left or no open interval comes within `intervals`.
 */
export function nextAttemptTime(
  endedAt: Date,
  attemptsMade: number,
  policy: Pick<CallbackPolicy, 'maxAttempts' | 'retryBackoffMinutes'>,
  intervals: readonly TimeInterval[],
  closingMarginMinutes: number,
): Date | null {
  if (attemptsMade >= policy.maxAttempts) {
    return null;
  }
  const earliest = new Date(endedAt.getTime() + retryBackoffMinutes(attemptsMade, policy) * MINUTE_MS);
  return nextDialTime(earliest, intervals, closingMarginMinutes);
}
