/** The addresses the engine advertises (Via sent-by, Contact, `@localhost` rewrite, wire hostports). */
import type { TransportProtocol } from '../transport/transport-types.js';

export interface BoundTransport {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

export class LocalAddresses {
  constructor(
    private readonly bound: readonly BoundTransport[],
    private readonly externalAddress: string | null,
  ) {}

  has(protocol: TransportProtocol): boolean {
    return this.bound.some((b) => b.protocol === protocol);
  }

  private find(protocol: TransportProtocol): BoundTransport {
    return this.bound.find((b) => b.protocol === protocol) ?? this.bound[0]!;
  }

  /** host:port to advertise for this transport (external address when configured). */
  hostport(protocol: TransportProtocol): string {
    const b = this.find(protocol);
    return `${bracket(this.externalAddress ?? b.address)}:${b.port}`;
  }

  /** Bound (not advertised) host:port. */
  localHostport(protocol: TransportProtocol): string {
    const b = this.find(protocol);
    return `${bracket(b.address)}:${b.port}`;
  }

  local(protocol: TransportProtocol): BoundTransport {
    return this.find(protocol);
  }

  /** `<sip:host:port>` plus `;transport=tcp` on TCP, as drachtio-server writes it. */
  contact(protocol: TransportProtocol): string {
    return `<sip:${this.hostport(protocol)}${protocol === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  /** Is `address:port` one of ours (requests to ourselves are refused, doc §1.8.4)? */
  isSelf(address: string, port: number): boolean {
    return this.bound.some(
      (b) => b.port === port && (b.address === address || this.externalAddress === address),
    );
  }

  /** `udp/127.0.0.1:5060,tcp/127.0.0.1:5060` for the authenticate reply (doc §1.3). */
  wireHostports(advertised: boolean): string {
    return this.bound
      .map(
        (b) =>
          `${b.protocol}/${bracket(advertised ? (this.externalAddress ?? b.address) : b.address)}:${b.port}`,
      )
      .join(',');
  }
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
