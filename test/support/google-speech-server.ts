/**
 * A local gRPC server speaking `google.cloud.speech.v1.Speech/StreamingRecognize`, for testing the `google`
 * recognizer with the real `SpeechClient` and nothing leaving 127.0.0.1.
 *
 * The service comes from the `.proto` files shipped in `@google-cloud/speech` (with google-gax's copies of
 * google/api, google/rpc, google/longrunning...), loaded with @grpc/proto-loader and served with @grpc/grpc-js, so
 * the bytes on the wire are the ones Google's service would receive and send.
 *
 * Each stream records what the client sent (the config, every audio chunk, half-close, cancel) and runs the
 * test's `script`, an async function that waits for what it needs (`whenAudioBytes`, `whenHalfClosed`) and
 * answers (`send` interim/final/event responses, `end` with OK, `fail` with a gRPC status). When the script
 * returns without ending the stream, the stream ends with OK once the client half-closes (50 ms later, see
 * `CANCEL_GRACE_MS`) — what Google does when it has nothing more to say.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { GoogleSpeechConfig } from '../../src/config/config-types.js';

const require = createRequire(import.meta.url);
/** How long the default ending waits after a half-close for the RST_STREAM of a cancel. */
const CANCEL_GRACE_MS = 50;
/** `…/@google-cloud/speech/build/src/index.js` → `…/build/protos`. */
const SPEECH_PROTOS = join(dirname(require.resolve('@google-cloud/speech')), '..', 'protos');
/** google-gax as the speech package resolves it: google/api, google/rpc, google/longrunning, google/protobuf. */
const GAX_PROTOS = join(
  dirname(createRequire(require.resolve('@google-cloud/speech')).resolve('google-gax')),
  '..',
  'protos',
);

/** A `StreamingRecognitionConfig` as decoded here (camelCase, enums as names, unset fields absent). */
export interface ReceivedStreamingConfig {
  config?: {
    encoding?: string;
    sampleRateHertz?: number;
    languageCode?: string;
    model?: string;
    useEnhanced?: boolean;
    maxAlternatives?: number;
    speechContexts?: { phrases?: string[]; boost?: number }[];
    enableAutomaticPunctuation?: boolean;
    [field: string]: unknown;
  };
  singleUtterance?: boolean;
  interimResults?: boolean;
  enableVoiceActivityEvents?: boolean;
  [field: string]: unknown;
}

/** A `StreamingRecognizeResponse` to send (camelCase; enums by name). */
export interface SpeechResponse {
  results?: {
    alternatives?: { transcript: string; confidence?: number }[];
    isFinal?: boolean;
    stability?: number;
  }[];
  speechEventType?:
    | 'SPEECH_EVENT_UNSPECIFIED'
    | 'END_OF_SINGLE_UTTERANCE'
    | 'SPEECH_ACTIVITY_BEGIN'
    | 'SPEECH_ACTIVITY_END'
    | 'SPEECH_ACTIVITY_TIMEOUT';
  error?: { code: number; message: string };
}

/** Builders for the usual responses. */
export const speechResponses = {
  interim(transcript: string, stability = 0.5): SpeechResponse {
    return { results: [{ alternatives: [{ transcript }], isFinal: false, stability }] };
  },
  /** `alternatives`: [transcript, confidence] pairs, best first (Google scores only the first). */
  final(...alternatives: readonly (readonly [string, number])[]): SpeechResponse {
    return {
      results: [
        {
          alternatives: alternatives.map(([transcript, confidence]) => ({ transcript, confidence })),
          isFinal: true,
        },
      ],
    };
  },
  event(speechEventType: NonNullable<SpeechResponse['speechEventType']>): SpeechResponse {
    return { speechEventType };
  },
};

type ServerCall = grpc.ServerDuplexStream<
  { streamingConfig?: ReceivedStreamingConfig; audioContent?: Buffer },
  SpeechResponse
>;

export type StreamScript = (stream: ScriptedStream) => void | Promise<void>;

interface Waiter {
  readonly ready: () => boolean;
  readonly resolve: () => void;
}

export class ScriptedStream {
  /** 0 for the first stream the server received, and so on. */
  readonly index: number;
  config: ReceivedStreamingConfig | null = null;
  readonly chunks: Buffer[] = [];
  /** Requests that were neither the first config nor audio (should stay 0). */
  unexpectedRequests = 0;
  readonly openedAtMs = performance.now();
  halfClosedAtMs: number | null = null;
  /** The client cancelled before the server ended the stream. */
  cancelled = false;
  /** The server ended the stream (OK or an error status). */
  finished = false;
  readonly sent: SpeechResponse[] = [];
  readonly authorization: string | undefined;
  private readonly waiters: Waiter[] = [];

