/**
 * The public shapes of `PromptPlayer`: what can be played, how, and what it reports.
 */
import type { AigError } from '../../errors/aig-error.js';

/** One piece of a playback. */
export type PlaybackItem =
  /** A recorded prompt, `prompts/<language>/<id>.wav`. */
  | { kind: 'prompt'; id: string; language?: string }
  /** Silence, rounded up to whole 20 ms frames. */
  | { kind: 'silence'; ms: number }
  /** Text synthesised when the playback is queued (the player's `synthesizer`). */
  | { kind: 'tts'; text: string; language?: string; voice?: string }
  /** 8 kHz mono 16-bit PCM, zero-padded to whole frames. */
  | { kind: 'pcm'; pcm: Int16Array; label?: string };

/**
 * Text-to-speech as the player sees it. `src/speech/tts` implements it (`TtsProvider`); it is declared here
 * because media may not import speech (DESIGN.md "Layers").
 */
export interface SpeechSynthesizer {
  /** Resolves to 8 kHz mono 16-bit PCM. */
  synthesize(text: string, options: { language: string; voice?: string }): Promise<Int16Array>;
}

export type PlayMode = 'queue' | 'replace';

export interface PlayOptions {
  /** Whether `bargeIn()` (caller speech or a key press) may cut this playback short. @default false */
  bargeIn?: boolean;
  /**
   * `queue`: play after whatever is playing or queued. `replace`: interrupt the current playback and drop the
   * queued ones (both end with reason `replaced`). @default 'queue'
   */
  mode?: PlayMode;
  /** Language of prompt and TTS items that do not name one. @default the player's language */
  language?: string;
}

export type PlaybackStatus = 'finished' | 'interrupted';

export interface PlaybackResult {
  status: PlaybackStatus;
  /** Why it was interrupted: `barge-in`, `replaced`, `closed`, or the reason given to `stop`. */
  reason?: string;
  /** Audio delivered, ms (whole frames). */
  positionMs: number;
  /** Items that could not be played (missing prompt, TTS failure, timeout); they were skipped. */
  errors: AigError[];
}

export interface Playback {
  readonly id: number;
  readonly items: readonly PlaybackItem[];
  readonly bargeIn: boolean;
  /** Settles when the playback ends, never rejects. */
  readonly done: Promise<PlaybackResult>;
}

export interface PlaybackStartedEvent {
  playback: Playback;
  item: PlaybackItem;
  itemIndex: number;
}

export interface PlaybackFinishedEvent {
  playback: Playback;
  result: PlaybackResult;
}

export interface PlaybackInterruptedEvent {
  playback: Playback;
  result: PlaybackResult;
  /** The item playing (or waiting for its audio) when interrupted; undefined if the playback had not begun. */
  item: PlaybackItem | undefined;
  itemIndex: number;
  /** Position within that item, ms. */
  itemPositionMs: number;
}

export interface PlaybackItemErrorEvent {
  playback: Playback;
  item: PlaybackItem;
  itemIndex: number;
  error: AigError;
}

export interface PromptPlayerEvents {
  /** The first frame of a playback was delivered. */
  started: [PlaybackStartedEvent];
  /** Every frame of a playback was delivered (emitted on the tick after the last one). */
  finished: [PlaybackFinishedEvent];
  /** Stopped before the end: barge-in, `stop`, replaced by another playback, or the player closed. */
  interrupted: [PlaybackInterruptedEvent];
  /** An item was skipped because its audio could not be had; the playback goes on with the next item. */
  itemError: [PlaybackItemErrorEvent];
}
