/**
 * SIP over UDP (RFC 3261 §18): one datagram is one message. Oversized datagrams and unparseable ones become
 * `garbage`; keep-alive datagrams made only of CRLFs are ignored (RFC 5626 §3.5.1: nothing is answered over UDP).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { AigError } from '../../../errors/aig-error.js';
import { parseMessage } from '../message/parser.js';
import { isKeepAliveOnly, skipLineBreaks } from './keep-alive.js';
import { TransportEmitter } from './transport-emitter.js';
import type { Endpoint, Remote } from './transport-types.js';

export interface UdpTransportOptions {
  /** Address to bind; an IPv6 literal (contains ':') opens a udp6 socket. */
  host: string;
  /** Port to bind; 0 lets the system choose (read it back from `local`). */
  port: number;
  /** SO_RCVBUF in bytes, so bursts of 800 calls/s are not dropped by the kernel. @default 4 MiB */
  recvBufferSize?: number;
  /** Datagrams larger than this become garbage with AIG_ERR_SIP_TOO_LARGE. @default 65535 */
  maxMessageSize?: number;
}

export const UDP_DEFAULT_RECV_BUFFER_SIZE = 4 * 1024 * 1024;
export const DEFAULT_MAX_MESSAGE_SIZE = 65_535;

export class UdpTransport extends TransportEmitter {
  readonly protocol = 'udp' as const;
  private readonly host: string;
  private readonly port: number;
  private readonly recvBufferSize: number;
  private readonly maxMessageSize: number;
  private socket: Socket | undefined;
  private endpoint: Endpoint | undefined;

  constructor(options: UdpTransportOptions) {
    super();
    this.host = options.host;
    this.port = options.port;
    this.recvBufferSize = options.recvBufferSize ?? UDP_DEFAULT_RECV_BUFFER_SIZE;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** The bound endpoint. Throws before listen() resolved or after close(). */
  get local(): Endpoint {
    if (this.endpoint === undefined) {
      throw new AigError('AIG_ERR_SIP_TRANSPORT', 'udp transport is not listening');
    }
    return this.endpoint;
  }

  listen(): Promise<Endpoint> {
    if (this.socket !== undefined) {
      return Promise.reject(new AigError('AIG_ERR_SIP_TRANSPORT', 'udp transport is already listening'));
    }
    const socket = createSocket({
      type: this.host.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: this.recvBufferSize,
    });
    this.socket = socket;
    return new Promise<Endpoint>((resolve, reject) => {
      const onBindError = (err: Error): void => {
        this.socket = undefined;
        socket.close();
        reject(
          new AigError('AIG_ERR_SIP_TRANSPORT', `udp bind ${this.host}:${this.port} failed`, { cause: err }),
        );
      };
      socket.once('error', onBindError);
      socket.bind(this.port, this.host, () => {
        socket.off('error', onBindError);
        socket.on('error', this.onSocketError);
        socket.on('message', this.onDatagram);
        const address = socket.address();
        this.endpoint = { address: address.address, port: address.port };
        resolve(this.endpoint);
      });
    });
  }

  /** The SO_RCVBUF the kernel granted (Linux reports twice the requested size, capped by net.core.rmem_max). */
  getRecvBufferSize(): number {
    if (this.socket === undefined || this.endpoint === undefined) {
      throw new AigError('AIG_ERR_SIP_TRANSPORT', 'udp transport is not listening');
    }
    return this.socket.getRecvBufferSize();
  }

  send(data: Buffer, remote: Remote): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || this.endpoint === undefined) {
      return Promise.reject(new AigError('AIG_ERR_SIP_TRANSPORT', 'udp transport is not listening'));
    }
    return new Promise<void>((resolve, reject) => {
      try {
        socket.send(data, remote.port, remote.address, (err) => {
          if (err) {
            reject(sendError(remote, err));
          } else {
            resolve();
          }
        });
      } catch (err) {
        reject(sendError(remote, err));
      }
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.endpoint = undefined;
    if (socket === undefined) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      socket.close(() => resolve());
    });
  }

  private readonly onSocketError = (err: Error): void => {
    this.emitError(new AigError('AIG_ERR_SIP_TRANSPORT', 'udp socket error', { cause: err }));
  };

  private readonly onDatagram = (data: Buffer, rinfo: RemoteInfo): void => {
    const local = this.endpoint;
    if (local === undefined) {
      return;
    }
    if (data.length > this.maxMessageSize) {
      this.emitGarbage({
        raw: data,
        remote: { protocol: 'udp', address: rinfo.address, port: rinfo.port },
        local,
        error: new AigError('AIG_ERR_SIP_TOO_LARGE', `${data.length} bytes > ${this.maxMessageSize}`),
      });
      return;
    }
    if (isKeepAliveOnly(data)) {
      return;
    }
    const start = skipLineBreaks(data, 0);
    const raw = start === 0 ? data : data.subarray(start);
    const remote: Remote = { protocol: 'udp', address: rinfo.address, port: rinfo.port };
    let message;
    try {
      message = parseMessage(raw);
    } catch (err) {
      this.emitGarbage({ raw, remote, local, error: err instanceof Error ? err : new Error(String(err)) });
      return;
    }
    this.emitMessage({ message, raw, remote, local });
  };
}

function sendError(remote: Remote, cause: unknown): AigError {
  return new AigError('AIG_ERR_SIP_TRANSPORT', `udp send to ${remote.address}:${remote.port} failed`, {
    cause,
  });
}
