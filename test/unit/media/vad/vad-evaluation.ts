/**
 * Scores a VAD/endpointer on a corpus track: utterance detection, start latency, boundary errors, false alarms,
 * frame-level precision and recall. Kept apart from the test so that other detectors can be scored the same way.
 */
import { FRAME_MS } from '../../../../src/media/media-types.js';
import { Endpointer } from '../../../../src/media/vad/endpointer.js';
import type { EndpointerOptions } from '../../../../src/media/vad/endpointer-types.js';
import type { TruthSpan } from './vad-corpus.js';
import { toFrames } from './test-audio.js';

export interface DetectedUtterance {
  readonly startMs: number;
  readonly endMs: number;
  /** When `speech-start` was emitted. */
  readonly detectedAtMs: number;
}

export interface DetectionRun {
  readonly utterances: readonly DetectedUtterance[];
  /** Per frame: the detector's smoothed speech state. */
  readonly speechFrames: readonly boolean[];
}

/** Runs an endpointer over the whole signal, opening a new turn after each end of utterance. */
export function runEndpointer(signal: Int16Array, options: Partial<EndpointerOptions> = {}): DetectionRun {
  const endpointer = new Endpointer({ noInputTimeoutMs: Infinity, ...options });
  const utterances: DetectedUtterance[] = [];
  const speechFrames: boolean[] = [];
  let detectedAtMs = 0;
  endpointer.startTurn(0);
  toFrames(signal).forEach((frame, index) => {
    const event = endpointer.push(frame, index * FRAME_MS);
    speechFrames.push(endpointer.vad.inSpeech);
    if (event?.type === 'speech-start') {
      detectedAtMs = event.atMs;
    } else if (event?.type === 'speech-end' || event?.type === 'max-utterance') {
      utterances.push({ startMs: event.utteranceStartMs, endMs: event.utteranceEndMs, detectedAtMs });
      endpointer.startTurn(event.atMs);
    }
  });
  return { utterances, speechFrames };
}

export interface Stats {
  readonly mean: number;
  readonly max: number;
}

export interface ConditionScore {
  readonly total: number;
  /** Truth utterances whose first overlapping detection starts no earlier than 250 ms before them. */
  readonly detected: number;
  /** Truth utterances swallowed by a detection that started earlier (a false start on the background). */
  readonly early: number;
  /** Truth utterances overlapped by more than one detection (cut in pieces). */
  readonly split: number;
  /** Detections that overlap no truth utterance. */
  readonly falseAlarms: number;
  /** `speech-start` time minus true start. */
  readonly latencyMs: Stats;
  /** Detected start minus true start (absolute). */
  readonly startErrorMs: Stats;
  /** Detected end minus true end (absolute). */
  readonly endErrorMs: Stats;
  readonly framePrecision: number;
  readonly frameRecall: number;
}

/** A detection may start this much before the true start (breath, espeak's soft onsets) and still count. */
const EARLY_TOLERANCE_MS = 250;

function stats(values: number[]): Stats {
  if (values.length === 0) {
    return { mean: NaN, max: NaN };
  }
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

export function scoreRun(
  truth: readonly TruthSpan[],
  truthFrames: readonly boolean[],
  run: DetectionRun,
): ConditionScore {
  const latency: number[] = [];
  const startError: number[] = [];
  const endError: number[] = [];
  let detected = 0;
  let early = 0;
  let split = 0;
  for (const t of truth) {
    const hits = run.utterances.filter((d) => d.startMs < t.endMs && d.endMs > t.startMs);
    if (hits.length === 0) {
      continue;
    }
    if (hits[0]!.startMs < t.startMs - EARLY_TOLERANCE_MS) {
      early++;
      continue;
    }
    detected++;
    if (hits.length > 1) {
      split++;
    }
    latency.push(hits[0]!.detectedAtMs - t.startMs);
    startError.push(Math.abs(hits[0]!.startMs - t.startMs));
    endError.push(Math.abs(hits[hits.length - 1]!.endMs - t.endMs));
  }
  const falseAlarms = run.utterances.filter(
    (d) => !truth.some((t) => d.startMs < t.endMs && d.endMs > t.startMs),
  ).length;
  let truePositive = 0;
  let positive = 0;
  let relevant = 0;
  truthFrames.forEach((isSpeech, f) => {
    const said = run.speechFrames[f] ?? false;
    positive += said ? 1 : 0;
    relevant += isSpeech ? 1 : 0;
    truePositive += said && isSpeech ? 1 : 0;
  });
  return {
    total: truth.length,
    detected,
    early,
    split,
    falseAlarms,
    latencyMs: stats(latency),
    startErrorMs: stats(startError),
    endErrorMs: stats(endError),
    framePrecision: positive === 0 ? 0 : truePositive / positive,
    frameRecall: relevant === 0 ? 0 : truePositive / relevant,
  };
}

export function formatScoreTable(rows: readonly { condition: string; score: ConditionScore }[]): string {
  const header =
    'condition      detected early split FA  latency ms (mean/max)  start err ms (mean/max)  end err ms (mean/max)  frame P   frame R';
  const lines = rows.map(({ condition, score: s }) =>
    [
      condition.padEnd(14),
      `${s.detected}/${s.total}`.padEnd(8),
      String(s.early).padEnd(5),
      String(s.split).padEnd(5),
      String(s.falseAlarms).padEnd(3),
      `${s.latencyMs.mean.toFixed(0)}/${s.latencyMs.max.toFixed(0)}`.padEnd(22),
      `${s.startErrorMs.mean.toFixed(0)}/${s.startErrorMs.max.toFixed(0)}`.padEnd(24),
      `${s.endErrorMs.mean.toFixed(0)}/${s.endErrorMs.max.toFixed(0)}`.padEnd(22),
      s.framePrecision.toFixed(3).padEnd(9),
      s.frameRecall.toFixed(3),
    ].join(' '),
  );
  return [header, ...lines].join('\n');
}
