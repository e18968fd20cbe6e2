/**
 * The `google` recognizer: Google Cloud Speech-to-Text v1 streaming through `@google-cloud/speech` (gRPC), one
 * client per process, one stream per turn (`GoogleStreamingTurn`).
 *
 * Credentials, decided before anything touches the network:
 *   - `apiEndpoint` + `insecure`: plain-text gRPC without credentials, for a local test server or a trusted
 *     proxy. The channel credentials come from google-gax's own grpc-js (the copy the client checks with
 *     `instanceof`), and `universeDomain` is given so the library never asks a metadata server for one;
 *   - `keyFilename`, else the `GOOGLE_APPLICATION_CREDENTIALS` file: the library's service-account or ADC file;
 *   - neither: `init()` rejects with `AIG_ERR_ASR_NOT_CONFIGURED` at once. The library's last resort, the GCE
 *     metadata server, is deliberately not used: outside Google Cloud it means a multi-second probe of
 *     169.254.169.254 at every start, and a provider that silently depends on where it runs.
 *
 * `init()` loads the library, `initialize()`s the client (creates the gRPC stub; no connection yet) and then asks
 * the credentials for request headers, exactly as the first call would. For a service account that signs a JWT
 * locally (the library's self-signed JWT path, no network), so a missing, unreadable or malformed key fails at
 * start with `AIG_ERR_ASR_AUTH`; user credentials refresh a token, where a network failure is
 * `AIG_ERR_ASR_UNAVAILABLE` and a refusal `AIG_ERR_ASR_AUTH`. A key Google revoked is only seen at the first
 * turn (UNAUTHENTICATED → error kind `auth`). Reachability is not probed: a transient outage at start must not
 * disable the provider for the life of the process (the recognizer chain cools a failing provider down instead).
 */
import type { ClientOptions } from 'google-gax';
import type { ConversationLanguage, GoogleSpeechConfig } from '../../../config/config-types.js';
import { AigError, isAigError } from '../../../errors/aig-error.js';
import { systemClock, type Clock } from '../../../shared/clock.js';
import type {
  RecognitionTurn,
  RecognitionTurnOptions,
  Recognizer,
  RecognizerSession,
  RecognizerSessionContext,
} from '../recognizer-types.js';
import {
  DEFAULT_FRAMES_PER_CHUNK,
  SILENT_LOGGER,
  type GoogleRecognizerLogger,
  type GoogleRecognizerOptions,
} from './google-recognizer-types.js';
import type { StreamingRecognizeSource } from './google-stream-call.js';
import { GOOGLE_SAMPLE_RATE } from './google-streaming-config.js';
import { GoogleStreamingTurn, type GoogleTurnSettings } from './google-streaming-turn.js';

/** The part of the library's `SpeechClient` (v1) used here. */
export interface GoogleSpeechClient extends StreamingRecognizeSource {
  initialize(): Promise<unknown>;
  close(): Promise<void>;
  readonly auth: { getRequestHeaders(url?: string): Promise<unknown> };
}

/** How the provider authenticates; `null` = not configured. */
export type GoogleCredentialMode = 'insecure' | 'key-file' | 'application-default';

type RecognizerState = 'created' | 'ready' | 'closed';