  constructor(
    index: number,
    private readonly call: ServerCall,
  ) {
    this.index = index;
    const auth = call.metadata.get('authorization')[0];
    this.authorization = auth === undefined ? undefined : String(auth);
    call.on('data', (request: { streamingConfig?: ReceivedStreamingConfig; audioContent?: Buffer }) => {
      if (request.streamingConfig !== undefined && this.config === null && this.chunks.length === 0) {
        this.config = request.streamingConfig;
      } else if (request.audioContent !== undefined) {
        this.chunks.push(Buffer.from(request.audioContent));
      } else {
        this.unexpectedRequests++;
      }
      this.wake();
    });
    // Node's Http2Stream.close() ends the stream before it resets it, so a client cancel arrives as a half-close
    // (END_STREAM) immediately followed by RST_STREAM: `halfClosed` is also true for a cancelled stream.
    call.on('end', () => {
      this.halfClosedAtMs = performance.now();
      this.wake();
    });
    call.on('cancelled', () => {
      if (!this.finished) {
        this.cancelled = true;
      }
      this.wake();
    });
    call.on('error', () => {});
  }

  get audioBytes(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  get halfClosed(): boolean {
    return this.halfClosedAtMs !== null;
  }

  /** Every audio byte received, in order. */
  audio(): Buffer {
    return Buffer.concat(this.chunks);
  }

  whenConfig(): Promise<void> {
    return this.when(() => this.config !== null);
  }

  whenAudioBytes(bytes: number): Promise<void> {
    return this.when(() => this.audioBytes >= bytes);
  }

  whenHalfClosed(): Promise<void> {
    return this.when(() => this.halfClosed);
  }

  whenCancelled(): Promise<void> {
    return this.when(() => this.cancelled);
  }

  /** Resolves when `ready()` holds (checked at every request, half-close and cancel). */
  when(ready: () => boolean): Promise<void> {
    if (ready()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ ready, resolve }));
  }

  send(response: SpeechResponse): void {
    if (this.finished || this.cancelled) {
      return;
    }
    this.sent.push(response);
    this.call.write(response);
  }

  /** Ends the stream with status OK. */
  end(): void {
    if (this.finished || this.cancelled) {
      return;
    }
    this.finished = true;
    this.call.end();
  }

  /** Ends the stream with a gRPC error status. */
  fail(code: grpc.status, details: string): void {
    if (this.finished || this.cancelled) {
      return;
    }
    this.finished = true;
    this.call.emit('error', { code, details });
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.ready()) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

export class GoogleSpeechServer {
  readonly streams: ScriptedStream[] = [];
  /** Runs for each new stream; replace it per test. Default: answer nothing, end with OK at half-close. */
  script: StreamScript = () => {};
  private readonly streamWaiters: { index: number; resolve: (s: ScriptedStream) => void }[] = [];

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<GoogleSpeechServer> {
    const definition = protoLoader.loadSync('google/cloud/speech/v1/cloud_speech.proto', {
      includeDirs: [SPEECH_PROTOS, GAX_PROTOS],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: false,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      google: { cloud: { speech: { v1: { Speech: { service: grpc.ServiceDefinition } } } } };
    };
    const server = new grpc.Server();
    const started: { instance?: GoogleSpeechServer } = {};
    server.addService(loaded.google.cloud.speech.v1.Speech.service, {
      streamingRecognize: (call: ServerCall) => started.instance?.accept(call),
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err === null ? resolve(bound) : reject(err),
      );
    });
    started.instance = new GoogleSpeechServer(server, port);
    return started.instance;
  }

  /** The provider configuration pointing at this server (plain-text gRPC, no credentials). */
  googleConfig(overrides: Partial<GoogleSpeechConfig> = {}): GoogleSpeechConfig {
    return {
      keyFilename: null,
      projectId: null,
      apiEndpoint: '127.0.0.1',
      port: this.port,
      insecure: true,
      model: 'telephony',
      encoding: 'LINEAR16',
      streamRestartSeconds: 290,
      finalTimeoutMs: 3000,
      ...overrides,
    };
  }

  /** Resolves with stream `index` once the server has received it. */
  whenStream(index: number): Promise<ScriptedStream> {
    const stream = this.streams[index];
    if (stream !== undefined) {
      return Promise.resolve(stream);
    }
    return new Promise((resolve) => this.streamWaiters.push({ index, resolve }));
  }

  /** Forgets recorded streams and restores the default script (between tests). */
  reset(): void {
    this.streams.length = 0;
    this.streamWaiters.length = 0;
    this.script = () => {};
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.tryShutdown(() => resolve());
      // Streams a test left open would hold a graceful shutdown forever.
      setTimeout(() => this.server.forceShutdown(), 200).unref();
    });
  }

  private accept(call: ServerCall): void {
    const stream = new ScriptedStream(this.streams.length, call);
    this.streams.push(stream);
    for (let i = this.streamWaiters.length - 1; i >= 0; i--) {
      if (this.streamWaiters[i]!.index === stream.index) {
        this.streamWaiters.splice(i, 1)[0]!.resolve(stream);
      }
    }
    const script = this.script;
    void (async () => {
      try {
        await script(stream);
      } catch (err) {
        stream.fail(grpc.status.INTERNAL, `test script failed: ${(err as Error).message}`);
        return;
      }
      await stream.when(() => stream.halfClosed || stream.cancelled || stream.finished);
      // A cancel's RST_STREAM follows its END_STREAM (see ScriptedStream): give it time to arrive, so that
      // `cancelled` is recorded rather than hidden by our own OK.
      await Promise.race([
        stream.whenCancelled(),
        new Promise((resolve) => setTimeout(resolve, CANCEL_GRACE_MS)),
      ]);
      stream.end();
    })();
  }
}
