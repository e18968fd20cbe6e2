/**
 * The drachtio admin port (`drachtio-wire-protocol.md` §1.1–§1.3): apps such as drachtio-srf connect over TCP,
 * authenticate with the shared secret, register the SIP methods they want, and exchange `sip`/`proxy` messages.
 * This class owns the connection-level protocol; `sip` and `proxy` messages are handed to the engine core as
 * events, and the engine answers through `WireConnection#reply`/`send`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AigError } from '../../../errors/aig-error.js';
import { WireConnection } from './wire-connection.js';
import { DEFAULT_MAX_FRAME_SIZE, type WireFrameResult } from './wire-framer.js';
import { parseAppMessage, WIRE_REASON, wireSafeText } from './wire-messages.js';
import {
  silentWireLogger,
  type WireAppMessage,
  type WireLogger,
  type WireProxyMessage,
  type WireServerOptions,
  type WireSipMessage,
} from './wire-types.js';

export const DEFAULT_WIRE_HOST = '127.0.0.1';
export const DEFAULT_WIRE_PORT = 9022;
/** drachtio-srf pings only servers reporting `^vN.N.N` ≥ v0.8.2 (§1.3); this mirrors a current drachtio-server. */
export const DEFAULT_WIRE_VERSION = 'v0.9.10';
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
const MIN_PING_VERSION = [0, 8, 2] as const;

export interface WireServerEvents {
  /** A TCP connection was accepted (not yet authenticated). */
  connection: [conn: WireConnection];
  authenticated: [conn: WireConnection];
  route: [conn: WireConnection, verb: string];
  ping: [conn: WireConnection];
  /** An app `sip` message from an authenticated connection (§1.6); the engine must reply to `msg.id`. */
  sip: [conn: WireConnection, msg: WireSipMessage];
  /** An app `proxy` message from an authenticated connection (§1.8.8); the engine must reply to `msg.id`. */
  proxy: [conn: WireConnection, msg: WireProxyMessage];
  /** A connection closed: the engine drops the dialogs and transactions it owned. */
  'connection-closed': [conn: WireConnection];
}

/** True when `version` is `vX.Y.Z…` and at least v0.8.2, so that drachtio-srf will ping. */
export function isPingableVersion(version: string): boolean {
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (m === null) {
    return false;
  }
  const actual = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (actual[i]! !== MIN_PING_VERSION[i]) {
      return actual[i]! > MIN_PING_VERSION[i]!;
    }
  }
  return true;
}

