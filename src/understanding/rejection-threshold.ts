/**
 * Chooses the probability below which an utterance is rejected as `out_of_scope`, from out-of-fold predictions
 * on the training phrases (`cross-validation.ts`): never from evaluation data.
 *
 * The criterion is balanced: the mean of in-scope accuracy (a rejected in-scope phrase counts as an error) and
 * out-of-scope detection rate. Plain accuracy would let the many in-scope phrases decide alone; a phone line pays
 * for both errors: a caller misrouted, or a caller asked to repeat.
 *
 * The score is averaged over a window of ±`SMOOTHING` around each candidate before taking the best: with a hundred
 * or so out-of-scope phrases the raw curve is flat and jagged, and its raw maximum jumps between 0.5 and 0.8 from
 * one fold seed to the next. Among equally good thresholds the median is taken.
 */
import type { OutOfFoldPrediction } from './cross-validation.js';
import { decideIntent } from './intent-decision.js';
import { OUT_OF_SCOPE_INTENT } from './phrase-set.js';

/** Used when a flow has too few phrases to cross-validate. */
export const DEFAULT_REJECTION_THRESHOLD = 0.3;

const CANDIDATES = Array.from({ length: 91 }, (_, i) => i / 100);
/** Half-width of the averaging window, in candidates (0.01 apart). */
const SMOOTHING = 5;

export function chooseRejectionThreshold(predictions: readonly OutOfFoldPrediction[]): number {
  const tops = topCandidates(predictions);
  const raw = CANDIDATES.map((threshold) => balancedScoreOfTops(tops, threshold));
  let best = -1;
  let bestThresholds: number[] = [];
  for (const [i, threshold] of CANDIDATES.entries()) {
    const window = raw.slice(Math.max(0, i - SMOOTHING), i + SMOOTHING + 1);
    const score = window.reduce((sum, value) => sum + value, 0) / window.length;
    if (score > best + 1e-12) {
      best = score;
      bestThresholds = [threshold];
    } else if (Math.abs(score - best) <= 1e-12) {
      bestThresholds.push(threshold);
    }
  }
  return bestThresholds[Math.floor((bestThresholds.length - 1) / 2)] ?? DEFAULT_REJECTION_THRESHOLD;
}

/** Mean of in-scope accuracy and out-of-scope detection rate at `threshold`. */
export function balancedScore(predictions: readonly OutOfFoldPrediction[], threshold: number): number {
  return balancedScoreOfTops(topCandidates(predictions), threshold);
}

interface TopCandidate {
  readonly expected: string;
  /** The verdict at threshold 0. */
  readonly intent: string;
  readonly confidence: number;
}

function topCandidates(predictions: readonly OutOfFoldPrediction[]): TopCandidate[] {
  return predictions.map((prediction) => {
    const { intent, confidence } = decideIntent(prediction.intents, prediction.probabilities, 0);
    return { expected: prediction.expected, intent, confidence };
  });
}

function balancedScoreOfTops(tops: readonly TopCandidate[], threshold: number): number {
  let inScope = 0;
  let inScopeRight = 0;
  let outOfScope = 0;
  let rejected = 0;
  for (const top of tops) {
    const verdict =
      top.intent === OUT_OF_SCOPE_INTENT || top.confidence < threshold ? OUT_OF_SCOPE_INTENT : top.intent;
    if (top.expected === OUT_OF_SCOPE_INTENT) {
      outOfScope += 1;
      rejected += verdict === OUT_OF_SCOPE_INTENT ? 1 : 0;
    } else {
      inScope += 1;
      inScopeRight += verdict === top.expected ? 1 : 0;
    }
  }
  const inScopeAccuracy = inScope === 0 ? 1 : inScopeRight / inScope;
  const detection = outOfScope === 0 ? 1 : rejected / outOfScope;
  return (inScopeAccuracy + detection) / 2;
}
