/** Public options and logger contract of the embedded SIP engine (no config or pino import: pure protocol layer). */
import type { Clock } from '../../../shared/clock.js';
import type { TimerSettings } from '../transaction/transaction-types.js';
import type { TransportProtocol } from '../transport/transport-types.js';

/** The subset of a pino logger the engine uses. */
export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SipEngineOptions {
  sip: {
    /** @default '127.0.0.1' */
    host: string;
    /** @default 5060 (0 = any free port) */
    port: number;
    /** @default ['udp','tcp'] */
    transports: TransportProtocol[];
    /** Address advertised in Via/Contact instead of `host` (NAT, containers). @default null */
    externalAddress: string | null;
    /** RFC 3261 timers. @default { t1: 500, t2: 4000, t4: 5000 } */
    timers: TimerSettings;
    /** @default 65535 */
    maxMessageSize: number;
    /** SO_RCVBUF for the UDP socket. @default 4194304 */
    udpReceiveBufferBytes: number;
    /** @default 300000 */
    tcpIdleTimeoutMs: number;
    /** @default 'Aiguilleur' */
    userAgent: string;
  };
  wire: {
    /** @default '127.0.0.1' */
    host: string;
    /** @default 9022 */
    port: number;
    secret: string;
    /** @default 65536 */
    maxFrameBytes: number;
  };
  protection: {
    /** CIDR allow list of SIP sources. @default ['127.0.0.0/8', '::1/128'] */
    acl: string[];
    rateLimit: { perSecond: number; burst: number; floodSeconds: number };
    scannerUserAgents: string[];
  };
  /** How long the app may leave a new request unanswered before the engine answers 500. @default 64000 */
  appResponseTimeoutMs?: number;
  clock?: Clock;
  logger?: EngineLogger;
}

export interface SipEngineAddresses {
  wire: { address: string; port: number };
  sip: { protocol: TransportProtocol; address: string; port: number }[];
}

export const silentLogger: EngineLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
