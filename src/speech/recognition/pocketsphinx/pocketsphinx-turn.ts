/**
 * One recognition turn on a call's pocketsphinx decoder.
 *
 * Two loops meet in `pending`: the reader takes 20 ms frames from the audio fork as they come (from the turn's
 * first moment, so nothing is lost while the decoder gets ready), and the feeder hands them to the decoder in
 * batches of `batchMs` (default 100 ms: fewer worker-thread hops than frame by frame, and at most that much audio
 * left to decode when the caller stops). While a batch is being decoded, new frames wait; the next batch takes
 * all of them (up to `maxBatchMs`), so a slow moment never piles calls up.
 *
 * After each batch: `speechStart` when the front end's voice activity detector (`ps_get_in_speech`) first says
 * speech, and, with `interimResults`, a `partial` at most every `partialIntervalMs` when the best hypothesis
 * changed. `endOfSpeech()` stops the reader, feeds what is left, ends the utterance and gives the `final` (or
 * `no-match` when the decoder found nothing); `latencyMs` is measured from that call. The audio ending has the
 * same effect, without a latency; so has `maxUtteranceMs` after speech started. `no-input` ends a turn in which
 * no speech was heard within `noInputTimeoutMs`.
 *
 * A turn never throws: a failure becomes an `error` event (and the outcome's `error`) followed by `end`.
 *
 * Options pocketsphinx has no use for: `hints` and `hintBoost` (the grammar is the vocabulary), `singleUtterance`
 * (a turn is always one utterance, ended by `endOfSpeech()`).
 */
import { emitSafely } from '../turn-timers.js';
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../../shared/clock.js';
import type {
  FinalResultEvent,
  RecognitionEndReason,
  RecognitionErrorEvent,
  RecognitionErrorKind,
  RecognitionOutcome,
  RecognitionTurn,
  RecognitionTurnEvents,
  RecognitionTurnOptions,
} from '../recognizer-types.js';
import { rankAlternatives, type ConfidenceCalibration } from './hypothesis-confidence.js';
import { DecoderClosedError, type PocketsphinxDecoder } from './pocketsphinx-decoder.js';
import type { PocketsphinxLogger } from './pocketsphinx-logger.js';

/** What the decoder is set up with for a turn, decided by the session from the turn's options. */
export interface TurnSearch {
  /** Phrases the grammar can return (null: open speech, any transcript is a result). */
  readonly phrases: ReadonlySet<string> | null;
}

/** A failure the turn reports as is (a bad grammar, a decoder that could not be created). */
export class TurnFailure extends Error {
  constructor(
    readonly kind: RecognitionErrorKind,
    readonly code: 'AIG_ERR_ASR_BAD_REQUEST' | 'AIG_ERR_ASR_INTERNAL' | 'AIG_ERR_ASR_LIBRARY',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TurnFailure';
  }
}

export interface TurnSettings {
  readonly sampleRate: number;
  readonly batchMs: number;
  readonly maxBatchMs: number;
  readonly partialIntervalMs: number;
  /** N-best paths read for alternatives (A* steps; duplicates and partial paths are skipped). */
  readonly nbestPaths: number;
  /** Time allowed to the n-best search after the utterance ends: it adds to the final's latency. */
  readonly nbestBudgetMs: number;
  readonly confidence: ConfidenceCalibration;
}

export interface TurnContext {
  readonly decoder: Promise<PocketsphinxDecoder>;
  /** Sets the decoder's search up for these options (grammar or language model). */
  readonly prepare: (decoder: PocketsphinxDecoder, options: RecognitionTurnOptions) => Promise<TurnSearch>;
  readonly clock: Clock;
  readonly logger: PocketsphinxLogger;
  readonly settings: TurnSettings;
}

type TurnState = 'listening' | 'finishing' | 'ended';

