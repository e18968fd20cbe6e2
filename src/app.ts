/**
 * `buildApp(config)`: wires the embedded SIP engine (or nothing, with an external drachtio-server), the
 * drachtio-srf application, overload detection and the ops HTTP server. Tests start this; `main.ts` adds the
 * process concerns (signals, exit).
 */
import type { Logger } from 'pino';
import type { AiguilleurConfig } from './config/config-types.js';
import { resolveWireSecret } from './config/wire-secret.js';
import { packageRoot, packageVersion } from './config/package-info.js';
import { AigError } from './errors/aig-error.js';
import { OverloadMonitor } from './shared/overload-monitor.js';
import { SipEngine, type SipEngineAddresses } from './sip/engine/sip-engine.js';
import { connectSrf } from './sip/call/srf-connection.js';
import { createSipApp } from './sip/call/sip-app.js';
import type { CallMediaProvider, SipApp } from './sip/call/sip-app-types.js';
import { MediaEngine } from './media/media-engine.js';
import { applyMediaThreadPriority } from './media/media-thread-priority.js';
import type { CallMediaEngine, CallMediaSession } from './media/media-session-types.js';
import { WorkerMediaEngine } from './media/worker/worker-media-engine.js';
import { runKeypadEchoDemo } from './conversation/keypad-echo-demo.js';
import { EspeakTtsProvider } from './speech/tts/espeak-tts-provider.js';
import { CachingTtsProvider } from './speech/tts/tts-cache.js';
import { join, resolve } from 'node:path';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { ConversationLanguage } from './config/config-types.js';
import type { CallControl } from './sip/call/sip-app-types.js';
import { LiveCallPort } from './conversation/live/live-call-port.js';
import type { ListenResult } from './conversation/listen-turn.js';
import { FlowRegistry } from './conversation/flow/flow-registry.js';
import type { LoadedFlow } from './conversation/flow/flow-types.js';
import { runFlow, type FlowRunResult } from './conversation/runtime/flow-runtime.js';
import type { ChainSession } from './speech/recognition/recognizer-chain.js';
import { startSpeechRecognizers, type SpeechRecognizers } from './speech/recognition/speech-recognizers.js';
import { RedisCallTimeline } from './store/redis-call-timeline.js';
import { startPrivateRedisServer, type PrivateRedisServer } from './store/private-redis-server.js';
import { startHttpServer, type RunningHttpServer } from './api/http-server.js';
import { resolveApiToken } from './config/wire-secret.js';
import { AppRouting } from './app-routing.js';
import { loadTransferTargets } from './routing/static-targets.js';
import { CallRecorder } from './app-call-records.js';
import {
  startCallbackDialing,
  type CallSessionStarter,
  type RunningCallbackDialing,
} from './app-callbacks.js';
import type { FlowRouting } from './conversation/runtime/flow-routing.js';

/** What the app reports about conversations (tests, the ops live view). */
export interface AppEvents {
  listen: [{ callId: string; language: ConversationLanguage; result: ListenResult }];
  'conversation-ended': [{ callId: string; number: string; result: FlowRunResult }];
}

/** A dialled number bound to this flow id runs the media issue's keypad demo (a media test line). */
export const KEYPAD_ECHO_FLOW = 'keypad-echo';

export interface App {
  start(): Promise<void>;
  readonly events: EventEmitter<AppEvents>;
  /**
   * SIGHUP: reloads the groups file and the flows from disk (an invalid file never replaces a good one) and reopens
   * the call records file (after logrotate moved it).
   */
  reloadFlows(): Promise<void>;
  /** New INVITEs get 503 + Retry-After from now on; live calls continue. */
  drain(): void;
  activeCalls(): number;
  /** Hangs up what is left, closes everything. */
  stop(): Promise<void>;
  /** Where things listen once started (ports resolved when the config asked for 0). */
  readonly addresses:
    { sip: SipEngineAddresses['sip']; wire: { address: string; port: number }; http: number } | undefined;
  /** The engine's counters (embedded engine only). */
  engineStats(): ReturnType<SipEngine['stats']> | undefined;
}

