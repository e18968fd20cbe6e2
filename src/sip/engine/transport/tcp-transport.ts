/**
 * SIP over TCP (RFC 3261 §18): a listener for inbound connections plus outgoing connections opened on demand.
 * Connections are reused both ways (§18.2.2, in the spirit of RFC 5923): a response goes back on the connection its
 * request came in on, and a request to a peer goes on any live connection to that peer's address and port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AigError } from '../../../errors/aig-error.js';
import type { SipMessage } from '../message/sip-message.js';
import { endpointKey, TcpConnection, type TcpConnectionOwner } from './tcp-connection.js';
import { TransportEmitter } from './transport-emitter.js';
import type { Endpoint, Remote } from './transport-types.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './udp-transport.js';

export interface TcpTransportOptions {
  /** Address to listen on (IPv4 or IPv6 literal). */
  host: string;
  /** Port to listen on; 0 lets the system choose. */
  port: number;
  /** Larger messages are garbage and close the connection. @default 65535 */
  maxMessageSize?: number;
  /** A connection with no traffic for this long is closed; 0 keeps connections forever. @default 300000 (5 min) */
  idleTimeoutMs?: number;
  /** Inbound connections beyond this count are refused. @default 4096 */
  maxInboundConnections?: number;
  /** Giving up on an outgoing connection attempt. @default 10000 */
  connectTimeoutMs?: number;
}

export const TCP_DEFAULT_IDLE_TIMEOUT_MS = 300_000;
export const TCP_DEFAULT_MAX_INBOUND_CONNECTIONS = 4096;
export const TCP_DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

let transportSeq = 0;

export class TcpTransport extends TransportEmitter implements TcpConnectionOwner {
  readonly protocol = 'tcp' as const;
  private readonly host: string;
  private readonly port: number;
  private readonly settings: { maxMessageSize: number; idleTimeoutMs: number };
  private readonly maxInboundConnections: number;
  private readonly connectTimeoutMs: number;
  /** Prefix that keeps connection ids unique across transports of one process. */
  private readonly idPrefix = `tcp${++transportSeq}-`;
  private connectionSeq = 0;
  private server: Server | undefined;
  private endpoint: Endpoint | undefined;
  private readonly connections = new Map<string, TcpConnection>();
  /** Live connections per peer `address:port`, newest last. */
  private readonly byPeer = new Map<string, TcpConnection[]>();
  /** Connection attempts in flight per peer, shared by concurrent sends. */
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private readonly pendingSockets = new Set<Socket>();

