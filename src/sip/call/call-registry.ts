/**
 * The live calls of this process. A call counts from admission to its end, so INVITEs still being answered
 * count against `maxConcurrent` too. Keyed by object, not Call-ID: two INVITEs may share a Call-ID (a forked
 * request reaching us twice, RFC 3261 §8.2.2.2) and are still two calls.
 */
import type { InboundCall } from './inbound-call.js';

export class CallRegistry {
  private readonly calls = new Set<InboundCall>();
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.calls.size;
  }

  add(call: InboundCall): void {
    this.calls.add(call);
  }

  /** Removes a call; returns false if it was not registered (cleanup paths may overlap). */
  remove(call: InboundCall): boolean {
    const removed = this.calls.delete(call);
    if (removed && this.calls.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) {
        resolve();
      }
    }
    return removed;
  }

  list(): InboundCall[] {
    return [...this.calls];
  }

  /** Resolves once no call is registered (immediately when none is). */
  whenEmpty(): Promise<void> {
    if (this.calls.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
