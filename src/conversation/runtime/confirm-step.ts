/**
 * The `confirm` step: a yes/no question ("vous appelez au sujet de votre carte Vitale, c'est bien ça ?"), asked
 * again up to `retries` times when the answer is silence, noise or neither yes nor no.
 *
 * Answers: by voice (`extractYesNo`: "ben ouais", "non c'est pas ça", "of course not") or by key (1 yes, 2 no).
 * Callers often correct instead of answering:
 *   - "non, c'est pour ma carte européenne": a no followed by words → the words are classified; an in-scope
 *     result (or a request for an agent) is the `correction`;
 *   - "c'est pour ma carte européenne" (no yes, no no): classified; when the classifier is at least
 *     `classification.medium` sure, it is a yes if it names the intent being confirmed, else a no with that
 *     correction.
 * A recognizer error fails the step (its `errorKind` for the flow's `onError`): the keypad menu is the way on.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { extractYesNo } from '../../understanding/entities/yes-no.js';
import type { ListenOutcome } from './call-port.js';
import { classifyUtterance } from './flow-classification.js';
import type { FlowClassification } from './flow-context.js';
import { promptIds } from './flow-prompts.js';
import { FlowStepError, recognizerErrorCode } from './flow-step-error.js';
import { numberArg } from './flow-step-args.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';
import { listenRequest, normalizeListenOutcome } from './listen-step.js';

export interface ConfirmStepOutput {
  readonly answer: 'yes' | 'no' | 'none';
  /** The topic the caller named instead (after a "no", or instead of an answer). */
  readonly correction?: FlowClassification;
}

/** Words after a "no" shorter than this are not a topic ("non merci", "no sorry"). */
const MIN_CORRECTION_LETTERS = 4;

const KEY_ANSWERS: Readonly<Record<string, 'yes' | 'no'>> = { '1': 'yes', '2': 'no' };

export async function runConfirmStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<ConfirmStepOutput> {
  const retries = Math.floor(numberArg(input.args, 'retries', 1, 0));
  const ids = promptIds(input.args.prompts);
  for (let attempt = 0; attempt <= retries; attempt++) {
    const request = listenRequest(env, input, { grammar: 'yesno', prompts: ids });
    const outcome = normalizeListenOutcome(await env.session.listen(request));
    const answer = await interpretAnswer(env, input, outcome, request.language);
    if (answer !== null) {
      return answer;
    }
  }
  return { answer: 'none' };
}

/** The answer in one listen result, or null when the question must be asked again. */
async function interpretAnswer(
  env: FlowStepEnvironment,
  input: FlowStepInput,
  outcome: ListenOutcome,
  language: ConversationLanguage,
): Promise<ConfirmStepOutput | null> {
  switch (outcome.kind) {
    case 'dtmf': {
      const answer = KEY_ANSWERS[outcome.digit];
      return answer === undefined ? null : { answer };
    }
    case 'error':
      throw new FlowStepError(
        recognizerErrorCode(outcome.errorKind),
        outcome.errorKind,
        'recognizer failed during a confirmation',
      );
    case 'speech':
      return interpretSpeech(env, input, outcome.transcript.trim(), language);
    default:
      return null;
  }
}

async function interpretSpeech(
  env: FlowStepEnvironment,
  input: FlowStepInput,
  transcript: string,
  language: ConversationLanguage,
): Promise<ConfirmStepOutput | null> {
  const yesNo = extractYesNo(transcript, language);
  if (yesNo?.value === 'yes') {
    return { answer: 'yes' };
  }
  if (yesNo?.value === 'no') {
    const rest = transcript.slice(yesNo.span.end);
    if ((rest.match(/\p{L}/gu)?.length ?? 0) < MIN_CORRECTION_LETTERS) {
      return { answer: 'no' };
    }
    const topic = await classifyUtterance(env.flow, language, rest.trim(), env.session.recorder, 'confirm');
    return topic.outOfScope ? { answer: 'no' } : { answer: 'no', correction: topic };
  }
  // Neither yes nor no: perhaps the caller just named the topic.
  const topic = await classifyUtterance(env.flow, language, transcript, env.session.recorder, 'confirm');
  if (topic.outOfScope || topic.confidence < env.flow.settings.classification.medium) {
    return null;
  }
  if (!topic.asksForAgent && topic.intent === input.scope.context.intent) {
    return { answer: 'yes' };
  }
  return { answer: 'no', correction: topic };
}
