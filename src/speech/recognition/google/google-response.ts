/**
 * Reads one `StreamingRecognizeResponse` (google/cloud/speech/v1/cloud_speech.proto) into what a turn acts on: an
 * in-band error, a speech event, the interim hypothesis, and the final results.
 *
 * Facts of the v1 API this relies on (field comments in cloud_speech.proto):
 *   - an interim hypothesis may come split over several non-final results, the first the most stable; their
 *     transcripts concatenated are the whole hypothesis (Google's own samples print them that way);
 *   - `stability` and `confidence` use 0.0 as "not set"; confidence is set only for the top alternative of a final
 *     result. An unset top confidence is reported as 0.5, as `RecognitionAlternative` asks of providers that give
 *     none;
 *   - google-gax decodes with `enums: String` and `defaults: true`, but a value may also come as its number.
 */
import type { protos } from '@google-cloud/speech';
import type { RecognitionAlternative } from '../recognizer-types.js';

type StreamingRecognizeResponse = protos.google.cloud.speech.v1.IStreamingRecognizeResponse;

/** `StreamingRecognizeResponse.SpeechEventType` values this provider acts on. */
export type GoogleSpeechEvent =
  'end-of-single-utterance' | 'activity-begin' | 'activity-end' | 'activity-timeout';

export interface InterimHypothesis {
  /** Lower-case, single-spaced. */
  readonly transcript: string;
  /** The least stable part's stability, null when Google set none. */
  readonly stability: number | null;
}

export interface ParsedStreamingResponse {
  /** A `google.rpc.Status` with a non-zero code sent in the response body. */
  readonly error: { readonly code: number; readonly message: string } | null;
  readonly speechEvent: GoogleSpeechEvent | null;
  readonly interim: InterimHypothesis | null;
  /** Each final result's alternatives, best first; results without any transcript are left out. */
  readonly finals: readonly (readonly RecognitionAlternative[])[];
}

const SPEECH_EVENTS: Readonly<Record<string, GoogleSpeechEvent>> = Object.freeze({
  END_OF_SINGLE_UTTERANCE: 'end-of-single-utterance',
  SPEECH_ACTIVITY_BEGIN: 'activity-begin',
  SPEECH_ACTIVITY_END: 'activity-end',
  SPEECH_ACTIVITY_TIMEOUT: 'activity-timeout',
  1: 'end-of-single-utterance',
  2: 'activity-begin',
  3: 'activity-end',
  4: 'activity-timeout',
});

/** Confidence given for a top alternative Google did not score. */
export const UNSET_CONFIDENCE = 0.5;

export function parseStreamingResponse(response: StreamingRecognizeResponse): ParsedStreamingResponse {
  const status = response.error;
  const error =
    status !== null && status !== undefined && typeof status.code === 'number' && status.code !== 0
      ? { code: status.code, message: status.message ?? '' }
      : null;
  const eventType = response.speechEventType;
  const speechEvent =
    eventType === null || eventType === undefined ? null : (SPEECH_EVENTS[eventType] ?? null);

  const interimParts: string[] = [];
  let interimStability: number | null = null;
  const finals: RecognitionAlternative[][] = [];
  for (const result of response.results ?? []) {
    const alternatives = result.alternatives ?? [];
    if (result.isFinal === true) {
      const parsed = alternatives
        .map((alternative, index) => ({
          transcript: normalizeTranscript(alternative.transcript ?? ''),
          confidence: confidenceOf(alternative.confidence, index),
        }))
        .filter((alternative) => alternative.transcript !== '');
      if (parsed.length > 0) {
        finals.push(parsed);
      }
      continue;
    }
    const top = alternatives[0]?.transcript ?? '';
    if (top.trim() === '') {
      continue;
    }
    interimParts.push(top);
    const stability = result.stability ?? 0;
    if (stability > 0) {
      interimStability = Math.min(interimStability ?? 1, clamp01(stability));
    }
  }
  const interimTranscript = normalizeTranscript(interimParts.join(' '));
  return {
    error,
    speechEvent,
    interim: interimTranscript === '' ? null : { transcript: interimTranscript, stability: interimStability },
    finals,
  };
}

/** Lower-case, trimmed, single spaces. */
export function normalizeTranscript(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

function confidenceOf(value: number | null | undefined, index: number): number {
  const confidence = clamp01(value ?? 0);
  return confidence === 0 && index === 0 ? UNSET_CONFIDENCE : confidence;
}

/** Within 0–1, to three decimals (the API sends float32: 0.9 arrives as 0.8999999761581421). */
function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.round(Math.min(Math.max(value, 0), 1) * 1000) / 1000 : 0;
}
