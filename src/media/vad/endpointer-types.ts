/**
 * Public shapes of the endpointer (`endpointer.ts`): options, per-turn overrides and the events of one turn.
 * All times are milliseconds on the media timeline the caller passes with each frame.
 */
import type { VadOptions } from './voice-activity-detector.js';

export interface EndpointerOptions {
  /** Silence after the last voiced frame that ends the utterance, ms. @default 700 */
  trailingSilenceMs: number;
  /** Longest utterance; it is cut with `max-utterance` when reached, ms. @default 15000 */
  maxUtteranceMs: number;
  /** Time without speech, from arming the no-input timer, that ends the turn with `no-input`, ms. @default 5000 */
  noInputTimeoutMs: number;
  /** Options of the underlying voice activity detector. */
  vad: Partial<VadOptions>;
}

export const DEFAULT_ENDPOINTER_OPTIONS: Readonly<EndpointerOptions> = Object.freeze({
  trailingSilenceMs: 700,
  maxUtteranceMs: 15_000,
  noInputTimeoutMs: 5000,
  vad: Object.freeze({}),
});

/** Per-turn overrides given to `startTurn`. */
export interface TurnOptions {
  trailingSilenceMs: number;
  maxUtteranceMs: number;
  noInputTimeoutMs: number;
  /**
   * Start the no-input countdown with the turn (default true). Pass false when the turn starts with a prompt
   * the caller may barge into, and call `armNoInputTimer` when the prompt has finished playing.
   */
  armNoInputTimer: boolean;
}

/** `idle`: no turn; `waiting`: turn open, no speech yet; `speaking`: an utterance is in progress. */
export type EndpointerState = 'idle' | 'waiting' | 'speaking';

/** Speech began: stop the prompt (barge-in), open the recognizer. Emitted once per turn. */
export interface SpeechStartEvent {
  readonly type: 'speech-start';
  /** When the decision was made (end of the frame that confirmed the onset). */
  readonly atMs: number;
  /** Start of the first voiced frame of the utterance. */
  readonly utteranceStartMs: number;
}

/** The utterance ended with `trailingSilenceMs` of silence. Ends the turn. */
export interface SpeechEndEvent {
  readonly type: 'speech-end';
  readonly atMs: number;
  readonly utteranceStartMs: number;
  /** End of the last voiced frame. */
  readonly utteranceEndMs: number;
}

/** Nothing was said within `noInputTimeoutMs` of arming the timer. Ends the turn. */
export interface NoInputEvent {
  readonly type: 'no-input';
  readonly atMs: number;
}

/** The utterance reached `maxUtteranceMs` and was cut. Ends the turn. */
export interface MaxUtteranceEvent {
  readonly type: 'max-utterance';
  readonly atMs: number;
  readonly utteranceStartMs: number;
  readonly utteranceEndMs: number;
}

export type EndpointerEvent = SpeechStartEvent | SpeechEndEvent | NoInputEvent | MaxUtteranceEvent;
