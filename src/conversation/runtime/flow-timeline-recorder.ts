/**
 * The one place a running flow writes its timeline: typed entries, the redaction policy applied here and only
 * here, so no step can append a clear transcript, digit string or NIR by mistake.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { CallTimeline, TimelineEntryType } from '../../store/call-timeline.js';
import type { CollectDigitsOutcome, ListenOutcome } from './call-port.js';
import type { FlowClassification } from './flow-context.js';
import { maskDigits, redactTranscript, type TranscriptPolicy } from './timeline-redaction.js';

/** Why the runtime (not the flow) decided: the flow's own transfer/hangup, or one of the backstops. */
export type DecisionReason =
  | 'flow'
  | 'caller-hangup'
  | 'max-turns'
  | 'max-duration'
  | 'flow-error'
  | 'flow-stopped'
  | 'flow-stuck'
  | 'transfer-failed';

const round = (value: number): number => Math.round(value * 1000) / 1000;

export class FlowTimelineRecorder {
  constructor(
    private readonly timeline: CallTimeline,
    readonly policy: TranscriptPolicy,
    private readonly now: () => number,
  ) {}

  private append(type: TimelineEntryType, data: Record<string, unknown>): void {
    try {
      this.timeline.append({ at: this.now(), type, data });
    } catch {
      // CallTimeline.append must not throw; a faulty one still never breaks the call.
    }
  }

  /** Entries written by actions wait here: XState runs a transition's actions before it reports the state the
   * transition leads to, and a note belongs after the state change it was written in. */
  private deferred: ((state: string | null) => void)[] = [];

  state(from: string | null, to: string, trigger: string): void {
    this.append('state', { from, to, trigger });
  }

  /** Writes an entry once the current transition's target state is known (`flushDeferred`). */
  defer(write: (state: string | null) => void): void {
    this.deferred.push(write);
  }

  flushDeferred(state: string | null): void {
    const pending = this.deferred;
    this.deferred = [];
    for (const write of pending) {
      write(state);
    }
  }

  /** `text` must already be rendered against the redacted scope (`timeline-redaction.ts`). */
  prompt(id: string, text: string, bargeIn: boolean): void {
    this.append('prompt', { id, text, bargeIn });
  }

  listenResult(outcome: ListenOutcome, language: ConversationLanguage, grammar: string): void {
    switch (outcome.kind) {
      case 'speech':
        this.append('recognition', {
          kind: 'speech',
          grammar,
          transcript: redactTranscript(outcome.transcript, this.policy, language),
          confidence: round(outcome.confidence),
          provider: outcome.provider,
          latencyMs: outcome.latencyMs,
        });
        return;
      case 'dtmf':
        // One key answering a menu is a choice, not an identifier: kept readable.
        this.append('recognition', { kind: 'dtmf', grammar, key: outcome.digit });
        return;
      case 'error':
        this.append('recognition', { kind: 'error', grammar, errorKind: outcome.errorKind });
        return;
      default:
        this.append('recognition', { kind: outcome.kind, grammar });
    }
  }

  /** Digit entries are identifiers: masked whatever the policy, spoken or keyed. */
  digitsResult(outcome: CollectDigitsOutcome): void {
    switch (outcome.kind) {
      case 'keys':
        this.append('recognition', { kind: 'dtmf', grammar: 'digits', digits: maskDigits(outcome.digits) });
        return;
      case 'speech':
        this.append('recognition', {
          kind: 'speech',
          grammar: 'digits',
          transcript: maskDigits(outcome.transcript),
        });
        return;
      default:
        this.append('recognition', { kind: outcome.kind, grammar: 'digits' });
    }
  }

  classification(classification: FlowClassification, source: string): void {
    const scores: Record<string, number> = {};
    for (const [intent, score] of Object.entries(classification.scores).sort((a, b) => b[1] - a[1])) {
      scores[intent] = round(score);
    }
    this.append('classification', {
      source,
      intent: classification.intent,
      confidence: round(classification.confidence),
      runnerUp:
        classification.runnerUp === null
          ? null
          : { intent: classification.runnerUp.intent, confidence: round(classification.runnerUp.confidence) },
      outOfScope: classification.outOfScope,
      asksForAgent: classification.asksForAgent,
      scores,
    });
  }

  decision(data: {
    outcome: 'transfer' | 'callback' | 'hangup';
    target: string | null;
    reason: DecisionReason;
    intent: string | null;
    detail?: string;
  }): void {
    this.append('decision', { ...data });
  }

  /** A routing decision with its reasons record (rules fired, every group looked at with its load and wait). */
  routing(data: Record<string, unknown>): void {
    this.append('routing', data);
  }

  /** A callback offer's steps and outcome (the number masked, never in clear). */
  callback(data: Record<string, unknown>): void {
    this.append('callback', data);
  }

  /** `message` must hold no personal data (error messages of the runtime's own steps do not). */
  error(data: { state: string | null; message: string; errorKind?: string; code?: string }): void {
    this.append('error', { ...data });
  }

  note(text: string, state: string | null): void {
    this.append('note', { text, state });
  }
}