  constructor(options: TcpTransportOptions) {
    super();
    this.host = options.host;
    this.port = options.port;
    this.settings = {
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      idleTimeoutMs: options.idleTimeoutMs ?? TCP_DEFAULT_IDLE_TIMEOUT_MS,
    };
    this.maxInboundConnections = options.maxInboundConnections ?? TCP_DEFAULT_MAX_INBOUND_CONNECTIONS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? TCP_DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The listening endpoint. Throws before listen() resolved or after close(). */
  get local(): Endpoint {
    if (this.endpoint === undefined) {
      throw new AigError('AIG_ERR_SIP_TRANSPORT', 'tcp transport is not listening');
    }
    return this.endpoint;
  }

  /** Number of open connections, inbound and outbound. */
  get connectionCount(): number {
    return this.connections.size;
  }

  listen(): Promise<Endpoint> {
    if (this.server !== undefined) {
      return Promise.reject(new AigError('AIG_ERR_SIP_TRANSPORT', 'tcp transport is already listening'));
    }
    const server = createServer(this.onInbound);
    server.maxConnections = this.maxInboundConnections;
    this.server = server;
    return new Promise<Endpoint>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.server = undefined;
        server.close();
        reject(
          new AigError('AIG_ERR_SIP_TRANSPORT', `tcp listen ${this.host}:${this.port} failed`, {
            cause: err,
          }),
        );
      };
      server.once('error', onListenError);
      server.listen(this.port, this.host, () => {
        server.off('error', onListenError);
        server.on('error', this.onServerError);
        const address = server.address();
        if (address === null || typeof address === 'string') {
          onListenError(new Error('listener has no address'));
          return;
        }
        this.endpoint = { address: address.address, port: address.port };
        resolve(this.endpoint);
      });
    });
  }

  /**
   * Sends on `remote.connectionId` when that connection is alive, else on any live connection to
   * `remote.address:remote.port`, else on a new connection to it.
   */
  send(data: Buffer, remote: Remote): Promise<void> {
    if (this.server === undefined) {
      return Promise.reject(new AigError('AIG_ERR_SIP_TRANSPORT', 'tcp transport is not listening'));
    }
    if (remote.connectionId !== undefined) {
      const pinned = this.connections.get(remote.connectionId);
      if (pinned?.alive === true) {
        return pinned.write(data);
      }
    }
    const key = endpointKey(remote.address, remote.port);
    const existing = this.liveConnection(key);
    if (existing !== undefined) {
      return existing.write(data);
    }
    return this.connectTo(remote.address, remote.port, key).then((connection) => connection.write(data));
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.endpoint = undefined;
    for (const socket of this.pendingSockets) {
      socket.destroy();
    }
    this.pendingSockets.clear();
    for (const connection of [...this.connections.values()]) {
      connection.destroy();
    }
    this.connections.clear();
    this.byPeer.clear();
    if (server === undefined) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  }

  connectionMessage(connection: TcpConnection, message: SipMessage, raw: Buffer): void {
    const local = this.endpoint;
    if (local !== undefined) {
      this.emitMessage({ message, raw, remote: connection.remote, local });
    }
  }

  connectionGarbage(connection: TcpConnection, raw: Buffer, error: Error): void {
    const local = this.endpoint;
    if (local !== undefined) {
      this.emitGarbage({ raw, remote: connection.remote, local, error });
    }
  }

  connectionClosed(connection: TcpConnection): void {
    this.connections.delete(connection.id);
    const peers = this.byPeer.get(connection.key);
    if (peers !== undefined) {
      const index = peers.indexOf(connection);
      if (index >= 0) {
        peers.splice(index, 1);
      }
      if (peers.length === 0) {
        this.byPeer.delete(connection.key);
      }
    }
  }

  private liveConnection(key: string): TcpConnection | undefined {
    const peers = this.byPeer.get(key);
    if (peers === undefined) {
      return undefined;
    }
    for (let i = peers.length - 1; i >= 0; i--) {
      const connection = peers[i];
      if (connection?.alive === true) {
        return connection;
      }
    }
    return undefined;
  }

  /** `peerKey`: for outgoing connections, the address:port asked for (it may be a name the socket resolved). */
  private adopt(socket: Socket, inbound: boolean, peerKey?: string): TcpConnection {
    const id = `${this.idPrefix}${++this.connectionSeq}`;
    const connection = new TcpConnection(this, id, socket, inbound, this.settings, peerKey);
    this.connections.set(connection.id, connection);
    const peers = this.byPeer.get(connection.key);
    if (peers === undefined) {
      this.byPeer.set(connection.key, [connection]);
    } else {
      peers.push(connection);
    }
    return connection;
  }

  private connectTo(address: string, port: number, key: string): Promise<TcpConnection> {
    const inFlight = this.connecting.get(key);
    if (inFlight !== undefined) {
      return inFlight;
    }
    const attempt = new Promise<TcpConnection>((resolve, reject) => {
      const socket = connect({ host: address, port });
      this.pendingSockets.add(socket);
      socket.setTimeout(this.connectTimeoutMs);
      const fail = (err: Error): void => {
        this.pendingSockets.delete(socket);
        socket.destroy();
        reject(new AigError('AIG_ERR_SIP_TRANSPORT', `tcp connect to ${key} failed`, { cause: err }));
      };
      const onTimeout = (): void => fail(new Error(`no connection after ${this.connectTimeoutMs} ms`));
      socket.once('error', fail);
      socket.once('timeout', onTimeout);
      socket.once('connect', () => {
        this.pendingSockets.delete(socket);
        socket.off('error', fail);
        socket.off('timeout', onTimeout);
        socket.setTimeout(0);
        if (this.server === undefined) {
          socket.destroy();
          reject(new AigError('AIG_ERR_SIP_TRANSPORT', 'tcp transport closed while connecting'));
          return;
        }
        resolve(this.adopt(socket, false, key));
      });
    });
    this.connecting.set(key, attempt);
    const forget = (): void => {
      this.connecting.delete(key);
    };
    attempt.then(forget, forget);
    return attempt;
  }

  private readonly onInbound = (socket: Socket): void => {
    if (this.server === undefined) {
      socket.destroy();
      return;
    }
    this.adopt(socket, true);
  };

  private readonly onServerError = (err: Error): void => {
    this.emitError(new AigError('AIG_ERR_SIP_TRANSPORT', 'tcp listener error', { cause: err }));
  };
}
