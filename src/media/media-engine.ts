/**
 * The process-wide media engine: one shared 20 ms scheduler for every call, the RTP port pool, the prompt
 * cache and the TTS synthesizer. Calls get a `MediaSession` from it.
 */
import { MediaScheduler, pollingSchedulerTime, sleepingSchedulerTime } from './playback/media-scheduler.js';
import { PromptCache } from './playback/prompt-cache.js';
import { RtpPortPool, type RtpPortLease } from './rtp/rtp-port-pool.js';
import { MediaSession } from './media-session.js';
import { MinorGcPacer, type MinorGcPacerStats } from './playback/minor-gc-pacer.js';
import { RtpIoRing, RtpIoRingUnavailableError, type RtpIoRingStats } from './rtp/rtp-io-ring.js';
import type { CallMediaEngine, MediaEngineOptions, MediaSessionParameters } from './media-session-types.js';

export class MediaEngine implements CallMediaEngine {
  readonly scheduler: MediaScheduler;
  readonly prompts: PromptCache;
  /** The thread's io_uring for RTP (`media.ioUring`), or undefined: one system call per packet. */
  readonly ioRing: RtpIoRing | undefined;
  /** Minor collections right after send phases (`media.gcAfterSend`), or undefined: V8 collects when it likes. */
  private readonly gcPacer: MinorGcPacer | undefined;
  private readonly pool: RtpPortPool;
  private readonly sessions = new Set<MediaSession>();

  constructor(private readonly options: MediaEngineOptions) {
    this.ioRing = (options.pollSockets ?? true) && (options.ioUring ?? true) ? openRing(options) : undefined;
    const ring = this.ioRing;
    this.gcPacer = (options.gcAfterSend ?? true) ? MinorGcPacer.create() : undefined;
    const pacer = this.gcPacer;
    this.scheduler = new MediaScheduler({
      spinMs: options.schedulerSpinMs ?? 1,
      timeSource: options.schedulerSleep === true ? sleepingSchedulerTime : pollingSchedulerTime,
      onError: (err) => options.logger?.error({ err }, 'media tick handler failed'),
      sendPhase: {
        begin: () => ring?.hold(),
        end: () => {
          ring?.flush();
          pacer?.afterSendPhase();
        },
      },
      ...(options.schedulerPhaseMs === undefined
        ? {}
        : { phase: { offsetMs: options.schedulerPhaseMs, originMs: performance.timeOrigin } }),
    });
    this.prompts = new PromptCache({ directory: options.promptsDirectory });
    this.pool = new RtpPortPool({
      min: options.rtpPortMin,
      max: options.rtpPortMax,
      address: options.bindAddress,
    });
  }

  /** Reserves an RTP port (and its RTCP neighbour) for the SDP answer or offer. */
  reservePort(rtcpMux = false): Promise<RtpPortLease> {
    return this.pool.allocate({ rtcpMux });
  }

  /** Opens the call's media on a reserved port once the remote address and codec are known. */
  async openSession(lease: RtpPortLease, params: MediaSessionParameters): Promise<MediaSession> {
    const session = await MediaSession.open(this, lease, params, this.options);
    this.sessions.add(session);
    session.once('closed', () => this.sessions.delete(session));
    return session;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  stats(): {
    sessions: number;
    scheduler: ReturnType<MediaScheduler['stats']>;
    ports: { allocated: number };
    ioRing: RtpIoRingStats | undefined;
    gcAfterSend: MinorGcPacerStats | undefined;
  } {
    return {
      sessions: this.sessions.size,
      scheduler: this.scheduler.stats(),
      ports: { allocated: this.pool.allocated },
      ioRing: this.ioRing?.stats(),
      gcAfterSend: this.gcPacer?.stats(),
    };
  }

  close(): void {
    for (const s of [...this.sessions]) {
      s.close('shutdown');
    }
    this.scheduler.close();
    this.ioRing?.close();
  }
}

/** The thread's ring, or undefined (logged once, with the reason) where io_uring is refused. */
function openRing(options: MediaEngineOptions): RtpIoRing | undefined {
  try {
    return RtpIoRing.open();
  } catch (err) {
    options.logger?.warn(
      { reason: err instanceof RtpIoRingUnavailableError ? err.reason : (err as Error).message },
      'io_uring not available: RTP uses one system call per packet',
    );
    return undefined;
  }
}
