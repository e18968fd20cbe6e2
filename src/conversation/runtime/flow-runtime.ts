/**
 * Runs one call through its flow: one XState actor per call, from the first prompt to the decision.
 *
 * The flow decides (a `transfer` or `hangup` step), but the runtime guarantees that every call ends somewhere
 * sensible, whatever the flow does (`docs/flow-format.md`, "Runtime guarantees"):
 *   - `maxTurns`: the step that would start one turn too many is refused and the call goes to `fallbackTarget`;
 *   - `maxDurationSeconds`: a timer outside the machine does the same (it waits for a transfer or hangup already
 *     under way rather than racing it);
 *   - a step failure the flow does not handle (`onError`), an exception in the runtime, a machine that stops
 *     without having transferred or hung up, or one that waits for nothing (no step running, no delay pending:
 *     nothing will ever send it an event): the call goes to `fallbackTarget`, the timeline says why;
 *   - if even that transfer fails (or `fallbackTarget` is not a configured group), the call is hung up;
 *   - the caller hanging up (`port.hungUp`) stops the actor at once.
 *
 * The port is shared with the live call wiring: when the runtime takes over while a step is still waiting on the
 * port (a listen when the duration runs out), it calls `transfer` with that step pending; the session refuses
 * anything the stopped step tries afterwards.
 */
import { createActor, type AnyActorRef, type AnyStateMachine, type InspectionEvent } from 'xstate';
import type { AgentGroupConfig, ConversationLanguage } from '../../config/config-types.js';
import { isAigError } from '../../errors/aig-error.js';
import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.js';
import type { CallTimeline } from '../../store/call-timeline.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import type { CallPort, TransferRequest } from './call-port.js';
import { FlowCallSession, type FlowDecision } from './flow-call-session.js';
import { initialFlowContext, type FlowContext } from './flow-context.js';
import { callContext, flowMachine, statePath } from './flow-machine.js';
import { errorKindOf } from './flow-step-error.js';
import type { FlowRouting } from './flow-routing.js';
import { DEFAULT_LISTEN_DEFAULTS, type FlowStepEnvironment, type ListenDefaults } from './flow-step-types.js';
import { FlowTimelineRecorder, type DecisionReason } from './flow-timeline-recorder.js';
import type { TranscriptPolicy } from './timeline-redaction.js';
import { transferContext } from './transfer-step.js';

/** The pino subset the runtime logs with (a call's child logger). */
export interface FlowLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface FlowRunOptions {
  /** Static agent groups by id: transfer targets when there is no `routing` (simulator). */
  readonly groups: Readonly<Record<string, AgentGroupConfig>>;
  /** Routing and callbacks (live calls). @default none: transfers go to `groups` */
  readonly routing?: FlowRouting;
  /** Language the call starts in (the dialled number's). @default the flow's first language */
  readonly language?: ConversationLanguage;
  /** Values for the flow's variables (server config `flows.variables.<flow id>`). @default {} */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Where the call's timeline goes. @default none (entries are dropped) */
  readonly timeline?: CallTimeline;
  /** Whether transcripts reach the timeline (`redact`: never). Digits and NIRs are always masked. @default 'redact' */
  readonly transcripts?: TranscriptPolicy;
  /** Listen timings for states that do not give their own. @default DEFAULT_LISTEN_DEFAULTS */
  readonly listenDefaults?: Partial<ListenDefaults>;
  /** Timers (`maxDurationSeconds`) and `durationMs`. @default systemClock */
  readonly clock?: Clock;
  /** Wall clock of timeline entries, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** HTTP client of `lookup` steps. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The call's logger. @default none */
  readonly logger?: FlowLogger;
}