export class PocketsphinxTurn extends EventEmitter<RecognitionTurnEvents> implements RecognitionTurn {
  readonly provider = 'pocketsphinx' as const;
  readonly outcome: Promise<RecognitionOutcome>;
  private resolveOutcome!: (outcome: RecognitionOutcome) => void;
  private state: TurnState = 'listening';
  private readonly pending: Int16Array[] = [];
  private pendingSamples = 0;
  private audioDone = false;
  private wakeFeeder: (() => void) | undefined;
  private iterator: AsyncIterator<Int16Array> | undefined;
  private endOfSpeechAtMs: number | null = null;
  private speechStarted = false;
  private lastPartial = '';
  private lastPartialAtMs = -Infinity;
  private noInputTimer: TimerHandle | undefined;
  private maxUtteranceTimer: TimerHandle | undefined;

  constructor(
    audio: AsyncIterable<Int16Array>,
    private readonly options: RecognitionTurnOptions,
    private readonly context: TurnContext,
  ) {
    super();
    this.outcome = new Promise((resolve) => {
      this.resolveOutcome = resolve;
    });
    this.noInputTimer = context.clock.setTimeout(() => this.onNoInputTimeout(), options.noInputTimeoutMs);
    void this.read(audio);
    void this.decode();
  }

  endOfSpeech(): void {
    if (this.state !== 'listening') {
      return;
    }
    this.endOfSpeechAtMs = this.context.clock.now();
    this.beginFinishing();
  }

  abort(): void {
    this.end('aborted', null, null);
  }

  /** A method, not a field comparison: TypeScript would keep the narrowing across awaits. */
  private isEnded(): boolean {
    return this.state === 'ended';
  }

  /** Reader loop: frames into `pending` until the turn stops listening or the audio ends. */
  private async read(audio: AsyncIterable<Int16Array>): Promise<void> {
    const iterator = audio[Symbol.asyncIterator]();
    this.iterator = iterator;
    try {
      while (this.state === 'listening') {
        const next = await iterator.next();
        if (next.done === true || this.state !== 'listening') {
          break;
        }
        this.pending.push(next.value);
        this.pendingSamples += next.value.length;
        this.wake();
      }
    } catch (err) {
      this.context.logger.warn({ err }, 'pocketsphinx: audio source failed');
    }
    this.audioDone = true;
    if (this.state === 'listening') {
      this.beginFinishing();
    }
    this.wake();
  }

  /** Feeder loop: prepares the decoder, feeds batches, finishes the utterance. */
  private async decode(): Promise<void> {
    const { settings } = this.context;
    const batchSamples = Math.round((settings.sampleRate * settings.batchMs) / 1000);
    const maxBatchSamples = Math.max(
      batchSamples,
      Math.round((settings.sampleRate * settings.maxBatchMs) / 1000),
    );
    try {
      const decoder = await this.context.decoder;
      if (this.isEnded()) {
        return;
      }
      const search = await this.context.prepare(decoder, this.options);
      if (this.isEnded()) {
        return;
      }
      await decoder.startUtterance();
      for (;;) {
        if (this.isEnded()) {
          return;
        }
        const finishing = this.state === 'finishing';
        if (this.pendingSamples >= (finishing ? 1 : batchSamples)) {
          const { inSpeech } = await decoder.process(this.takeBatch(maxBatchSamples));
          await this.afterBatch(decoder, inSpeech);
          continue;
        }
        if (finishing) {
          break;
        }
        await new Promise<void>((resolve) => {
          this.wakeFeeder = resolve;
        });
      }
      const result = await decoder.finish({
        paths: this.options.maxAlternatives > 1 ? settings.nbestPaths : 0,
        budgetMs: settings.nbestBudgetMs,
      });
      if (this.isEnded()) {
        return;
      }
      if (result.transcript === '') {
        this.end(this.speechStarted || this.endOfSpeechAtMs !== null ? 'no-match' : 'no-input', null, null);
        return;
      }
      const atMs = this.context.clock.now();
      const final: FinalResultEvent = {
        alternatives: rankAlternatives(
          result,
          result.frames,
          result.nbest,
          search.phrases,
          Math.max(1, this.options.maxAlternatives),
          settings.confidence,
        ),
        atMs,
        latencyMs: this.endOfSpeechAtMs === null ? null : atMs - this.endOfSpeechAtMs,
      };
      this.end('final', final, null);
    } catch (err) {
      this.fail(err);
    }
  }

