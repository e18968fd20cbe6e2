/**
 * One call record per call, written when the call ends (docs/call-records.md): what the conversation decided, the
 * SIP end, recognition figures, routing priority — and the caller's number only hashed and masked. The figures are
 * gathered while the call runs: listen results (recognition stats), the call's timeline entries (intents classified,
 * routing decisions and hand-overs), the flow's result, then the SIP end, which writes the record.
 */
import type { Logger } from 'pino';
import type { AppRouting } from './app-routing.js';
import type { ListenResult } from './conversation/listen-turn.js';
import type { FlowRunResult } from './conversation/runtime/flow-runtime.js';
import type { CallSummary } from './sip/call/sip-app-types.js';
import type { CallTimeline, TimelineEntry } from './store/call-timeline.js';
import type { CallOutcome, CallbackAttemptRecord, InboundCallRecord } from './store/call-record-types.js';

interface LiveCallFacts {
  readonly callId: string;
  readonly number: string;
  readonly callerNumber: string | null;
  readonly language: string;
  readonly flowId: string;
  readonly flowVersion: string;
  readonly answeredAt: number;
  readonly intents: string[];
  turns: number;
  noMatch: number;
  noInput: number;
  errors: number;
  readonly providers: Record<string, number>;
  latencies: number[];
  group: string | null;
  transferMethod: 'refer' | 'bridge' | null;
  routedTo: 'transfer' | 'callback' | 'closed' | null;
  result: FlowRunResult | null;
  resultArrived: (() => void) | null;
}

/** How long the SIP end waits for the flow's result before writing the record without it, ms. */
const RESULT_GRACE_MS = 3000;

const SIP_END: Readonly<Record<CallSummary['reason'], string>> = {
  rejected: 'rejected',
  cancelled: 'cancel',
  'remote-hangup': 'bye-caller',
  'ack-timeout': 'ack-timeout',
  'max-duration': 'bye-ivr-max-duration',
  'media-rejected': 'media-rejected',
  shutdown: 'bye-ivr-shutdown',
  transferred: 'transferred',
  completed: 'bye-ivr',
  error: 'error',
};

export class CallRecorder {
  private readonly calls = new Map<string, LiveCallFacts>();
  private readonly pending = new Set<Promise<void>>();
  private readonly log: Logger;

