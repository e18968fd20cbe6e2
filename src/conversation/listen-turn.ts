/**
 * One "listen" step of a conversation: the caller may speak or press keys; the result is one of speech (with the
 * recognizer's alternatives), keys, no input, no match or a recognizer error — never a hang.
 *
 * How the pieces meet:
 *   - the media endpointer (VAD) opens and closes the turn: `speech-start` starts the recognition turn, `speech-end`
 *     (or `max-utterance`) tells the recognizer the caller stopped (`endOfSpeech()`), `no-input` ends the turn;
 *   - the recognizer starts at speech onset, not when the question starts: silence is not streamed to a paid
 *     service nor decoded by the CPU, and the audio fork's pre-roll gives it the syllable before the VAD decided
 *     (`preRollMs`, default 400 ms);
 *   - a key press ends the turn with `dtmf` at once (the recognition, if any, is aborted): keys always win, so a
 *     caller the recognizer does not understand can still get through;
 *   - a guard timer ends the turn with a `timeout` error if the recognizer never answers after end of speech.
 */
import type { EndpointerEvent, TurnOptions } from '../media/vad/endpointer-types.js';
import { NO_RECOGNIZER, type ChainSession, type OpenAudio } from '../speech/recognition/recognizer-chain.js';
import type {
  RecognitionAlternative,
  RecognitionErrorEvent,
  RecognitionTurn,
  RecognitionTurnOptions,
  RecognizerName,
} from '../speech/recognition/recognizer-types.js';

/** What a listen step needs from the call's media (a `MediaSession` provides it). */
export interface ListenMedia {
  startTurn(options?: Partial<TurnOptions>): void;
  armNoInputTimer(): void;
  stopTurn(): void;
  subscribeAudio(options: {
    name?: string;
    sampleRate?: 8000 | 16000;
    preRollFrames?: number;
    queueFrames?: number;
  }): AsyncIterable<Int16Array> & { unsubscribe(): void };
  on(event: 'turn', listener: (event: EndpointerEvent) => void): unknown;
  on(event: 'dtmf', listener: (event: { digit: string }) => void): unknown;
  off(event: 'turn', listener: (event: EndpointerEvent) => void): unknown;
  off(event: 'dtmf', listener: (event: { digit: string }) => void): unknown;
}

export interface ListenOptions {
  /** Recognition settings of this step (language, hints, grammar...). */
  readonly recognition: RecognitionTurnOptions;
  /** Endpointing overrides (trailing silence, max utterance, no-input). */
  readonly endpointing: Partial<TurnOptions>;
  /** Audio from before the VAD's decision handed to the recognizer, ms. @default 400 */
  readonly preRollMs: number;
  /**
   * Time the recognizer has, after end of speech, before the step ends with a `timeout` error, ms. Providers have
   * their own (shorter) final timeouts; this is the backstop. @default 8000
   */
  readonly resultGuardMs: number;
  /** Keys end the step (`dtmf` result); false ignores them. @default true */
  readonly acceptDtmf: boolean;
  /**
   * `ignore`: speech is not recognized (a keypad menu): the step waits for a key or ends with no-input.
   * @default 'recognize'
   */
  readonly speech: 'recognize' | 'ignore';
}

export const DEFAULT_LISTEN_OPTIONS: Readonly<Omit<ListenOptions, 'recognition'>> = Object.freeze({
  endpointing: Object.freeze({}),
  preRollMs: 400,
  resultGuardMs: 8000,
  acceptDtmf: true,
  speech: 'recognize',
});

export type ListenResult =
  | {
      readonly kind: 'speech';
      readonly transcript: string;
      readonly confidence: number;
      readonly alternatives: readonly RecognitionAlternative[];
      readonly provider: RecognizerName;
      /** End of speech (our VAD) → final result, ms; null when the provider ended first. */
      readonly latencyMs: number | null;
    }
  | { readonly kind: 'dtmf'; readonly digit: string }
  | { readonly kind: 'no-input' }
  | { readonly kind: 'no-match'; readonly provider: RecognizerName | null }
  | {
      readonly kind: 'error';
      readonly error: Pick<RecognitionErrorEvent, 'kind' | 'code' | 'message' | 'retryable'>;
      readonly provider: RecognizerName | null;
    };

const FRAME_MS = 20;

