/**
 * One TCP connection carrying SIP (RFC 3261 §18): frames the stream, answers keep-alive pings, parses each frame
 * and hands the result to its transport. Closed when idle for too long or when the stream cannot be framed.
 */
import type { Socket } from 'node:net';
import { AigError } from '../../../errors/aig-error.js';
import type { SipMessage } from '../message/sip-message.js';
import { parseMessage } from '../message/parser.js';
import { CRLF } from './keep-alive.js';
import { StreamFramer, type StreamFramerSink } from './stream-framer.js';
import type { Remote } from './transport-types.js';

/** What a connection reports to the transport that owns it. */
export interface TcpConnectionOwner {
  connectionMessage(connection: TcpConnection, message: SipMessage, raw: Buffer): void;
  connectionGarbage(connection: TcpConnection, raw: Buffer, error: Error): void;
  connectionClosed(connection: TcpConnection): void;
}

export interface TcpConnectionSettings {
  maxMessageSize: number;
  /** Closes the connection after this long without traffic in either direction; 0 disables it. */
  idleTimeoutMs: number;
}

/** `address:port`, IPv6 in brackets: the key under which connections to one peer are found for reuse. */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export class TcpConnection implements StreamFramerSink {
  readonly id: string;
  /** The peer, with this connection's id: shared by every message of the connection, treat as read-only. */
  readonly remote: Remote;
  readonly key: string;
  /** Accepted by our listener (true) or opened by us (false). */
  readonly inbound: boolean;
  private readonly socket: Socket;
  private readonly owner: TcpConnectionOwner;
  private readonly framer: StreamFramer;
  private closed = false;

  constructor(
    owner: TcpConnectionOwner,
    id: string,
    socket: Socket,
    inbound: boolean,
    settings: TcpConnectionSettings,
    peerKey?: string,
  ) {
    this.owner = owner;
    this.id = id;
    this.socket = socket;
    this.inbound = inbound;
    const address = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    this.remote = { protocol: 'tcp', address, port, connectionId: id };
    this.key = peerKey ?? endpointKey(address, port);
    this.framer = new StreamFramer(this, settings.maxMessageSize);
    socket.setNoDelay(true);
    if (settings.idleTimeoutMs > 0) {
      // Node resets this timer on every read and write.
      socket.setTimeout(settings.idleTimeoutMs);
    }
    socket.on('data', this.onData);
    socket.on('timeout', this.onIdle);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  get alive(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  write(data: Buffer): Promise<void> {
    if (!this.alive) {
      return Promise.reject(new AigError('AIG_ERR_SIP_TRANSPORT', `tcp connection ${this.id} is closed`));
    }
    return new Promise<void>((resolve, reject) => {
      this.socket.write(data, (err) => {
        if (err) {
          reject(new AigError('AIG_ERR_SIP_TRANSPORT', `tcp write to ${this.key} failed`, { cause: err }));
        } else {
          resolve();
        }
      });
    });
  }

  destroy(): void {
    this.framer.stop();
    this.socket.destroy();
  }

  onFrame(raw: Buffer): void {
    let message: SipMessage;
    try {
      message = parseMessage(raw);
    } catch (err) {
      // The frame was cut by Content-Length, so the stream is still in step: report it, keep the connection.
      this.owner.connectionGarbage(this, raw, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.owner.connectionMessage(this, message, raw);
  }

  onPing(): void {
    // RFC 5626 §3.5.1: the pong is a single CRLF. Write errors surface through the socket's 'error' event.
    this.socket.write(CRLF);
  }

  onFramingError(raw: Buffer, error: Error): void {
    this.owner.connectionGarbage(this, raw, error);
    this.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.framer.push(chunk);
  };

  private readonly onIdle = (): void => {
    this.destroy();
  };

  private readonly onError = (): void => {
    // A reset or a failed write: 'close' follows and does the cleaning up; callers of write() get the error.
  };

  private readonly onClose = (): void => {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.framer.stop();
    this.owner.connectionClosed(this);
  };
}
