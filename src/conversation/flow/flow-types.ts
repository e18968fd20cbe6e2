/**
 * A flow as loaded from its folder (`docs/flow-format.md`): validated settings, the machine config as JSON, phrases
 * and prompts per language, trained classifiers. Immutable: a reload builds a new `LoadedFlow`, calls in progress
 * keep the one they started with.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { FlowIntentClassifiers } from '../../understanding/flow-intent-classifiers.js';
import type { PhraseSet } from '../../understanding/phrase-set.js';

export interface ClassificationThresholds {
  /** At or above: proceed without confirmation. @default 0.75 */
  readonly high: number;
  /** At or above (and below `high`): confirm. Below: reprompt. @default 0.45 */
  readonly medium: number;
  /** Runner-up within this of the top intent: disambiguate. @default 0.1 */
  readonly closeMargin: number;
}

export interface FlowSettings {
  readonly id: string;
  readonly description: string;
  readonly languages: readonly ConversationLanguage[];
  /** Recognizer hints per language, added to every listen. */
  readonly hints: Readonly<Partial<Record<ConversationLanguage, readonly string[]>>>;
  readonly classification: ClassificationThresholds;
  /** Listen/collect turns after which the runtime transfers to `fallbackTarget`. @default 12 */
  readonly maxTurns: number;
  /** Call time in the flow after which the runtime transfers to `fallbackTarget`. @default 600 */
  readonly maxDurationSeconds: number;
  /** Group id used when the flow fails or exceeds its limits. @default 'general' */
  readonly fallbackTarget: string;
  /** Declared variables with defaults (overridden by `flows.variables.<id>` in the server config). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Named delays (ms) usable as `after` keys. @default {} */
  readonly delays: Readonly<Record<string, number>>;
}

/** Where a value came from in a flow file, for error messages (`file:line:column`). */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface LoadedFlow {
  readonly id: string;
  /** Absolute folder path. */
  readonly directory: string;
  /** Content hash of every file of the flow (first 12 hex chars of sha-256): the version calls record. */
  readonly version: string;
  readonly settings: FlowSettings;
  /** `machine.json` parsed: an XState v5 config with every implementation referenced by name. */
  readonly machine: Readonly<Record<string, unknown>>;
  readonly phrases: Readonly<Partial<Record<ConversationLanguage, PhraseSet>>>;
  /** Prompt id → text, per language. */
  readonly prompts: Readonly<Partial<Record<ConversationLanguage, Readonly<Record<string, string>>>>>;
  /** Trained at load, one per language. */
  readonly classifiers: FlowIntentClassifiers;
  readonly loadedAt: Date;
}

/** One validation finding. */
export interface FlowProblem {
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  /** Dotted state path (`root.ask.classify`) when the problem is in the machine. */
  readonly statePath: string | null;
  readonly message: string;
}
