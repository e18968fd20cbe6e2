/**
 * Turn-taking on top of the VAD: when the caller starts speaking (barge-in), when the utterance is over, when
 * the caller said nothing, when they talk for too long.
 *
 * Driven by the media scheduler: `push(frame, timeMs)` once per 20 ms frame, with `timeMs` the media time of
 * the frame's first sample. No timers, no clock: every deadline is checked against frame times, so the same
 * audio always gives the same events. The VAD runs on every frame, turn or no turn, so that its noise floor is
 * already learnt when a turn opens.
 */
import { FRAME_MS, type PcmFrame } from '../media-types.js';
import {
  DEFAULT_ENDPOINTER_OPTIONS,
  type EndpointerEvent,
  type EndpointerOptions,
  type EndpointerState,
  type TurnOptions,
} from './endpointer-types.js';
import { VoiceActivityDetector } from './voice-activity-detector.js';

export class Endpointer {
  readonly options: Readonly<EndpointerOptions>;
  readonly vad: VoiceActivityDetector;
  private currentState: EndpointerState = 'idle';
  private turn: Omit<TurnOptions, 'armNoInputTimer'>;
  /** When the no-input countdown started; undefined while it is not armed. */
  private noInputArmedAtMs: number | undefined;
  private turnStartMs = 0;
  private utteranceStartMs = 0;
  /** Start of the VAD's current speech segment, kept even outside turns for a turn opened mid-speech. */
  private vadSpeechStartMs = 0;
  /** End of the last active frame seen while the VAD was in speech. */
  private lastVoiceEndMs = 0;

  constructor(options: Partial<EndpointerOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_ENDPOINTER_OPTIONS, ...options });
    this.vad = new VoiceActivityDetector(this.options.vad);
    this.turn = this.turnDefaults();
  }

  get state(): EndpointerState {
    return this.currentState;
  }

  /**
   * Opens a turn at `nowMs`. A turn already open is replaced. If the caller is already speaking, the next
   * frame emits `speech-start` at once, with the utterance starting at `nowMs`.
   */
  startTurn(nowMs: number, overrides: Partial<TurnOptions> = {}): void {
    const { armNoInputTimer = true, ...rest } = overrides;
    this.turn = { ...this.turnDefaults(), ...rest };
    this.currentState = 'waiting';
    this.turnStartMs = nowMs;
    this.noInputArmedAtMs = armNoInputTimer ? nowMs : undefined;
  }

  /** Starts (or restarts) the no-input countdown of the open turn, e.g. when its prompt finished playing. */
  armNoInputTimer(nowMs: number): void {
    if (this.currentState !== 'idle') {
      this.noInputArmedAtMs = nowMs;
    }
  }

  /** Closes the turn without an event (the flow moved on, the call ended). */
  stopTurn(): void {
    this.currentState = 'idle';
    this.noInputArmedAtMs = undefined;
  }

  /** Feeds one frame; returns the event it caused, if any (at most one per frame). */
  push(frame: PcmFrame, timeMs: number): EndpointerEvent | undefined {
    const result = this.vad.process(frame);
    const frameEndMs = timeMs + FRAME_MS;
    if (result.transition === 'speech-start') {
      this.vadSpeechStartMs = timeMs - (result.frameIndex - result.boundaryFrame) * FRAME_MS;
      this.lastVoiceEndMs = frameEndMs;
    } else if (result.active && result.inSpeech) {
      this.lastVoiceEndMs = frameEndMs;
    }

    switch (this.currentState) {
      case 'idle':
        return undefined;
      case 'waiting':
        if (this.vad.inSpeech) {
          this.currentState = 'speaking';
          this.noInputArmedAtMs = undefined;
          // A caller already talking when the turn opened is heard from the turn's start: what came before
          // belonged to the previous turn, and the maximum length counts from here.
          this.utteranceStartMs = Math.max(this.vadSpeechStartMs, this.turnStartMs);
          return { type: 'speech-start', atMs: frameEndMs, utteranceStartMs: this.utteranceStartMs };
        }
        if (
          this.noInputArmedAtMs !== undefined &&
          frameEndMs - this.noInputArmedAtMs >= this.turn.noInputTimeoutMs
        ) {
          this.stopTurn();
          return { type: 'no-input', atMs: frameEndMs };
        }
        return undefined;
      case 'speaking': {
        if (frameEndMs - this.utteranceStartMs >= this.turn.maxUtteranceMs) {
          this.stopTurn();
          return {
            type: 'max-utterance',
            atMs: frameEndMs,
            utteranceStartMs: this.utteranceStartMs,
            utteranceEndMs: frameEndMs,
          };
        }
        // A voiced frame inside the trailing silence keeps the utterance going; `lastVoiceEndMs` only moves
        // on frames the VAD accepted as speech, so an isolated click does not.
        const voicedNow = result.active && result.inSpeech;
        if (!voicedNow && frameEndMs - this.lastVoiceEndMs >= this.turn.trailingSilenceMs) {
          this.stopTurn();
          return {
            type: 'speech-end',
            atMs: frameEndMs,
            utteranceStartMs: this.utteranceStartMs,
            utteranceEndMs: Math.max(this.utteranceStartMs, this.lastVoiceEndMs),
          };
        }
        return undefined;
      }
    }
  }

  private turnDefaults(): Omit<TurnOptions, 'armNoInputTimer'> {
    const { trailingSilenceMs, maxUtteranceMs, noInputTimeoutMs } = this.options;
    return { trailingSilenceMs, maxUtteranceMs, noInputTimeoutMs };
  }
}
