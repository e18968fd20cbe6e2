/** Shared fixtures for the transaction tests: real messages through the real parser, a recording transport. */
import { ManualClock } from '../../../src/shared/clock.js';
import { parseMessage } from '../../../src/sip/engine/message/parser.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/engine/message/sip-message.js';
import { TransactionLayer } from '../../../src/sip/engine/transaction/transaction-layer.js';
import { DEFAULT_TIMERS } from '../../../src/sip/engine/transaction/transaction-types.js';
import type { InboundMessage, Remote } from '../../../src/sip/engine/transport/transport-types.js';

export const PEER_UDP: Remote = { protocol: 'udp', address: '127.0.0.1', port: 5070 };
export const PEER_TCP: Remote = {
  protocol: 'tcp',
  address: '127.0.0.1',
  port: 40123,
  connectionId: 'tcp1-1',
};

export interface RequestSpec {
  method?: string;
  uri?: string;
  branch?: string | null;
  viaHost?: string;
  viaPort?: number;
  viaTransport?: string;
  viaExtra?: string;
  cseq?: number;
  cseqMethod?: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  extraHeaders?: string[];
}

export function requestText(spec: RequestSpec = {}): string {
  const method = spec.method ?? 'INVITE';
  const branch = spec.branch === null ? '' : `;branch=${spec.branch ?? 'z9hG4bK-inv-1'}`;
  const port = spec.viaPort === undefined ? ':5070' : `:${spec.viaPort}`;
  const lines = [
    `${method} ${spec.uri ?? 'sip:ivr@127.0.0.1:5060'} SIP/2.0`,
    `Via: SIP/2.0/${spec.viaTransport ?? 'UDP'} ${spec.viaHost ?? '127.0.0.1'}${port}${branch}${spec.viaExtra ?? ''}`,
    'Max-Forwards: 70',
    `From: "Caller" <sip:caller@127.0.0.1:5070>;tag=${spec.fromTag ?? 'from-1'}`,
    `To: <sip:ivr@127.0.0.1:5060>${spec.toTag === undefined ? '' : `;tag=${spec.toTag}`}`,
    `Call-ID: ${spec.callId ?? 'call-1@127.0.0.1'}`,
    `CSeq: ${spec.cseq ?? 1} ${spec.cseqMethod ?? method}`,
    ...(spec.extraHeaders ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

export function request(spec: RequestSpec = {}): SipRequest {
  const m = parseMessage(Buffer.from(requestText(spec)));
  if (m.kind !== 'request') {
    throw new Error('fixture is not a request');
  }
  return m;
}

/** A response to `req` (Via, From, To, Call-ID, CSeq copied, §8.2.6.2), optionally with a To tag. */
export function responseTo(req: SipRequest, status: number, toTag?: string): SipResponse {
  const lines = [`SIP/2.0 ${status} Reason`];
  for (const field of req.headers.fields) {
    const name = field.name.toLowerCase();
    if (name === 'via' || name === 'from' || name === 'call-id' || name === 'cseq') {
      lines.push(`${field.name}: ${field.value}`);
    } else if (name === 'to') {
      const hasTag = field.value.includes(';tag=');
      lines.push(`To: ${field.value}${toTag !== undefined && !hasTag ? `;tag=${toTag}` : ''}`);
    }
  }
  lines.push('Content-Length: 0', '', '');
  const m = parseMessage(Buffer.from(lines.join('\r\n')));
  if (m.kind !== 'response') {
    throw new Error('fixture is not a response');
  }
  return m;
}

export function inbound(message: SipMessage, remote: Remote = PEER_UDP): InboundMessage {
  return { message, raw: Buffer.alloc(0), remote, local: { address: '127.0.0.1', port: 5060 } };
}

export interface Sent {
  at: number;
  message: SipMessage;
  remote: Remote;
}

export interface Harness {
  clock: ManualClock;
  layer: TransactionLayer;
  sent: Sent[];
  /** Makes every later send reject with this error (undefined: succeed again). */
  failSends(error: Error | undefined): void;
  handlerErrors: unknown[];
}

export function harness(): Harness {
  const clock = new ManualClock();
  const sent: Sent[] = [];
  let failure: Error | undefined;
  const handlerErrors: unknown[] = [];
  const layer = new TransactionLayer({
    timers: DEFAULT_TIMERS,
    clock,
    send: (message, remote) => {
      sent.push({ at: clock.now(), message, remote });
      return failure === undefined ? Promise.resolve() : Promise.reject(failure);
    },
    onHandlerError: (err) => handlerErrors.push(err),
  });
  return {
    clock,
    layer,
    sent,
    failSends: (error) => {
      failure = error;
    },
    handlerErrors,
  };
}

/** Lets rejected send promises reach their handlers. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function times(sent: Sent[], filter: (m: SipMessage) => boolean = () => true): number[] {
  return sent.filter((s) => filter(s.message)).map((s) => s.at);
}
