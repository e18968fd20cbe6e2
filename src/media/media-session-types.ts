/** Public shapes of a call's media session (`media-session.ts`) and of the process-wide media engine. */
import type { DtmfEvent, G711CodecName } from './media-types.js';
import type { EndpointerEvent, TurnOptions } from './vad/endpointer-types.js';
import type { EndpointerOptions } from './vad/endpointer-types.js';
import type {
  PlaybackFinishedEvent,
  PlaybackInterruptedEvent,
  PlaybackItemErrorEvent,
  PlaybackStartedEvent,
  SpeechSynthesizer,
} from './playback/prompt-player-types.js';
import type { RtpSessionStats, TransportAddress } from './rtp/rtp-session-types.js';
import type { EventEmitter } from 'node:events';
import type { Playback, PlaybackItem, PlayOptions } from './playback/prompt-player-types.js';
import type { SubscribeOptions } from './fork/audio-fork.js';
import type { ForkSubscription } from './fork/fork-subscription.js';

export interface MediaEngineOptions {
  /** Local address RTP sockets bind to. @default '127.0.0.1' */
  bindAddress: string;
  /** RTP port range (even ports; RTCP on port + 1). @default 40000–49999 */
  rtpPortMin: number;
  rtpPortMax: number;
  /** Folder with `<lang>/<id>.wav` prompts. @default './prompts' */
  promptsDirectory: string;
  /** Runtime TTS for dynamic text; without it, `tts` playback items fail with a clear item error. */
  synthesizer?: SpeechSynthesizer;
  /** Endpointing and VAD defaults for every session. */
  endpointer?: Partial<EndpointerOptions>;
  /** Inbound jitter buffer depth, ms. @default 60 */
  jitterDepthMs?: number;
  /**
   * Read and write each latched call's RTP socket directly once per tick (`RtpSessionOptions.pollSockets`)
   * instead of one dgram event per packet: about a quarter less CPU per packet (docs/media-capacity.md). The
   * caller audio is the same either way (compared sample by sample in recordings of the live recognition test).
   * @default true
   */
  pollSockets?: boolean;
  /**
   * With `pollSockets`, batch every send and read of a tick into one system call through an io_uring per media
   * thread (`rtp-io-ring.ts`): about 4 µs less CPU per call and tick where system calls are dear (measured on
   * the 2-vCPU VM of docs/media-capacity.md). Where io_uring is refused (sysctl, seccomp, old kernel) the engine
   * logs why once and uses one system call per packet. @default true
   */
  ioUring?: boolean;
  /**
   * Run V8's minor garbage collection right after a send phase once the young generation is 60% full
   * (`minor-gc-pacer.ts`), so that its 3-15 ms pause delays no packet. @default true
   */
  gcAfterSend?: boolean;
  /**
   * How long before each tick the scheduler stops relying on its timer and waits precisely
   * (`MediaSchedulerOptions.spinMs`: a blocking `Atomics.wait`), ms; 0 relies on timers alone (within about a
   * millisecond). See docs/media-capacity.md. @default 1
   */
  schedulerSpinMs?: number;
  /**
   * Wait the last `schedulerSpinMs` before a tick by blocking the thread (`Atomics.wait`: no CPU, no garbage)
   * instead of polling with `setImmediate`. Only for a real-time media thread: a normal thread woken from that
   * sleep waits for a core behind the other runnable threads, which cost 7-8 ms of jitter p99 at 500 calls on one
   * loop against 3.7-4.7 ms polling (3 A/B pairs, docs/media-capacity.md). @default false
   */
  schedulerSleep?: boolean;
  /**
   * Offset of this engine's ticks within the 20 ms period on the machine's clock, ms (`MediaSchedulerOptions.phase`):
   * set by the media workers to spread their ticks (worker i of n at i × 20 / n). @default none: one period
   * after the first call
   */
  schedulerPhaseMs?: number;
  /** Folder for call recordings (stereo WAV); null = recording unavailable. @default null */
  recordingDirectory: string | null;
  logger?: MediaLogger;
}

export interface MediaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the SDP negotiation agreed, as the media session needs it. */
export interface MediaSessionParameters {
  callId: string;
  codec: G711CodecName;
  payloadType: number;
  telephoneEventPayloadType?: number;
  /** The caller's RTP address from its SDP (symmetric RTP latches to the real source later). */
  remote: TransportAddress;
  rtcpMux?: boolean;
  /** Conversation language (prompt folder). */
  language: string;
  /** Listen for DTMF tones in the audio (gateways that send neither RFC 4733 nor INFO). @default false */
  inbandDtmf?: boolean;
  /** Record the call as stereo WAV (caller left, IVR right). @default false */
  record?: boolean;
}

export interface MediaSessionEvents {
  dtmf: [event: DtmfEvent];
  /** The caller started speaking (VAD), in or out of a listening turn. */
  'speech-detected': [atMs: number];
  /** Events of the open listening turn (speech-start, speech-end, no-input, max-utterance). */
  turn: [event: EndpointerEvent];
  'playback-started': [event: PlaybackStartedEvent];
  'playback-finished': [event: PlaybackFinishedEvent];
  'playback-interrupted': [event: PlaybackInterruptedEvent];
  'playback-error': [event: PlaybackItemErrorEvent];
  closed: [stats: MediaSessionStats];
}

export interface MediaSessionStats {
  callId: string;
  durationMs: number;
  rtp: RtpSessionStats;
  bargeIns: number;
  dtmf: number;
  forkDrops: number;
  recordingFile: string | undefined;
}

export type { TurnOptions };

/**
 * What a call's media offers the rest of the app. `MediaSession` implements it in-process; `RemoteMediaSession`
 * implements it on the main thread for a session that runs in a media worker thread (`media.workers`).
 */
export interface CallMediaSession extends EventEmitter<MediaSessionEvents> {
  readonly callId: string;
  /** Plays prompts, silences, TTS text; `bargeIn` lets the caller's voice or a key cut it. */
  play(items: PlaybackItem[], options?: PlayOptions): Playback;
  stopPlayback(reason?: string): void;
  readonly playing: boolean;
  /** Opens a listening turn: `turn` events follow (speech-start, speech-end, no-input, max-utterance). */
  startTurn(options?: Partial<TurnOptions>): void;
  armNoInputTimer(): void;
  stopTurn(): void;
  /** Caller audio for a recognizer: 8 kHz (or 16 kHz upsampled) frames; a slow reader drops, never blocks. */
  subscribeAudio(options?: Partial<SubscribeOptions>): ForkSubscription;
  /** A SIP INFO carrying `application/dtmf-relay` or `application/dtmf`; true when it held a digit. */
  receiveSipInfo(contentType: string | undefined, body: string): boolean;
  /** Sends digits to the caller (RFC 4733); false when telephone-event was not negotiated. */
  sendDtmf(digits: string): boolean;
  stats(): MediaSessionStats;
  /** Ends the media; the final figures follow in the `closed` event. */
  close(reason?: string): MediaSessionStats;
}

/** An RTP port reserved for a call's SDP before its media session opens. */
export interface MediaPortLease {
  readonly port: number;
  /** Gives the port back (when the call ends before its media opened); idempotent. */
  release(): void;
}

/** The process-wide media engine as the app sees it: in-process (`MediaEngine`) or in worker threads. */
export interface CallMediaEngine {
  reservePort(rtcpMux?: boolean): Promise<MediaPortLease>;
  openSession(lease: MediaPortLease, params: MediaSessionParameters): Promise<CallMediaSession>;
  readonly activeSessions: number;
  close(): void;
}
