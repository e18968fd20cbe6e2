/**
 * `buildApp(config)`: wires the embedded SIP engine (or nothing, with an external drachtio-server), the
 * drachtio-srf application, overload detection and the ops HTTP server. Tests start this; `main.ts` adds the
 * process concerns (signals, exit).
 */
import type { Logger } from 'pino';
import type { AiguilleurConfig } from './config/config-types.js';
import { resolveWireSecret } from './config/wire-secret.js';
import { packageVersion } from './config/package-info.js';
import { AigError } from './errors/aig-error.js';
import { OverloadMonitor } from './shared/overload-monitor.js';
import { SipEngine, type SipEngineAddresses } from './sip/engine/sip-engine.js';
import { connectSrf } from './sip/call/srf-connection.js';
import { createSipApp } from './sip/call/sip-app.js';
import type { SipApp } from './sip/call/sip-app-types.js';
import { startHttpServer, type RunningHttpServer } from './api/http-server.js';

export interface App {
  start(): Promise<void>;
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
  addresses: App['addresses'];

  constructor(
    private readonly config: AiguilleurConfig,
    private readonly logger: Logger,
  ) {
    this.overload = new OverloadMonitor({ thresholdMs: config.calls.eventLoopDelayMs });
  }

  async start(): Promise<void> {
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
    this.srf = await connectSrf(wireTarget, { logger });
    this.overload.start();
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
      { isOverloaded: () => this.overload.isOverloaded() },
    );
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      version: packageVersion(),
      logger,
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
  }

  drain(): void {
    this.sipApp?.drain();
  }

  activeCalls(): number {
    return this.sipApp?.activeCalls().length ?? 0;
  }

  engineStats(): ReturnType<SipEngine['stats']> | undefined {
    return this.engine?.stats();
  }

  async stop(): Promise<void> {
    this.sipApp?.drain();
    await this.sipApp?.hangupAll();
    this.overload.stop();
    await this.http?.close();
    this.srf?.disconnect();
    await this.engine?.stop();
  }
}