  private takeBatch(maxSamples: number): Int16Array {
    let size = 0;
    let frames = 0;
    while (frames < this.pending.length && size + this.pending[frames]!.length <= maxSamples) {
      size += this.pending[frames]!.length;
      frames++;
    }
    if (frames === 0) {
      frames = 1; // a frame larger than a batch still goes through whole
      size = this.pending[0]!.length;
    }
    const batch = new Int16Array(size);
    let offset = 0;
    for (const frame of this.pending.splice(0, frames)) {
      batch.set(frame, offset);
      offset += frame.length;
    }
    this.pendingSamples -= size;
    return batch;
  }

  private async afterBatch(decoder: PocketsphinxDecoder, inSpeech: boolean): Promise<void> {
    if (this.state === 'ended') {
      return;
    }
    const now = this.context.clock.now();
    if (!this.speechStarted && inSpeech) {
      this.markSpeechStart(now);
    }
    if (
      this.options.interimResults &&
      this.state === 'listening' &&
      this.speechStarted &&
      now - this.lastPartialAtMs >= this.context.settings.partialIntervalMs
    ) {
      this.lastPartialAtMs = now;
      const transcript = await decoder.partial();
      if (this.state === 'listening' && transcript !== '' && transcript !== this.lastPartial) {
        this.lastPartial = transcript;
        this.safeEmit('partial', { transcript, stability: null, atMs: this.context.clock.now() });
      }
    }
  }

  private markSpeechStart(atMs: number): void {
    this.speechStarted = true;
    this.noInputTimer?.cancel();
    this.noInputTimer = undefined;
    this.maxUtteranceTimer = this.context.clock.setTimeout(() => {
      if (this.state === 'listening') {
        this.beginFinishing();
      }
    }, this.options.maxUtteranceMs);
    this.safeEmit('speechStart', { atMs });
  }

  private onNoInputTimeout(): void {
    this.noInputTimer = undefined;
    if (this.state === 'listening' && !this.speechStarted) {
      this.end('no-input', null, null);
    }
  }

  private beginFinishing(): void {
    this.state = 'finishing';
    this.stopReading();
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeFeeder;
    this.wakeFeeder = undefined;
    wake?.();
  }

  private stopReading(): void {
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator?.return !== undefined && !this.audioDone) {
      iterator.return().catch(() => undefined);
    }
  }

  private fail(err: unknown): void {
    if (this.state === 'ended') {
      return;
    }
    if (err instanceof DecoderClosedError) {
      this.end('aborted', null, null);
      return;
    }
    const failure =
      err instanceof TurnFailure
        ? err
        : new TurnFailure('internal', 'AIG_ERR_ASR_INTERNAL', errorMessage(err), true);
    if (!(err instanceof TurnFailure)) {
      this.context.logger.error({ err }, 'pocketsphinx: recognition failed');
    }
    const error: RecognitionErrorEvent = {
      kind: failure.kind,
      code: failure.code,
      message: failure.message,
      retryable: failure.retryable,
      atMs: this.context.clock.now(),
    };
    this.end('error', null, error);
  }

  /** The one place a turn ends: `final`/`error` first, then `end`, exactly once. */
  private end(
    reason: RecognitionEndReason,
    final: FinalResultEvent | null,
    error: RecognitionErrorEvent | null,
  ): void {
    if (this.state === 'ended') {
      return;
    }
    this.state = 'ended';
    this.noInputTimer?.cancel();
    this.maxUtteranceTimer?.cancel();
    this.stopReading();
    this.pending.length = 0;
    this.pendingSamples = 0;
    this.wake();
    if (final !== null) {
      this.safeEmit('final', final);
    }
    if (error !== null && this.listenerCount('error') > 0) {
      this.safeEmit('error', error);
    }
    this.safeEmit('end', { reason, atMs: this.context.clock.now() });
    this.resolveOutcome({ reason, final, error, provider: this.provider });
  }

  /** A listener that throws is logged; it never breaks the turn. */
  private safeEmit<K extends keyof RecognitionTurnEvents>(event: K, ...args: RecognitionTurnEvents[K]): void {
    emitSafely<RecognitionTurnEvents, K>(this, event, args, (e, err) =>
      this.context.logger.error({ err, event: e }, 'pocketsphinx: turn listener threw'),
    );
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
