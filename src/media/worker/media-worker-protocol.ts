/**
 * Messages between the main thread (`WorkerMediaEngine`, `RemoteMediaSession`) and a media worker thread
 * (`media-worker.ts`). Everything here crosses `postMessage`, so it is plain data: playbacks are named by id, errors
 * by code and message, and the options that cannot be cloned (the TTS synthesizer, the logger) are served by the
 * main thread on request.
 */
import type { MediaThreadPriority } from '../media-thread-priority.js';
import type { DtmfEvent } from '../media-types.js';
import type { EndpointerEvent, EndpointerOptions, TurnOptions } from '../vad/endpointer-types.js';
import type { PlaybackItem, PlayOptions, PlaybackStatus } from '../playback/prompt-player-types.js';
import type { SubscribeOptions } from '../fork/audio-fork.js';
import type { MediaSessionParameters, MediaSessionStats } from '../media-session-types.js';

/** `workerData` of a media worker. */
export interface MediaWorkerData {
  /** 0-based, for logs. */
  index: number;
  bindAddress: string;
  /** This worker's share of the RTP port range. */
  rtpPortMin: number;
  rtpPortMax: number;
  promptsDirectory: string;
  endpointer: Partial<EndpointerOptions> | undefined;
  jitterDepthMs: number | undefined;
  pollSockets: boolean | undefined;
  ioUring: boolean | undefined;
  gcAfterSend: boolean | undefined;
  /** This worker's tick offset within the period (worker i of n: i × 20 / n ms). */
  schedulerPhaseMs: number;
  schedulerSpinMs: number | undefined;
  recordingDirectory: string | null;
  /** Whether TTS items can be synthesized (by the main thread's synthesizer). */
  tts: boolean;
  /** Scheduling priority of this thread (Linux: per thread). */
  threadPriority: MediaThreadPriority;
}

export interface SerializedError {
  code: string | undefined;
  message: string;
}

export interface SerializedPlaybackResult {
  status: PlaybackStatus;
  reason?: string;
  positionMs: number;
  errors: SerializedError[];
}

/** Main thread → worker. */
export type ToWorker =
  | { type: 'reserve'; requestId: number; rtcpMux: boolean }
  | { type: 'release'; leaseId: number }
  | { type: 'open'; requestId: number; leaseId: number; sessionId: number; params: MediaSessionParameters }
  | { type: 'play'; sessionId: number; playbackId: number; items: PlaybackItem[]; options: PlayOptions }
  | { type: 'stop-playback'; sessionId: number; reason: string }
  | { type: 'start-turn'; sessionId: number; options: Partial<TurnOptions> }
  | { type: 'arm-no-input'; sessionId: number }
  | { type: 'stop-turn'; sessionId: number }
  | { type: 'subscribe'; sessionId: number; subscriptionId: number; options: Partial<SubscribeOptions> }
  | { type: 'unsubscribe'; sessionId: number; subscriptionId: number }
  | { type: 'sip-info'; sessionId: number; contentType: string | undefined; body: string }
  | { type: 'send-dtmf'; sessionId: number; digits: string }
  | { type: 'close'; sessionId: number; reason: string }
  | { type: 'tts-result'; requestId: number; pcm?: Int16Array; error?: SerializedError };

export type SessionEvent =
  | { name: 'dtmf'; event: DtmfEvent }
  | { name: 'speech-detected'; atMs: number }
  | { name: 'turn'; event: EndpointerEvent }
  | { name: 'playback-started'; playbackId: number; itemIndex: number }
  | { name: 'playback-finished'; playbackId: number; result: SerializedPlaybackResult }
  | {
      name: 'playback-interrupted';
      playbackId: number;
      result: SerializedPlaybackResult;
      itemIndex: number;
      itemPositionMs: number;
    }
  | { name: 'playback-error'; playbackId: number; itemIndex: number; error: SerializedError }
  | { name: 'closed'; stats: MediaSessionStats };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'reserved'; requestId: number; leaseId: number; port: number }
  | { type: 'opened'; requestId: number }
  | { type: 'failed'; requestId: number; error: SerializedError }
  | { type: 'event'; sessionId: number; event: SessionEvent }
  | { type: 'frame'; subscriptionId: number; frame: Int16Array }
  | { type: 'subscription-ended'; subscriptionId: number }
  | { type: 'stats'; sessions: [sessionId: number, stats: MediaSessionStats][] }
  | { type: 'tts'; requestId: number; text: string; language: string; voice?: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg?: string };

export function serializeError(error: unknown): SerializedError {
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}
