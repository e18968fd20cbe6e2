/**
 * The slice of Debian's `libpocketsphinx3` (0.8+5prealpha, the pre-1.0 API) that the recognizer uses, loaded in
 * process through koffi. Signatures are those of the 5prealpha-era `include/pocketsphinx.h`, `include/ps_search.h`
 * and sphinxbase's `cmd_ln.h`, `err.h`, `logmath.h` (Debian installs no headers); sphinxbase symbols are found
 * through the pocketsphinx handle, whose dependency it is (dlsym searches a library's dependencies too).
 *
 * Threading: every call that can take more than a fraction of a millisecond (`ps_init`, `ps_set_jsgf_string`,
 * `ps_set_lm_file`, `ps_start_utt`, `ps_process_raw`, `ps_end_utt`, `ps_get_hyp`, the n-best steps, `ps_free`) is
 * made with koffi's `.async`, on a koffi worker thread, so the event loop never waits for the decoder; only
 * accessors (`ps_get_in_speech`, `ps_get_n_frames`, `ps_set_search`, `ps_nbest_hyp`) run on the main thread. A
 * decoder is not thread-safe: callers (`PocketsphinxDecoder`) keep at most one call in flight per decoder. koffi
 * queues at most 256 async calls (`max_async_calls`), i.e. 256 calls decoding at once.
 *
 * Logging: the library writes its log through one process-wide `FILE *`. `-logfn` is not used because each
 * `ps_init` would `fclose` the previous log file while another decoder may be writing to it on another thread;
 * instead the log is switched off once (`err_set_logfp(NULL)`), or sent to one file for the process' lifetime.
 */
import koffi, { type LibraryHandle } from 'koffi';

/** A native pointer (koffi 3 represents pointers as bigint). */
export type NativePointer = bigint;

export interface NbestEntry {
  readonly transcript: string;
  readonly score: number;
}

export interface PocketsphinxLibrary {
  /** The name `koffi.load` was given. */
  readonly name: string;
  /** Parses `-name value` pairs against pocketsphinx's option table (strict: an unknown option fails); 0n on failure. */
  parseConfig(args: readonly string[]): NativePointer;
  freeConfig(config: NativePointer): void;
  /** `ps_init`: loads the acoustic model and dictionary (~150 ms, ~30 MB). 0n on failure. */
  createDecoder(config: NativePointer): Promise<NativePointer>;
  freeDecoder(decoder: NativePointer): Promise<void>;
  /** `ps_set_jsgf_string`: compiles a JSGF grammar into a named search. */
  setJsgfSearch(decoder: NativePointer, name: string, jsgf: string): Promise<boolean>;
  /** `ps_set_lm_file`: loads an n-gram model into a named search (seconds, tens of MB). */
  setLanguageModelSearch(decoder: NativePointer, name: string, path: string): Promise<boolean>;
  /** `ps_set_search`: cheap, between utterances only. */
  selectSearch(decoder: NativePointer, name: string): boolean;
  startUtterance(decoder: NativePointer): Promise<boolean>;
  /** `ps_process_raw`: frames searched, or < 0 on error. */
  processRaw(decoder: NativePointer, samples: Int16Array): Promise<number>;
  endUtterance(decoder: NativePointer): Promise<boolean>;
  /** Best hypothesis so far (or final after `endUtterance`) with its path score; null when there is none. */
  hypothesis(decoder: NativePointer): Promise<{ transcript: string; score: number } | null>;
  /**
   * N-best paths of the finished utterance (the same words may come more than once), best first: at most `limit`,
   * and no new A* step once `budgetMs` has passed (a step costs up to ~10 ms on a large grammar's lattice).
   */
  nbest(decoder: NativePointer, limit: number, budgetMs: number): Promise<NbestEntry[]>;
  /** Frames searched in the current (or last) utterance (10 ms each). */
  frameCount(decoder: NativePointer): number;
  /** The front end's voice activity state after the last block processed. */
  inSpeech(decoder: NativePointer): boolean;
}

type Callback<T> = (err: unknown, result: T) => void;

/** What `koffi` gives for a declared function: callable, with an `.async` twin. */
interface NativeFunction<A extends unknown[], R> {
  (...args: A): R;
  async(...args: [...A, Callback<R>]): void;
}

function declare<A extends unknown[], R>(lib: LibraryHandle, prototype: string): NativeFunction<A, R> {
  return lib.func(prototype);
}

function callAsync<A extends unknown[], R>(fn: NativeFunction<A, R>, ...args: A): Promise<R> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, result: R) => {
      if (err !== null && err !== undefined) {
        reject(
          err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'koffi async call failed'),
        );
      } else {
        resolve(result);
      }
    });
  });
}

/** koffi returns a NULL `void *` as null, others as bigint. */
function pointerOrZero(value: unknown): NativePointer {
  return typeof value === 'bigint' ? value : 0n;
}

export interface LoadPocketsphinxOptions {
  /** Where the library's own log goes; null = nowhere. Process-wide, set once. @default null */
  nativeLogFile?: string | null;
}

/**
 * Loads the library and binds the functions. Throws koffi's error when the library or a symbol is missing (the
 * recognizer turns it into `AIG_ERR_ASR_LIBRARY`).
 */
