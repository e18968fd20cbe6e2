/**
 * `pocketsphinx`: the embedded offline recognizer, English only, from Debian (`libpocketsphinx3`,
 * `pocketsphinx-en-us`), loaded in process through koffi. It needs no network and no account, so an English flow
 * still understands callers when every remote service is down.
 *
 * What makes it usable on phone audio:
 *   - 16 kHz input: the recognizer declares `sampleRate: 16000` and the audio fork upsamples the 8 kHz call audio
 *     in JS; the wide-band model run on native 8 kHz features loses most of its accuracy;
 *   - an overlay model whose `feat.params` carries a telephone `-cmninit` (`model-overlay.ts`): first-turn intent
 *     accuracy went from 7.5% to 75% in the measurement (9/30 → 22/30 phrases on a fresh decoder here);
 *   - a closed JSGF grammar per turn built from the step's phrases (`jsgf-grammar.ts`). With no grammar (open
 *     speech) the stock n-gram model (`en-us.lm.bin`) is used if installed, but it is poor on phone audio (most
 *     sentences come back wrong), slower than real time on a shared core, and costs ~1.2 s and ~65 MB per call
 *     to load: flows meant for pocketsphinx should give phrases.
 *
 * Measured (`scripts/bench/speech-pocketsphinx.ts`: 48 espeak-ng phrases of 12 intents, a 68-phrase grammar, 3
 * voices × 2 speeds × µ-law clean / 20 dB / 10 dB white noise, 6 concurrent calls paced in real time, a busy
 * 2-core machine): phrase accuracy 88% (94–100% at 20 dB, ~80% at 10 dB, where first turns fall to 17–33%),
 * end of speech → final p50 25 ms, p99 234 ms, ~45 ms of CPU per second of audio.
 *
 * Costs: one decoder per call (`ps_init` 150–400 ms on a worker thread, ~30 MB with the full dictionary), taken
 * from a pool of spares made ahead (`decoder-pool.ts`) and reused by all the call's turns; a grammar is compiled
 * only when a turn's phrases differ from the previous turn's. Native work runs on libuv's thread pool (koffi
 * async calls; 4 threads unless UV_THREADPOOL_SIZE says more, shared with fs and dns): the event loop only copies
 * audio.
 */
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConversationLanguage, PocketsphinxConfig } from '../../../config/config-types.js';
import { AigError } from '../../../errors/aig-error.js';
import { systemClock, type Clock } from '../../../shared/clock.js';
import type {
  RecognitionTurn,
  RecognitionTurnOptions,
  Recognizer,
  RecognizerSession,
  RecognizerSessionContext,
} from '../recognizer-types.js';
import { DecoderPool } from './decoder-pool.js';
import { loadDictionaryVocabulary } from './dictionary-vocabulary.js';
import { DEFAULT_CONFIDENCE_CALIBRATION, type ConfidenceCalibration } from './hypothesis-confidence.js';
import { buildJsgfGrammar, type JsgfGrammar, type UnknownWordPolicy } from './jsgf-grammar.js';
import { ModelOverlayError, prepareModelOverlay } from './model-overlay.js';
import { PocketsphinxDecoder } from './pocketsphinx-decoder.js';
import { loadPocketsphinxLibrary, type PocketsphinxLibrary } from './pocketsphinx-library.js';
import { SILENT_LOGGER, type PocketsphinxLogger } from './pocketsphinx-logger.js';
import {
  PocketsphinxTurn,
  TurnFailure,
  type TurnContext,
  type TurnSearch,
  type TurnSettings,
} from './pocketsphinx-turn.js';

