/**
 * The context of a running flow. Flows never declare it (`docs/flow-format.md`): the runtime owns its shape, fills
 * it from the call and the flow's settings, and changes it only through the named actions (`flow-actions.ts`) and
 * the bookkeeping it adds after every step (`turns`, `lastResult`, `transcript`). Templates and guards read it.
 *
 * The field list is `FLOW_CONTEXT_FIELDS` (`flow-vocabulary.ts`), which the validator checks template paths
 * against; a test keeps the two in step.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { IntentCandidate } from '../../understanding/intent-classifier-types.js';

/** Kind of the last listen (or digit entry) result. */
export type ListenResultKind = 'speech' | 'dtmf' | 'no-input' | 'no-match' | 'error';

/** A NIR the caller gave. Personal data: the timeline and logs only ever see it masked. */
export interface FlowNir {
  /** The 13 characters and the key as heard (15 when complete). */
  readonly value: string;
  /** 15 well-formed characters whose key matches. */
  readonly valid: boolean;
  /**
   * The NIR in its read-back groups, comma-separated, for a confirmation prompt
   * (`"{{context.nir.readBack}}"` → "1, 85, 05, 78, 006, 084, 91").
   */
  readonly readBack: string;
}

/**
 * A classification as flows see it (`classify` output, `listen` output `classification`, `confirm` output
 * `correction`): the classifier's verdict plus `asksForAgent`.
 */
export interface FlowClassification {
  readonly intent: string;
  readonly confidence: number;
  readonly runnerUp: IntentCandidate | null;
  readonly outOfScope: boolean;
  /** The caller asked for a human (`intent` is `agent`; the topic, if any, is `runnerUp`). */
  readonly asksForAgent: boolean;
  /** Every trained intent's probability. */
  readonly scores: Readonly<Record<string, number>>;
}

export interface FlowContext {
  readonly language: ConversationLanguage;
  /** The dialled number (not the caller's). */
  readonly number: string;
  readonly intent: string | null;
  readonly confidence: number | null;
  readonly runnerUp: IntentCandidate | null;
  /** The last intent accepted by `qualifyIntent` (never `agent` nor `out_of_scope`). */
  readonly lastQualifiedIntent: string | null;
  /** The last recognized text (speech only; digit entries are not copied here). */
  readonly transcript: string | null;
  readonly lastResult: ListenResultKind | null;
  readonly digits: string | null;
  readonly nir: FlowNir | null;
  readonly counters: Readonly<Record<string, number>>;
  readonly vars: Readonly<Record<string, unknown>>;
  /** The last `lookup` response body stored by `storeLookup`. */
  readonly lookup: unknown;
  /** Listen and digit-entry turns so far (a `confirm` with a retry counts two). */
  readonly turns: number;
  /** The last `route` decision stored by `storeRoute` (see `route-step.ts`). */
  readonly route: unknown;
  /** The last `offerCallback` result stored by `storeCallback`; inside the step, what its prompts read. */
  readonly callback: unknown;
}

export interface InitialContextOptions {
  readonly language: ConversationLanguage;
  readonly number: string;
  /** The flow's declared variables with their defaults, already overridden by the server config. */
  readonly vars: Readonly<Record<string, unknown>>;
}

export function initialFlowContext(options: InitialContextOptions): FlowContext {
  return {
    language: options.language,
    number: options.number,
    intent: null,
    confidence: null,
    runnerUp: null,
    lastQualifiedIntent: null,
    transcript: null,
    lastResult: null,
    digits: null,
    nir: null,
    counters: {},
    vars: { ...options.vars },
    lookup: null,
    turns: 0,
    route: null,
    callback: null,
  };
}
