/**
 * The `listen` step: play the state's prompts, then take one answer — speech or a key, whichever comes first —
 * and, with `classify`, turn speech into an intent and entities. A recognizer failure is not a step failure: it
 * is an answer of kind `error` (with `errorKind`) the flow routes like no-input or no-match, typically to the
 * keypad. Only what the flow cannot route (a prompt missing, a classifier not trained) fails the step.
 *
 * Recognizer guidance: `hints` = the flow's hints for the language + the state's own; with `grammar: "intents"`,
 * `phrases` = every training phrase of the language (a closed list for recognizers that need one, pocketsphinx);
 * with `grammar: "yesno"`, the yes/no words of the language.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { extractEntities, type Entity } from '../../understanding/entities/extract-entities.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import type { ListenGrammar, ListenOutcome, ListenRequest } from './call-port.js';
import { classifyUtterance } from './flow-classification.js';
import type { FlowClassification } from './flow-context.js';
import { promptIds, resolvePrompts } from './flow-prompts.js';
import { booleanArg, choiceArg, numberArg, stringListArg } from './flow-step-args.js';
import type { FlowStepEnvironment, FlowStepInput } from './flow-step-types.js';

export type ListenStepOutput =
  | {
      readonly kind: 'speech';
      readonly transcript: string;
      readonly confidence: number;
      readonly provider: string;
      /** With `classify`; null otherwise. */
      readonly classification: FlowClassification | null;
      readonly entities: readonly Entity[];
    }
  | { readonly kind: 'dtmf'; readonly digit: string }
  | { readonly kind: 'no-input' }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'error'; readonly errorKind: string; readonly message: string };

const GRAMMARS: readonly ListenGrammar[] = ['intents', 'yesno', 'digits', 'none'];

/** Closed yes/no vocabulary for recognizers that need one. Both languages hear the other's oui/non, yes/no. */
const YES_NO_PHRASES: Readonly<Record<ConversationLanguage, readonly string[]>> = {
  fr: [
    'oui',
    'non',
    'ouais',
    "d'accord",
    "c'est ça",
    "c'est bien ça",
    'pas du tout',
    'exactement',
    'yes',
    'no',
  ],
  en: [
    'yes',
    'no',
    'yeah',
    'nope',
    "that's right",
    'correct',
    'wrong',
    'not at all',
    'exactly',
    'oui',
    'non',
  ],
};

const intentPhrasesCache = new WeakMap<LoadedFlow, Map<ConversationLanguage, readonly string[]>>();

/** Every training phrase of `language`, once (cached per loaded flow version). */
function flowPhrases(flow: LoadedFlow, language: ConversationLanguage): readonly string[] {
  let byLanguage = intentPhrasesCache.get(flow);
  if (byLanguage === undefined) {
    byLanguage = new Map();
    intentPhrasesCache.set(flow, byLanguage);
  }
  let phrases = byLanguage.get(language);
  if (phrases === undefined) {
    const set = flow.phrases[language];
    phrases = set === undefined ? [] : [...new Set([...set.intents.values()].flat())];
    byLanguage.set(language, phrases);
  }
  return phrases;
}

function listenPhrases(
  flow: LoadedFlow,
  language: ConversationLanguage,
  grammar: ListenGrammar,
): readonly string[] | null {
  switch (grammar) {
    case 'intents':
      return flowPhrases(flow, language);
    case 'yesno':
      return YES_NO_PHRASES[language];
    default:
      return null;
  }
}

/** Builds the port request of a listen (shared with `confirm`). */
export function listenRequest(
  env: FlowStepEnvironment,
  input: FlowStepInput,
  defaults: { grammar: ListenGrammar; prompts?: readonly string[] },
): ListenRequest {
  const { args, scope } = input;
  const language = scope.context.language;
  const bargeIn = booleanArg(args, 'bargeIn', true);
  const grammar = choiceArg(args, 'grammar', GRAMMARS, defaults.grammar);
  const ids = defaults.prompts ?? promptIds(args.prompts);
  return {
    prompts: resolvePrompts(env.flow, language, ids, scope, env.session.recorder, bargeIn),
    language,
    bargeIn,
    grammar,
    hints: [...new Set([...(env.flow.settings.hints[language] ?? []), ...stringListArg(args, 'hints')])],
    phrases: listenPhrases(env.flow, language, grammar),
    noInputMs: numberArg(args, 'noInputMs', env.listenDefaults.noInputMs, 1),
    maxUtteranceMs: numberArg(args, 'maxUtteranceMs', env.listenDefaults.maxUtteranceMs, 1),
    acceptDtmf: true,
  };
}

/** A speech result with nothing in it is a no-match: recognizers do return empty finals on noise. */
export function normalizeListenOutcome(outcome: ListenOutcome): ListenOutcome {
  return outcome.kind === 'speech' && outcome.transcript.trim() === '' ? { kind: 'no-match' } : outcome;
}

export async function runListenStep(
  env: FlowStepEnvironment,
  input: FlowStepInput,
): Promise<ListenStepOutput> {
  const { args, scope } = input;
  const language = scope.context.language;
  const classifyFirst = args.classify === true || (args.classify === undefined && args.grammar === 'intents');
  const classify = booleanArg(args, 'classify', classifyFirst);
  const request = listenRequest(env, input, { grammar: classify ? 'intents' : 'none' });
  const outcome = normalizeListenOutcome(await env.session.listen(request));
  if (outcome.kind !== 'speech') {
    return outcome;
  }
  const transcript = outcome.transcript.trim();
  const classification = classify
    ? await classifyUtterance(env.flow, language, transcript, env.session.recorder, 'listen')
    : null;
  return {
    kind: 'speech',
    transcript,
    confidence: outcome.confidence,
    provider: outcome.provider,
    classification,
    entities: extractEntities(transcript, language),
  };
}