export function loadPocketsphinxLibrary(
  name: string,
  options: LoadPocketsphinxOptions = {},
): PocketsphinxLibrary {
  const lib = koffi.load(name);
  const errSetLogfp = declare<[NativePointer | null], void>(lib, 'void err_set_logfp(void *stream)');
  const errSetLogfile = declare<[string], number>(lib, 'int err_set_logfile(const char *path)');
  const cmdLnParseR = declare<[null, NativePointer, number, readonly string[], number], unknown>(
    lib,
    'void *cmd_ln_parse_r(void *inout_cmdln, void *defn, int argc, const char **argv, int strict)',
  );
  const cmdLnFreeR = declare<[NativePointer], number>(lib, 'int cmd_ln_free_r(void *cmdln)');
  const psArgs = declare<[], unknown>(lib, 'void *ps_args()');
  const psInit = declare<[NativePointer], unknown>(lib, 'void *ps_init(void *config)');
  const psFree = declare<[NativePointer], number>(lib, 'int ps_free(void *ps)');
  const psSetJsgfString = declare<[NativePointer, string, string], number>(
    lib,
    'int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf_string)',
  );
  const psSetLmFile = declare<[NativePointer, string, string], number>(
    lib,
    'int ps_set_lm_file(void *ps, const char *name, const char *path)',
  );
  const psSetSearch = declare<[NativePointer, string], number>(
    lib,
    'int ps_set_search(void *ps, const char *name)',
  );
  const psStartUtt = declare<[NativePointer], number>(lib, 'int ps_start_utt(void *ps)');
  const psProcessRaw = declare<[NativePointer, Int16Array, number, number, number], number>(
    lib,
    'int ps_process_raw(void *ps, const int16_t *data, size_t n_samples, int no_search, int full_utt)',
  );
  const psEndUtt = declare<[NativePointer], number>(lib, 'int ps_end_utt(void *ps)');
  const psGetHyp = declare<[NativePointer, number[]], string | null>(
    lib,
    'const char *ps_get_hyp(void *ps, _Out_ int32_t *out_best_score)',
  );
  const psGetNFrames = declare<[NativePointer], number>(lib, 'int ps_get_n_frames(void *ps)');
  const psGetInSpeech = declare<[NativePointer], number>(lib, 'uint8_t ps_get_in_speech(void *ps)');
  const psNbest = declare<[NativePointer], unknown>(lib, 'void *ps_nbest(void *ps)');
  const psNbestNext = declare<[NativePointer], unknown>(lib, 'void *ps_nbest_next(void *nbest)');
  const psNbestHyp = declare<[NativePointer, number[]], string | null>(
    lib,
    'const char *ps_nbest_hyp(void *nbest, _Out_ int32_t *out_score)',
  );
  const psNbestFree = declare<[NativePointer], void>(lib, 'void ps_nbest_free(void *nbest)');

  const logFile = options.nativeLogFile ?? null;
  if (logFile === null) {
    errSetLogfp(null);
  } else if (errSetLogfile(logFile) < 0) {
    errSetLogfp(null);
  }
  const optionTable = pointerOrZero(psArgs());

  return {
    name,
    parseConfig: (args) => pointerOrZero(cmdLnParseR(null, optionTable, args.length, args, 1)),
    freeConfig: (config) => {
      cmdLnFreeR(config);
    },
    createDecoder: async (config) => pointerOrZero(await callAsync(psInit, config)),
    freeDecoder: async (decoder) => {
      await callAsync(psFree, decoder);
    },
    setJsgfSearch: async (decoder, searchName, jsgf) =>
      (await callAsync(psSetJsgfString, decoder, searchName, jsgf)) === 0,
    setLanguageModelSearch: async (decoder, searchName, path) =>
      (await callAsync(psSetLmFile, decoder, searchName, path)) === 0,
    selectSearch: (decoder, searchName) => psSetSearch(decoder, searchName) === 0,
    startUtterance: async (decoder) => (await callAsync(psStartUtt, decoder)) === 0,
    processRaw: (decoder, samples) => callAsync(psProcessRaw, decoder, samples, samples.length, 0, 0),
    endUtterance: async (decoder) => (await callAsync(psEndUtt, decoder)) >= 0,
    hypothesis: async (decoder) => {
      const score = [0];
      const transcript = await callAsync(psGetHyp, decoder, score);
      return transcript === null ? null : { transcript, score: score[0]! };
    },
    // Each A* step is its own worker call; the caller's per-decoder queue keeps them one at a time.
    nbest: async (decoder, limit, budgetMs) => {
      const deadline = performance.now() + budgetMs;
      const entries: NbestEntry[] = [];
      let iterator = pointerOrZero(await callAsync(psNbest, decoder));
      while (iterator !== 0n && entries.length < limit && performance.now() < deadline) {
        const score = [0];
        const transcript = psNbestHyp(iterator, score);
        if (transcript !== null) {
          entries.push({ transcript, score: score[0]! });
        }
        // ps_nbest_next frees the iterator itself when it reaches the end.
        iterator = pointerOrZero(await callAsync(psNbestNext, iterator));
      }
      if (iterator !== 0n) {
        await callAsync(psNbestFree, iterator);
      }
      return entries;
    },
    frameCount: (decoder) => psGetNFrames(decoder),
    inSpeech: (decoder) => psGetInSpeech(decoder) !== 0,
  };
}
