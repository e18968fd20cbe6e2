/**
 * Offline TTS with eSpeak NG: the Debian `espeak-ng` binary (one short-lived process per text, ~60 ms for a
 * sentence), or, where the binary is absent, the npm `espeak-ng` package's WebAssembly build (the same engine
 * compiled with Emscripten; ~0.5 s per text because every call instantiates its 18 MB module). Both produce
 * 22.05 kHz WAV, resampled to 8 kHz (`espeak-audio.ts`).
 *
 * The binary runs from a small helper process (`espeak-helper-process.ts`), which also resamples: spawned from the
 * server's own thread, each synthesis blocked its event loop 60–90 ms (the fork of a 300 MB process, then the
 * resampling), enough to delay RTP packets. The WebAssembly fallback still runs here.
 */
import { availableParallelism } from 'node:os';
import { AigError, isAigError } from '../../errors/aig-error.js';
import { espeakWavToTelephony } from './espeak-audio.js';
import { detectEspeakBinary } from './espeak-binary.js';
import { EspeakHelperProcess } from './espeak-helper-process.js';
import { primaryLanguage, type SynthesizeOptions, type TtsProvider } from './tts-provider.js';

export type EspeakEngine = 'binary' | 'wasm';

/** The npm `espeak-ng` package's default export: runs the espeak-ng command line once in a fresh module. */
export type EspeakWasmFactory = (module: {
  arguments: string[];
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}) => Promise<{ FS: { readFile(path: string): Uint8Array } }>;

export interface EspeakTtsOptions {
  /** `auto`: the binary when it runs, else the WebAssembly build. @default 'auto' */
  engine?: 'auto' | EspeakEngine;
  /** @default 'espeak-ng' (looked up in PATH) */
  binary?: string;
  /** Words per minute; espeak's own default of 175 is brisk on the phone. @default 160 */
  speed?: number;
  /** Voice per primary language subtag. @default { fr: 'fr', en: 'en-us' } */
  voices?: Readonly<Record<string, string>>;
  /** Per synthesis, from the start of espeak-ng (time waiting for a turn not counted). @default 10000 */
  timeoutMs?: number;
  /** Synthesis processes at once; more requests wait their turn. @default os.availableParallelism() */
  maxConcurrent?: number;
  /** Loads the WebAssembly build. @default dynamic import of the npm package `espeak-ng` */
  loadWasm?: () => Promise<EspeakWasmFactory>;
}

export const DEFAULT_ESPEAK_VOICES: Readonly<Record<string, string>> = Object.freeze({
  fr: 'fr',
  en: 'en-us',
});

const WASM_OUTPUT = '/tmp/aiguilleur-tts.wav';

async function importWasmPackage(): Promise<EspeakWasmFactory> {
  // A variable specifier: the package is optional and not a dependency of the project.
  const specifier = 'espeak-ng';
  const module = (await import(specifier)) as { default: EspeakWasmFactory };
  return module.default;
}

/** Admits at most `limit` tasks at once, first come first served. */
class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

export class EspeakTtsProvider implements TtsProvider {
  readonly id: string;
  readonly engine: EspeakEngine;
  readonly version: string;
  private readonly binary: string;
  private readonly speed: number;
  private readonly voices: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly limit: ConcurrencyLimit;
  private readonly wasm: EspeakWasmFactory | undefined;
  private readonly helper: EspeakHelperProcess | undefined;

  /**
   * Finds a working engine; for the binary, starts its helper process (`close()` ends it; an idle helper does not
   * keep the process alive). Rejects with `AIG_ERR_TTS_UNAVAILABLE` when there is none (install the Debian package
   * `espeak-ng`, as `scripts/setup` does, or the npm package `espeak-ng`).
   */
  static async create(options: EspeakTtsOptions = {}): Promise<EspeakTtsProvider> {
    const engine = options.engine ?? 'auto';
    const binary = options.binary ?? 'espeak-ng';
    if (engine !== 'wasm') {
      const version = await detectEspeakBinary(binary);
      if (version !== undefined) {
        return new EspeakTtsProvider('binary', version, undefined, options);
      }
      if (engine === 'binary') {
        throw new AigError(
          'AIG_ERR_TTS_UNAVAILABLE',
          `"${binary}" cannot be run: install the Debian package espeak-ng (scripts/setup does)`,
        );
      }
    }
    try {
      const factory = await (options.loadWasm ?? importWasmPackage)();
      return new EspeakTtsProvider('wasm', 'unknown', factory, options);
    } catch (err) {
      throw new AigError(
        'AIG_ERR_TTS_UNAVAILABLE',
        engine === 'wasm'
          ? 'the npm package espeak-ng cannot be loaded'
          : `neither "${binary}" (Debian package espeak-ng, installed by scripts/setup) nor the npm package espeak-ng is available`,
        { cause: err },
      );
    }
  }

  private constructor(
    engine: EspeakEngine,
    version: string,
    wasm: EspeakWasmFactory | undefined,
    options: EspeakTtsOptions,
  ) {
    this.engine = engine;
    this.version = version;
    this.wasm = wasm;
    this.binary = options.binary ?? 'espeak-ng';
    this.speed = options.speed ?? 160;
    this.voices = options.voices ?? DEFAULT_ESPEAK_VOICES;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.limit = new ConcurrencyLimit(options.maxConcurrent ?? availableParallelism());
    this.id =
      engine === 'binary' ? `espeak-ng/${version}/binary/s${this.speed}` : `espeak-ng/wasm/s${this.speed}`;
    this.helper = engine === 'binary' ? new EspeakHelperProcess() : undefined;
  }

  /** The helper process's id while it runs (binary engine only): for supervision and tests. */
  get helperPid(): number | undefined {
    return this.helper?.pid;
  }

  voiceFor(language: string): string {
    return this.voices[primaryLanguage(language)] ?? language;
  }

  async synthesize(text: string, options: SynthesizeOptions): Promise<Int16Array> {
    // Line breaks would end sentences where the author did not mean them to.
    const line = text.replace(/\s+/g, ' ').trim();
    if (line === '') {
      return new Int16Array(0);
    }
    const voice = options.voice ?? this.voiceFor(options.language);
    return this.limit.run(async () => {
      if (this.helper !== undefined) {
        return this.helper.synthesize({
          binary: this.binary,
          text: line,
          voice,
          speed: this.speed,
          timeoutMs: this.timeoutMs,
        });
      }
      return espeakWavToTelephony(await this.runWasm(line, voice));
    });
  }

  /** Ends the helper process; requests in flight and later fail with `AIG_ERR_TTS_FAILED`. */
  async close(): Promise<void> {
    await this.helper?.close();
  }

  private async runWasm(text: string, voice: string): Promise<Buffer> {
    const factory = this.wasm!;
    const messages: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new AigError('AIG_ERR_TTS_FAILED', `espeak-ng (wasm) timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      const instance = await Promise.race([
        factory({
          arguments: ['-b', '1', '-v', voice, '-s', String(this.speed), '-w', WASM_OUTPUT, '--', text],
          print: () => undefined,
          printErr: (message) => messages.push(message),
        }),
        timeout,
      ]);
      return Buffer.from(instance.FS.readFile(WASM_OUTPUT));
    } catch (err) {
      if (isAigError(err)) {
        throw err;
      }
      const detail = messages.join(' ').trim() || (err as Error).message;
      throw new AigError('AIG_ERR_TTS_FAILED', `espeak-ng (wasm) voice "${voice}": ${detail}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
