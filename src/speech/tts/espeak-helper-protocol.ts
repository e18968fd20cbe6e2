/**
 * Messages between `EspeakHelperProcess` (in the server) and its child `espeak-helper.ts`, over the Node IPC
 * channel with `serialization: 'advanced'` (structured clone: the audio crosses as an `Int16Array`). Requests are
 * numbered by the server; each gets exactly one answer unless the helper dies first.
 */

/** Server → helper. */
export interface EspeakHelperRequest {
  type: 'synthesize';
  requestId: number;
  binary: string;
  /** One line of text, already normalised by the provider. */
  text: string;
  voice: string;
  speed: number;
  timeoutMs: number;
}

/** An error as it crosses the channel: its `AIG_ERR_*` code when it has one, and its message. */
export interface EspeakHelperError {
  code: string | undefined;
  message: string;
}

/** Helper → server. */
export type EspeakHelperReply =
  | { type: 'audio'; requestId: number; pcm: Int16Array }
  | { type: 'failed'; requestId: number; error: EspeakHelperError };
