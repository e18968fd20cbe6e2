/** Transport-layer contract (RFC 3261 §18): sockets live behind this small interface. */
import type { SipMessage } from '../message/sip-message.js';

export type TransportProtocol = 'udp' | 'tcp';

export interface Endpoint {
  address: string;
  port: number;
}

/** Where a message came from / goes to. For TCP, `connectionId` pins the exact connection (reuse, §18.2.2). */
export interface Remote extends Endpoint {
  protocol: TransportProtocol;
  connectionId?: string;
}

export interface InboundMessage {
  message: SipMessage;
  /** Exact bytes as received (used for the wire `bytes` meta field). */
  raw: Buffer;
  remote: Remote;
  /** The local listening endpoint the message arrived on. */
  local: Endpoint;
}

/** Something received that could not be parsed; the engine answers 400 when it can tell it was a request. */
export interface InboundGarbage {
  raw: Buffer;
  remote: Remote;
  local: Endpoint;
  error: Error;
}

export interface TransportEvents {
  message: (m: InboundMessage) => void;
  garbage: (g: InboundGarbage) => void;
}
