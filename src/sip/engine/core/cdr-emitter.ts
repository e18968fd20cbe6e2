/**
 * CDR events (protocol doc §1.4c): `cdr:attempt`, `cdr:start` (role) and `cdr:stop` (reason), each with the SIP
 * message it is about, sent round-robin to one app connection that routed that verb. Apps opt in by routing
 * the verb (drachtio-srf does so when it listens for `cdr:*`).
 */
import type { SipMessage } from '../message/sip-message.js';
import { serializeMessage } from '../message/serializer.js';
import { formatCdrFrame, wireTime } from '../wire/wire-messages.js';
import type { WireCdrEvent, WireSource } from '../wire/wire-types.js';

export type CdrRole = 'uac' | 'uas';
export type CdrStopReason =
  'call-rejected' | 'call-canceled' | 'normal-release' | 'session-expired' | 'ack-timeout' | 'system-error';

export interface CdrSink {
  /** A connection that routed `verb`, chosen round-robin, or undefined. */
  select(verb: string): { send(payload: string): void } | undefined;
}

export class CdrEmitter {
  constructor(private readonly sink: CdrSink) {}

  attempt(source: 'network' | 'application', message: SipMessage): void {
    this.emit('attempt', source, undefined, message);
  }

  start(source: 'network' | 'application', role: CdrRole, message: SipMessage): void {
    this.emit('start', source, role, message);
  }

  stop(source: 'network' | 'application', reason: CdrStopReason, message: SipMessage): void {
    this.emit('stop', source, reason, message);
  }

  private emit(
    kind: 'attempt' | 'start' | 'stop',
    source: WireSource,
    extra: string | undefined,
    message: SipMessage,
  ): void {
    const conn = this.sink.select(`cdr:${kind}`);
    if (conn === undefined) {
      return;
    }
    const time = wireTime(new Date());
    const event: WireCdrEvent =
      kind === 'attempt'
        ? { kind, source, time }
        : kind === 'start'
          ? { kind, source, time, role: (extra ?? 'uas') as CdrRole }
          : { kind, source, time, reason: extra ?? 'normal-release' };
    conn.send(formatCdrFrame(event, serializeMessage(message).toString('utf8')));
  }
}
