/**
 * Confidence for pocketsphinx results: a documented heuristic, because this version gives none that means
 * anything for a grammar search. `ps_get_prob` (lattice posterior) is exactly 1 for every JSGF result, in and out
 * of grammar alike, and so are the word posteriors of `ps_seg_prob` (measured).
 *
 * What does separate right answers from forced matches is the best path's score per 10 ms frame (log base
 * 1.0001, as `ps_get_hyp` reports it): when the caller said a grammar phrase the acoustic match is good; when the
 * caller said something else the decoder still forces the nearest phrase, with a much worse score. On espeak-ng
 * phone-band speech (the benchmark's corpus) in-grammar results cluster around -15…-35 per frame and forced
 * out-of-grammar ones around -35…-50, so the score is mapped through a logistic centred between the two:
 *
 *     confidence = 1 / (1 + exp(-(score / frames - midpoint) / scale))
 *
 * It is a ranking signal (flows compare it with a threshold to confirm or reprompt), not a probability; the
 * calibration is an option so that it can be refit on real calls.
 *
 * Alternatives come from the lattice's n-best paths, keeping only complete grammar phrases (A* also returns
 * partial paths) and each phrase once; an alternative's score is shifted onto the best hypothesis' scale (the
 * n-best scores use another normalisation) so the same logistic applies and alternatives rank below the best.
 */
import type { RecognitionAlternative } from '../recognizer-types.js';

export interface ConfidenceCalibration {
  /** Score per frame that maps to 0.5. @default -34 */
  readonly midpointScorePerFrame: number;
  /** Score-per-frame difference that moves the logit by 1. @default 4 */
  readonly scale: number;
}

export const DEFAULT_CONFIDENCE_CALIBRATION: Readonly<ConfidenceCalibration> = Object.freeze({
  midpointScorePerFrame: -34,
  scale: 4,
});

export interface ScoredHypothesis {
  readonly transcript: string;
  /** Path score (log base 1.0001, ≤ 0). */
  readonly score: number;
}

export function confidenceFromScore(
  score: number,
  frames: number,
  calibration: ConfidenceCalibration,
): number {
  if (frames <= 0) {
    return 0;
  }
  const logit = (score / frames - calibration.midpointScorePerFrame) / calibration.scale;
  return round3(1 / (1 + Math.exp(-logit)));
}

/**
 * The final alternatives: the best hypothesis first, then distinct n-best phrases from `allowed` (null = any),
 * at most `max` in all.
 */
export function rankAlternatives(
  best: ScoredHypothesis,
  frames: number,
  nbest: readonly ScoredHypothesis[],
  allowed: ReadonlySet<string> | null,
  max: number,
  calibration: ConfidenceCalibration,
): RecognitionAlternative[] {
  const alternatives: RecognitionAlternative[] = [
    { transcript: best.transcript, confidence: confidenceFromScore(best.score, frames, calibration) },
  ];
  const topScore = nbest[0]?.score;
  const seen = new Set([best.transcript]);
  for (const entry of nbest) {
    if (alternatives.length >= max || topScore === undefined) {
      break;
    }
    const transcript = entry.transcript.trim();
    if (seen.has(transcript) || (allowed !== null && !allowed.has(transcript))) {
      continue;
    }
    seen.add(transcript);
    const shifted = best.score + (entry.score - topScore);
    alternatives.push({
      transcript,
      confidence: Math.min(alternatives[0]!.confidence, confidenceFromScore(shifted, frames, calibration)),
    });
  }
  return alternatives;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
