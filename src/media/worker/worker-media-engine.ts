/**
 * The media engine with its sessions in worker threads (`media.workers: N`): N `media-worker.ts` threads, each a
 * whole `MediaEngine` on its own share of the RTP port range, and on the main thread one `RemoteMediaSession` per
 * call implementing the same `CallMediaSession` as the in-process path. SIP, flows and recognizers stay on the main
 * thread; audio frames cross only for subscribed recognizers.
 *
 * A call is placed on the worker with the fewest sessions when its port is reserved. A worker that dies ends its
 * calls' media (`closed` with the last figures) and is not replaced: the process is unhealthy and should be
 * restarted by its supervisor, which the error log says.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { AigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import type { ForkSubscription } from '../fork/fork-subscription.js';
import type {
  CallMediaEngine,
  CallMediaSession,
  MediaEngineOptions,
  MediaPortLease,
  MediaSessionParameters,
} from '../media-session-types.js';
import {
  serializeError,
  type FromWorker,
  type MediaWorkerData,
  type SerializedError,
  type ToWorker,
} from './media-worker-protocol.js';
import type { MediaThreadPriority } from '../media-thread-priority.js';
import { FRAME_MS } from '../media-types.js';
import { RemoteMediaSession } from './remote-media-session.js';

export interface WorkerMediaEngineOptions extends MediaEngineOptions {
  /** Worker threads (≥ 1). */
  workers: number;
  /** Scheduling priority of each media thread (see media-thread-priority.ts). */
  threadPriority: MediaThreadPriority;
}

interface Pending {
  resolve: (value: FromWorker) => void;
  reject: (error: Error) => void;
}

class MediaWorkerHandle {
  readonly sessions = new Map<number, RemoteMediaSession>();
  readonly pending = new Map<number, Pending>();
  /** Reserved ports not yet opened: they count towards the load too. */
  reserved = 0;
  alive = true;

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {}

  get load(): number {
    return this.sessions.size + this.reserved;
  }

  send(message: ToWorker): void {
    if (this.alive) {
      this.worker.postMessage(message);
    }
  }
}

function toError(error: SerializedError): Error {
  if (error.code?.startsWith('AIG_ERR_') === true) {
    return Object.assign(new AigError(error.code as ErrorCode), { message: error.message });
  }
  return new AigError('AIG_ERR_MEDIA_WORKER', error.message);
}

/**
 * Starts the worker entry next to this module: compiled (`.js`) in production; TypeScript under tsx (tests,
 * `tsx src/cli.ts`), where the worker registers tsx itself before importing it, as Node 20 does not apply the
 * parent's `--import` hooks to a worker's entry module.
 */
/**
 * A media worker's young generation (V8 sizes it as three semi-spaces, so 192 MB is 64 MB of new objects between
 * collections, against 16 MB by default). A minor collection ("scavenge") stops the worker for 3-15 ms whatever the
 * garbage (its cost follows what survives), and a stopped worker sends nothing: at 500 calls a worker made ≈ 5 MB
 * of garbage a second, so by default it stopped every 3 s, often enough to decide the p99 of the send intervals.
 * With 64 MB it stops every ≈ 12 s. The memory is only committed as the new space grows. See docs/media-capacity.md.
 */
const WORKER_YOUNG_GENERATION_MB = 192;