export interface FlowRunResult {
  /** `callback`: the call ended after a callback was booked. */
  readonly outcome: 'transfer' | 'callback' | 'hangup';
  /** The callback booked during the call, if any. */
  readonly callbackId: string | null;
  /** Turns that gave nothing usable (no-input, no-match, recognizer errors). */
  readonly recognitionFailures: number;
  /** Group id for a transfer; null for a hangup. */
  readonly target: string | null;
  /** The call's intent at the end (`context.intent`), null when never qualified. */
  readonly intent: string | null;
  /** Listen and digit-entry turns. */
  readonly turns: number;
  readonly durationMs: number;
  /** Who decided: the flow (`flow`), or the backstop that took over and why. */
  readonly reason: DecisionReason;
  readonly flowId: string;
  readonly flowVersion: string;
}

const NO_TIMELINE: CallTimeline = { append: () => undefined, flush: () => Promise.resolve() };

/** When a backstop fires while the flow's own transfer or hangup is under way, look again after this, ms. */
const DECISION_GRACE_MS = 1000;

/** Runs `flow` on the call behind `port`; resolves once the call is transferred or hung up. Never rejects. */
export function runFlow(flow: LoadedFlow, port: CallPort, options: FlowRunOptions): Promise<FlowRunResult> {
  return new FlowRun(flow, port, options).start();
}

class FlowRun {
  private environment: FlowStepEnvironment | undefined;
  private readonly clock: Clock;
  private readonly recorder: FlowTimelineRecorder;
  private readonly session: FlowCallSession;
  private readonly startedAt: number;
  private actor: AnyActorRef | null = null;
  private currentState: string | null = null;
  private lastContext: FlowContext;
  private durationTimer: TimerHandle | null = null;
  private takingOver = false;
  private settled = false;
  private resolveResult: (result: FlowRunResult) => void = () => undefined;

  constructor(
    private readonly flow: LoadedFlow,
    private readonly port: CallPort,
    private readonly options: FlowRunOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.recorder = new FlowTimelineRecorder(
      options.timeline ?? NO_TIMELINE,
      options.transcripts ?? 'redact',
      options.now ?? Date.now,
    );
    this.session = new FlowCallSession(port, this.recorder, flow.settings.maxTurns, () => {
      // Called from inside a step that XState may still be starting: take over once it has returned.
      queueMicrotask(() => void this.takeOver('max-turns', `more than ${flow.settings.maxTurns} turns`));
    });
    const languages = flow.settings.languages;
    this.lastContext = initialFlowContext({
      language: languages.find((language) => language === options.language) ?? languages[0] ?? 'fr',
      number: port.number,
      vars: { ...flow.settings.variables, ...(options.variables ?? {}) },
    });
  }

  start(): Promise<FlowRunResult> {
    const result = new Promise<FlowRunResult>((resolve) => {
      this.resolveResult = resolve;
    });
    void this.port.hungUp.then(() => this.onCallerHangup());
    let machine: AnyStateMachine;
    try {
      machine = flowMachine(this.flow);
    } catch (err) {
      void this.takeOver('flow-error', describe(err), err);
      return result;
    }
    this.armDurationTimer(this.flow.settings.maxDurationSeconds * 1000);
    try {
      const input = callContext(this.lastContext, this.stepEnvironment());
      const actor = createActor(machine, {
        id: this.flow.id,
        input,
        inspect: (event) => this.inspect(event),
      });
      this.actor = actor;
      // The initial state is known before any step starts (a machine without eventless transitions at the start
      // reports no microstep for it).
      this.recordState(statePath((actor.getSnapshot() as { value: unknown }).value), 'xstate.init');
      actor.subscribe({
        next: (snapshot) =>
          this.onSnapshot(
            snapshot as { status: string; context: FlowContext; children?: Record<string, unknown> },
          ),
        error: (err: unknown) => void this.takeOver('flow-error', describe(err), err),
      });
      actor.start();
    } catch (err) {
      void this.takeOver('flow-error', describe(err), err);
    }
    return result;
  }

