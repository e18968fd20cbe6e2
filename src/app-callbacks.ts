/**
 * The callback dialer as the application runs it: when a booked callback is due, the BullMQ worker
 * (`src/store/callback-store.ts`, exactly once across IVR processes) hands the job here; the SIP app dials the
 * citizen through the gateway with our media; once answered, the callback conversation says who is calling back and
 * why and transfers to the group with the original context. The attempt's outcome goes back to the worker (which
 * retries busy / no answer / no response within opening hours) and into a call record.
 */
import type { Logger } from 'pino';
import type { AppRouting } from './app-routing.js';
import type { CallRecorder } from './app-call-records.js';
import type { AiguilleurConfig, ConversationLanguage } from './config/config-types.js';
import {
  runCallbackConversation,
  type CallbackConversationOutcome,
} from './conversation/callback-conversation.js';
import type { FlowRegistry } from './conversation/flow/flow-registry.js';
import { LiveCallPort } from './conversation/live/live-call-port.js';
import type { CallMediaSession } from './media/media-session-types.js';
import type { CallControl, CallMediaProvider, SipApp } from './sip/call/sip-app-types.js';
import type { ChainSession } from './speech/recognition/recognizer-chain.js';
import type { CallbackStore } from './store/callback-store.js';
import type { CallbackJob, DialResult } from './store/callback-types.js';
import type { CallbackAttemptOutcome } from './store/call-record-types.js';

/** What runs on a call once its media is up (the inbound conversation, or a callback's). */
export type CallSessionStarter = (
  call: Parameters<CallMediaProvider['reserve']>[0],
  session: CallMediaSession,
  control: CallControl,
  log: Logger,
) => void;

export interface CallbackDialingDeps {
  readonly config: AiguilleurConfig;
  readonly routing: AppRouting;
  readonly callbacks: CallbackStore;
  readonly sipApp: SipApp;
  readonly flows: FlowRegistry;
  readonly records: CallRecorder | undefined;
  readonly logger: Logger;
  /** A media provider whose answered sessions go to `onStart`. */
  readonly mediaFor: (onStart: CallSessionStarter) => CallMediaProvider;
  readonly recognitionFor: (language: ConversationLanguage, callId: string) => ChainSession | undefined;
}

export interface RunningCallbackDialing {
  stop(): Promise<void>;
}

const LANGUAGES: readonly ConversationLanguage[] = ['fr', 'en'];

function conversationResult(outcome: CallbackConversationOutcome): DialResult {
  switch (outcome.outcome) {
    case 'transferred':
      return 'transferred';
    case 'declined':
      return 'declined';
    case 'no-response':
    case 'hung-up':
      return 'no-response';
    case 'failed':
      return 'failed';
  }
}

export function startCallbackDialing(deps: CallbackDialingDeps): RunningCallbackDialing {
  const log = deps.logger.child({ component: 'callback-dialer' });
  const dialer = deps.callbacks.startDialing((job, signal) => dialCallback(deps, job, signal, log), {
    openIntervalsFor: (groupId) => {
      const group = deps.routing.current.groups.get(groupId);
      return group === undefined ? undefined : deps.routing.openIntervalsOf(group);
    },
    concurrency: deps.config.callbacks.concurrency,
  });
  log.info(
    { worker: dialer.workerName, concurrency: deps.config.callbacks.concurrency },
    'callback dialer started',
  );
  return { stop: () => dialer.stop() };
}

async function dialCallback(
  deps: CallbackDialingDeps,
  job: CallbackJob,
  signal: AbortSignal,
  log: Logger,
): Promise<DialResult> {
  const { config, routing } = deps;
  const language: ConversationLanguage = LANGUAGES.find((l) => l === job.language) ?? 'fr';
  const number = routing.serviceNumberFor(language, job.context.dialledNumber);
  const flowId =
    number === null ? config.flows.default : (config.numbers[number]?.flow ?? config.flows.default);
  const flow = deps.flows.get(flowId);
  const jobLog = log.child({ callbackId: job.callbackId, attempt: job.attempt, group: job.groupId });
  if (number === null || flow === undefined) {
    jobLog.error({ flow: flowId }, 'callback not dialled: no service number or flow for its language');
    return 'failed';
  }
  const startedAt = Date.now();
  let answeredAt: number | null = null;
  let conversation: Promise<CallbackConversationOutcome> | undefined;
  let controlOf: CallControl | undefined;
  let conversationStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    conversationStarted = resolve;
  });
  const media = deps.mediaFor((call, session, control) => {
    answeredAt = Date.now();
    controlOf = control;
    const recognition = deps.recognitionFor(language, call.callId);
    const port = new LiveCallPort({
      callId: call.callId,
      number,
      callerNumber: null,
      media: session,
      control,
      recognition: (l) => (l === language ? recognition : undefined),
    });
    conversation = runCallbackConversation(
      flow,
      port,
      { callbackId: job.callbackId, groupId: job.groupId, language, intent: job.intent },
      { routing: routing.forCall({ callId: call.callId, number, callerNumber: job.number }) },
    ).finally(() => {
      routing.forget(call.callId);
      void recognition?.close();
    });
    conversationStarted();
  });
  const abort = (): void => controlOf?.hangup();
  signal.addEventListener('abort', abort, { once: true });
  try {
    const outcome = await deps.sipApp.dial({
      to: job.number,
      from: { uri: config.callbacks.callerId, displayName: config.numbers[number]?.label ?? 'Aiguilleur' },
      headers: { 'X-Aiguilleur-Callback-Id': job.callbackId },
      ringSeconds: routing.current.callbacks.ringSeconds,
      number,
      media,
    });
    let result: DialResult;
    let detail: string;
    let transferred: { group: string; method: 'refer' | 'bridge' } | null = null;
    if (outcome.kind !== 'answered') {
      result = outcome.kind === 'failed' ? 'failed' : outcome.kind;
      detail = outcome.kind === 'failed' ? outcome.reason : String(outcome.status);
    } else {
      // The media starts right after the answer; the conversation then runs to its end.
      await Promise.race([started, outcome.ended]);
      const said = conversation === undefined ? null : await conversation;
      result = said === null ? 'no-response' : conversationResult(said);
      transferred = said?.outcome === 'transferred' ? { group: said.group, method: said.method } : null;
      detail = said === null ? 'hung up before the media started' : said.outcome;
    }
    jobLog.info({ result, detail, ms: Date.now() - startedAt }, 'callback attempt ended');
    deps.records?.attempt({
      kind: 'callback-attempt',
      callId: outcome.callId ?? `${job.callbackId}-${job.attempt}`,
      callbackId: job.callbackId,
      attempt: job.attempt,
      numberHash: job.numberHash === '' ? null : job.numberHash,
      numberMasked: routing.masked(job.number),
      dialledNumber: number,
      startedAt: new Date(startedAt).toISOString(),
      answeredAt: answeredAt === null ? null : new Date(answeredAt).toISOString(),
      endedAt: new Date().toISOString(),
      durationMs: Date.now() - startedAt,
      flowId: flow.id,
      flowVersion: flow.version,
      language,
      intents: job.intent === null ? [] : [job.intent],
      finalIntent: job.intent,
      outcome: result as CallbackAttemptOutcome,
      group: transferred?.group ?? job.groupId,
      transferMethod: transferred?.method ?? null,
      priority: job.priority,
      priorityReasons: [],
      recognition: { turns: 0, noMatch: 0, noInput: 0, errors: 0, providers: {}, meanLatencyMs: null },
      sipEndReason: detail,
    });
    return result;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
