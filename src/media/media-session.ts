/**
 * One call's media: the RTP session, the prompt player, VAD/endpointing with barge-in, DTMF from every source
 * (RFC 4733, SIP INFO, in-band), the audio fork to recognizers and optional recording — all driven by one
 * handler on the shared 20 ms scheduler (DESIGN.md decision 2: never a timer per call).
 */
import { EventEmitter } from 'node:events';
import { FRAME_MS, SAMPLES_PER_FRAME, type DtmfEvent } from './media-types.js';
import { RtpSession } from './rtp/rtp-session.js';
import type { RtpPortLease } from './rtp/rtp-port-pool.js';
import { PromptPlayer } from './playback/prompt-player.js';
import type { Playback, PlaybackItem, PlayOptions } from './playback/prompt-player-types.js';
import type { SchedulerTick, TickRegistration } from './playback/media-scheduler.js';
import { Endpointer } from './vad/endpointer.js';
import type { TurnOptions } from './vad/endpointer-types.js';
import { InbandDtmfDetector } from './dtmf/inband-dtmf-detector.js';
import { parseDtmfInfo } from './dtmf/dtmf-info.js';
import { AudioFork, type SubscribeOptions } from './fork/audio-fork.js';
import type { ForkSubscription } from './fork/fork-subscription.js';
import { StereoWavRecorder } from './recording/stereo-wav-recorder.js';
import type { MediaEngine } from './media-engine.js';
import type {
  CallMediaSession,
  MediaEngineOptions,
  MediaSessionEvents,
  MediaSessionParameters,
  MediaSessionStats,
} from './media-session-types.js';

export type MediaSessionState = 'open' | 'closed';

/** Outbound frames remembered for the recording, in ticks: the process phase is never that far behind unless stalled. */
const OUTBOUND_HISTORY = 8;

export class MediaSession extends EventEmitter<MediaSessionEvents> implements CallMediaSession {
  readonly callId: string;
  private state: MediaSessionState = 'open';
  private readonly openedAt = performance.now();
  private readonly player: PromptPlayer;
  private readonly endpointer: Endpointer;
  private readonly fork = new AudioFork();
  private readonly inband: InbandDtmfDetector | undefined;
  private recorder: StereoWavRecorder | undefined;
  private registration: TickRegistration | undefined;
  private processRegistration: TickRegistration | undefined;
  /**
   * What the last send phases sent (silence where nothing), by tick count modulo `OUTBOUND_HISTORY`: the recording
   * pairs each caller frame with what the caller heard at that moment, even when its process phase runs late.
   */
  private readonly outboundHistory: Int16Array[];
  /** Send phases so far, skipped ticks included. */
  private ticksSent = 0;
  /** Caller frames read so far: the process phase reads up to `ticksSent`, whatever it missed included. */
  private ticksProcessed = 0;
  private readonly inbound = new Int16Array(SAMPLES_PER_FRAME);
  private readonly silence = new Int16Array(SAMPLES_PER_FRAME);
  /** Media time of the next inbound frame, ms (advances 20 ms per frame, skipped ticks included). */
  private mediaTimeMs = 0;
  private wasInSpeech = false;
  private bargeIns = 0;
  private dtmfCount = 0;

  private constructor(
    readonly rtp: RtpSession,
    private readonly params: MediaSessionParameters,
    engine: MediaEngine,
    options: MediaEngineOptions,
  ) {
    super();
    this.callId = params.callId;
    this.outboundHistory = Array.from({ length: OUTBOUND_HISTORY }, () => this.silence);
    this.player = new PromptPlayer({
      prompts: engine.prompts,
      language: params.language,
      ...(options.synthesizer === undefined ? {} : { synthesizer: options.synthesizer }),
      onListenerError: (err) =>
        options.logger?.warn({ err, callId: this.callId }, 'playback listener failed'),
    });
    this.endpointer = new Endpointer(options.endpointer ?? {});
    this.inband = params.inbandDtmf === true ? new InbandDtmfDetector() : undefined;
    this.player.on('started', (e) => this.safeEmit('playback-started', e));
    this.player.on('finished', (e) => this.safeEmit('playback-finished', e));
    this.player.on('interrupted', (e) => this.safeEmit('playback-interrupted', e));
    this.player.on('itemError', (e) => this.safeEmit('playback-error', e));
    rtp.on('dtmf', (event) => this.onDtmf(event));
    this.registration = engine.scheduler.register((tick) => this.onSendTick(tick), `call:${params.callId}`);
    this.processRegistration = engine.scheduler.register(
      () => this.onProcessTick(),
      `call:${params.callId}:in`,
      'process',
    );
  }