export function buildApp(config: AiguilleurConfig, logger: Logger): Promise<App> {
  return Promise.resolve(new AiguilleurApp(config, logger));
}

class AiguilleurApp implements App {
  private engine: SipEngine | undefined;
  private srf: Awaited<ReturnType<typeof connectSrf>> | undefined;
  private sipApp: SipApp | undefined;
  private http: RunningHttpServer | undefined;
  private readonly overload: OverloadMonitor;
  private media: CallMediaEngine | undefined;
  private speech: SpeechRecognizers | undefined;
  private flows: FlowRegistry | undefined;
  private synthesizer: CachingTtsProvider | undefined;
  /** Set by `stop()`: work cut short by it (a pre-synthesis) is not reported as failed. */
  private stopping = false;
  private redis: Redis | undefined;
  private privateRedis: PrivateRedisServer | undefined;
  private routing: AppRouting | undefined;
  private staticTargets: Readonly<Record<string, { uri: string; label: string }>> = {};
  private records: CallRecorder | undefined;
  private dialing: RunningCallbackDialing | undefined;
  readonly events = new EventEmitter<AppEvents>();
  addresses: App['addresses'];

  constructor(
    private readonly config: AiguilleurConfig,
    private readonly logger: Logger,
  ) {
    this.overload = new OverloadMonitor({ thresholdMs: config.calls.eventLoopDelayMs });
  }

  async start(): Promise<void> {
    try {
      await this.startParts();
    } catch (err) {
      // A start that fails half-way (an invalid groups file, a port in use) must not leave children behind: `main`
      // exits at once, and the private redis-server started before the failure would run on as an orphan.
      await this.stop().catch((stopErr: unknown) =>
        this.logger.warn({ err: stopErr }, 'cleanup after a failed start did not finish'),
      );
      throw err;
    }
  }

