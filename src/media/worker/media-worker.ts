/**
 * Entry point of a media worker thread (`media.workers` > 0): a whole `MediaEngine` — its own 20 ms scheduler,
 * RTP sockets on its share of the port range, prompt cache, VAD — serving the sessions the main thread opens here.
 *
 * Why threads: one event loop carries about 500 full-duplex calls with a p99 send jitter under 5 ms; past that
 * the 20 ms ticks of all calls, the packets and the VAD no longer fit between two deadlines. A worker has its own
 * event loop and its own core when the machine has one free, and a busy main thread (SIP, flows, recognizers)
 * no longer delays the media. Sockets cannot move between threads, so ports are reserved here as well.
 *
 * The main thread's `RemoteMediaSession` mirrors each session: commands come in as messages, events, stats and the
 * audio frames of the recognizer subscriptions go back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { MediaEngine } from '../media-engine.js';
import { applyMediaThreadPriority } from '../media-thread-priority.js';
import type { MediaSession } from '../media-session.js';
import type { MediaLogger } from '../media-session-types.js';
import type { RtpPortLease } from '../rtp/rtp-port-pool.js';
import type { ForkSubscription } from '../fork/fork-subscription.js';
import type { Playback, SpeechSynthesizer } from '../playback/prompt-player-types.js';
import {
  serializeError,
  type FromWorker,
  type MediaWorkerData,
  type SerializedPlaybackResult,
  type SessionEvent,
  type ToWorker,
} from './media-worker-protocol.js';
import type { PlaybackResult } from '../playback/prompt-player-types.js';
import { StatsRotation } from './stats-rotation.js';

/**
 * How often every session's figures go to the main thread (its `stats()` is a snapshot this old at most; `closed`
 * carries the final ones). Every 2 s, the snapshots were a tenth of a worker's garbage at 500 calls (5.8 of 46 MB in
 * 5 s, sampling heap profiler), for figures nothing reads mid-call but the API's live view.
 */
const STATS_INTERVAL_MS = 10_000;
/** Posts per `STATS_INTERVAL_MS`, each with a share of the sessions (see stats-rotation.ts). */
const STATS_SLICES = 20;

const port = parentPort;
if (port === null) {
  throw new Error('media-worker.ts runs as a worker thread');
}
const data = workerData as MediaWorkerData;

function post(message: FromWorker): void {
  port!.postMessage(message);
}

const logger: MediaLogger = {
  debug: (obj, msg) =>
    post({ type: 'log', level: 'debug', obj: loggable(obj), ...(msg === undefined ? {} : { msg }) }),
  info: (obj, msg) =>
    post({ type: 'log', level: 'info', obj: loggable(obj), ...(msg === undefined ? {} : { msg }) }),
  warn: (obj, msg) =>
    post({ type: 'log', level: 'warn', obj: loggable(obj), ...(msg === undefined ? {} : { msg }) }),
  error: (obj, msg) =>
    post({ type: 'log', level: 'error', obj: loggable(obj), ...(msg === undefined ? {} : { msg }) }),
};

/** Log fields as plain data: an Error becomes its code and message. */
function loggable(obj: object): object {
  const out: Record<string, unknown> = { mediaWorker: data.index };
  for (const [key, value] of Object.entries(obj)) {
    out[key] = value instanceof Error ? serializeError(value) : value;
  }
  return out;
}

const priority = applyMediaThreadPriority(data.threadPriority);
if (!priority.applied) {
  logger.warn({ reason: priority.reason, asked: data.threadPriority }, 'media thread priority not raised');
} else if (priority.priority !== 'inherited') {
  logger.info({ priority: priority.priority }, 'media thread priority');
}

/** TTS through the main thread's synthesizer (it is not clonable, and its cache is best shared). */
const ttsWaiters = new Map<number, { resolve: (pcm: Int16Array) => void; reject: (e: Error) => void }>();
let nextTtsRequest = 1;
const synthesizer: SpeechSynthesizer = {
  synthesize(text, options) {
    const requestId = nextTtsRequest++;
    return new Promise((resolve, reject) => {
      ttsWaiters.set(requestId, { resolve, reject });
      post({
        type: 'tts',
        requestId,
        text,
        language: options.language,
        ...(options.voice === undefined ? {} : { voice: options.voice }),
      });
    });
  },
};

