/**
 * One `StreamingRecognize` gRPC call (a bidirectional stream) as a turn uses it: it sends the config at once, then
 * audio chunks; `halfClose()` ends the client side so Google finishes and sends its last results; `cancel()` drops
 * the call. It reports each response and, once, how the call ended.
 *
 * Why not the library's `client.streamingRecognize()` helper: it holds the config back until the first audio
 * write, wraps the call in a pumpify pipeline whose teardown does not cancel the gRPC call, and types the stream as
 * `any`. The generated `_streamingRecognize()` it wraps (declared in the client's typings) gives the call itself,
 * with `cancel()`.
 *
 * Event order seen from grpc-js through google-gax: responses (`data`), then `end` when the server closed with OK,
 * or `error` (carrying the numeric gRPC `code`) for any other status — possibly followed by `end`. `end` is used
 * rather than `status` because `status` can overtake the last buffered `data`, and a final result would be lost.
 */
import type { Duplex } from 'node:stream';
import type { protos } from '@google-cloud/speech';
import type { GoogleStreamingConfig } from './google-streaming-config.js';

export type StreamingRecognizeResponse = protos.google.cloud.speech.v1.IStreamingRecognizeResponse;

/** The gRPC call object google-gax returns for a bidirectional stream. */
export type SpeechDuplex = Duplex & { cancel(): void };

/** What opens calls: the library's `SpeechClient` (v1). */
export interface StreamingRecognizeSource {
  _streamingRecognize(options?: object): SpeechDuplex;
}

export type StreamCallState = 'open' | 'half-closed' | 'done';

export type StreamCallEnd = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

export interface StreamCallHandlers {
  onResponse(call: GoogleStreamCall, response: StreamingRecognizeResponse): void;
  /** Once, when the server ended the call; never after `cancel()`. */
  onEnd(call: GoogleStreamCall, end: StreamCallEnd): void;
}

export class GoogleStreamCall {
  /** 0 for the turn's first call, then one more at each restart. */
  readonly index: number;
  private currentState: StreamCallState = 'open';
  private sentBytes = 0;
  private sentChunks = 0;
  private readonly stream: SpeechDuplex;

  constructor(
    source: StreamingRecognizeSource,
    index: number,
    config: GoogleStreamingConfig,
    private readonly handlers: StreamCallHandlers,
  ) {
    this.index = index;
    this.stream = source._streamingRecognize();
    this.stream.on('data', (response: StreamingRecognizeResponse) => {
      if (this.currentState !== 'done') {
        this.handlers.onResponse(this, response);
      }
    });
    this.stream.on('error', (error: unknown) => this.settle({ ok: false, error }));
    this.stream.on('end', () => this.settle({ ok: true }));
    this.stream.write({ streamingConfig: config });
  }

  get state(): StreamCallState {
    return this.currentState;
  }

  /** Audio bytes written so far. */
  get bytesSent(): number {
    return this.sentBytes;
  }

  get chunksSent(): number {
    return this.sentChunks;
  }

  /** Sends one `audioContent` message; false (and nothing sent) once the call is half-closed or done. */
  write(chunk: Buffer): boolean {
    if (this.currentState !== 'open') {
      return false;
    }
    this.stream.write({ audioContent: chunk });
    this.sentBytes += chunk.length;
    this.sentChunks++;
    return true;
  }

  /** No more audio: Google finishes recognition of what it has and closes the call. */
  halfClose(): void {
    if (this.currentState !== 'open') {
      return;
    }
    this.currentState = 'half-closed';
    this.stream.end();
  }

  /** Drops the call (RST_STREAM with CANCEL); no handler is called afterwards. */
  cancel(): void {
    if (this.currentState === 'done') {
      return;
    }
    this.currentState = 'done';
    // grpc-js answers a cancel with an `error` (CANCELLED); the listener above stays to swallow it.
    this.stream.cancel();
  }

  private settle(end: StreamCallEnd): void {
    if (this.currentState === 'done') {
      return;
    }
    this.currentState = 'done';
    this.handlers.onEnd(this, end);
  }
}
