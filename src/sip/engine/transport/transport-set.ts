/**
 * The configured SIP transports as one: UDP and/or TCP on the same host and port (RFC 3261 §18: a server listening
 * on a port for UDP should do so for TCP too), one `message`/`garbage`/`error` event stream, and `send` picking
 * the transport named by the destination.
 */
import { AigError } from '../../../errors/aig-error.js';
import type { SipMessage } from '../message/sip-message.js';
import { serializeMessage } from '../message/serializer.js';
import { TcpTransport } from './tcp-transport.js';
import { TransportEmitter } from './transport-emitter.js';
import type {
  Endpoint,
  InboundGarbage,
  InboundMessage,
  Remote,
  TransportProtocol,
} from './transport-types.js';
import { UdpTransport } from './udp-transport.js';

export interface TransportSetOptions {
  /** Address every transport binds. */
  host: string;
  /** Port every transport binds; 0: UDP picks a free port and TCP takes the same one. */
  port: number;
  protocols: readonly TransportProtocol[];
  /** UDP SO_RCVBUF. @default 4 MiB */
  recvBufferSize?: number;
  /** Largest message accepted, both transports. @default 65535 */
  maxMessageSize?: number;
  /** TCP idle connection timeout; 0 disables it. @default 300000 */
  idleTimeoutMs?: number;
  /** TCP inbound connection limit. @default 4096 */
  maxInboundConnections?: number;
  /** TCP outgoing connect timeout. @default 10000 */
  connectTimeoutMs?: number;
  /** With port 0, how many UDP ports to try before giving up on finding one whose TCP twin is free. @default 5 */
  bindAttempts?: number;
}

export interface TransportEndpoint extends Endpoint {
  protocol: TransportProtocol;
}

const DEFAULT_BIND_ATTEMPTS = 5;

export class TransportSet extends TransportEmitter {
  private readonly options: TransportSetOptions;
  private udp: UdpTransport | undefined;
  private tcp: TcpTransport | undefined;

  constructor(options: TransportSetOptions) {
    super();
    this.options = options;
  }

  /** Binds every configured transport on one port; resolves with the bound endpoints. */
  async listen(): Promise<TransportEndpoint[]> {
    const { protocols, port } = this.options;
    const wantUdp = protocols.includes('udp');
    const wantTcp = protocols.includes('tcp');
    if (!wantUdp && !wantTcp) {
      throw new AigError('AIG_ERR_SIP_TRANSPORT', 'no SIP transport configured');
    }
    if (this.udp !== undefined || this.tcp !== undefined) {
      throw new AigError('AIG_ERR_SIP_TRANSPORT', 'transports are already listening');
    }
    // Only a system-chosen port can be retried: the UDP port may be taken for TCP by someone else.
    const attempts =
      port === 0 && wantUdp && wantTcp ? (this.options.bindAttempts ?? DEFAULT_BIND_ATTEMPTS) : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const udp = wantUdp ? this.createUdp() : undefined;
      const boundPort = udp === undefined ? port : (await udp.listen()).port;
      const tcp = wantTcp ? this.createTcp(boundPort) : undefined;
      try {
        await tcp?.listen();
      } catch (err) {
        lastError = err;
        await udp?.close();
        continue;
      }
      this.attach(udp, tcp);
      return this.endpoints();
    }
    throw lastError instanceof Error ? lastError : new AigError('AIG_ERR_SIP_TRANSPORT', 'could not bind');
  }

  /** Serializes a SipMessage (a Buffer is sent as is) and sends it with the transport `remote.protocol` names. */
  send(message: SipMessage | Buffer, remote: Remote): Promise<void> {
    const transport = remote.protocol === 'udp' ? this.udp : this.tcp;
    if (transport === undefined) {
      return Promise.reject(
        new AigError('AIG_ERR_SIP_TRANSPORT', `no ${remote.protocol} transport is listening`),
      );
    }
    let data: Buffer;
    try {
      data = Buffer.isBuffer(message) ? message : serializeMessage(message);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return transport.send(data, remote);
  }

  endpoints(): TransportEndpoint[] {
    const out: TransportEndpoint[] = [];
    if (this.udp !== undefined) {
      out.push({ protocol: 'udp', ...this.udp.local });
    }
    if (this.tcp !== undefined) {
      out.push({ protocol: 'tcp', ...this.tcp.local });
    }
    return out;
  }

  /** The bound endpoint of one protocol (for Via sent-by and Contact), undefined when it is not configured. */
  endpoint(protocol: TransportProtocol): Endpoint | undefined {
    const transport = protocol === 'udp' ? this.udp : this.tcp;
    return transport?.local;
  }

  /** The UDP transport (e.g. to read its effective receive buffer size), when configured and listening. */
  get udpTransport(): UdpTransport | undefined {
    return this.udp;
  }

  /** The TCP transport, when configured and listening. */
  get tcpTransport(): TcpTransport | undefined {
    return this.tcp;
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const transport of [udp, tcp]) {
      transport
        ?.off('message', this.forwardMessage)
        .off('garbage', this.forwardGarbage)
        .off('error', this.forwardError);
    }
    await Promise.all([udp?.close(), tcp?.close()]);
  }

  private createUdp(): UdpTransport {
    const { host, port, recvBufferSize, maxMessageSize } = this.options;
    return new UdpTransport({ host, port, recvBufferSize, maxMessageSize });
  }

  private createTcp(port: number): TcpTransport {
    const { host, maxMessageSize, idleTimeoutMs, maxInboundConnections, connectTimeoutMs } = this.options;
    return new TcpTransport({
      host,
      port,
      maxMessageSize,
      idleTimeoutMs,
      maxInboundConnections,
      connectTimeoutMs,
    });
  }

  private attach(udp: UdpTransport | undefined, tcp: TcpTransport | undefined): void {
    this.udp = udp;
    this.tcp = tcp;
    for (const transport of [udp, tcp]) {
      transport
        ?.on('message', this.forwardMessage)
        .on('garbage', this.forwardGarbage)
        .on('error', this.forwardError);
    }
  }

  private readonly forwardMessage = (inbound: InboundMessage): void => {
    this.emitMessage(inbound);
  };

  private readonly forwardGarbage = (garbage: InboundGarbage): void => {
    this.emitGarbage(garbage);
  };

  private readonly forwardError = (err: Error): void => {
    this.emitError(err);
  };
}