export interface PocketsphinxRecognizerOptions {
  /** @default systemClock */
  clock: Clock;
  /** @default a logger that drops everything */
  logger: PocketsphinxLogger;
  /** Writable directory for the overlay model (the app's data directory in production). @default os.tmpdir() */
  workDirectory: string;
  /** Audio per decoder call. @default 100 */
  batchMs: number;
  /** Most audio per decoder call when frames piled up during a slow call. @default 1000 */
  maxBatchMs: number;
  /** Least time between two partial results. @default 300 */
  partialIntervalMs: number;
  /** What to do with grammar words missing from the dictionary. @default 'drop-word' */
  unknownWords: UnknownWordPolicy;
  /**
   * N-gram model for turns without a grammar; null = open speech is refused (`bad-request`).
   * @default `en-us.lm.bin` beside the model directory, when it exists
   */
  languageModel: string | null | undefined;
  /** File for the library's own log (process-wide); null = discarded. @default null */
  nativeLogFile: string | null;
  /** More `-name value` decoder options (e.g. `['-beam', '1e-60']`), after the provider's own. @default [] */
  decoderArguments: readonly string[];
  /** Score-to-confidence mapping (see `hypothesis-confidence.ts`). */
  confidence: ConfidenceCalibration;
  /** N-best paths read to find alternatives when a turn wants more than one. @default 10 */
  nbestPaths: number;
  /** Longest n-best search after end of speech, ms (it adds to the final's latency). @default 40 */
  nbestBudgetMs: number;
  /** Decoders created ahead for the next calls (`decoder-pool.ts`); 0 = created when a call's session opens. @default 1 */
  spareDecoders: number;
}

const SAMPLE_RATE = 16000;
const GRAMMAR_CACHE_SIZE = 64;

export function createPocketsphinxRecognizer(
  config: PocketsphinxConfig,
  options: Partial<PocketsphinxRecognizerOptions> = {},
): PocketsphinxRecognizer {
  return new PocketsphinxRecognizer(config, options);
}

export class PocketsphinxRecognizer implements Recognizer {
  readonly name = 'pocketsphinx' as const;
  readonly languages: readonly ConversationLanguage[] = Object.freeze(['en'] as const);
  readonly sampleRate = SAMPLE_RATE;
  private readonly options: Readonly<PocketsphinxRecognizerOptions>;
  private initialising: Promise<void> | undefined;
  private ready: { pool: DecoderPool; vocabulary: ReadonlySet<string> } | undefined;
  private languageModelPath: string | null = null;
  private readonly sessions = new Set<PocketsphinxSession>();
  private readonly grammars = new Map<string, JsgfGrammar>();
  private readonly reportedUnknownWords = new Set<string>();
  private closed = false;

  constructor(
    readonly config: PocketsphinxConfig,
    options: Partial<PocketsphinxRecognizerOptions> = {},
  ) {
    this.options = Object.freeze({
      clock: systemClock,
      logger: SILENT_LOGGER,
      workDirectory: tmpdir(),
      batchMs: 100,
      maxBatchMs: 1000,
      partialIntervalMs: 300,
      unknownWords: 'drop-word',
      languageModel: undefined,
      nativeLogFile: null,
      decoderArguments: [],
      confidence: DEFAULT_CONFIDENCE_CALIBRATION,
      nbestPaths: 10,
      nbestBudgetMs: 40,
      spareDecoders: 1,
      ...options,
    });
  }

  /**
   * Loads the library, builds the overlay model, reads the dictionary and creates a first decoder (kept as the
   * pool's spare), so a wrong library, model or dictionary fails here.
   */
  init(): Promise<void> {
    this.initialising ??= this.load();
    return this.initialising;
  }

  openSession(context: RecognizerSessionContext): RecognizerSession {
    if (this.ready === undefined || this.closed) {
      throw new AigError(
        'AIG_ERR_ASR_LIBRARY',
        'pocketsphinx is not initialised (init() not called, failed or closed)',
      );
    }
    const decoder = this.ready.pool.take().catch((err: unknown) => {
      this.options.logger.error({ err, callId: context.callId }, 'pocketsphinx: decoder creation failed');
      throw new TurnFailure(
        'internal',
        'AIG_ERR_ASR_INTERNAL',
        'pocketsphinx decoder could not be created',
        true,
      );
    });
    decoder.catch(() => undefined); // reported by the turns that use it
    const session = new PocketsphinxSession(
      decoder,
      (audio, turnOptions, turnDecoder) =>
        new PocketsphinxTurn(audio, turnOptions, this.turnContext(turnDecoder)),
    );
    this.sessions.add(session);
    void session.whenClosed.then(() => this.sessions.delete(session));
    return session;
  }

