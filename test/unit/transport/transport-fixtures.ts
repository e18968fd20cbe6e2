/** Helpers for the real-socket transport tests (loopback, port 0 only). */
import type {
  TransportEmitter,
  TransportEmitterEvents,
} from '../../../src/sip/engine/transport/transport-emitter.js';

export function sipRequest(
  opts: { method?: string; callId?: string; body?: string; transport?: string } = {},
): string {
  const method = opts.method ?? 'OPTIONS';
  const body = opts.body ?? '';
  return [
    `${method} sip:ivr@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/${opts.transport ?? 'UDP'} 127.0.0.1:5999;branch=z9hG4bK-${opts.callId ?? 'c1'};rport`,
    'Max-Forwards: 70',
    'From: <sip:a@127.0.0.1>;tag=1',
    'To: <sip:ivr@127.0.0.1>',
    `Call-ID: ${opts.callId ?? 'c1'}`,
    `CSeq: 1 ${method}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

type Arg<E extends keyof TransportEmitterEvents> = Parameters<TransportEmitterEvents[E]>[0];

/** Resolves with the next `event` (rejects after `timeoutMs`). */
export function nextEvent<E extends keyof TransportEmitterEvents>(
  emitter: TransportEmitter,
  event: E,
  timeoutMs = 2000,
): Promise<Arg<E>> {
  return new Promise((resolve, reject) => {
    const listener = ((arg: Arg<E>) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(arg);
    }) as TransportEmitterEvents[E];
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Collects every `event` into an array. */
export function collect<E extends keyof TransportEmitterEvents>(
  emitter: TransportEmitter,
  event: E,
): Arg<E>[] {
  const out: Arg<E>[] = [];
  const listener = ((arg: Arg<E>) => {
    out.push(arg);
  }) as TransportEmitterEvents[E];
  emitter.on(event, listener);
  return out;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until true (rejects after `timeoutMs`). */
export async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await delay(5);
  }
}