/** Network failures of a token request: the credentials may be fine, the network is not. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

export function createGoogleRecognizer(
  config: GoogleSpeechConfig,
  options: GoogleRecognizerOptions = {},
): GoogleRecognizer {
  return new GoogleRecognizer(config, options);
}

export class GoogleRecognizer implements Recognizer {
  readonly name = 'google' as const;
  readonly languages: readonly ConversationLanguage[] = Object.freeze(['fr', 'en'] as const);
  readonly sampleRate = GOOGLE_SAMPLE_RATE;
  private state: RecognizerState = 'created';
  private client: GoogleSpeechClient | null = null;
  private initializing: Promise<void> | null = null;
  private readonly sessions = new Set<GoogleRecognizerSession>();
  private readonly clock: Clock;
  private readonly logger: GoogleRecognizerLogger;
  private readonly applicationCredentials: string | null;
  /** Per-turn settings shared by every session. */
  readonly turnSettings: Omit<GoogleTurnSettings, 'logger'>;

  constructor(
    readonly config: GoogleSpeechConfig,
    options: GoogleRecognizerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.applicationCredentials =
      options.applicationCredentials === undefined
        ? (process.env.GOOGLE_APPLICATION_CREDENTIALS ?? null)
        : options.applicationCredentials;
    const restartAfterMs = options.restartAfterMs ?? config.streamRestartSeconds * 1000;
    if (!(restartAfterMs > 0)) {
      throw new RangeError(`restartAfterMs must be positive, got ${restartAfterMs}`);
    }
    this.turnSettings = Object.freeze({
      clock: this.clock,
      encoding: config.encoding,
      model: config.model,
      finalTimeoutMs: config.finalTimeoutMs,
      restartAfterMs,
      framesPerChunk: options.framesPerChunk ?? DEFAULT_FRAMES_PER_CHUNK,
    });
  }

  /** How `init()` will authenticate, or null when the provider is not configured. */
  get credentialMode(): GoogleCredentialMode | null {
    if (this.config.insecure && this.config.apiEndpoint !== null) {
      return 'insecure';
    }
    if (this.config.keyFilename !== null) {
      return 'key-file';
    }
    if (this.applicationCredentials !== null && this.applicationCredentials !== '') {
      return 'application-default';
    }
    return null;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  init(): Promise<void> {
    if (this.state === 'ready') {
      return Promise.resolve();
    }
    if (this.state === 'closed') {
      return Promise.reject(new AigError('AIG_ERR_ASR_NOT_CONFIGURED', 'the Google recognizer is closed'));
    }
    this.initializing ??= this.connect().finally(() => {
      this.initializing = null;
    });
    return this.initializing;
  }

  openSession(context: RecognizerSessionContext): RecognizerSession {
    const session = new GoogleRecognizerSession(
      this,
      context,
      this.logger.child?.({ callId: context.callId }) ?? this.logger,
    );
    this.sessions.add(session);
    return session;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    await Promise.all([...this.sessions].map((s) => s.close()));
    const client = this.client;
    this.client = null;
    await client
      ?.close()
      .catch((err: unknown) => this.logger.warn({ err }, 'google speech client close failed'));
  }

  /** @internal The client for a new turn, or why there is none. */
  clientForTurn(): GoogleSpeechClient | string {
    if (this.state === 'closed') {
      return 'the recognizer is closed';
    }
    return this.client ?? 'init() was not called or did not succeed';
  }

  /** @internal */
  forgetSession(session: GoogleRecognizerSession): void {
    this.sessions.delete(session);
  }

  private async connect(): Promise<void> {
    const mode = this.credentialMode;
    if (mode === null) {
      throw new AigError(
        'AIG_ERR_ASR_NOT_CONFIGURED',
        this.config.insecure
          ? 'speech.google.insecure needs speech.google.apiEndpoint'
          : 'set speech.google.keyFilename, GOOGLE_APPLICATION_CREDENTIALS, or apiEndpoint with insecure',
      );
    }
    const clientOptions = await this.clientOptions(mode);
    let client: GoogleSpeechClient;
    try {
      const { SpeechClient } = await import('@google-cloud/speech');
      client = new SpeechClient(clientOptions);
    } catch (err) {
      throw new AigError('AIG_ERR_ASR_LIBRARY', `@google-cloud/speech: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      await client.initialize();
      if (mode !== 'insecure') {
        await client.auth.getRequestHeaders();
      }
    } catch (err) {
      await client.close().catch(() => {});
      throw initError(err, mode);
    }
    if (this.state === 'closed') {
      await client.close().catch(() => {});
      throw new AigError('AIG_ERR_ASR_NOT_CONFIGURED', 'the Google recognizer was closed during init');
    }
    this.client = client;
    this.state = 'ready';
    this.logger.info(
      {
        mode,
        endpoint: `${this.config.apiEndpoint ?? 'speech.googleapis.com'}:${this.config.port ?? 443}`,
        model: this.config.model,
        encoding: this.config.encoding,
      },
      'google speech recognizer ready',
    );
  }

  private async clientOptions(mode: GoogleCredentialMode): Promise<ClientOptions> {
    const options: ClientOptions = { fallback: false };
    if (this.config.projectId !== null) {
      options.projectId = this.config.projectId;
    }
    if (this.config.apiEndpoint !== null) {
      options.apiEndpoint = this.config.apiEndpoint;
    }
    if (this.config.port !== null) {
      options.port = this.config.port;
    }
    // The ADC file is named explicitly: the library then reads it and never falls back to other sources.
    const keyFilename =
      this.config.keyFilename ?? (mode === 'application-default' ? this.applicationCredentials : null);
    if (keyFilename !== null) {
      options.keyFilename = keyFilename;
    }
    if (mode === 'insecure') {
      let grpc: typeof import('google-gax').grpc;
      try {
        ({ grpc } = await import('google-gax'));
      } catch (err) {
        throw new AigError('AIG_ERR_ASR_LIBRARY', `google-gax: ${(err as Error).message}`, { cause: err });
      }
      options.sslCreds = grpc.credentials.createInsecure();
      options.universeDomain = 'googleapis.com';
    }
    return options;
  }
}

/** Why `init()` failed, as a catalogue error. */
function initError(err: unknown, mode: GoogleCredentialMode): AigError {
  if (isAigError(err)) {
    return err;
  }
  const message = (err as Error)?.message ?? String(err);
  const code = (err as { code?: unknown })?.code;
  const status = (err as { response?: { status?: unknown } })?.response?.status;
  if (mode !== 'insecure') {
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
      return new AigError('AIG_ERR_ASR_UNAVAILABLE', `credential check could not reach Google: ${message}`, {
        cause: err,
      });
    }
    if (typeof status === 'number' && status >= 500) {
      return new AigError('AIG_ERR_ASR_UNAVAILABLE', `credential check: HTTP ${status}`, { cause: err });
    }
    return new AigError('AIG_ERR_ASR_AUTH', `Google credentials unusable (${mode}): ${message}`, {
      cause: err,
    });
  }
  return new AigError('AIG_ERR_ASR_INTERNAL', `Google Speech client failed to start: ${message}`, {
    cause: err,
  });
}

/** One call's recognition on Google: at most one turn at a time. */
export class GoogleRecognizerSession implements RecognizerSession {
  private current: GoogleStreamingTurn | null = null;
  private closed = false;

  constructor(
    private readonly recognizer: GoogleRecognizer,
    readonly context: RecognizerSessionContext,
    private readonly logger: GoogleRecognizerLogger,
  ) {}

  startTurn(audio: AsyncIterable<Int16Array>, options: RecognitionTurnOptions): RecognitionTurn {
    this.current?.abort();
    const client = this.closed ? null : this.recognizer.clientForTurn();
    const source =
      client === null
        ? ({ refusal: 'closed', detail: 'the session is closed' } as const)
        : typeof client === 'string'
          ? ({ refusal: 'not-ready', detail: client } as const)
          : { client };
    const turn = new GoogleStreamingTurn(source, audio, options, {
      ...this.recognizer.turnSettings,
      logger: this.logger,
    });
    this.current = turn;
    void turn.outcome.then(() => {
      if (this.current === turn) {
        this.current = null;
      }
    });
    return turn;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.current?.abort();
      this.current = null;
      this.recognizer.forgetSession(this);
    }
    return Promise.resolve();
  }
}
