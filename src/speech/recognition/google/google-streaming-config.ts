/**
 * The first message of a Google Speech v1 streaming call (`StreamingRecognitionConfig`, in
 * google/cloud/speech/v1/cloud_speech.proto), built from a turn's options and the provider's configuration.
 *
 * Choices, and why:
 *   - `sampleRateHertz: 8000` with the `telephony` model (`useEnhanced: true`): the audio is what the caller's phone
 *     sent; upsampling would add nothing the model can use;
 *   - `speechContexts`: the flow's hints plus, for a closed question, its grammar phrases, with the turn's boost.
 *     Phrases are trimmed, de-duplicated and kept within Google's documented limits (100 characters a phrase,
 *     5,000 phrases, 100,000 characters per request: cloud.google.com/speech-to-text/quotas#content) so a long
 *     phrase list never makes the request fail with INVALID_ARGUMENT; the boost is clamped to 0–20;
 *   - `enableAutomaticPunctuation: false`: transcripts go to intent classification, not to a reader;
 *   - `enableVoiceActivityEvents: true`: Google then reports `SPEECH_ACTIVITY_BEGIN`, which is the turn's
 *     `speechStart` when it comes before any result.
 */
import type { ConversationLanguage } from '../../../config/config-types.js';
import type { RecognitionTurnOptions } from '../recognizer-types.js';
import type { GoogleAudioEncoding } from './google-audio-chunker.js';

/** The locale sent as `languageCode` for each conversation language. */
export const GOOGLE_LANGUAGE_CODES: Readonly<Record<ConversationLanguage, string>> = Object.freeze({
  fr: 'fr-FR',
  en: 'en-US',
});

/** The only rate this provider sends: the telephone rate, never resampled. */
export const GOOGLE_SAMPLE_RATE = 8000;

/** Google's limits on speech adaptation phrases (v1). */
export const PHRASE_LIMITS = Object.freeze({
  maxPhraseChars: 100,
  maxPhrases: 5000,
  maxTotalChars: 100_000,
  maxBoost: 20,
});

export interface GoogleSpeechContext {
  phrases: string[];
  boost: number;
}

/** `RecognitionConfig`, camelCase as google-gax expects it. */
export interface GoogleRecognitionConfig {
  encoding: GoogleAudioEncoding;
  sampleRateHertz: number;
  languageCode: string;
  model: string;
  useEnhanced: boolean;
  maxAlternatives: number;
  speechContexts: GoogleSpeechContext[];
  enableAutomaticPunctuation: boolean;
}

/** `StreamingRecognitionConfig`. */
export interface GoogleStreamingConfig {
  config: GoogleRecognitionConfig;
  singleUtterance: boolean;
  interimResults: boolean;
  enableVoiceActivityEvents: boolean;
}

export interface StreamingConfigSettings {
  readonly encoding: GoogleAudioEncoding;
  readonly model: string;
}

export function buildStreamingConfig(
  options: RecognitionTurnOptions,
  settings: StreamingConfigSettings,
): GoogleStreamingConfig {
  const phrases = adaptationPhrases([...options.hints, ...(options.grammar ?? [])]);
  const boost = Math.min(Math.max(options.hintBoost, 0), PHRASE_LIMITS.maxBoost);
  return {
    config: {
      encoding: settings.encoding,
      sampleRateHertz: GOOGLE_SAMPLE_RATE,
      languageCode: GOOGLE_LANGUAGE_CODES[options.language],
      model: settings.model,
      useEnhanced: true,
      // The API accepts 0–30 (0 and 1 both mean one).
      maxAlternatives: Math.min(Math.max(Math.trunc(options.maxAlternatives), 1), 30),
      speechContexts: phrases.length === 0 ? [] : [{ phrases, boost }],
      enableAutomaticPunctuation: false,
    },
    singleUtterance: options.singleUtterance,
    interimResults: options.interimResults,
    enableVoiceActivityEvents: true,
  };
}

/** Trimmed, case-insensitively unique phrases within Google's limits, in the order given (earlier phrases win). */
export function adaptationPhrases(candidates: readonly string[]): string[] {
  const seen = new Set<string>();
  const phrases: string[] = [];
  let totalChars = 0;
  for (const candidate of candidates) {
    const phrase = candidate.trim().replace(/\s+/g, ' ');
    const key = phrase.toLowerCase();
    if (phrase === '' || phrase.length > PHRASE_LIMITS.maxPhraseChars || seen.has(key)) {
      continue;
    }
    if (
      phrases.length >= PHRASE_LIMITS.maxPhrases ||
      totalChars + phrase.length > PHRASE_LIMITS.maxTotalChars
    ) {
      break;
    }
    seen.add(key);
    phrases.push(phrase);
    totalChars += phrase.length;
  }
  return phrases;
}
