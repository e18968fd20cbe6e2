/**
 * A scripted SIP peer on a UDP socket for tests that need exact control of every byte (stray requests, CSeq
 * games, malformed messages) where sipp scenarios would be clumsy.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { parseMessage } from '../../src/sip/engine/message/parser.js';
import type { SipMessage } from '../../src/sip/engine/message/sip-message.js';

export class RawSipPeer {
  private readonly socket: Socket = createSocket('udp4');
  private readonly inbox: SipMessage[] = [];
  private waiter: (() => void) | undefined;
  port = 0;

  constructor(private readonly target: { address: string; port: number }) {
    this.socket.on('message', (data) => {
      try {
        this.inbox.push(parseMessage(data));
      } catch {
        return;
      }
      this.waiter?.();
    });
  }

  async start(): Promise<this> {
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    this.port = this.socket.address().port;
    return this;
  }

  send(text: string): void {
    const data = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
    this.socket.send(data, this.target.port, this.target.address);
  }

  sendRaw(data: Buffer): void {
    this.socket.send(data, this.target.port, this.target.address);
  }

  /** Resolves with the first received message (removed from the inbox) that `match` accepts. */
  async next(match: (m: SipMessage) => boolean, timeoutMs = 3000): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) {
        return this.inbox.splice(i, 1)[0]!;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching SIP message within ${timeoutMs} ms; inbox: ${this.inbox.map(describe).join(', ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Resolves true when nothing matching arrives within `ms`. */
  async silence(match: (m: SipMessage) => boolean, ms: number): Promise<boolean> {
    try {
      await this.next(match, ms);
      return false;
    } catch {
      return true;
    }
  }

  received(): readonly SipMessage[] {
    return this.inbox;
  }

  close(): void {
    this.socket.close();
  }
}

export function describe(m: SipMessage): string {
  return m.kind === 'request' ? m.method : `${m.status} ${m.headers.get('cseq') ?? ''}`;
}

export const isStatus =
  (status: number, method?: string) =>
  (m: SipMessage): boolean =>
    m.kind === 'response' &&
    m.status === status &&
    (method === undefined || (m.headers.get('cseq') ?? '').endsWith(method));

export const isRequest =
  (method: string) =>
  (m: SipMessage): boolean =>
    m.kind === 'request' && m.method === method;
