/**
 * The main thread's face of a media session that runs in a media worker (`media-worker.ts`): the same
 * `CallMediaSession` as an in-process `MediaSession`, so the app, the flows and the recognizers do not know where
 * the audio is handled.
 *
 * Commands are posted to the worker and return at once, as they do in-process. What must answer synchronously is
 * answered here: `play` returns a `Playback` whose `done` settles on the worker's event; `playing` counts the
 * playbacks not yet ended; `receiveSipInfo` parses the INFO here (pure) and forwards it; `sendDtmf` knows whether
 * telephone-event was negotiated and checks the digits; `stats()` and `close()` return the latest snapshot (sent by
 * the worker every 10 s), and the final figures come with the `closed` event, as in-process.
 * `subscribeAudio` returns a real `ForkSubscription` fed with the frames the worker posts.
 */
import { EventEmitter } from 'node:events';
import { AigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { parseDtmfInfo } from '../dtmf/dtmf-info.js';
import { eventOfDigit } from '../dtmf/rfc4733.js';
import { DEFAULT_AUDIO_FORK_OPTIONS, type SubscribeOptions } from '../fork/audio-fork.js';
import { ForkSubscription } from '../fork/fork-subscription.js';
import type { Playback, PlaybackItem, PlaybackResult, PlayOptions } from '../playback/prompt-player-types.js';
import type { TurnOptions } from '../vad/endpointer-types.js';
import type {
  CallMediaSession,
  MediaSessionEvents,
  MediaSessionParameters,
  MediaSessionStats,
} from '../media-session-types.js';
import type {
  SerializedError,
  SerializedPlaybackResult,
  SessionEvent,
  ToWorker,
} from './media-worker-protocol.js';

interface RemotePlayback extends Playback {
  settle(result: PlaybackResult): void;
}

function toError(error: SerializedError): AigError {
  const code = (error.code ?? 'AIG_ERR_MEDIA_WORKER') as ErrorCode;
  // The worker's message already holds the catalogue text and detail: keep it as is.
  return Object.assign(new AigError(code), { message: error.message });
}

function toResult(result: SerializedPlaybackResult): PlaybackResult {
  return {
    status: result.status,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    positionMs: result.positionMs,
    errors: result.errors.map(toError),
  };
}

export class RemoteMediaSession extends EventEmitter<MediaSessionEvents> implements CallMediaSession {
  readonly callId: string;
  private state: 'open' | 'closed' = 'open';
  private readonly openedAt = performance.now();
  private readonly playbacks = new Map<number, RemotePlayback>();
  /** Playbacks replaced (`mode: 'replace'`) whose end the worker has not reported yet: no longer playing. */
  private readonly superseded = new Set<number>();
  private nextPlaybackId = 1;
  private readonly subscriptions = new Map<number, ForkSubscription>();
  private latest: MediaSessionStats;
  private dtmfCount = 0;

  constructor(
    readonly sessionId: number,
    private readonly params: MediaSessionParameters,
    private readonly send: (message: ToWorker) => void,
    /** Allocates a subscription id unique across the engine (frames are routed by it). */
    private readonly registerSubscription: (subscription: ForkSubscription) => number,
    private readonly unregisterSubscription: (id: number) => void,
  ) {
    super();
    this.callId = params.callId;
    this.latest = {
      callId: params.callId,
      durationMs: 0,
      rtp: {
        packetsSent: 0,
        bytesSent: 0,
        packetsReceived: 0,
        bytesReceived: 0,
        expected: 0,
        lost: 0,
        fractionLost: 0,
        jitterMs: 0,
        late: 0,
        duplicates: 0,
        discarded: 0,
        rtcpSent: 0,
        rtcpReceived: 0,
        roundTripMs: undefined,
        remote: undefined,
        ssrc: 0,
        remoteSsrc: undefined,
        sendingTo: params.remote,
        latched: false,
        socketErrors: 0,
        jitterBuffer: {
          buffered: 0,
          playing: false,
          late: 0,
          duplicates: 0,
          concealed: 0,
          overflowDrops: 0,
          underruns: 0,
          restarts: 0,
          probationDrops: 0,
        },
      },
      bargeIns: 0,
      dtmf: 0,
      forkDrops: 0,
      recordingFile: undefined,
    };
  }

  play(items: PlaybackItem[], options: PlayOptions = {}): Playback {
    const id = this.nextPlaybackId++;
    let settle!: (result: PlaybackResult) => void;
    const done = new Promise<PlaybackResult>((resolve) => {
      settle = resolve;
    });
    const playback: RemotePlayback = {
      id,
      items: [...items],
      bargeIn: options.bargeIn ?? false,
      done,
      settle,
    };
    if (this.state === 'closed') {
      settle({ status: 'interrupted', reason: 'closed', positionMs: 0, errors: [] });
      return playback;
    }
    if (options.mode === 'replace') {
      // The worker interrupts the others with `replaced`; until its events arrive they no longer count as playing.
      for (const other of this.playbacks.keys()) {
        this.superseded.add(other);
      }
    }
    this.playbacks.set(id, playback);
    this.send({ type: 'play', sessionId: this.sessionId, playbackId: id, items: [...items], options });
    return playback;
  }

  stopPlayback(reason = 'stopped'): void {
    this.send({ type: 'stop-playback', sessionId: this.sessionId, reason });
  }

  get playing(): boolean {
    return this.playbacks.size > this.superseded.size;
  }

  startTurn(options: Partial<TurnOptions> = {}): void {
    this.send({ type: 'start-turn', sessionId: this.sessionId, options });
  }

  armNoInputTimer(): void {
    this.send({ type: 'arm-no-input', sessionId: this.sessionId });
  }

  stopTurn(): void {
    this.send({ type: 'stop-turn', sessionId: this.sessionId });
  }

  subscribeAudio(options: Partial<SubscribeOptions> = {}): ForkSubscription {
    const {
      name = `subscriber-${this.subscriptions.size + 1}`,
      sampleRate = 8000,
      queueFrames = 50,
    } = options;
    const preRollFrames = options.preRollFrames ?? 0;
    // Checked here as the in-process fork does, so a bad call throws at the caller.
    if (sampleRate !== 8000 && sampleRate !== 16000) {
      throw new RangeError(`sampleRate must be 8000 or 16000, got ${String(sampleRate)}`);
    }
    const history = DEFAULT_AUDIO_FORK_OPTIONS.historyFrames;
    if (!Number.isInteger(preRollFrames) || preRollFrames < 0 || preRollFrames > history) {
      throw new RangeError(`preRollFrames must be an integer in [0, ${history}]`);
    }
    let id = -1;
    const subscription = new ForkSubscription(name, sampleRate, queueFrames, () => {
      this.subscriptions.delete(id);
      this.unregisterSubscription(id);
      this.send({ type: 'unsubscribe', sessionId: this.sessionId, subscriptionId: id });
    });
    if (this.state === 'closed') {
      subscription.finish();
      return subscription;
    }
    id = this.registerSubscription(subscription);
    this.subscriptions.set(id, subscription);
    this.send({
      type: 'subscribe',
      sessionId: this.sessionId,
      subscriptionId: id,
      options: { name, sampleRate, queueFrames, preRollFrames },
    });
    return subscription;
  }

  receiveSipInfo(contentType: string | undefined, body: string): boolean {
    if (parseDtmfInfo(contentType ?? '', body) === undefined) {
      return false;
    }
    this.send({ type: 'sip-info', sessionId: this.sessionId, contentType, body });
    return true;
  }

  sendDtmf(digits: string): boolean {
    if (this.state === 'closed' || this.params.telephoneEventPayloadType === undefined) {
      return false;
    }
    for (const digit of digits) {
      if (eventOfDigit(digit) === undefined) {
        throw new RangeError(`'${digit}' is not a DTMF digit`);
      }
    }
    this.send({ type: 'send-dtmf', sessionId: this.sessionId, digits });
    return true;
  }

  stats(): MediaSessionStats {
    return { ...this.latest, durationMs: performance.now() - this.openedAt };
  }

  close(reason = 'hangup'): MediaSessionStats {
    const stats = this.stats();
    if (this.state === 'open') {
      this.state = 'closed';
      this.send({ type: 'close', sessionId: this.sessionId, reason });
    }
    return stats;
  }

  /** The worker's latest figures (periodic). */
  updateStats(stats: MediaSessionStats): void {
    this.latest = stats;
  }

  /** An event of the worker-side session. */
  deliver(event: SessionEvent): void {
    switch (event.name) {
      case 'dtmf':
        this.dtmfCount++;
        this.safeEmit('dtmf', event.event);
        return;
      case 'speech-detected':
        this.safeEmit('speech-detected', event.atMs);
        return;
      case 'turn':
        this.safeEmit('turn', event.event);
        return;
      case 'playback-started': {
        const playback = this.playbackOf(event.playbackId);
        const item = playback.items[event.itemIndex];
        if (item !== undefined) {
          this.safeEmit('playback-started', { playback, item, itemIndex: event.itemIndex });
        }
        return;
      }
      case 'playback-finished': {
        const playback = this.endPlayback(event.playbackId, event.result);
        this.safeEmit('playback-finished', { playback, result: toResult(event.result) });
        return;
      }
      case 'playback-interrupted': {
        const playback = this.endPlayback(event.playbackId, event.result);
        this.safeEmit('playback-interrupted', {
          playback,
          result: toResult(event.result),
          item: playback.items[event.itemIndex],
          itemIndex: event.itemIndex,
          itemPositionMs: event.itemPositionMs,
        });
        return;
      }
      case 'playback-error': {
        const playback = this.playbackOf(event.playbackId);
        const item = playback.items[event.itemIndex];
        if (item !== undefined) {
          this.safeEmit('playback-error', {
            playback,
            item,
            itemIndex: event.itemIndex,
            error: toError(event.error),
          });
        }
        return;
      }
      case 'closed':
        this.finish(event.stats);
        return;
    }
  }

  /** The worker is gone (crash or shutdown): end everything as a close would. */
  abandon(): void {
    this.state = 'closed';
    this.finish(this.stats());
  }

  private finish(stats: MediaSessionStats): void {
    this.state = 'closed';
    this.latest = stats;
    for (const playback of this.playbacks.values()) {
      playback.settle({ status: 'interrupted', reason: 'closed', positionMs: 0, errors: [] });
    }
    this.playbacks.clear();
    this.superseded.clear();
    for (const [id, subscription] of this.subscriptions) {
      subscription.finish();
      this.unregisterSubscription(id);
    }
    this.subscriptions.clear();
    this.safeEmit('closed', stats);
    this.removeAllListeners();
  }

  private playbackOf(id: number): RemotePlayback {
    return (
      this.playbacks.get(id) ?? {
        id,
        items: [],
        bargeIn: false,
        done: Promise.resolve({ status: 'interrupted', positionMs: 0, errors: [] }),
        settle: () => undefined,
      }
    );
  }

  private endPlayback(id: number, result: SerializedPlaybackResult): RemotePlayback {
    const playback = this.playbackOf(id);
    this.playbacks.delete(id);
    this.superseded.delete(id);
    playback.settle(toResult(result));
    return playback;
  }

  /** A listener error never kills the call's media. */
  private safeEmit<K extends keyof MediaSessionEvents>(event: K, ...args: MediaSessionEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: MediaSessionEvents[K]) => boolean)(event, ...args);
    } catch {
      // swallowed on purpose, as in MediaSession
    }
  }
}
