/**
 * The conversation of a callback the IVR places (contre-appel): the citizen answers, hears who is calling back
 * and why ("Bonjour, ici l’Assurance Maladie. Vous nous avez demandé de vous rappeler au sujet de votre carte
 * Vitale…"), says yes or presses 1, and is transferred to the agent group with the context of the original call;
 * no, 2, or nothing at all ends politely. The prompts are the booking flow's (`callbackCallIntro`,
 * `callbackCallDeclined`, `callbackCallNoAnswer`, `topic_<intent>`, `transferring`), in the language of the
 * original call; the yes/no and the transfer are the flow runtime's own steps, so they behave exactly as in the
 * flow (voice or keys, corrections, fallbacks to the next group, the timeline).
 */
import type { ConversationLanguage } from '../config/config-types.js';
import type { CallTimeline } from '../store/call-timeline.js';
import type { LoadedFlow } from './flow/flow-types.js';
import type { CallPort } from './runtime/call-port.js';
import { runConfirmStep } from './runtime/confirm-step.js';
import { FlowCallSession } from './runtime/flow-call-session.js';
import { initialFlowContext, type FlowContext } from './runtime/flow-context.js';
import type { FlowRouting } from './runtime/flow-routing.js';
import { FlowStepError } from './runtime/flow-step-error.js';
import { DEFAULT_LISTEN_DEFAULTS, type FlowStepEnvironment } from './runtime/flow-step-types.js';
import { FlowTimelineRecorder } from './runtime/flow-timeline-recorder.js';
import { resolvePrompts } from './runtime/flow-prompts.js';
import { runTransferStep } from './runtime/transfer-step.js';

export interface CallbackConversationRequest {
  readonly callbackId: string;
  readonly groupId: string;
  readonly language: ConversationLanguage;
  readonly intent: string | null;
}

export type CallbackConversationOutcome =
  | { readonly outcome: 'transferred'; readonly group: string; readonly method: 'refer' | 'bridge' }
  | { readonly outcome: 'declined' | 'no-response' | 'hung-up' }
  | { readonly outcome: 'failed'; readonly reason: string };

export interface CallbackConversationOptions {
  readonly routing: FlowRouting;
  readonly timeline?: CallTimeline;
  /** @default Date.now */
  readonly now?: () => number;
}

const NO_TIMELINE: CallTimeline = { append: () => undefined, flush: () => Promise.resolve() };

/** Yes/no questions before giving up on a silent citizen. */
const MAX_TURNS = 4;

export async function runCallbackConversation(
  flow: LoadedFlow,
  port: CallPort,
  request: CallbackConversationRequest,
  options: CallbackConversationOptions,
): Promise<CallbackConversationOutcome> {
  const recorder = new FlowTimelineRecorder(
    options.timeline ?? NO_TIMELINE,
    'redact',
    options.now ?? Date.now,
  );
  const session = new FlowCallSession(port, recorder, MAX_TURNS, () => undefined);
  const env: FlowStepEnvironment = {
    flow,
    session,
    callId: port.callId,
    groups: {},
    routing: options.routing,
    listenDefaults: DEFAULT_LISTEN_DEFAULTS,
    fetch: globalThis.fetch,
  };
  const language = flow.settings.languages.includes(request.language)
    ? request.language
    : (flow.settings.languages[0] ?? request.language);
  const texts = flow.prompts[language] ?? {};
  const topicId = `topic_${request.intent ?? 'agent'}`;
  const topic = texts[topicId] ?? texts.topic_agent ?? '';
  const base = initialFlowContext({ language, number: port.number, vars: {} });
  const context: FlowContext = {
    ...base,
    intent: request.intent,
    lastQualifiedIntent: request.intent,
    callback: { topic, callbackId: request.callbackId },
  };
  const scope = { context, event: { type: 'callback' } };
  recorder.callback({ status: 'answered', callbackId: request.callbackId, group: request.groupId });
  const citizenHungUp = port.hungUp.then(() => ({ outcome: 'hung-up' }) as const);
  // The IVR's media also closes when a bridge takes the call (and when we hang up): that step's completion
  // decides then, not this (as `FlowRuntime.onCallerHangup` does for inbound calls). Otherwise a callback bridged
  // to its group ended as `hung-up`, was recorded `no-response`, and retried.
  const hungUp = citizenHungUp.then((outcome) =>
    session.decisionInProgress || session.decision !== null ? new Promise<never>(() => undefined) : outcome,
  );
  const sayAndHangUp = async (id: string): Promise<void> => {
    const prompts = resolvePrompts(flow, language, [id], scope, recorder, false);
    await session.say({ prompts, language, bargeIn: false });
    await port.hangup();
  };
  const converse = async (): Promise<CallbackConversationOutcome> => {
    const answer = await runConfirmStep(env, { args: { prompts: ['callbackCallIntro'], retries: 2 }, scope });
    if (answer.answer === 'no') {
      await sayAndHangUp('callbackCallDeclined');
      return { outcome: 'declined' };
    }
    if (answer.answer !== 'yes') {
      await sayAndHangUp('callbackCallNoAnswer');
      return { outcome: 'no-response' };
    }
    try {
      const done = await runTransferStep(env, {
        args: { target: request.groupId, prompts: ['transferring'] },
        scope,
      });
      return { outcome: 'transferred', group: done.group, method: done.method };
    } catch (err) {
      const reason = err instanceof FlowStepError ? `${err.errorKind}: ${err.message}` : String(err);
      await sayAndHangUp('callbackCallNoAnswer');
      return { outcome: 'failed', reason };
    }
  };
  try {
    const result = await Promise.race([converse(), hungUp]);
    recorder.callback({ status: result.outcome, callbackId: request.callbackId });
    return result;
  } catch (err) {
    // The citizen hung up during a step (the port refuses further requests), or a step failed unexpectedly.
    const outcome = await Promise.race([citizenHungUp, Promise.resolve(null)]);
    if (outcome !== null) {
      return outcome;
    }
    return { outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
  } finally {
    session.stop();
    await options.timeline?.flush();
  }
}
