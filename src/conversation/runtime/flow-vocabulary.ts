/**
 * The names a flow's `machine.json` may use, with what each needs: the single list the validator checks against
 * and the runtime implements (a test keeps them in step). See `docs/flow-format.md`.
 */

export interface ActorSpec {
  /** Input fields that must be present. */
  readonly requiredInput: readonly string[];
  /** Input fields that may be present (anything else is a validation error). */
  readonly optionalInput: readonly string[];
  /** Input fields holding prompt ids (checked against every language's prompts). */
  readonly promptFields: readonly string[];
  /** Prompt ids the actor says itself: the flow must have them in every language when it uses the actor. */
  readonly impliedPrompts: readonly string[];
  /** The state must handle `onError`. */
  readonly requiresOnError: boolean;
  /** `onDone` must route `no-input` and `no-match` (a guard `resultIs` or an unguarded last branch). */
  readonly requiresNoInputNoMatch: boolean;
}

const actor = (
  requiredInput: readonly string[],
  optionalInput: readonly string[],
  flags: {
    onError?: boolean;
    noInputNoMatch?: boolean;
    promptFields?: readonly string[];
    impliedPrompts?: readonly string[];
  } = {},
): ActorSpec =>
  Object.freeze({
    requiredInput,
    optionalInput,
    promptFields: flags.promptFields ?? ['prompts'],
    impliedPrompts: flags.impliedPrompts ?? [],
    requiresOnError: flags.onError ?? false,
    requiresNoInputNoMatch: flags.noInputNoMatch ?? false,
  });

/** Prompt ids `offerCallback` says itself; a flow using it must have them in every language. */
export const CALLBACK_PROMPTS = Object.freeze([
  'callbackNumberConfirm',
  'callbackNumberAsk',
  'callbackNumberInvalid',
  'callbackNumberReadBack',
  'callbackSlots',
  'callbackSlotTaken',
  'callbackBooked',
  'callbackNoSlot',
  'callbackDeclined',
] as const);

export const FLOW_ACTORS = Object.freeze({
  say: actor(['prompts'], ['bargeIn']),
  listen: actor([], ['prompts', 'bargeIn', 'grammar', 'hints', 'noInputMs', 'maxUtteranceMs', 'classify'], {
    onError: true,
    noInputNoMatch: true,
  }),
  collectDigits: actor(
    ['min', 'max'],
    ['prompts', 'terminator', 'interDigitMs', 'firstDigitMs', 'spoken', 'entity'],
    { onError: true },
  ),
  classify: actor(['text'], [], { promptFields: [] }),
  confirm: actor(['prompts'], ['retries'], { onError: true }),
  lookup: actor(['url'], ['method', 'body', 'timeoutMs', 'retries'], { onError: true, promptFields: [] }),
  route: actor([], ['skill', 'level'], { onError: true, promptFields: [] }),
  transfer: actor([], ['target', 'prompts'], { onError: true }),
  offerCallback: actor([], ['prompts', 'group'], {
    onError: true,
    impliedPrompts: CALLBACK_PROMPTS,
  }),
  hangup: actor([], ['prompts']),
} as const satisfies Record<string, ActorSpec>);

export type FlowActorName = keyof typeof FLOW_ACTORS;

/** Guard name → params it requires / accepts. */
export const FLOW_GUARDS = Object.freeze({
  resultIs: { required: ['kind'], optional: [] },
  intentIs: { required: ['intent'], optional: [] },
  intentIn: { required: ['intents'], optional: [] },
  confidence: { required: [], optional: ['atLeast', 'below'] },
  closeRunnerUp: { required: [], optional: [] },
  outOfScope: { required: [], optional: [] },
  asksForAgent: { required: [], optional: [] },
  answerIs: { required: ['answer'], optional: [] },
  hasCorrection: { required: [], optional: [] },
  counterBelow: { required: ['name', 'max'], optional: [] },
  digitIs: { required: ['digit'], optional: [] },
  nirValid: { required: [], optional: [] },
  hasLastQualifiedIntent: { required: [], optional: [] },
  recognizerAvailable: { required: [], optional: [] },
  varSet: { required: ['name'], optional: [] },
  intentNeedsNir: { required: [], optional: [] },
  errorKind: { required: ['kind'], optional: [] },
  routeIs: { required: ['decision'], optional: [] },
  callbackAdvised: { required: [], optional: [] },
  callbackRequested: { required: [], optional: [] },
  callbackBooked: { required: [], optional: [] },
  all: { required: ['guards'], optional: [] },
  any: { required: ['guards'], optional: [] },
  not: { required: ['guard'], optional: [] },
} as const satisfies Record<string, { required: readonly string[]; optional: readonly string[] }>);

export type FlowGuardName = keyof typeof FLOW_GUARDS;

/** Action name → params it requires / accepts. */
export const FLOW_ACTIONS = Object.freeze({
  acceptIntent: { required: [], optional: [] },
  qualifyIntent: { required: [], optional: [] },
  applyCorrection: { required: [], optional: [] },
  increment: { required: ['name'], optional: [] },
  resetCounter: { required: ['name'], optional: [] },
  setVar: { required: ['name', 'value'], optional: [] },
  setLanguage: { required: ['language'], optional: [] },
  storeDigits: { required: [], optional: [] },
  storeNir: { required: [], optional: [] },
  storeLookup: { required: [], optional: [] },
  storeRoute: { required: [], optional: [] },
  storeCallback: { required: [], optional: [] },
  note: { required: ['text'], optional: [] },
} as const satisfies Record<string, { required: readonly string[]; optional: readonly string[] }>);

export type FlowActionName = keyof typeof FLOW_ACTIONS;

/** Context fields templates (`{{context.x}}`) and guards may read. */
export const FLOW_CONTEXT_FIELDS = Object.freeze([
  'language',
  'number',
  'intent',
  'confidence',
  'runnerUp',
  'lastQualifiedIntent',
  'transcript',
  'lastResult',
  'digits',
  'nir',
  'counters',
  'vars',
  'lookup',
  'turns',
  'route',
  'callback',
] as const);