  private async startParts(): Promise<void> {
    const { config, logger } = this;
    let wireTarget: { host: string; port: number; secret: string };
    let sip: SipEngineAddresses['sip'] = [];
    if (config.sip.engine === 'embedded') {
      const secret = await resolveWireSecret(config);
      this.engine = new SipEngine({
        sip: {
          host: config.sip.host,
          port: config.sip.port,
          transports: [...config.sip.transports],
          externalAddress: config.sip.externalAddress,
          timers: { ...config.sip.timers },
          maxMessageSize: config.sip.maxMessageSize,
          udpReceiveBufferBytes: config.sip.udpReceiveBufferBytes,
          tcpIdleTimeoutMs: config.sip.tcpIdleTimeoutMs,
          userAgent: config.sip.userAgent,
        },
        wire: {
          host: config.sip.wire.host,
          port: config.sip.wire.port,
          secret,
          maxFrameBytes: config.sip.wire.maxFrameBytes,
        },
        protection: {
          acl: [...config.sip.protection.acl],
          rateLimit: { ...config.sip.protection.rateLimit },
          scannerUserAgents: [...config.sip.protection.scannerUserAgents],
        },
        logger: logger.child({ component: 'sip-engine' }),
      });
      const bound = await this.engine.start();
      sip = bound.sip;
      wireTarget = { host: bound.wire.address, port: bound.wire.port, secret };
    } else {
      const { host, port, secret } = config.sip.drachtio;
      if (secret === null) {
        throw new AigError(
          'AIG_ERR_CONFIG_INVALID',
          'sip.drachtio.secret is required when sip.engine is external',
        );
      }
      wireTarget = { host, port, secret };
    }
    this.media = config.media.enabled ? await this.startMedia() : undefined;
    if (this.media !== undefined) {
      await this.startConversations();
    }
    this.srf = await connectSrf(wireTarget, { logger });
    const mediaAddress =
      config.sip.externalAddress ?? (config.sip.host === '0.0.0.0' ? '127.0.0.1' : config.sip.host);
    this.sipApp = createSipApp(
      this.srf,
      {
        numbers: config.numbers,
        codecs: [...config.media.codecs],
        ptime: config.media.ptime,
        telephoneEvent: config.media.telephoneEvent,
        mediaAddress,
        rtpPortMin: config.media.rtpPortMin,
        rtpPortMax: config.media.rtpPortMax,
        maxConcurrent: config.calls.maxConcurrent,
        maxDurationSeconds: config.calls.maxDurationSeconds,
        retryAfterSeconds: config.calls.retryAfterSeconds,
        userAgent: config.sip.userAgent,
      },
      logger,
      {
        isOverloaded: () => this.overload.isOverloaded(),
        ...(this.media === undefined ? {} : { media: this.mediaProvider(this.media) }),
        onCallEnded: (summary) => this.records?.callEnded(summary),
        onBridgeEnded: (end) =>
          void this.routing?.router.recordHandoverEnded(end.groupId, end.callId, end.handlingSeconds),
      },
      { gatewayUri: config.callbacks.gateway },
    );
    const media = this.media;
    if (this.routing?.callbacks !== undefined && media !== undefined && this.flows !== undefined) {
      this.dialing = startCallbackDialing({
        config,
        routing: this.routing,
        callbacks: this.routing.callbacks,
        sipApp: this.sipApp,
        flows: this.flows,
        records: this.records,
        logger,
        mediaFor: (onStart) => this.mediaProviderFor(media, onStart),
        recognitionFor: (language, callId) => this.recognitionSession(language, callId),
      });
    }
    const routing = this.routing;
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      version: packageVersion(),
      logger,
      ...(routing === undefined
        ? {}
        : { routing: { api: routing.opsApi(), token: await resolveApiToken(config) } }),
      health: () => ({
        accepting: this.sipApp !== undefined && !this.sipApp.draining,
        activeCalls: this.activeCalls(),
        details: {
          engine: this.engine?.stats() ?? 'external',
          eventLoopDelayMs: this.overload.lastDelayMs(),
        },
      }),
    });
    this.http = http;
    this.addresses = { sip, wire: { address: wireTarget.host, port: wireTarget.port }, http: http.port };
    // Measured from here: the start's own work is not load, and a window that saw it would refuse the first calls of
    // a fresh process for up to a second.
    this.overload.start();
  }

  drain(): void {
    this.sipApp?.drain();
  }

  /**
   * Synthesizes a flow's static prompts (no `{{variable}}`) into the TTS cache right after it loads, so no caller
   * waits for a synthesis of a fixed sentence (turn latency: final result → first packet of the next prompt).
   */
  private async presynthesize(flow: LoadedFlow, log: Logger): Promise<void> {
    const synthesizer = this.synthesizer;
    if (synthesizer === undefined) {
      return;
    }
    const started = performance.now();
    let count = 0;
    for (const [language, prompts] of Object.entries(flow.prompts)) {
      for (const text of Object.values(prompts ?? {})) {
        if (text.includes('{{') || text.trim() === '') {
          continue;
        }
        try {
          await synthesizer.synthesize(text, { language });
          count++;
        } catch (err) {
          if (!this.stopping) {
            log.warn({ err, flow: flow.id, language }, 'prompt pre-synthesis failed');
          }
          return;
        }
      }
    }
    log.info(
      { flow: flow.id, prompts: count, ms: Math.round(performance.now() - started) },
      'flow prompts synthesized',
    );
  }

  async reloadFlows(): Promise<void> {
    await this.routing?.registry.reload();
    await this.flows?.reload();
    await this.routing?.records.reopen();
  }

  /** Recognizers, Redis, routing, flows and call records: what conversations need besides media. */
  private async startConversations(): Promise<void> {
    const { config, logger } = this;
    const log = logger.child({ component: 'conversation' });
    const needsFlows = Object.values(config.numbers).some(
      (n) => (n.flow ?? config.flows.default) !== KEYPAD_ECHO_FLOW,
    );
    if (!needsFlows) {
      return; // only media test lines: no recognizer, flow or store to start
    }
    this.speech = await startSpeechRecognizers(config, logger, {
      workDirectory: join(resolve(config.dataDir), 'speech'),
    });
    await this.startRedis(log);
    let targets: Readonly<Record<string, { uri: string; label: string }>>;
    if (this.redis !== undefined) {
      this.routing = await AppRouting.start(config, this.redis, logger);
      this.records = new CallRecorder(this.routing, logger);
      targets = this.routing.staticTargets();
    } else {
      // No Redis: no load, callbacks nor records; transfers go to each group's first URI.
      targets = await loadTransferTargets(config);
      log.warn({}, 'no Redis: routing without load figures, no callbacks, no call records');
    }
    this.staticTargets = targets;
    this.flows = new FlowRegistry({
      directory: resolve(config.flows.directory ?? join(packageRoot(), 'flows')),
      groups: targets,
      variables: config.flows.variables,
      watch: config.flows.watch,
    });
    this.flows.on('loaded', (r) => {
      log.info(
        { flow: r.flowId, version: r.flow.version, previous: r.previousVersion, trigger: r.trigger },
        'flow loaded',
      );
      void this.presynthesize(r.flow, log);
    });
    this.flows.on('rejected', (r) =>
      log.error(
        {
          flow: r.flowId,
          kept: r.keptVersion,
          trigger: r.trigger,
          problems: r.problems.map(
            (p) => `${p.file}:${p.line ?? '-'}:${p.column ?? '-'} ${p.statePath ?? ''} ${p.message}`,
          ),
        },
        'flow rejected',
      ),
    );
    await this.flows.start();
  }

  private async startRedis(log: Logger): Promise<void> {
    const { config } = this;
    let url = config.redis.url;
    if (url === null) {
      try {
        this.privateRedis = await startPrivateRedisServer({
          directory: join(resolve(config.dataDir), 'redis'),
        });
        url = this.privateRedis.url;
        log.info(
          { port: this.privateRedis.port },
          'private redis-server started (set redis.url to share one)',
        );
      } catch (err) {
        log.warn({ err }, 'no Redis: call timelines are not kept');
      }
    }
    if (url !== null) {
      this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true });
      this.redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
    }
  }

  activeCalls(): number {
    return this.sipApp?.activeCalls().length ?? 0;
  }

  engineStats(): ReturnType<SipEngine['stats']> | undefined {
    return this.engine?.stats();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.sipApp?.drain();
    await this.dialing?.stop();
    await this.sipApp?.hangupAll();
    await this.records?.flush();
    await this.routing?.close();
    this.overload.stop();
    this.media?.close();
    this.flows?.close();
    // The espeak engine behind the cache owns a helper process.
    await this.synthesizer?.close();
    await this.speech?.close();
    this.redis?.disconnect();
    await this.privateRedis?.stop();
    await this.http?.close();
    this.srf?.disconnect();
    await this.engine?.stop();
  }

  private async startMedia(): Promise<CallMediaEngine> {
    const { config, logger } = this;
    const log = logger.child({ component: 'media' });
    let synthesizer: CachingTtsProvider | undefined;
    try {
      synthesizer = new CachingTtsProvider(await EspeakTtsProvider.create({}), {
        directory: join(resolve(config.dataDir), 'tts-cache'),
        onDiskError: (err) => log.warn({ err }, 'TTS disk cache unavailable'),
      });
      this.synthesizer = synthesizer;
    } catch (err) {
      log.warn({ err }, 'no TTS engine: dynamic text cannot be spoken (install espeak-ng)');
    }
    const options = {
      bindAddress: config.sip.host,
      rtpPortMin: config.media.rtpPortMin,
      rtpPortMax: config.media.rtpPortMax,
      promptsDirectory: resolve(config.media.promptsDirectory ?? join(packageRoot(), 'prompts')),
      ...(synthesizer === undefined ? {} : { synthesizer }),
      endpointer: { ...config.media.endpointing },
      jitterDepthMs: config.media.jitterDepthMs,
      pollSockets: config.media.pollSockets,
      ioUring: config.media.ioUring,
      gcAfterSend: config.media.gcAfterSend,
      schedulerSpinMs: config.media.schedulerSpinMs,
      recordingDirectory: config.media.recordingDirectory,
      logger: log,
    };
    const threadPriority = { nice: config.media.threadNice, realtime: config.media.realtimePriority };
    let realtime = false;
    if (config.media.workers === 0) {
      // In-process media: the main thread is the media thread (Linux applies this to the calling thread).
      const result = applyMediaThreadPriority(threadPriority);
      realtime = result.realtime;
      if (!result.applied) {
        log.warn({ reason: result.reason, asked: threadPriority }, 'media thread priority not raised');
      } else if (result.priority !== 'inherited') {
        log.info({ priority: result.priority }, 'media thread priority');
      }
    }
    return config.media.workers > 0
      ? new WorkerMediaEngine({ ...options, workers: config.media.workers, threadPriority })
      : new MediaEngine({ ...options, schedulerSleep: realtime });
  }

  /**
   * The conversation of an answered call: the flow bound to the dialled number runs on a live call port (media,
   * recognizers, SIP transfer) with the call's routing. A flow that is not loaded (invalid at start) still never
   * loses the caller: the call goes to the flow's fallback group (`general`).
   */
  startConversation(
    call: {
      callId: string;
      number: string;
      service: { language: ConversationLanguage };
      callerNumber?: string | null | undefined;
    },
    flowId: string,
    session: CallMediaSession,
    control: CallControl,
    log: Logger,
  ): void {
    const flow = this.flows?.get(flowId);
    const callerNumber = call.callerNumber ?? null;
    this.records?.callStarted({
      callId: call.callId,
      number: call.number,
      callerNumber,
      language: call.service.language,
      flowId,
      flowVersion: flow?.version ?? 'not-loaded',
    });
    if (flow === undefined) {
      log.error({ flow: flowId }, 'flow not loaded: transferring the caller to the general group');
      void this.fallbackTransfer(call, flowId, control, log);
      return;
    }
    const recognition = new Map<ConversationLanguage, ChainSession | undefined>();
    const recognitionFor = (language: ConversationLanguage): ChainSession | undefined => {
      if (!recognition.has(language)) {
        const chain =
          language === call.service.language
            ? this.speech?.chainForNumber(call.number)
            : this.speech?.chainForLanguage(language);
        recognition.set(language, chain?.openSession({ callId: call.callId }));
      }
      return recognition.get(language);
    };
    const port = new LiveCallPort({
      callId: call.callId,
      number: call.number,
      callerNumber,
      media: session,
      control,
      recognition: recognitionFor,
      onListen: (result, language) => {
        log.info(
          {
            language,
            kind: result.kind,
            ...(result.kind === 'speech'
              ? { provider: result.provider, latencyMs: result.latencyMs, confidence: result.confidence }
              : {}),
            ...(result.kind === 'error' ? { errorKind: result.error.kind, code: result.error.code } : {}),
          },
          'listen result',
        );
        this.records?.listened(call.callId, result);
        this.events.emit('listen', { callId: call.callId, language, result });
      },
    });
    const stored =
      this.redis === undefined ? undefined : new RedisCallTimeline(this.redis, call.callId, { logger: log });
    const timeline = this.records?.observeTimeline(call.callId, stored) ?? stored;
    const routing: FlowRouting | undefined = this.routing?.forCall({
      callId: call.callId,
      number: call.number,
      callerNumber,
    });
    void runFlow(flow, port, {
      groups: this.staticTargets,
      ...(routing === undefined ? {} : { routing }),
      language: call.service.language,
      variables: this.config.flows.variables[flowId] ?? {},
      ...(timeline === undefined ? {} : { timeline }),
      logger: log,
    }).then(async (result) => {
      log.info(
        {
          flow: result.flowId,
          flowVersion: result.flowVersion,
          outcome: result.outcome,
          target: result.target,
          intent: result.intent,
          turns: result.turns,
          reason: result.reason,
          callbackId: result.callbackId,
          durationMs: Math.round(result.durationMs),
        },
        'conversation ended',
      );
      this.records?.conversationEnded(call.callId, result);
      this.events.emit('conversation-ended', { callId: call.callId, number: call.number, result });
      await Promise.all([...recognition.values()].map((s) => s?.close() ?? Promise.resolve()));
      await timeline?.flush();
    });
  }

  /** No flow to run: the general group (and its overflow), else hang up. */
  private async fallbackTransfer(
    call: { callId: string; service: { language: ConversationLanguage } },
    flowId: string,
    control: CallControl,
    log: Logger,
  ): Promise<void> {
    const group = this.routing?.current.groups.get('general');
    const uris =
      group?.uris ?? (this.staticTargets.general === undefined ? [] : [this.staticTargets.general.uri]);
    if (uris.length === 0) {
      control.hangup();
      return;
    }
    const result = await control.transfer({
      groupId: 'general',
      uris,
      mode: group?.transfer.mode ?? 'refer',
      fallbackToBridge: group?.transfer.fallbackToBridge ?? true,
      timeoutMs: group?.transfer.timeoutMs ?? 32_000,
      context: {
        callId: call.callId,
        intent: null,
        confidence: null,
        priority: 0,
        priorityReasons: [],
        reasons: 'flow-unavailable',
        language: call.service.language,
        flowVersion: flowId,
        nirStatus: 'absent',
        nir: null,
      },
    });
    if (result.status === 'failed') {
      log.error({ reason: result.reason }, 'fallback transfer failed: hanging up');
      control.hangup();
    }
  }

  /** Media for each answered call: an RTP port for the SDP, then the session running the conversation. */
  private mediaProvider(media: CallMediaEngine): CallMediaProvider {
    return this.mediaProviderFor(media, (call, session, control, log) => {
      const flowId = this.config.numbers[call.number]?.flow ?? this.config.flows.default;
      if (flowId === KEYPAD_ECHO_FLOW) {
        runKeypadEchoDemo(session);
        return;
      }
      this.startConversation(call, flowId, session, control, log);
    });
  }

  /**
   * A media provider whose sessions, once the offer/answer is settled, are handed to `onStart` (the inbound
   * conversation, or a callback's). Ports come from the engine's range; the session's end is logged with its RTP
   * figures.
   */
  mediaProviderFor(media: CallMediaEngine, onStart: CallSessionStarter): CallMediaProvider {
    const numbers = this.config.numbers;
    const logger = this.logger.child({ component: 'media' });
    return {
      async reserve(call) {
        const log = logger.child({ callId: call.callId, number: call.number });
        const lease = await media.reservePort();
        const settings = numbers[call.number];
        let session: CallMediaSession | undefined;
        let closed = false;
        return {
          port: lease.port,
          async start(negotiated, control) {
            session = await media.openSession(lease, {
              callId: call.callId,
              codec: negotiated.codec.name,
              payloadType: negotiated.codec.payloadType,
              ...(negotiated.telephoneEvent === undefined
                ? {}
                : { telephoneEventPayloadType: negotiated.telephoneEvent.payloadType }),
              remote: negotiated.remote,
              language: call.service.language,
              inbandDtmf: settings?.inbandDtmf ?? false,
              record: settings?.record ?? false,
            });
            if (closed) {
              session.close('hangup');
              return;
            }
            session.on('closed', (stats) => {
              const { rtp } = stats;
              log.info(
                {
                  durationMs: Math.round(stats.durationMs),
                  bargeIns: stats.bargeIns,
                  dtmfCount: stats.dtmf,
                  forkDrops: stats.forkDrops,
                  rtp: {
                    packetsSent: rtp.packetsSent,
                    packetsReceived: rtp.packetsReceived,
                    lost: rtp.lost,
                    late: rtp.late,
                    jitterMs: rtp.jitterMs,
                    latched: rtp.latched,
                  },
                  recording: stats.recordingFile !== undefined,
                },
                'media closed',
              );
            });
            session.on('speech-detected', () => log.debug({}, 'caller speech detected'));
            onStart(call, session, control, log);
          },
          info: (contentType, body) => session?.receiveSipInfo(contentType, body) ?? false,
          close(reason) {
            if (closed) {
              return;
            }
            closed = true;
            if (session === undefined) {
              lease.release();
            } else {
              session.close(reason);
            }
          },
        };
      },
    };
  }

  /** The speech recognition of a callback call (the language of the original call). */
  recognitionSession(language: ConversationLanguage, callId: string): ChainSession | undefined {
    return this.speech?.chainForLanguage(language)?.openSession({ callId });
  }
}