/**
 * Runs one listen step. Resolves exactly once; never rejects. `recognition` undefined (no recognizer for the
 * language) still listens for keys and ends on no-input; speech then ends as `error` kind `unavailable`.
 */
export function listen(
  media: ListenMedia,
  recognition: ChainSession | undefined,
  options: Partial<Omit<ListenOptions, 'recognition'>> & Pick<ListenOptions, 'recognition'>,
): { readonly result: Promise<ListenResult>; cancel(): void } {
  const opts: ListenOptions = { ...DEFAULT_LISTEN_OPTIONS, ...options };
  let settle: (result: ListenResult) => void = () => {};
  const result = new Promise<ListenResult>((resolve) => {
    settle = resolve;
  });
  let done = false;
  let turn: RecognitionTurn | undefined;
  let subscription: { unsubscribe(): void } | undefined;
  let guard: NodeJS.Timeout | undefined;

  const finish = (value: ListenResult): void => {
    if (done) {
      return;
    }
    done = true;
    media.off('turn', onTurn);
    media.off('dtmf', onDtmf);
    media.stopTurn();
    if (guard !== undefined) {
      clearTimeout(guard);
    }
    turn?.abort();
    subscription?.unsubscribe();
    settle(value);
  };

  const startRecognition = (): void => {
    if (recognition === undefined || !recognition.available) {
      return; // decided at speech-end: no recognizer means `error: unavailable`
    }
    const openAudio: OpenAudio = (sampleRate) => {
      const sub = media.subscribeAudio({
        name: 'recognizer',
        sampleRate,
        preRollFrames: Math.round(opts.preRollMs / FRAME_MS),
        queueFrames: 250,
      });
      subscription = sub;
      return sub;
    };
    const current = recognition.startTurn(openAudio, opts.recognition);
    turn = current;
    current.on('error', () => {}); // reported through the outcome
    void current.outcome.then((outcome) => {
      if (turn !== current) {
        return;
      }
      if (outcome.final !== null) {
        const best = outcome.final.alternatives[0];
        if (best !== undefined && best.transcript.trim() !== '') {
          finish({
            kind: 'speech',
            transcript: best.transcript,
            confidence: best.confidence,
            alternatives: outcome.final.alternatives,
            provider: outcome.provider,
            latencyMs: outcome.final.latencyMs,
          });
          return;
        }
      }
      if (outcome.error !== null) {
        const { kind, code, message, retryable } = outcome.error;
        finish({ kind: 'error', error: { kind, code, message, retryable }, provider: outcome.provider });
        return;
      }
      if (outcome.reason === 'no-input') {
        finish({ kind: 'no-input' });
        return;
      }
      if (outcome.reason !== 'aborted') {
        finish({ kind: 'no-match', provider: outcome.provider });
      }
    });
  };

  const endOfSpeech = (): void => {
    if (turn === undefined) {
      finish({ kind: 'error', error: NO_RECOGNIZER, provider: null });
      return;
    }
    turn.endOfSpeech();
    guard = setTimeout(() => {
      finish({
        kind: 'error',
        error: {
          kind: 'timeout',
          code: 'AIG_ERR_ASR_TIMEOUT',
          message: `no result ${opts.resultGuardMs} ms after end of speech`,
          retryable: true,
        },
        provider: turn?.provider ?? null,
      });
    }, opts.resultGuardMs);
  };

  function onTurn(event: EndpointerEvent): void {
    if (opts.speech === 'ignore' && event.type !== 'no-input') {
      if (event.type !== 'speech-start') {
        media.startTurn({ ...opts.endpointing, armNoInputTimer: true }); // keep waiting for a key
      }
      return;
    }
    switch (event.type) {
      case 'speech-start':
        startRecognition();
        break;
      case 'speech-end':
      case 'max-utterance':
        endOfSpeech();
        break;
      case 'no-input':
        finish({ kind: 'no-input' });
        break;
    }
  }

  function onDtmf(event: { digit: string }): void {
    if (opts.acceptDtmf) {
      finish({ kind: 'dtmf', digit: event.digit });
    }
  }

  media.on('turn', onTurn);
  media.on('dtmf', onDtmf);
  media.startTurn(opts.endpointing);
  return { result, cancel: () => finish({ kind: 'no-input' }) };
}