const engine = new MediaEngine({
  bindAddress: data.bindAddress,
  rtpPortMin: data.rtpPortMin,
  rtpPortMax: data.rtpPortMax,
  promptsDirectory: data.promptsDirectory,
  recordingDirectory: data.recordingDirectory,
  ...(data.tts ? { synthesizer } : {}),
  ...(data.endpointer === undefined ? {} : { endpointer: data.endpointer }),
  ...(data.jitterDepthMs === undefined ? {} : { jitterDepthMs: data.jitterDepthMs }),
  ...(data.pollSockets === undefined ? {} : { pollSockets: data.pollSockets }),
  ...(data.ioUring === undefined ? {} : { ioUring: data.ioUring }),
  ...(data.gcAfterSend === undefined ? {} : { gcAfterSend: data.gcAfterSend }),
  ...(data.schedulerSpinMs === undefined ? {} : { schedulerSpinMs: data.schedulerSpinMs }),
  schedulerPhaseMs: data.schedulerPhaseMs,
  schedulerSleep: priority.realtime,
  logger,
});

const leases = new Map<number, RtpPortLease>();
let nextLease = 1;

interface WorkerSession {
  readonly session: MediaSession;
  /** Worker-side playback → the main thread's id for it. */
  readonly playbackIds: Map<Playback, number>;
  readonly subscriptions: Map<number, ForkSubscription>;
}
const sessions = new Map<number, WorkerSession>();

function serializeResult(result: PlaybackResult): SerializedPlaybackResult {
  return {
    status: result.status,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    positionMs: result.positionMs,
    errors: result.errors.map(serializeError),
  };
}

function emit(sessionId: number, event: SessionEvent): void {
  post({ type: 'event', sessionId, event });
}

function attach(sessionId: number, session: MediaSession): void {
  const entry: WorkerSession = { session, playbackIds: new Map(), subscriptions: new Map() };
  sessions.set(sessionId, entry);
  const idOf = (playback: Playback): number => entry.playbackIds.get(playback) ?? -1;
  session.on('dtmf', (event) => emit(sessionId, { name: 'dtmf', event }));
  session.on('speech-detected', (atMs) => emit(sessionId, { name: 'speech-detected', atMs }));
  session.on('turn', (event) => emit(sessionId, { name: 'turn', event }));
  session.on('playback-started', (e) =>
    emit(sessionId, { name: 'playback-started', playbackId: idOf(e.playback), itemIndex: e.itemIndex }),
  );
  session.on('playback-finished', (e) => {
    emit(sessionId, {
      name: 'playback-finished',
      playbackId: idOf(e.playback),
      result: serializeResult(e.result),
    });
    entry.playbackIds.delete(e.playback);
  });
  session.on('playback-interrupted', (e) => {
    emit(sessionId, {
      name: 'playback-interrupted',
      playbackId: idOf(e.playback),
      result: serializeResult(e.result),
      itemIndex: e.itemIndex,
      itemPositionMs: e.itemPositionMs,
    });
    entry.playbackIds.delete(e.playback);
  });
  session.on('playback-error', (e) =>
    emit(sessionId, {
      name: 'playback-error',
      playbackId: idOf(e.playback),
      itemIndex: e.itemIndex,
      error: serializeError(e.error),
    }),
  );
  session.once('closed', (stats) => {
    sessions.delete(sessionId);
    emit(sessionId, { name: 'closed', stats });
  });
}

/** Forwards a subscription's frames; each is copied by `postMessage` (fork frames are shared, never moved). */
async function forward(subscriptionId: number, subscription: ForkSubscription): Promise<void> {
  for await (const frame of subscription) {
    post({ type: 'frame', subscriptionId, frame });
  }
  post({ type: 'subscription-ended', subscriptionId });
}

