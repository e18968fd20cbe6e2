/**
 * Runtime text-to-speech: one interface, one file per engine (`espeak-tts-provider.ts`, `google-tts-provider.ts`),
 * and `tts-cache.ts` in front of any of them. Every provider returns the IVR's audio shape, 8 kHz mono 16-bit PCM,
 * whatever its engine produces, so a prompt player can cut the result into frames as it is.
 */
import type { SpeechSynthesizer } from '../../media/playback/prompt-player-types.js';

export interface SynthesizeOptions {
  /** BCP 47 language, e.g. `fr`, `en`, `fr-FR`. */
  language: string;
  /** An engine-specific voice name; default: the provider's voice for `language`. */
  voice?: string;
}

export interface TtsProvider extends SpeechSynthesizer {
  /**
   * Engine, version and settings that shape the audio (e.g. `espeak-ng/1.51/binary/s160`): part of every cache key,
   * so that changing any of them re-renders instead of serving stale audio.
   */
  readonly id: string;
  /** The voice used for `language` when none is asked for. */
  voiceFor(language: string): string;
  /** Resolves to 8 kHz mono 16-bit PCM; rejects with `AIG_ERR_TTS_FAILED`. */
  synthesize(text: string, options: SynthesizeOptions): Promise<Int16Array>;
  /** Releases what the engine holds (espeak: its helper process), for providers that hold something. */
  close?(): Promise<void>;
}

/** `fr-FR` → `fr`: providers key their default voices by primary language subtag. */
export function primaryLanguage(language: string): string {
  return language.split('-')[0]!.toLowerCase();
}