  static async open(
    engine: MediaEngine,
    lease: RtpPortLease,
    params: MediaSessionParameters,
    options: MediaEngineOptions,
  ): Promise<MediaSession> {
    const rtp = await RtpSession.open({
      codec: params.codec,
      payloadType: params.payloadType,
      ...(params.telephoneEventPayloadType === undefined
        ? {}
        : { telephoneEventPayloadType: params.telephoneEventPayloadType }),
      remote: params.remote,
      rtcpMux: params.rtcpMux ?? false,
      lease,
      pollSockets: options.pollSockets ?? true,
      ...(engine.ioRing === undefined ? {} : { ioRing: engine.ioRing }),
      jitterDepthMs: options.jitterDepthMs ?? 60,
      cname: `aiguilleur-${params.callId}`,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const session = new MediaSession(rtp, params, engine, options);
    if (params.record === true && options.recordingDirectory !== null) {
      session.recorder = await StereoWavRecorder.open({
        directory: options.recordingDirectory,
        // Call-IDs may hold '/', '@' and worse: keep a safe, sortable, unique file name.
        fileName: `${new Date().toISOString().replace(/[:.]/g, '-')}-${params.callId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}.wav`,
      });
    }
    return session;
  }

  /** Plays prompts, silences, TTS text; `bargeIn` lets the caller's voice or a key cut it. */
  play(items: PlaybackItem[], options: PlayOptions = {}): Playback {
    return this.player.play(items, options);
  }

  stopPlayback(reason = 'stopped'): void {
    this.player.stop(reason);
  }

  get playing(): boolean {
    return this.player.playing;
  }

  /** Opens a listening turn: `turn` events follow (speech-start, speech-end, no-input, max-utterance). */
  startTurn(options: Partial<TurnOptions> = {}): void {
    this.endpointer.startTurn(this.mediaTimeMs, options);
  }

  /** Starts the no-input countdown of the open turn (e.g. once the question prompt has finished). */
  armNoInputTimer(): void {
    this.endpointer.armNoInputTimer(this.mediaTimeMs);
  }

  stopTurn(): void {
    this.endpointer.stopTurn();
  }

  /** Caller audio for a recognizer: 8 kHz (or 16 kHz upsampled) frames; a slow reader drops, never blocks. */
  subscribeAudio(options: Partial<SubscribeOptions> = {}): ForkSubscription {
    return this.fork.subscribe(options);
  }

  /** A SIP INFO carrying `application/dtmf-relay` or `application/dtmf`; true when it held a digit. */
  receiveSipInfo(contentType: string | undefined, body: string): boolean {
    const event = parseDtmfInfo(contentType ?? '', body);
    if (event === undefined) {
      return false;
    }
    this.onDtmf(event);
    return true;
  }

  /** Sends digits to the caller (RFC 4733), e.g. towards an automated system. */
  sendDtmf(digits: string): boolean {
    return this.rtp.sendDtmf(digits);
  }

  stats(): MediaSessionStats {
    return {
      callId: this.callId,
      durationMs: performance.now() - this.openedAt,
      rtp: this.rtp.stats(),
      bargeIns: this.bargeIns,
      dtmf: this.dtmfCount,
      forkDrops: this.fork.stats().reduce((sum, s) => sum + s.dropped, 0),
      recordingFile: this.recorder?.path,
    };
  }

  /** Ends the media: stops playback and recognizer feeds, closes RTP, finishes the recording. */
  close(reason = 'hangup'): MediaSessionStats {
    const stats = this.stats();
    if (this.state === 'closed') {
      return stats;
    }
    this.state = 'closed';
    this.registration?.unregister();
    this.registration = undefined;
    this.processRegistration?.unregister();
    this.processRegistration = undefined;
    this.player.close();
    this.endpointer.stopTurn();
    this.fork.close();
    this.rtp.close(reason);
    const recorder = this.recorder;
    this.recorder = undefined;
    void recorder?.close().catch(() => undefined);
    this.safeEmit('closed', stats);
    return stats;
  }

  /**
   * The send phase of a 20 ms step: the next IVR frame goes out, and nothing else, so that every call's packet
   * leaves at the same offset of every tick (see media-scheduler.ts); the caller side waits for the process phase.
   */
  private onSendTick(tick: SchedulerTick): void {
    if (this.state === 'closed') {
      return;
    }
    // After a blocked event loop the scheduler skips ticks instead of bursting (see media-scheduler.ts). The RTP
    // timeline still advances tick by tick (RFC 3550 §5.1; one skipFrame per tick keeps queued RFC 4733 DTMF
    // paced), and the caller audio that arrived meanwhile is still read, so VAD, DTMF and recognizers miss nothing.
    for (let skipped = 1; skipped < tick.elapsedTicks; skipped++) {
      this.rtp.skipFrame(SAMPLES_PER_FRAME);
      this.outboundHistory[this.ticksSent++ % OUTBOUND_HISTORY] = this.silence;
    }
    const outbound = this.player.nextFrame();
    if (outbound === undefined) {
      this.rtp.sendSilence();
    } else {
      this.rtp.sendFrame(outbound);
    }
    this.outboundHistory[this.ticksSent++ % OUTBOUND_HISTORY] = outbound ?? this.silence;
  }

  /**
   * The process phase: every caller frame not read yet (one per send phase, skipped ticks included, and more when
   * the scheduler ran this phase late: see media-scheduler.ts), each through VAD, DTMF, fork and recording.
   */
  private onProcessTick(): void {
    if (this.state === 'closed') {
      return;
    }
    // Further behind than the history (a stall of the whole process): those frames are recorded against silence.
    for (; this.ticksSent - this.ticksProcessed > OUTBOUND_HISTORY; this.ticksProcessed++) {
      this.processInbound(this.silence);
    }
    for (; this.ticksProcessed < this.ticksSent; this.ticksProcessed++) {
      this.processInbound(this.outboundHistory[this.ticksProcessed % OUTBOUND_HISTORY]!);
    }
  }

  /** One caller frame: VAD and barge-in, the listening turn, in-band DTMF, the fork and the recording. */
  private processInbound(outbound: Int16Array): void {
    const frame = this.rtp.pullFrame(this.inbound);
    const timeMs = this.mediaTimeMs;
    this.mediaTimeMs += FRAME_MS;
    const event = this.endpointer.push(frame, timeMs);
    const inSpeech = this.endpointer.vad.inSpeech;
    if (inSpeech && !this.wasInSpeech) {
      if (this.player.bargeIn()) {
        this.bargeIns++;
      }
      this.safeEmit('speech-detected', timeMs);
    }
    this.wasInSpeech = inSpeech;
    if (event !== undefined) {
      this.safeEmit('turn', event);
    }
    if (this.inband !== undefined) {
      for (const dtmf of this.inband.process(frame)) {
        this.onDtmf(dtmf);
      }
    }
    this.fork.push(frame);
    this.recorder?.writeFrame(frame, outbound);
  }

  private onDtmf(event: DtmfEvent): void {
    this.dtmfCount++;
    if (this.player.bargeIn()) {
      this.bargeIns++;
    }
    this.safeEmit('dtmf', event);
  }

  /** A listener error never kills the call's media. */
  private safeEmit<K extends keyof MediaSessionEvents>(event: K, ...args: MediaSessionEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: MediaSessionEvents[K]) => boolean)(event, ...args);
    } catch {
      // swallowed on purpose: the media path must go on; listeners log their own failures
    }
  }
}