  /** Resolves when the spare decoders are created: for benchmarks and readiness checks (not needed to serve). */
  async sparesReady(): Promise<void> {
    await this.init();
    await this.ready?.pool.ready();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions].map((session) => session.close()));
    await this.ready?.pool.close();
  }

  private async load(): Promise<void> {
    const { config } = this;
    let library: PocketsphinxLibrary;
    try {
      library = loadPocketsphinxLibrary(config.library, { nativeLogFile: this.options.nativeLogFile });
    } catch (err) {
      throw new AigError(
        'AIG_ERR_ASR_LIBRARY',
        `cannot load ${config.library} (${errorMessage(err)}); Debian package libpocketsphinx3 (scripts/setup installs it)`,
        { cause: err },
      );
    }
    let overlay: string;
    let vocabulary: ReadonlySet<string>;
    try {
      [overlay, vocabulary] = await Promise.all([
        prepareModelOverlay({
          modelDirectory: config.modelDirectory,
          cmninit: config.cmninit,
          workDirectory: this.options.workDirectory,
        }),
        loadDictionaryVocabulary(config.dictionary).catch((err: unknown) => {
          throw new ModelOverlayError(
            `dictionary ${config.dictionary} cannot be read (${errorMessage(err)})`,
          );
        }),
      ]);
    } catch (err) {
      throw new AigError('AIG_ERR_ASR_LIBRARY', errorMessage(err), { cause: err });
    }
    if (vocabulary.size === 0) {
      throw new AigError('AIG_ERR_ASR_LIBRARY', `dictionary ${config.dictionary} has no words`);
    }
    const args = [
      '-hmm',
      overlay,
      '-dict',
      config.dictionary,
      '-samprate',
      String(SAMPLE_RATE),
      ...this.options.decoderArguments,
    ];
    const create = (): Promise<PocketsphinxDecoder> => PocketsphinxDecoder.create(library, args);
    let trial: PocketsphinxDecoder;
    try {
      trial = await create();
    } catch (err) {
      throw new AigError(
        'AIG_ERR_ASR_LIBRARY',
        `pocketsphinx refused the model ${config.modelDirectory} (overlay ${overlay}) with dictionary ${config.dictionary}`,
        { cause: err },
      );
    }
    try {
      this.languageModelPath = await this.findLanguageModel();
    } catch (err) {
      await trial.free();
      throw err;
    }
    const pool = new DecoderPool(create, Math.max(0, this.options.spareDecoders));
    if (this.closed) {
      await trial.free(); // closed while initialising
      return;
    }
    pool.seed(trial);
    this.ready = { pool, vocabulary };
    this.options.logger.info(
      { overlay, words: vocabulary.size, languageModel: this.languageModelPath },
      'pocketsphinx: ready',
    );
  }

  private async findLanguageModel(): Promise<string | null> {
    const configured = this.options.languageModel;
    if (configured === null) {
      return null;
    }
    const path = configured ?? join(dirname(this.config.modelDirectory), 'en-us.lm.bin');
    try {
      await access(path);
      return path;
    } catch {
      if (configured !== undefined) {
        throw new AigError('AIG_ERR_ASR_LIBRARY', `language model ${path} cannot be read`);
      }
      return null;
    }
  }

  private turnContext(decoder: Promise<PocketsphinxDecoder>): TurnContext {
    const { options } = this;
    const settings: TurnSettings = {
      sampleRate: SAMPLE_RATE,
      batchMs: options.batchMs,
      maxBatchMs: options.maxBatchMs,
      partialIntervalMs: options.partialIntervalMs,
      nbestPaths: options.nbestPaths,
      nbestBudgetMs: options.nbestBudgetMs,
      confidence: options.confidence,
    };
    return {
      decoder,
      prepare: (d, turnOptions) => this.prepareSearch(d, turnOptions),
      clock: options.clock,
      logger: options.logger,
      settings,
    };
  }

  private async prepareSearch(
    decoder: PocketsphinxDecoder,
    options: RecognitionTurnOptions,
  ): Promise<TurnSearch> {
    if (options.language !== 'en') {
      throw new TurnFailure(
        'bad-request',
        'AIG_ERR_ASR_BAD_REQUEST',
        `pocketsphinx serves English only, not ${options.language}`,
        false,
      );
    }
    if (options.grammar === null) {
      if (this.languageModelPath === null) {
        throw new TurnFailure(
          'bad-request',
          'AIG_ERR_ASR_BAD_REQUEST',
          'pocketsphinx needs a grammar: no language model for open speech is installed',
          false,
        );
      }
      await decoder.useLanguageModel(this.languageModelPath);
      return { phrases: null };
    }
    const grammar = this.grammarFor(options.grammar);
    if (grammar.source === null) {
      throw new TurnFailure(
        'bad-request',
        'AIG_ERR_ASR_BAD_REQUEST',
        'no grammar phrase can be recognised (empty, or every word unknown to the dictionary)',
        false,
      );
    }
    await decoder.useGrammar(grammar.source);
    return { phrases: new Set(grammar.phrases) };
  }

  /** Builds (or reuses) the grammar for these phrases, reporting each unknown word once per process. */
  private grammarFor(phrases: readonly string[]): JsgfGrammar {
    const key = phrases.join('\n');
    const cached = this.grammars.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const grammar = buildJsgfGrammar(phrases, this.ready!.vocabulary, this.options.unknownWords);
    const fresh = grammar.unknownWords.filter((word) => !this.reportedUnknownWords.has(word));
    if (fresh.length > 0) {
      fresh.forEach((word) => this.reportedUnknownWords.add(word));
      this.options.logger.warn(
        {
          unknownWords: fresh,
          droppedPhrases: grammar.droppedPhrases.length,
          policy: this.options.unknownWords,
        },
        'pocketsphinx: grammar words missing from the dictionary',
      );
    }
    if (this.grammars.size >= GRAMMAR_CACHE_SIZE) {
      this.grammars.delete(this.grammars.keys().next().value!);
    }
    this.grammars.set(key, grammar);
    return grammar;
  }
}

/** One call: its decoder, at most one turn at a time. */
class PocketsphinxSession implements RecognizerSession {
  readonly whenClosed: Promise<void>;
  private markClosed!: () => void;
  private current: RecognitionTurn | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly decoder: Promise<PocketsphinxDecoder>,
    private readonly createTurn: (
      audio: AsyncIterable<Int16Array>,
      options: RecognitionTurnOptions,
      decoder: Promise<PocketsphinxDecoder>,
    ) => RecognitionTurn,
  ) {
    this.whenClosed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  startTurn(audio: AsyncIterable<Int16Array>, options: RecognitionTurnOptions): RecognitionTurn {
    this.current?.abort();
    let decoder = this.decoder;
    if (this.closing !== undefined) {
      decoder = Promise.reject(
        new TurnFailure('internal', 'AIG_ERR_ASR_INTERNAL', 'pocketsphinx session is closed', false),
      );
      decoder.catch(() => undefined);
    }
    this.current = this.createTurn(audio, options, decoder);
    return this.current;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.current?.abort();
      try {
        const decoder = await this.decoder;
        await decoder.free();
      } catch {
        // no decoder was created: nothing to free
      }
      this.markClosed();
    })();
    return this.closing;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
