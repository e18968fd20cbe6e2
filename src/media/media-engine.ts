/**
 * The process-wide media engine: one shared 20 ms scheduler for every call, the RTP port pool, the prompt
 * cache and the TTS synthesizer. Calls get a `MediaSession` from it.
 */
import { MediaScheduler } from './playback/media-scheduler.js';
import { PromptCache } from './playback/prompt-cache.js';
import { RtpPortPool, type RtpPortLease } from './rtp/rtp-port-pool.js';
import { MediaSession } from './media-session.js';
import type { CallMediaEngine, MediaEngineOptions, MediaSessionParameters } from './media-session-types.js';

export class MediaEngine implements CallMediaEngine {
  readonly scheduler: MediaScheduler;
  readonly prompts: PromptCache;
  private readonly pool: RtpPortPool;
  private readonly sessions = new Set<MediaSession>();

  constructor(private readonly options: MediaEngineOptions) {
    this.scheduler = new MediaScheduler({
      spinMs: options.schedulerSpinMs ?? 1,
      onError: (err) => options.logger?.error({ err }, 'media tick handler failed'),
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
  } {
    return {
      sessions: this.sessions.size,
      scheduler: this.scheduler.stats(),
      ports: { allocated: this.pool.allocated },
    };
  }

  close(): void {
    for (const s of [...this.sessions]) {
      s.close('shutdown');
    }
    this.scheduler.close();
  }
}