async function open(message: Extract<ToWorker, { type: 'open' }>): Promise<void> {
  const lease = leases.get(message.leaseId);
  if (lease === undefined) {
    post({
      type: 'failed',
      requestId: message.requestId,
      error: { code: undefined, message: 'unknown RTP lease' },
    });
    return;
  }
  leases.delete(message.leaseId);
  try {
    const session = await engine.openSession(lease, message.params);
    attach(message.sessionId, session);
    post({ type: 'opened', requestId: message.requestId });
  } catch (err) {
    lease.release();
    post({ type: 'failed', requestId: message.requestId, error: serializeError(err) });
  }
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case 'reserve':
      engine.reservePort(message.rtcpMux).then(
        (lease) => {
          const leaseId = nextLease++;
          leases.set(leaseId, lease);
          post({ type: 'reserved', requestId: message.requestId, leaseId, port: lease.port });
        },
        (err: unknown) => post({ type: 'failed', requestId: message.requestId, error: serializeError(err) }),
      );
      return;
    case 'release':
      leases.get(message.leaseId)?.release();
      leases.delete(message.leaseId);
      return;
    case 'open':
      void open(message);
      return;
    case 'tts-result': {
      const waiter = ttsWaiters.get(message.requestId);
      ttsWaiters.delete(message.requestId);
      if (message.pcm !== undefined) {
        waiter?.resolve(message.pcm);
      } else {
        const { code, message: text } = message.error ?? { code: undefined, message: 'TTS failed' };
        const error =
          code === undefined
            ? new Error(text)
            : Object.assign(new AigError(code as ErrorCode), { message: text });
        waiter?.reject(error);
      }
      return;
    }
    default:
      sessionCommand(message);
  }
}

function sessionCommand(
  message: Exclude<ToWorker, { type: 'reserve' | 'release' | 'open' | 'tts-result' }>,
): void {
  const entry = sessions.get(message.sessionId);
  if (entry === undefined) {
    return; // closed meanwhile
  }
  const { session } = entry;
  switch (message.type) {
    case 'play': {
      const playback = session.play(message.items, message.options);
      entry.playbackIds.set(playback, message.playbackId);
      return;
    }
    case 'stop-playback':
      session.stopPlayback(message.reason);
      return;
    case 'start-turn':
      session.startTurn(message.options);
      return;
    case 'arm-no-input':
      session.armNoInputTimer();
      return;
    case 'stop-turn':
      session.stopTurn();
      return;
    case 'subscribe': {
      const subscription = session.subscribeAudio(message.options);
      entry.subscriptions.set(message.subscriptionId, subscription);
      void forward(message.subscriptionId, subscription).finally(() =>
        entry.subscriptions.delete(message.subscriptionId),
      );
      return;
    }
    case 'unsubscribe':
      entry.subscriptions.get(message.subscriptionId)?.unsubscribe();
      return;
    case 'sip-info':
      session.receiveSipInfo(message.contentType, message.body);
      return;
    case 'send-dtmf':
      try {
        session.sendDtmf(message.digits);
      } catch (err) {
        logger.warn({ err, callId: session.callId }, 'DTMF not sent');
      }
      return;
    case 'close':
      session.close(message.reason);
      return;
  }
}

port.on('message', (message: ToWorker) => {
  try {
    handle(message);
  } catch (err) {
    logger.error({ err, type: message.type }, 'media worker command failed');
  }
});

const statsRotation = new StatsRotation<number>(STATS_SLICES);
const statsTimer = setInterval(() => {
  const slice = statsRotation.nextSlice(
    () => sessions.keys(),
    (id) => sessions.has(id),
  );
  if (slice.length > 0) {
    post({ type: 'stats', sessions: slice.map((id) => [id, sessions.get(id)!.session.stats()]) });
  }
}, STATS_INTERVAL_MS / STATS_SLICES);
statsTimer.unref();

post({ type: 'ready' });