  private inspect(event: InspectionEvent): void {
    if (event.actorRef.sessionId !== event.rootId || this.settled) {
      return;
    }
    try {
      if (event.type === '@xstate.microstep' || event.type === '@xstate.snapshot') {
        const snapshot = event.snapshot as { value?: unknown };
        if (snapshot.value !== undefined) {
          this.recordState(statePath(snapshot.value), event.event.type);
        }
        this.recorder.flushDeferred(this.currentState);
      } else if (event.type === '@xstate.event' && event.event.type.startsWith('xstate.error.actor.')) {
        const error = (event.event as { error?: unknown }).error;
        if (!isAigError(error, 'AIG_ERR_FLOW_STOPPED')) {
          this.recorder.error({
            state: this.currentState,
            message: describe(error),
            errorKind: errorKindOf(error),
            ...(isAigError(error) ? { code: error.code } : {}),
          });
        }
      }
    } catch {
      // The timeline is an observer: never a reason for the call to fail.
    }
  }

  private recordState(to: string, trigger: string): void {
    if (to !== this.currentState) {
      this.recorder.state(this.currentState, to, trigger);
      this.currentState = to;
    }
  }

  private onSnapshot(snapshot: {
    status: string;
    context: FlowContext;
    children?: Record<string, unknown>;
  }): void {
    this.lastContext = snapshot.context;
    if (this.settled || this.takingOver) {
      return;
    }
    if (this.session.decision !== null) {
      this.finish(this.session.decision);
    } else if (snapshot.status === 'done') {
      void this.takeOver('flow-stopped', 'the flow reached a final state without a transfer or a hangup');
    } else if (snapshot.status === 'active' && this.isWaitingForNothing(snapshot)) {
      void this.takeOver(
        'flow-stuck',
        `state "${this.currentState ?? '?'}" runs no step and waits for no delay`,
      );
    }
  }

  /** No step running and no delayed event pending: only the flow's steps and delays ever send it events. */
  private isWaitingForNothing(snapshot: { children?: Record<string, unknown> }): boolean {
    if (Object.keys(snapshot.children ?? {}).length > 0 || this.actor === null) {
      return false;
    }
    const system = this.actor.system as {
      getSnapshot?: () => { _scheduledEvents?: Record<string, unknown> };
    };
    const scheduled = system.getSnapshot?.()._scheduledEvents;
    return scheduled !== undefined && Object.keys(scheduled).length === 0;
  }

  private armDurationTimer(ms: number): void {
    this.durationTimer = this.clock.setTimeout(() => {
      this.durationTimer = null;
      if (this.session.decisionInProgress) {
        this.armDurationTimer(DECISION_GRACE_MS);
        return;
      }
      void this.takeOver('max-duration', `longer than ${this.flow.settings.maxDurationSeconds} s`);
    }, ms);
  }

  private stopActor(): void {
    this.session.stop();
    this.durationTimer?.cancel();
    this.durationTimer = null;
    if (this.actor !== null) {
      this.lastContext = (this.actor.getSnapshot() as { context: FlowContext }).context;
      try {
        this.actor.stop();
      } catch {
        // Already stopped or errored: nothing left to stop.
      }
    }
  }

  private onCallerHangup(): void {
    // Our own hangup or transfer ends the call too: that step's completion decides, not this.
    if (
      this.settled ||
      this.takingOver ||
      this.session.decisionInProgress ||
      this.session.decision !== null
    ) {
      return;
    }
    this.stopActor();
    this.finish({ outcome: 'hangup', target: null, reason: 'caller-hangup' });
  }

