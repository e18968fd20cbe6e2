/**
 * One native decoder (`ps_decoder_t`), owned by one call and reused across its turns.
 *
 * Every native call goes through one queue, so at most one is in flight per decoder (the library is not
 * thread-safe per decoder, and koffi runs async calls on worker threads). `free()` marks the decoder closing —
 * operations still waiting in the queue are skipped — and calls `ps_free` only after the call in flight, if any,
 * has returned: a turn aborted or a call hung up in the middle of `ps_process_raw` never frees memory a worker
 * thread is using.
 *
 * The decoder remembers its state between turns: the grammar last compiled (a turn with the same phrases does not
 * recompile it), whether the language model was loaded, and whether an utterance is open (a turn that was
 * aborted leaves it open; the next `startUtterance` closes it first).
 */
import type { NativePointer, NbestEntry, PocketsphinxLibrary } from './pocketsphinx-library.js';

export class DecoderClosedError extends Error {
  constructor() {
    super('pocketsphinx decoder is closed');
    this.name = 'DecoderClosedError';
  }
}

/** A native call reported failure (its return code); the message names it. */
export class DecoderCallError extends Error {
  constructor(call: string) {
    super(`${call} failed`);
    this.name = 'DecoderCallError';
  }
}

export interface FinalHypothesis {
  /** Empty string when the decoder found nothing. */
  readonly transcript: string;
  readonly score: number;
  /** Frames (10 ms) searched in the utterance. */
  readonly frames: number;
  /** Empty unless asked for. */
  readonly nbest: readonly NbestEntry[];
}

const GRAMMAR_SEARCH = 'grammar';
const LANGUAGE_MODEL_SEARCH = 'lm';

export class PocketsphinxDecoder {
  private tail: Promise<unknown> = Promise.resolve();
  private closing = false;
  private freed: Promise<void> | undefined;
  private utteranceOpen = false;
  private grammarSource: string | null = null;
  private languageModelLoaded = false;
  private activeSearch: string | null = null;

  private constructor(
    private readonly library: PocketsphinxLibrary,
    private readonly handle: NativePointer,
  ) {}

  /** `ps_init` on a worker thread; rejects with `DecoderCallError` when the library refuses the configuration. */
  static async create(library: PocketsphinxLibrary, args: readonly string[]): Promise<PocketsphinxDecoder> {
    const config = library.parseConfig(args);
    if (config === 0n) {
      throw new DecoderCallError(`cmd_ln_parse_r (${args.join(' ')})`);
    }
    try {
      const handle = await library.createDecoder(config);
      if (handle === 0n) {
        throw new DecoderCallError('ps_init');
      }
      return new PocketsphinxDecoder(library, handle);
    } finally {
      // ps_init keeps its own reference to the configuration.
      library.freeConfig(config);
    }
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Compiles (unless unchanged) and selects a JSGF grammar. */
  useGrammar(source: string): Promise<void> {
    return this.enqueue(async () => {
      await this.closeUtterance();
      if (source !== this.grammarSource) {
        // Replacing a search frees the old one, which may be the current one: select again right after.
        this.grammarSource = null;
        this.activeSearch = null;
        if (!(await this.library.setJsgfSearch(this.handle, GRAMMAR_SEARCH, source))) {
          throw new DecoderCallError('ps_set_jsgf_string');
        }
        this.grammarSource = source;
      }
      this.select(GRAMMAR_SEARCH);
    });
  }

  /** Loads (once) and selects an n-gram language model for open speech. */
  useLanguageModel(path: string): Promise<void> {
    return this.enqueue(async () => {
      await this.closeUtterance();
      if (!this.languageModelLoaded) {
        if (!(await this.library.setLanguageModelSearch(this.handle, LANGUAGE_MODEL_SEARCH, path))) {
          throw new DecoderCallError(`ps_set_lm_file (${path})`);
        }
        this.languageModelLoaded = true;
      }
      this.select(LANGUAGE_MODEL_SEARCH);
    });
  }

  startUtterance(): Promise<void> {
    return this.enqueue(async () => {
      await this.closeUtterance();
      if (!(await this.library.startUtterance(this.handle))) {
        throw new DecoderCallError('ps_start_utt');
      }
      this.utteranceOpen = true;
    });
  }

  /** Feeds 16 kHz samples; resolves with the front end's voice activity state afterwards. */
  process(samples: Int16Array): Promise<{ inSpeech: boolean }> {
    return this.enqueue(async () => {
      if (!this.utteranceOpen) {
        throw new DecoderCallError('ps_process_raw outside an utterance');
      }
      if ((await this.library.processRaw(this.handle, samples)) < 0) {
        throw new DecoderCallError('ps_process_raw');
      }
      return { inSpeech: this.library.inSpeech(this.handle) };
    });
  }

  /** The best hypothesis so far in the open utterance ('' when none). */
  partial(): Promise<string> {
    return this.enqueue(async () => {
      if (!this.utteranceOpen) {
        return '';
      }
      return (await this.library.hypothesis(this.handle))?.transcript ?? '';
    });
  }

  /** Ends the utterance and reads its result (and up to `nbest.paths` n-best paths within `nbest.budgetMs`). */
  finish(nbest: { paths: number; budgetMs: number }): Promise<FinalHypothesis> {
    return this.enqueue(async () => {
      if (!this.utteranceOpen) {
        throw new DecoderCallError('ps_end_utt outside an utterance');
      }
      this.utteranceOpen = false;
      if (!(await this.library.endUtterance(this.handle))) {
        throw new DecoderCallError('ps_end_utt');
      }
      const best = await this.library.hypothesis(this.handle);
      const frames = this.library.frameCount(this.handle);
      const transcript = best?.transcript.trim() ?? '';
      const paths =
        transcript !== '' && nbest.paths > 0
          ? await this.library.nbest(this.handle, nbest.paths, nbest.budgetMs)
          : [];
      return { transcript, score: best?.score ?? 0, frames, nbest: paths };
    });
  }

  /** Skips what is still queued, waits for the call in flight, then `ps_free`. Idempotent. */
  free(): Promise<void> {
    if (this.freed === undefined) {
      this.closing = true;
      this.freed = this.tail.then(() => this.library.freeDecoder(this.handle));
    }
    return this.freed;
  }

  private select(search: string): void {
    if (this.activeSearch !== search) {
      if (!this.library.selectSearch(this.handle, search)) {
        throw new DecoderCallError(`ps_set_search (${search})`);
      }
      this.activeSearch = search;
    }
  }

  private async closeUtterance(): Promise<void> {
    if (this.utteranceOpen) {
      this.utteranceOpen = false;
      await this.library.endUtterance(this.handle);
    }
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing) {
      return Promise.reject(new DecoderClosedError());
    }
    const result = this.tail.then(() => {
      if (this.closing) {
        throw new DecoderClosedError();
      }
      return operation();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
