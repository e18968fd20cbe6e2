/**
 * One call as its flow's steps see it: the call port, wrapped so that every turn is counted (the `maxTurns`
 * backstop), every recognition result reaches the timeline (redacted), and nothing reaches the call once the run
 * is over (a step still in flight when the caller hung up, or when the runtime took over, fails quietly with
 * `AIG_ERR_FLOW_STOPPED` instead of speaking to a call that has moved on).
 *
 * It also carries what the runtime must know at the end: the decision (transfer or hangup) a step made.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { AigError } from '../../errors/aig-error.js';
import type {
  CallPort,
  CollectDigitsOutcome,
  CollectDigitsRequest,
  ListenOutcome,
  ListenRequest,
  SayOutcome,
  SayRequest,
  TransferOutcome,
  TransferRequest,
} from './call-port.js';
import { asksForCallback } from '../../understanding/entities/callback-request.js';
import { findVulnerability, type VulnerabilityKind } from '../../understanding/entities/vulnerability.js';
import type { ListenResultKind } from './flow-context.js';
import type { DecisionReason, FlowTimelineRecorder } from './flow-timeline-recorder.js';

export interface FlowDecision {
  readonly outcome: 'transfer' | 'callback' | 'hangup';
  readonly target: string | null;
  readonly reason: DecisionReason;
}

export class FlowCallSession {
  /** Listen and digit-entry turns started. */
  turns = 0;
  lastResult: ListenResultKind | null = null;
  /** Last speech transcript (listen or spoken digits). */
  transcript: string | null = null;
  decision: FlowDecision | null = null;
  /** Turns that gave nothing usable (no-input, no-match, recognizer error, invalid digits): priority policy. */
  recognitionFailures = 0;
  /** The first vulnerability the caller declared (kind only: the words are health data). */
  vulnerability: VulnerabilityKind | null = null;
  /** The caller asked to be called back ("rappelez-moi"): `route` passes it on, the flow books instead of queueing. */
  callbackRequested = false;
  /** A callback booked during the call (`offerCallback`). */
  callbackId: string | null = null;
  /** A transfer or hangup is in progress on the port: the backstops wait for it rather than race it. */
  decisionInProgress = false;
  private stopped = false;

  constructor(
    readonly port: CallPort,
    readonly recorder: FlowTimelineRecorder,
    private readonly maxTurns: number,
    /** Called once when a step would start turn `maxTurns + 1`; the runtime takes over. */
    private readonly onTurnLimit: () => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The run is over: later port calls from steps in flight are refused. */
  stop(): void {
    this.stopped = true;
  }

  private ensureRunning(): void {
    // After a transfer or hangup the call has left the IVR, even if the machine has not reached its end yet.
    if (this.stopped || this.decision !== null) {
      throw new AigError(
        'AIG_ERR_FLOW_STOPPED',
        'the call has moved on (hung up, transferred or over a limit)',
      );
    }
  }

  private beginTurn(): void {
    this.ensureRunning();
    if (this.turns >= this.maxTurns) {
      this.onTurnLimit();
      this.stop();
      throw new AigError('AIG_ERR_FLOW_STOPPED', `more than ${this.maxTurns} turns`);
    }
    this.turns += 1;
  }

  async say(request: SayRequest): Promise<SayOutcome> {
    this.ensureRunning();
    const outcome = await this.port.say(request);
    this.ensureRunning();
    return outcome;
  }

  async listen(request: ListenRequest): Promise<ListenOutcome> {
    this.beginTurn();
    const outcome = await this.port.listen(request);
    this.ensureRunning();
    this.lastResult = outcome.kind;
    if (outcome.kind === 'speech') {
      this.transcript = outcome.transcript;
      this.vulnerability ??= findVulnerability(outcome.transcript, request.language)?.kind ?? null;
      this.callbackRequested ||= asksForCallback(outcome.transcript, request.language);
    } else if (outcome.kind !== 'dtmf') {
      this.recognitionFailures += 1;
    }
    this.recorder.listenResult(outcome, request.language, request.grammar);
    return outcome;
  }

  async collectDigits(request: CollectDigitsRequest): Promise<CollectDigitsOutcome> {
    this.beginTurn();
    const outcome = await this.port.collectDigits(request);
    this.ensureRunning();
    this.lastResult = outcome.kind === 'keys' ? 'dtmf' : outcome.kind;
    if (outcome.kind === 'no-input') {
      this.recognitionFailures += 1;
    }
    this.recorder.digitsResult(outcome);
    return outcome;
  }

  recognizerAvailable(language: ConversationLanguage): boolean {
    return this.port.recognizerAvailable(language);
  }

  /** A transfer the flow asked for; records the decision when it succeeds. */
  async transfer(request: TransferRequest, reason: DecisionReason = 'flow'): Promise<TransferOutcome> {
    this.ensureRunning();
    this.decisionInProgress = true;
    try {
      const outcome = await this.port.transfer(request);
      if (outcome.status === 'transferred') {
        this.decision = { outcome: 'transfer', target: request.target, reason };
      }
      return outcome;
    } finally {
      this.decisionInProgress = false;
    }
  }

  async hangup(reason: DecisionReason = 'flow'): Promise<void> {
    this.ensureRunning();
    this.decisionInProgress = true;
    try {
      await this.port.hangup();
      this.decision = { outcome: 'hangup', target: null, reason };
    } finally {
      this.decisionInProgress = false;
    }
  }
}