/** Constant-time secret check; hashing first gives equal-length inputs, so not even the length leaks. */
function secretMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export class WireServer extends EventEmitter<WireServerEvents> {
  private readonly host: string;
  private readonly port: number;
  private readonly secret: string;
  private readonly version: string;
  private readonly hostports: () => string;
  private readonly localHostports: () => string;
  private readonly maxFrameSize: number;
  private readonly authTimeoutMs: number;
  private readonly logger: WireLogger;
  private server: Server | undefined;
  private readonly live = new Set<WireConnection>();
  /** Per verb, the connections that routed it, in registration order (§1.1 round-robin). */
  private readonly routeTable = new Map<string, WireConnection[]>();
  private readonly cursors = new Map<string, number>();

  constructor(options: WireServerOptions) {
    super();
    if (options.secret === '') {
      throw new AigError('AIG_ERR_CONFIG_INVALID', 'wire server secret must not be empty');
    }
    const version = options.version ?? DEFAULT_WIRE_VERSION;
    if (!isPingableVersion(version)) {
      throw new AigError(
        'AIG_ERR_CONFIG_INVALID',
        `wire version must look like vN.N.N and be >= v0.8.2: ${version}`,
      );
    }
    if (/[|\r\n]/.test(version)) {
      throw new AigError(
        'AIG_ERR_CONFIG_INVALID',
        `wire version must not contain '|' or line breaks: ${version}`,
      );
    }
    this.host = options.host ?? DEFAULT_WIRE_HOST;
    this.port = options.port ?? DEFAULT_WIRE_PORT;
    this.secret = options.secret;
    this.version = version;
    this.hostports = options.hostports;
    this.localHostports = options.localHostports ?? options.hostports;
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.authTimeoutMs = options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS;
    this.logger = options.logger ?? silentWireLogger;
  }

  /** Starts accepting apps; resolves with the bound address (useful with port 0). */
  listen(): Promise<{ address: string; port: number }> {
    if (this.server !== undefined) {
      return Promise.reject(new AigError('AIG_ERR_CONFIG_INVALID', 'wire server is already listening'));
    }
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(err);
      };
      server.once('error', onError);
      server.listen(this.port, this.host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.logger.error({ err: err.message }, 'wire server error'));
        const addr = server.address() as AddressInfo;
        this.logger.info({ address: addr.address, port: addr.port }, 'wire server listening');
        resolve({ address: addr.address, port: addr.port });
      });
    });
  }

  /** Stops accepting, drops every connection, and resolves when the port is released. */
  close(): Promise<void> {
    const server = this.server;
    if (server === undefined) {
      return Promise.resolve();
    }
    this.server = undefined;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const conn of this.live) {
        conn.destroy();
      }
    });
  }

  /** Open connections, authenticated or not. */
  connections(): WireConnection[] {
    return [...this.live];
  }

  /** True if some authenticated, open connection routed `verb` (case-insensitive). */
  hasRoute(verb: string): boolean {
    return (this.routeTable.get(verb.toLowerCase()) ?? []).some((c) => !c.closed);
  }

  /**
   * The connection that gets the next new out-of-dialog request for `verb`: round-robin among the open,
   * authenticated connections that routed it (§1.1, `selectClientForRequestOutsideDialog`).
   */
  selectConnection(verb: string): WireConnection | undefined {
    const key = verb.toLowerCase();
    const candidates = (this.routeTable.get(key) ?? []).filter((c) => !c.closed && c.authenticated);
    if (candidates.length === 0) {
      return undefined;
    }
    const cursor = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (cursor + 1) % candidates.length);
    return candidates[cursor % candidates.length];
  }

  private accept(socket: Socket): void {
    const conn = new WireConnection(socket, { maxFrameSize: this.maxFrameSize, logger: this.logger });
    this.live.add(conn);
    const authTimer = setTimeout(() => {
      if (!conn.authenticated && !conn.closed) {
        this.logger.warn({ connection: conn.id }, 'wire connection did not authenticate in time');
        conn.close();
      }
    }, this.authTimeoutMs);
    authTimer.unref();
    conn.on('frame', (result) => this.onFrame(conn, result));
    conn.once('close', () => {
      clearTimeout(authTimer);
      this.forget(conn);
      this.logger.info({ connection: conn.id }, 'wire connection closed');
      this.safeEmit('connection-closed', conn);
    });
    this.logger.info(
      { connection: conn.id, remote: `${conn.remoteAddress}:${conn.remotePort}` },
      'wire connection accepted',
    );
    this.safeEmit('connection', conn);
  }

  private onFrame(conn: WireConnection, result: WireFrameResult): void {
    if (result.kind === 'error') {
      // The stream cannot be resynchronised after a bad length: answer instead of hanging, then close (§1.10).
      this.logger.warn({ connection: conn.id, reason: result.reason }, 'wire framing error');
      conn.reply(result.messageId ?? '', 'NO', [wireSafeText(result.reason)]);
      conn.close();
      return;
    }
    try {
      this.dispatch(conn, parseAppMessage(result.payload));
    } catch (err) {
      // Only a malformed id (a lone CR or LF in field 0) can make a reply unformattable; drop such a peer.
      this.logger.warn({ connection: conn.id, err: errorText(err) }, 'wire message could not be answered');
      conn.close();
    }
  }

  private dispatch(conn: WireConnection, msg: WireAppMessage): void {
    if (msg.type === 'invalid') {
      this.logger.warn({ connection: conn.id, reason: msg.reason }, 'invalid wire message');
      conn.reply(msg.id ?? '', 'NO', [wireSafeText(msg.reason)]);
      // Before authentication every refusal ends the connection (authenticate-first, §1.3).
      if (msg.fatal || !conn.authenticated) {
        conn.close();
      }
      return;
    }
    // The real server does not enforce this (§1.3); we do: nothing is served before the secret is checked.
    if (msg.type !== 'authenticate' && !conn.authenticated) {
      this.logger.warn({ connection: conn.id, type: msg.type }, 'wire message before authenticate');
      conn.reply(msg.id, 'NO', [WIRE_REASON.authenticationRequired]);
      conn.close();
      return;
    }
    switch (msg.type) {
      case 'authenticate':
        this.authenticate(conn, msg.id, msg.secret, msg.tags);
        return;
      case 'route':
        this.addRoute(conn, msg.verb);
        conn.reply(msg.id, 'OK');
        this.safeEmit('route', conn, msg.verb);
        return;
      case 'remove_route':
        // drachtio-server removes the connection from every verb, not only the one named (§1.3 quirk).
        this.removeRoutes(conn);
        conn.reply(msg.id, 'OK');
        return;
      case 'ping':
        conn.reply(msg.id, 'OK', ['pong']);
        this.safeEmit('ping', conn);
        return;
      case 'sip':
        this.handOver(conn, msg.id, () => this.emit('sip', conn, msg));
        return;
      case 'proxy':
        this.handOver(conn, msg.id, () => this.emit('proxy', conn, msg));
        return;
    }
  }

  private authenticate(conn: WireConnection, id: string, secret: string, tags: string[]): void {
    if (!secretMatches(secret, this.secret)) {
      this.logger.warn({ connection: conn.id }, 'wire authentication failed');
      conn.reply(id, 'NO', [WIRE_REASON.incorrectSecret]);
      conn.close();
      return;
    }
    const fields = [wireSafeText(this.hostports()), this.version, wireSafeText(this.localHostports())];
    const first = !conn.authenticated;
    conn.markAuthenticated(tags);
    conn.reply(id, 'OK', fields);
    if (first) {
      this.logger.info({ connection: conn.id, tags }, 'wire connection authenticated');
      this.safeEmit('authenticated', conn);
    }
  }

  /** Passes a message to the engine core; a missing or failing handler still gets the app an answer. */
  private handOver(conn: WireConnection, id: string, emit: () => boolean): void {
    try {
      if (!emit()) {
        conn.reply(id, 'NOK', ['Server error: no SIP engine attached']);
      }
    } catch (err) {
      this.logger.error({ connection: conn.id, err: errorText(err) }, 'wire message handler failed');
      conn.reply(id, 'NOK', [wireSafeText(`Server error: ${errorText(err)}`)]);
    }
  }

  /** A listener's exception must not break the connection's frame loop (STYLE.md: typed events, safe emit). */
  private safeEmit<K extends keyof WireServerEvents>(event: K, ...args: WireServerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: WireServerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ event, err: errorText(err) }, 'wire event listener failed');
    }
  }

  private addRoute(conn: WireConnection, verb: string): void {
    conn.addRoute(verb);
    const list = this.routeTable.get(verb) ?? [];
    if (!list.includes(conn)) {
      list.push(conn);
      this.routeTable.set(verb, list);
    }
    this.logger.debug({ connection: conn.id, verb }, 'wire route added');
  }

  private removeRoutes(conn: WireConnection): void {
    for (const verb of conn.routes) {
      const list = (this.routeTable.get(verb) ?? []).filter((c) => c !== conn);
      if (list.length === 0) {
        this.routeTable.delete(verb);
        this.cursors.delete(verb);
      } else {
        this.routeTable.set(verb, list);
      }
    }
    conn.clearRoutes();
    this.logger.debug({ connection: conn.id }, 'wire routes removed');
  }

  private forget(conn: WireConnection): void {
    this.removeRoutes(conn);
    this.live.delete(conn);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
