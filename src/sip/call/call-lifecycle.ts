/**
 * The lifecycle state of one call, inbound or outbound: a table of the states each state may move to, and
 * `transition` as the one place that changes the state and logs the change (the habit of SIP.js
 * `Session.stateTransition()` and ioredis `setStatus()`). A call class extends it with its own state words and
 * table. A move the table does not allow (a late 1xx after the answer, ending an ended call) is logged and ignored
 * rather than thrown: messages that cross on the wire are normal, e.g. a 200 crossing our CANCEL (RFC 3261 §9.1).
 */
import type { CallLogger } from './sip-app-types.js';

/** For each state, the states it may move to; the final state (`ended`) lists none. */
export type CallLifecycleTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export class CallLifecycle<S extends string> {
  private current: S;
  private readonly nextStates: CallLifecycleTable<S>;
  /** The call's logger (a per-call child): state changes go there, and so does the rest of the call's logging. */
  readonly log: CallLogger;

  constructor(initial: S, nextStates: CallLifecycleTable<S>, log: CallLogger) {
    this.current = initial;
    this.nextStates = nextStates;
    this.log = log;
  }

  get state(): S {
    return this.current;
  }

  /** True in the final state: the one the table gives no way out of. */
  get ended(): boolean {
    return this.nextStates[this.current].length === 0;
  }

  /** Moves to `next` if the lifecycle allows it; returns false (and changes nothing) otherwise. */
  transition(next: S, detail: Record<string, unknown> = {}): boolean {
    if (!this.nextStates[this.current].includes(next)) {
      this.log.debug({ from: this.current, to: next, ...detail }, 'call state change ignored');
      return false;
    }
    const from = this.current;
    this.current = next;
    this.log.debug({ from, to: next, ...detail }, 'call state');
    return true;
  }
}