  /** A backstop decides instead of the flow: transfer to `fallbackTarget`, else hang up. */
  private async takeOver(reason: DecisionReason, detail: string, error?: unknown): Promise<void> {
    if (this.settled || this.takingOver) {
      return;
    }
    this.takingOver = true;
    this.stopActor();
    this.recorder.error({
      state: this.currentState,
      message: `${reason}: ${detail}`,
      ...(error !== undefined ? { errorKind: errorKindOf(error) } : {}),
      ...(isAigError(error) ? { code: error.code } : {}),
    });
    this.options.logger?.warn(
      { reason, state: this.currentState, flow: this.flow.id },
      `flow backstop: ${detail}`,
    );
    const target = this.flow.settings.fallbackTarget;
    const requests = this.fallbackRequests(target);
    let transferred = false;
    if (requests.length === 0) {
      this.recorder.error({
        state: this.currentState,
        message: `fallback group "${target}" is not configured`,
      });
    }
    for (const request of requests) {
      try {
        const outcome = await this.port.transfer(request);
        if (outcome.status === 'transferred') {
          transferred = true;
          this.options.routing?.handedOver(request.target, this.port.callId);
          break;
        }
        this.recorder.error({
          state: this.currentState,
          message: `fallback transfer to "${request.target}" failed: ${outcome.reason}`,
        });
      } catch (err) {
        this.recorder.error({
          state: this.currentState,
          message: `fallback transfer failed: ${describe(err)}`,
        });
        break;
      }
    }
    if (transferred) {
      this.finish({ outcome: 'transfer', target, reason });
      return;
    }
    try {
      await this.port.hangup();
    } catch (err) {
      this.options.logger?.error({ err: describe(err) }, 'hangup after a failed fallback transfer failed');
    }
    this.finish({
      outcome: 'hangup',
      target: null,
      reason: reason === 'caller-hangup' ? reason : 'transfer-failed',
    });
  }

  private stepEnvironment(): FlowStepEnvironment {
    this.environment ??= {
      flow: this.flow,
      session: this.session,
      callId: this.port.callId,
      groups: this.options.groups,
      ...(this.options.routing === undefined ? {} : { routing: this.options.routing }),
      listenDefaults: { ...DEFAULT_LISTEN_DEFAULTS, ...this.options.listenDefaults },
      fetch: this.options.fetch ?? globalThis.fetch,
    };
    return this.environment;
  }

  /** The fallback group, then its overflow chain (routing), or the static group (simulator). */
  private fallbackRequests(target: string): TransferRequest[] {
    const context = (personal: boolean) =>
      transferContext(this.lastContext, this.stepEnvironment(), null, personal);
    const routing = this.options.routing;
    if (routing === undefined) {
      const group = Object.hasOwn(this.options.groups, target) ? this.options.groups[target] : undefined;
      return group === undefined
        ? []
        : [
            {
              target,
              uris: [group.uri],
              mode: 'refer',
              fallbackToBridge: false,
              timeoutMs: 32_000,
              context: context(false),
            },
          ];
    }
    const first = routing.group(target);
    if (first === null) {
      return [];
    }
    const chain = [first, ...first.overflow.map((id) => routing.group(id)).filter((g) => g !== null)];
    return chain.map((group) => ({
      target: group.id,
      uris: group.uris,
      mode: group.transfer.mode,
      fallbackToBridge: group.transfer.fallbackToBridge,
      timeoutMs: group.transfer.timeoutMs,
      context: context(group.receivesPersonalData),
    }));
  }

  private finish(decision: FlowDecision): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    this.stopActor();
    const intent = this.lastContext.intent;
    this.recorder.flushDeferred(this.currentState);
    this.recorder.decision({
      outcome: decision.outcome,
      target: decision.target,
      reason: decision.reason,
      intent,
    });
    const callbackId = this.session.callbackId;
    const result: FlowRunResult = {
      outcome: callbackId !== null && decision.outcome === 'hangup' ? 'callback' : decision.outcome,
      callbackId,
      recognitionFailures: this.session.recognitionFailures,
      target: decision.target,
      intent,
      turns: this.session.turns,
      durationMs: Math.round(this.clock.now() - this.startedAt),
      reason: decision.reason,
      flowId: this.flow.id,
      flowVersion: this.flow.version,
    };
    this.options.logger?.info({ ...result, state: this.currentState }, 'flow decided');
    this.resolveResult(result);
  }
}

/** An error's message for the timeline (the runtime's errors carry no personal data). */
function describe(error: unknown): string {
  if (isAigError(error)) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
