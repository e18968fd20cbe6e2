/**
 * The named timers of one recognition turn (no-input, max utterance, final wait, connect, stream restart): arming a
 * name replaces its previous timer, a timer forgets itself when it fires, and `cancelAll` ends them all when the turn
 * ends — so no provider can leave a timer behind a finished turn.
 */
import type { Clock, TimerHandle } from '../../shared/clock.js';

export class TurnTimers<Name extends string> {
  private readonly timers = new Map<Name, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** Starts `name` (cancelling a running one of that name). */
  arm(name: Name, ms: number, fn: () => void): void {
    this.cancel(name);
    this.timers.set(
      name,
      this.clock.setTimeout(() => {
        this.timers.delete(name);
        fn();
      }, ms),
    );
  }

  cancel(name: Name): void {
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
  }

  has(name: Name): boolean {
    return this.timers.has(name);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) {
      timer.cancel();
    }
    this.timers.clear();
  }
}

/**
 * Emits a turn event so that a listener that throws never breaks the turn (`onListenerError` logs it — by error
 * name only, as a message could quote a transcript), and an `error` nobody listens to is dropped instead of thrown.
 */
export function emitSafely<Events extends Record<keyof Events, unknown[]>, K extends keyof Events & string>(
  emitter: { emit(event: K, ...args: Events[K]): boolean; listenerCount(event: K): number },
  event: K,
  args: Events[K],
  onListenerError: (event: K, err: unknown) => void,
): void {
  if (event === 'error' && emitter.listenerCount(event) === 0) {
    return;
  }
  try {
    emitter.emit(event, ...args);
  } catch (err) {
    onListenerError(event, err);
  }
}