  constructor(
    private readonly routing: AppRouting,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'call-records' });
  }

  callStarted(call: {
    callId: string;
    number: string;
    callerNumber: string | null;
    language: string;
    flowId: string;
    flowVersion: string;
  }): void {
    this.calls.set(call.callId, {
      ...call,
      answeredAt: Date.now(),
      intents: [],
      turns: 0,
      noMatch: 0,
      noInput: 0,
      errors: 0,
      providers: {},
      latencies: [],
      group: null,
      transferMethod: null,
      routedTo: null,
      result: null,
      resultArrived: null,
    });
  }

  listened(callId: string, result: ListenResult): void {
    const facts = this.calls.get(callId);
    if (facts === undefined) {
      return;
    }
    facts.turns += 1;
    switch (result.kind) {
      case 'speech':
        facts.providers[result.provider] = (facts.providers[result.provider] ?? 0) + 1;
        if (result.latencyMs !== null) {
          facts.latencies.push(result.latencyMs);
        }
        break;
      case 'dtmf':
        facts.providers.dtmf = (facts.providers.dtmf ?? 0) + 1;
        break;
      case 'no-input':
        facts.noInput += 1;
        break;
      case 'no-match':
        facts.noMatch += 1;
        break;
      case 'error':
        facts.errors += 1;
        break;
    }
  }

  /** The call's timeline, observed on its way to `inner` (intents, routing, hand-over). */
  observeTimeline(callId: string, inner: CallTimeline | undefined): CallTimeline {
    return {
      append: (entry: TimelineEntry) => {
        this.observe(callId, entry);
        inner?.append(entry);
      },
      flush: () => inner?.flush() ?? Promise.resolve(),
    };
  }

  private observe(callId: string, entry: TimelineEntry): void {
    const facts = this.calls.get(callId);
    if (facts === undefined) {
      return;
    }
    const data = entry.data;
    if (entry.type === 'classification' && typeof data.intent === 'string') {
      facts.intents.push(data.intent);
    } else if (entry.type === 'routing') {
      if (typeof data.handedOver === 'string') {
        facts.group = data.handedOver;
        facts.transferMethod = data.method === 'bridge' ? 'bridge' : 'refer';
      } else if (data.decision === 'transfer' || data.decision === 'callback' || data.decision === 'closed') {
        facts.routedTo = data.decision;
        if (typeof data.group === 'string') {
          facts.group = data.group;
        }
      }
    }
  }

  conversationEnded(callId: string, result: FlowRunResult): void {
    const facts = this.calls.get(callId);
    if (facts === undefined) {
      return;
    }
    facts.result = result;
    facts.resultArrived?.();
  }

  /** The SIP end: the record is written (after the flow's result, or without it after a grace time). */
  callEnded(summary: CallSummary): void {
    const write = this.writeCall(summary).finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private async writeCall(summary: CallSummary): Promise<void> {
    const facts = this.calls.get(summary.callId);
    if (facts === undefined) {
      return; // never answered with a conversation (rejected, cancelled, media test line)
    }
    if (facts.result === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RESULT_GRACE_MS);
        facts.resultArrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.calls.delete(summary.callId);
    const trace = this.routing.trace(summary.callId);
    this.routing.forget(summary.callId);
    const endedAt = Date.now();
    const result = facts.result;
    const record: InboundCallRecord = {
      kind: 'call',
      callId: summary.callId,
      callbackId: result?.callbackId ?? null,
      attempt: null,
      numberHash: this.routing.hashNumber(facts.callerNumber),
      numberMasked: this.routing.masked(facts.callerNumber),
      dialledNumber: facts.number,
      startedAt: new Date(endedAt - summary.durationMs).toISOString(),
      answeredAt: new Date(facts.answeredAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationMs: Math.round(summary.durationMs),
      flowId: facts.flowId,
      flowVersion: result?.flowVersion ?? facts.flowVersion,
      language: facts.language,
      intents: facts.intents,
      finalIntent: trace?.finalIntent ?? result?.intent ?? null,
      outcome: outcomeOf(result, summary, facts),
      group:
        result?.outcome === 'transfer'
          ? (result.target ?? facts.group)
          : (facts.group ?? trace?.group ?? null),
      transferMethod: result?.outcome === 'transfer' ? facts.transferMethod : null,
      priority: trace?.priority ?? 0,
      priorityReasons: trace?.priorityReasons ?? [],
      recognition: {
        turns: facts.turns,
        noMatch: facts.noMatch,
        noInput: facts.noInput,
        errors: facts.errors,
        providers: facts.providers,
        meanLatencyMs:
          facts.latencies.length === 0
            ? null
            : Math.round(facts.latencies.reduce((a, b) => a + b, 0) / facts.latencies.length),
      },
      sipEndReason: SIP_END[summary.reason],
    };
    await this.routing.writeRecord(record);
    this.log.debug({ callId: summary.callId, outcome: record.outcome }, 'call record written');
  }

  /** A callback attempt's record (the dialer writes one per attempt). */
  attempt(record: CallbackAttemptRecord): void {
    const write = this.routing.writeRecord(record).finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

function outcomeOf(result: FlowRunResult | null, summary: CallSummary, facts: LiveCallFacts): CallOutcome {
  if (result === null) {
    if (summary.reason === 'transferred') {
      return 'transferred';
    }
    return summary.reason === 'remote-hangup' ? 'abandoned' : 'failed';
  }
  switch (result.outcome) {
    case 'transfer':
      return 'transferred';
    case 'callback':
      return 'callback-booked';
    case 'hangup':
      if (result.reason === 'caller-hangup') {
        return 'abandoned';
      }
      if (result.reason !== 'flow') {
        return 'failed';
      }
      if (facts.routedTo === 'callback' || facts.routedTo === 'closed') {
        return 'closed';
      }
      return facts.routedTo === null && result.intent === 'certificate' ? 'self-service' : 'hung-up';
  }
}
