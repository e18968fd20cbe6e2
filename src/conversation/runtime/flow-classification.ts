/**
 * Classification as flows use it: the flow's classifier for the call's language, its verdict reshaped for
 * guards (`asksForAgent`), and the scores written to the timeline. Before the flow's classifiers are trained,
 * `classifier()` throws `AIG_ERR_NLU_NOT_TRAINED`: the step fails and the flow's `onError` takes the caller to
 * the keypad (guard `errorKind {kind: "not-trained"}`).
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { AGENT_INTENT } from '../../understanding/phrase-set.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import type { FlowClassification } from './flow-context.js';
import type { FlowTimelineRecorder } from './flow-timeline-recorder.js';

export async function classifyUtterance(
  flow: LoadedFlow,
  language: ConversationLanguage,
  text: string,
  recorder: FlowTimelineRecorder,
  /** Which step asked (`listen`, `classify`, `confirm`), for the timeline. */
  source: string,
): Promise<FlowClassification> {
  const verdict = await flow.classifiers.classifier(language).classify(text);
  const classification: FlowClassification = {
    intent: verdict.intent,
    confidence: verdict.confidence,
    runnerUp: verdict.runnerUp,
    outOfScope: verdict.outOfScope,
    asksForAgent: verdict.intent === AGENT_INTENT,
    scores: verdict.scores,
  };
  recorder.classification(classification, source);
  return classification;
}
