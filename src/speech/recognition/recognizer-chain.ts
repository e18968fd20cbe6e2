/**
 * The recognizers of one language (or one number), in the configured fallback order, behind one session per call.
 *
 * Why a chain and not a single provider: a public service must not lose callers because one speech service is down.
 * Each turn goes to the first provider that is not cooling down; a provider whose turn failed with a retryable error
 * (unavailable, quota, timeout) cools down for `cooldownMs` and the next turn — on this call and on every other —
 * goes to the next provider. The failed turn still reports its error, so the flow can say "sorry, could you repeat"
 * or switch to the keypad. When no provider is left, `available` is false and a turn ends at once with an
 * `unavailable` error: the flow falls back to DTMF, never a dead call.
 *
 * Providers read audio at different rates (Google and vosk at 8 kHz, pocketsphinx at 16 kHz), so a turn asks the
 * caller's media for audio at the chosen provider's rate through `openAudio`.
 */
import { EventEmitter } from 'node:events';
import type { ConversationLanguage } from '../../config/config-types.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type {
  RecognitionErrorEvent,
  RecognitionOutcome,
  RecognitionTurn,
  RecognitionTurnEvents,
  RecognitionTurnOptions,
  Recognizer,
  RecognizerName,
  RecognizerSession,
  RecognizerSessionContext,
} from './recognizer-types.js';

export interface RecognizerChainOptions {
  /** How long a provider is skipped after a retryable failure, ms. @default 30000 */
  cooldownMs: number;
  clock: Clock;
}

export const DEFAULT_RECOGNIZER_CHAIN_OPTIONS: Readonly<Omit<RecognizerChainOptions, 'clock'>> =
  Object.freeze({
    cooldownMs: 30_000,
  });

/** The error of a turn no provider can serve (none configured for the language, or all cooling down). */
export const NO_RECOGNIZER: Readonly<Omit<RecognitionErrorEvent, 'atMs'>> = Object.freeze({
  kind: 'unavailable',
  code: 'AIG_ERR_ASR_UNAVAILABLE',
  message: 'no speech recognizer is available for this language',
  retryable: true,
});

/** Gives the caller's audio at the rate a provider reads (20 ms frames). */
export type OpenAudio = (sampleRate: 8000 | 16000) => AsyncIterable<Int16Array>;

export interface ProviderHealth {
  readonly name: RecognizerName;
  /** Monotonic ms until which the provider is skipped; 0 = healthy. */
  readonly coolingUntilMs: number;
  readonly turns: number;
  readonly failures: number;
}

export class RecognizerChain {
  readonly language: ConversationLanguage;
  private readonly options: RecognizerChainOptions;
  private readonly health = new Map<
    RecognizerName,
    { coolingUntilMs: number; turns: number; failures: number }
  >();

  /** `providers`: initialised recognizers serving `language`, in fallback order. */
  constructor(
    language: ConversationLanguage,
    readonly providers: readonly Recognizer[],
    options: Partial<RecognizerChainOptions> = {},
  ) {
    this.language = language;
    this.options = { ...DEFAULT_RECOGNIZER_CHAIN_OPTIONS, clock: systemClock, ...options };
    for (const provider of providers) {
      this.health.set(provider.name, { coolingUntilMs: 0, turns: 0, failures: 0 });
    }
  }

  /** True when at least one provider is configured and not cooling down. */
  get available(): boolean {
    return this.pick() !== undefined;
  }

  /** The provider the next turn would use, if any. */
  pick(): Recognizer | undefined {
    const now = this.options.clock.now();
    return this.providers.find((p) => (this.health.get(p.name)?.coolingUntilMs ?? 0) <= now);
  }

  healthReport(): ProviderHealth[] {
    return this.providers.map((p) => {
      const h = this.health.get(p.name)!;
      return { name: p.name, coolingUntilMs: h.coolingUntilMs, turns: h.turns, failures: h.failures };
    });
  }

  openSession(context: RecognizerSessionContext): ChainSession {
    return new ChainSession(this, context, this.options.clock);
  }

  /** @internal Called by sessions when a turn ends. */
  recordOutcome(name: RecognizerName, outcome: RecognitionOutcome): void {
    const h = this.health.get(name);
    if (h === undefined) {
      return;
    }
    h.turns++;
    if (outcome.error !== null) {
      h.failures++;
      if (outcome.error.retryable) {
        h.coolingUntilMs = this.options.clock.now() + this.options.cooldownMs;
      }
    } else if (outcome.reason !== 'aborted') {
      h.coolingUntilMs = 0;
    }
  }
}

/** One call's recognition: provider sessions opened lazily, reused across turns, closed together. */
export class ChainSession {
  private readonly sessions = new Map<RecognizerName, RecognizerSession>();
  private current: RecognitionTurn | undefined;
  private closed = false;

  constructor(
    private readonly chain: RecognizerChain,
    private readonly context: RecognizerSessionContext,
    private readonly clock: Clock,
  ) {}

  get available(): boolean {
    return !this.closed && this.chain.available;
  }

  /** Starts a turn on the first healthy provider; without one, a turn that ends at once with `unavailable`. */
  startTurn(openAudio: OpenAudio, options: RecognitionTurnOptions): RecognitionTurn {
    this.current?.abort();
    const provider = this.closed ? undefined : this.chain.pick();
    if (provider === undefined) {
      const turn = new UnavailableTurn(this.chain.providers[0]?.name ?? 'pocketsphinx', this.clock);
      this.current = turn;
      return turn;
    }
    let session = this.sessions.get(provider.name);
    if (session === undefined) {
      session = provider.openSession(this.context);
      this.sessions.set(provider.name, session);
    }
    const turn = session.startTurn(openAudio(provider.sampleRate), options);
    this.current = turn;
    void turn.outcome.then((outcome) => this.chain.recordOutcome(provider.name, outcome));
    return turn;
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.current?.abort();
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }
}

/** The turn given when no provider can serve: `error` (unavailable) then `end`, on the next tick. */
class UnavailableTurn extends EventEmitter<RecognitionTurnEvents> implements RecognitionTurn {
  readonly outcome: Promise<RecognitionOutcome>;

  constructor(
    readonly provider: RecognizerName,
    clock: Clock,
  ) {
    super();
    this.outcome = new Promise((resolve) => {
      setImmediate(() => {
        const atMs = clock.now();
        const error: RecognitionErrorEvent = { ...NO_RECOGNIZER, atMs };
        if (this.listenerCount('error') > 0) {
          this.emit('error', error);
        }
        this.emit('end', { reason: 'error', atMs });
        resolve({ reason: 'error', final: null, error, provider: this.provider });
      });
    });
  }

  endOfSpeech(): void {}

  abort(): void {}
}
