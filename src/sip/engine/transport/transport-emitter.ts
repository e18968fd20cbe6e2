/**
 * Typed events for transports (`message`, `garbage`, plus `error` for socket failures and listener exceptions).
 * A listener that throws never breaks the socket loop or the other listeners: its exception becomes an `error`
 * event. Listener lists are copy-on-write so an emit walks a stable array without copying it.
 */
import type { InboundGarbage, InboundMessage, TransportEvents } from './transport-types.js';

export interface TransportEmitterEvents extends TransportEvents {
  /** A socket error after listen(), or an exception thrown by a `message`/`garbage` listener. */
  error: (err: Error) => void;
}

type ListenerLists = { [E in keyof TransportEmitterEvents]: readonly TransportEmitterEvents[E][] };

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class TransportEmitter {
  private readonly listeners: ListenerLists = { message: [], garbage: [], error: [] };

  on<E extends keyof TransportEmitterEvents>(event: E, listener: TransportEmitterEvents[E]): this {
    const current: readonly TransportEmitterEvents[E][] = this.listeners[event];
    this.listeners[event] = [...current, listener] as ListenerLists[E];
    return this;
  }

  off<E extends keyof TransportEmitterEvents>(event: E, listener: TransportEmitterEvents[E]): this {
    const current: readonly TransportEmitterEvents[E][] = this.listeners[event];
    this.listeners[event] = current.filter((l) => l !== listener) as ListenerLists[E];
    return this;
  }

  protected emitMessage(inbound: InboundMessage): void {
    for (const listener of this.listeners.message) {
      try {
        listener(inbound);
      } catch (err) {
        this.emitError(asError(err));
      }
    }
  }

  protected emitGarbage(garbage: InboundGarbage): void {
    for (const listener of this.listeners.garbage) {
      try {
        listener(garbage);
      } catch (err) {
        this.emitError(asError(err));
      }
    }
  }

  protected emitError(err: Error): void {
    for (const listener of this.listeners.error) {
      try {
        listener(err);
      } catch {
        // An error listener that throws has nowhere left to report to; the transport must keep running.
      }
    }
  }
}
