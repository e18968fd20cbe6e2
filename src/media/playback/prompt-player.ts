/**
 * Plays prompts to one caller, one 20 ms frame per scheduler tick: the media session calls `nextFrame()` on every
 * tick and sends what it returns (`undefined`: nothing to play).
 *
 * A playback is a sequence of items (recorded prompt, silence, TTS text, raw PCM). Their audio is fetched when the
 * playback is queued, in parallel, so a TTS item later in the sequence is usually ready by the time it is reached.
 * An item whose audio cannot be had (missing prompt, bad WAV, TTS failure, or not ready within `loadTimeoutMs`)
 * is reported with an `itemError` event and skipped: a call never crashes on, nor waits forever for, a prompt.
 * While an item's audio is still loading the player returns silent frames, so the RTP stream keeps its pace.
 *
 * Skipped scheduler ticks (see `media-scheduler.ts`) do not skip audio: each call to `nextFrame` returns the frame
 * after the previous one. Frames are views into shared buffers (the prompt cache's): read them, never write them.
 * Listener errors are caught and handed to `onListenerError`; they never stop the playback.
 */
import { EventEmitter } from 'node:events';
import { AigError, isAigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { encoderFor } from '../codec/g711.js';
import { FRAME_MS, SAMPLES_PER_FRAME, type G711CodecName, type PcmFrame } from '../media-types.js';
import { padToFrames, splitFrames, type PromptAudio } from './prompt-audio.js';
import type { PromptSource } from './prompt-cache.js';
import type {
  Playback,
  PlaybackItem,
  PlaybackResult,
  PlayOptions,
  PromptPlayerEvents,
  SpeechSynthesizer,
} from './prompt-player-types.js';

export interface PromptPlayerOptions {
  prompts: PromptSource;
  /** Needed for `tts` items; without it they fail with `AIG_ERR_TTS_UNAVAILABLE`. */
  synthesizer?: SpeechSynthesizer;
  /** Language of items that do not name one (e.g. the dialled number's). */
  language: string;
  /** Longest wait for an item's audio before it is skipped, ms. @default 4000 */
  loadTimeoutMs?: number;
  /** Called when an event listener throws. */
  onListenerError?: (error: unknown, event: keyof PromptPlayerEvents) => void;
}

type ItemState =
  | { status: 'pending' }
  | {
      status: 'ready';
      frameCount: number;
      frameAt: (index: number) => PcmFrame;
      prompt: PromptAudio | undefined;
    }
  | { status: 'failed'; error: AigError };

class ActivePlayback implements Playback {
  readonly done: Promise<PlaybackResult>;
  readonly states: ItemState[];
  itemIndex = 0;
  /** Frames of the current item delivered. */
  itemFrame = 0;
  /** Ticks spent waiting for the current item's audio. */
  waitedFrames = 0;
  framesPlayed = 0;
  started = false;
  ended = false;
  readonly errors: AigError[] = [];
  private settle!: (result: PlaybackResult) => void;

  constructor(
    readonly id: number,
    readonly items: readonly PlaybackItem[],
    readonly bargeIn: boolean,
    readonly language: string,
  ) {
    this.states = items.map(() => ({ status: 'pending' }));
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  end(result: PlaybackResult): void {
    this.ended = true;
    this.settle(result);
  }
}

export class PromptPlayer extends EventEmitter<PromptPlayerEvents> {
  private readonly prompts: PromptSource;
  private readonly synthesizer: SpeechSynthesizer | undefined;
  private readonly language: string;
  private readonly loadTimeoutMs: number;
  private readonly onListenerError: PromptPlayerOptions['onListenerError'];
  private readonly silentFrame: PcmFrame = new Int16Array(SAMPLES_PER_FRAME);
  private readonly payloadScratch = new Map<G711CodecName, Buffer>();
  private current: ActivePlayback | undefined;
  private readonly queue: ActivePlayback[] = [];
  private nextId = 1;
  private closed = false;
  private lastFrame: PcmFrame | undefined;
  private lastPrompt: { audio: PromptAudio; frame: number } | undefined;

  constructor(options: PromptPlayerOptions) {
    super();
    this.prompts = options.prompts;
    this.synthesizer = options.synthesizer;
    this.language = options.language;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 4000;
    this.onListenerError = options.onListenerError;
  }

  /** Whether a playback is playing or queued. */
  get playing(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  /** The playback now playing (or loading its first item). */
  get currentPlayback(): Playback | undefined {
    return this.current;
  }

  play(items: PlaybackItem | readonly PlaybackItem[], options: PlayOptions = {}): Playback {
    const list = Array.isArray(items) ? [...(items as readonly PlaybackItem[])] : [items as PlaybackItem];
    for (const item of list) {
      validateItem(item);
    }
    const playback = new ActivePlayback(
      this.nextId++,
      list,
      options.bargeIn ?? false,
      options.language ?? this.language,
    );
    if (this.closed) {
      this.interrupt(playback, 'closed');
      return playback;
    }
    if ((options.mode ?? 'queue') === 'replace') {
      this.interruptAll('replaced');
    }
    this.queue.push(playback);
    list.forEach((item, index) => this.fetchAudio(playback, item, index));
    return playback;
  }

  /** The frame to send on this tick, or `undefined` when nothing is playing. */
  nextFrame(): PcmFrame | undefined {
    this.lastFrame = undefined;
    this.lastPrompt = undefined;
    for (;;) {
      const playback = this.current ?? this.queue.shift();
      if (playback === undefined) {
        return undefined;
      }
      this.current = playback;
      if (playback.itemIndex >= playback.items.length) {
        this.finish(playback);
        continue;
      }
      const state = playback.states[playback.itemIndex]!;
      if (state.status === 'failed') {
        this.skipItem(playback, state.error);
        continue;
      }
      if (state.status === 'pending') {
        playback.waitedFrames += 1;
        if (playback.waitedFrames * FRAME_MS > this.loadTimeoutMs) {
          this.skipItem(
            playback,
            new AigError(
              'AIG_ERR_PLAYBACK_TIMEOUT',
              `${describeItem(playback.items[playback.itemIndex]!)} after ${this.loadTimeoutMs} ms`,
            ),
          );
          continue;
        }
        this.lastFrame = this.silentFrame;
        return this.silentFrame;
      }
      if (playback.itemFrame >= state.frameCount) {
        this.nextItem(playback);
        continue;
      }
      const frame = state.frameAt(playback.itemFrame);
      if (state.prompt !== undefined) {
        this.lastPrompt = { audio: state.prompt, frame: playback.itemFrame };
      }
      playback.itemFrame += 1;
      playback.framesPlayed += 1;
      this.lastFrame = frame;
      if (!playback.started) {
        playback.started = true;
        this.safeEmit('started', {
          playback,
          item: playback.items[playback.itemIndex]!,
          itemIndex: playback.itemIndex,
        });
      }
      return frame;
    }
  }

  /**
   * The frame last returned by `nextFrame` as a G.711 payload: a recorded prompt's cached encoding when it came
   * from one, else encoded now into a buffer reused on the next call (copy it to keep it).
   */
  lastPayload(codec: G711CodecName): Buffer | undefined {
    if (this.lastPrompt !== undefined) {
      return this.lastPrompt.audio.encodedFrames(codec)[this.lastPrompt.frame];
    }
    if (this.lastFrame === undefined) {
      return undefined;
    }
    let scratch = this.payloadScratch.get(codec);
    if (scratch === undefined) {
      scratch = Buffer.alloc(SAMPLES_PER_FRAME);
      this.payloadScratch.set(codec, scratch);
    }
    return encoderFor(codec)(this.lastFrame, scratch);
  }

  /** Caller speech or a key press: interrupts the current playback if it allows barge-in. */
  bargeIn(): boolean {
    // The playback about to start counts as playing: speech can begin between play() and the next tick.
    const playback = this.current ?? this.queue[0];
    if (playback === undefined || !playback.bargeIn) {
      return false;
    }
    if (playback === this.current) {
      this.current = undefined;
    } else {
      this.queue.shift();
    }
    this.interrupt(playback, 'barge-in');
    return true;
  }

  /** Interrupts the current playback and drops the queued ones. */
  stop(reason = 'stopped'): void {
    this.interruptAll(reason);
  }

  /** Stops everything; later `play` calls end at once with reason `closed`. */
  close(): void {
    this.closed = true;
    this.interruptAll('closed');
  }

  private interruptAll(reason: string): void {
    const playbacks = [...(this.current === undefined ? [] : [this.current]), ...this.queue];
    this.current = undefined;
    this.queue.length = 0;
    for (const playback of playbacks) {
      this.interrupt(playback, reason);
    }
  }

  private fetchAudio(playback: ActivePlayback, item: PlaybackItem, index: number): void {
    const settle = (state: ItemState): void => {
      playback.states[index] = state;
    };
    const fail = (code: ErrorCode) => (err: unknown) => {
      settle({
        status: 'failed',
        error: isAigError(err) ? err : new AigError(code, describeItem(item), { cause: err }),
      });
    };
    switch (item.kind) {
      case 'silence': {
        // One shared frame, however long the silence: nothing is allocated per frame.
        const silentFrame = this.silentFrame;
        settle({
          status: 'ready',
          frameCount: Math.ceil(item.ms / FRAME_MS),
          frameAt: () => silentFrame,
          prompt: undefined,
        });
        return;
      }
      case 'pcm':
        settle(readyPcm(item.pcm));
        return;
      case 'prompt':
        this.prompts.load(item.language ?? playback.language, item.id).then(
          (audio) =>
            settle({
              status: 'ready',
              frameCount: audio.frameCount,
              frameAt: (i) => audio.frames[i]!,
              prompt: audio,
            }),
          fail('AIG_ERR_PROMPT_NOT_FOUND'),
        );
        return;
      case 'tts': {
        if (this.synthesizer === undefined) {
          fail('AIG_ERR_TTS_UNAVAILABLE')(new AigError('AIG_ERR_TTS_UNAVAILABLE', describeItem(item)));
          return;
        }
        const options = {
          language: item.language ?? playback.language,
          ...(item.voice === undefined ? {} : { voice: item.voice }),
        };
        this.synthesizer
          .synthesize(item.text, options)
          .then((pcm) => settle(readyPcm(pcm)), fail('AIG_ERR_TTS_FAILED'));
        return;
      }
    }
  }

  private nextItem(playback: ActivePlayback): void {
    playback.itemIndex += 1;
    playback.itemFrame = 0;
    playback.waitedFrames = 0;
  }

  private skipItem(playback: ActivePlayback, error: AigError): void {
    const itemIndex = playback.itemIndex;
    playback.errors.push(error);
    this.nextItem(playback);
    this.safeEmit('itemError', { playback, item: playback.items[itemIndex]!, itemIndex, error });
  }

  private finish(playback: ActivePlayback): void {
    this.current = undefined;
    const result: PlaybackResult = {
      status: 'finished',
      positionMs: playback.framesPlayed * FRAME_MS,
      errors: playback.errors,
    };
    playback.end(result);
    this.safeEmit('finished', { playback, result });
  }

  private interrupt(playback: ActivePlayback, reason: string): void {
    if (playback.ended) {
      return;
    }
    const result: PlaybackResult = {
      status: 'interrupted',
      reason,
      positionMs: playback.framesPlayed * FRAME_MS,
      errors: playback.errors,
    };
    playback.end(result);
    const begun = playback.started || playback.waitedFrames > 0 || playback.itemIndex > 0;
    this.safeEmit('interrupted', {
      playback,
      result,
      item: begun ? playback.items[playback.itemIndex] : undefined,
      itemIndex: playback.itemIndex,
      itemPositionMs: playback.itemFrame * FRAME_MS,
    });
  }

  private safeEmit<K extends keyof PromptPlayerEvents>(event: K, ...args: PromptPlayerEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: PromptPlayerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      try {
        this.onListenerError?.(err, event);
      } catch {
        // The reporter failing must not break playback either.
      }
    }
  }
}

function readyPcm(pcm: Int16Array): ItemState {
  const frames = splitFrames(padToFrames(pcm));
  return { status: 'ready', frameCount: frames.length, frameAt: (i) => frames[i]!, prompt: undefined };
}

function validateItem(item: PlaybackItem): void {
  if (item.kind === 'silence' && !(Number.isFinite(item.ms) && item.ms >= 0)) {
    throw new RangeError(`silence must last a finite, non-negative number of ms, got ${item.ms}`);
  }
  if (item.kind === 'pcm' && !(item.pcm instanceof Int16Array)) {
    throw new TypeError('pcm items carry an Int16Array of 8 kHz samples');
  }
}

/** A short, log-safe description of an item (TTS text is not included: it may contain caller data). */
export function describeItem(item: PlaybackItem): string {
  switch (item.kind) {
    case 'prompt':
      return `prompt ${item.language === undefined ? '' : `${item.language}/`}${item.id}`;
    case 'silence':
      return `${item.ms} ms of silence`;
    case 'tts':
      return `TTS text of ${item.text.length} characters`;
    case 'pcm':
      return `PCM${item.label === undefined ? '' : ` ${item.label}`} of ${item.pcm.length} samples`;
  }
}