function startWorker(options: WorkerOptions): Worker {
  const js = new URL('./media-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) {
    return new Worker(js, options);
  }
  const entry = new URL('./media-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export class WorkerMediaEngine implements CallMediaEngine {
  private readonly workers: MediaWorkerHandle[] = [];
  private readonly subscriptions = new Map<number, ForkSubscription>();
  private nextRequest = 1;
  private nextSession = 1;
  private nextSubscription = 1;
  private closed = false;

  constructor(private readonly options: WorkerMediaEngineOptions) {
    const count = options.workers;
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`media workers must be a positive integer, got ${count}`);
    }
    // Even-aligned shares of the port range, one per worker (RTP even, RTCP odd: RFC 3550 §11).
    const span = options.rtpPortMax - options.rtpPortMin + 1;
    const share = Math.floor(span / count / 2) * 2;
    if (share < 2) {
      throw new RangeError(
        `RTP port range ${options.rtpPortMin}-${options.rtpPortMax} is too small for ${count} workers`,
      );
    }
    for (let index = 0; index < count; index++) {
      const min = options.rtpPortMin + index * share;
      const max = index === count - 1 ? options.rtpPortMax : min + share - 1;
      const data: MediaWorkerData = {
        index,
        bindAddress: options.bindAddress,
        rtpPortMin: min,
        rtpPortMax: max,
        promptsDirectory: options.promptsDirectory,
        endpointer: options.endpointer,
        jitterDepthMs: options.jitterDepthMs,
        pollSockets: options.pollSockets,
        ioUring: options.ioUring,
        gcAfterSend: options.gcAfterSend,
        schedulerPhaseMs: (index * FRAME_MS) / count,
        schedulerSpinMs: options.schedulerSpinMs,
        recordingDirectory: options.recordingDirectory,
        tts: options.synthesizer !== undefined,
        threadPriority: options.threadPriority,
      };
      const worker = startWorker({
        workerData: data,
        name: `media-${index}`,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      const handle = new MediaWorkerHandle(index, worker);
      worker.on('message', (message: FromWorker) => this.onMessage(handle, message));
      worker.on('error', (err) => this.onWorkerGone(handle, err));
      worker.on('exit', (code) => this.onWorkerGone(handle, new Error(`exited with code ${code}`)));
      this.workers.push(handle);
    }
  }

  async reservePort(rtcpMux = false): Promise<MediaPortLease> {
    const handle = this.leastLoaded();
    handle.reserved++;
    let reply: FromWorker;
    try {
      reply = await this.request(handle, (requestId) => ({ type: 'reserve', requestId, rtcpMux }));
    } catch (err) {
      handle.reserved--;
      throw err;
    }
    if (reply.type !== 'reserved') {
      handle.reserved--;
      throw new AigError('AIG_ERR_MEDIA_WORKER', `unexpected ${reply.type} reply`);
    }
    const { leaseId, port } = reply;
    let released = false;
    return new WorkerPortLease(port, leaseId, handle, () => {
      if (!released) {
        released = true;
        handle.reserved--;
        handle.send({ type: 'release', leaseId });
      }
    });
  }

  async openSession(lease: MediaPortLease, params: MediaSessionParameters): Promise<CallMediaSession> {
    if (!(lease instanceof WorkerPortLease)) {
      throw new TypeError('openSession needs a lease from this engine’s reservePort');
    }
    const handle = lease.handle;
    const sessionId = this.nextSession++;
    lease.consume();
    const session = new RemoteMediaSession(
      sessionId,
      params,
      (message) => handle.send(message),
      (subscription) => {
        const id = this.nextSubscription++;
        this.subscriptions.set(id, subscription);
        return id;
      },
      (id) => this.subscriptions.delete(id),
    );
    handle.sessions.set(sessionId, session);
    session.once('closed', () => handle.sessions.delete(sessionId));
    try {
      await this.request(handle, (requestId) => ({
        type: 'open',
        requestId,
        leaseId: lease.leaseId,
        sessionId,
        params,
      }));
    } catch (err) {
      handle.sessions.delete(sessionId);
      throw err;
    }
    return session;
  }

  get activeSessions(): number {
    return this.workers.reduce((sum, w) => sum + w.sessions.size, 0);
  }

  /** Sessions per worker, for the ops API and the benchmark. */
  stats(): { sessions: number; workers: { sessions: number; alive: boolean }[] } {
    return {
      sessions: this.activeSessions,
      workers: this.workers.map((w) => ({ sessions: w.sessions.size, alive: w.alive })),
    };
  }

  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const handle of this.workers) {
      for (const session of handle.sessions.values()) {
        session.close('shutdown');
      }
      // Let the close commands (and their RTCP BYEs) go out before the threads stop.
      setTimeout(() => void handle.worker.terminate(), 200).unref();
    }
  }

  private leastLoaded(): MediaWorkerHandle {
    let best: MediaWorkerHandle | undefined;
    for (const handle of this.workers) {
      if (handle.alive && (best === undefined || handle.load < best.load)) {
        best = handle;
      }
    }
    if (best === undefined || this.closed) {
      throw new AigError('AIG_ERR_MEDIA_WORKER', 'no media worker is running');
    }
    return best;
  }

  private request(handle: MediaWorkerHandle, build: (requestId: number) => ToWorker): Promise<FromWorker> {
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      if (!handle.alive) {
        reject(new AigError('AIG_ERR_MEDIA_WORKER', `media worker ${handle.index} is gone`));
        return;
      }
      handle.pending.set(requestId, { resolve, reject });
      handle.send(build(requestId));
    });
  }

  private onMessage(handle: MediaWorkerHandle, message: FromWorker): void {
    switch (message.type) {
      case 'reserved':
      case 'opened':
      case 'failed': {
        const pending = handle.pending.get(message.requestId);
        handle.pending.delete(message.requestId);
        if (message.type === 'failed') {
          pending?.reject(toError(message.error));
        } else {
          pending?.resolve(message);
        }
        return;
      }
      case 'event':
        handle.sessions.get(message.sessionId)?.deliver(message.event);
        return;
      case 'frame':
        this.subscriptions.get(message.subscriptionId)?.enqueue(message.frame);
        return;
      case 'subscription-ended':
        this.subscriptions.get(message.subscriptionId)?.finish();
        this.subscriptions.delete(message.subscriptionId);
        return;
      case 'stats':
        for (const [sessionId, stats] of message.sessions) {
          handle.sessions.get(sessionId)?.updateStats(stats);
        }
        return;
      case 'tts':
        void this.synthesize(handle, message);
        return;
      case 'log':
        this.options.logger?.[message.level](message.obj, message.msg);
        return;
      case 'ready':
        return;
    }
  }

  private async synthesize(
    handle: MediaWorkerHandle,
    message: Extract<FromWorker, { type: 'tts' }>,
  ): Promise<void> {
    const { requestId } = message;
    try {
      const synthesizer = this.options.synthesizer;
      if (synthesizer === undefined) {
        throw new AigError('AIG_ERR_TTS_UNAVAILABLE');
      }
      const pcm = await synthesizer.synthesize(message.text, {
        language: message.language,
        ...(message.voice === undefined ? {} : { voice: message.voice }),
      });
      handle.send({ type: 'tts-result', requestId, pcm });
    } catch (err) {
      handle.send({ type: 'tts-result', requestId, error: serializeError(err) });
    }
  }

  private onWorkerGone(handle: MediaWorkerHandle, err: Error): void {
    if (!handle.alive) {
      return;
    }
    handle.alive = false;
    if (!this.closed) {
      this.options.logger?.error(
        { err, mediaWorker: handle.index },
        'media worker stopped: its calls lost their media',
      );
    }
    for (const pending of handle.pending.values()) {
      pending.reject(new AigError('AIG_ERR_MEDIA_WORKER', `media worker ${handle.index} stopped`));
    }
    handle.pending.clear();
    for (const session of [...handle.sessions.values()]) {
      session.abandon();
    }
    handle.sessions.clear();
  }
}

/** A port reserved in one worker; the session must open in that worker (its sockets live there). */
class WorkerPortLease implements MediaPortLease {
  private consumed = false;

  constructor(
    readonly port: number,
    readonly leaseId: number,
    readonly handle: MediaWorkerHandle,
    private readonly onRelease: () => void,
  ) {}

  /** The session took the port over (the worker's session releases it on close). */
  consume(): void {
    if (!this.consumed) {
      this.consumed = true;
      this.handle.reserved--;
    }
  }

  release(): void {
    if (!this.consumed) {
      this.consumed = true;
      this.onRelease();
    }
  }
}
