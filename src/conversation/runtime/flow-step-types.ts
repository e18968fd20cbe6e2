/**
 * What every step of a flow (the actors `say`, `listen`, `collectDigits`, `classify`, `confirm`, `lookup`,
 * `transfer`, `hangup`) receives: the call's environment, shared by all steps of one call, and its own input,
 * resolved from the machine's `invoke.input` templates when the state is entered.
 */
import type { AgentGroupConfig } from '../../config/config-types.js';
import type { LoadedFlow } from '../flow/flow-types.js';
import type { FlowCallSession } from './flow-call-session.js';
import type { FlowRouting } from './flow-routing.js';
import type { TemplateScope } from './flow-templates.js';

/** Listen timings used when a state does not give its own. */
export interface ListenDefaults {
  /** Silence after the prompts before `no-input`, ms. @default 5000 */
  readonly noInputMs: number;
  /** Longest utterance, ms. @default 15000 */
  readonly maxUtteranceMs: number;
  /** Time for the first key of a digit entry, ms. @default 8000 */
  readonly firstDigitMs: number;
  /** Silence between keys that ends a digit entry, ms. @default 3000 */
  readonly interDigitMs: number;
}

export const DEFAULT_LISTEN_DEFAULTS: ListenDefaults = Object.freeze({
  noInputMs: 5000,
  maxUtteranceMs: 15000,
  firstDigitMs: 8000,
  interDigitMs: 3000,
});

export interface FlowStepEnvironment {
  readonly flow: LoadedFlow;
  readonly session: FlowCallSession;
  readonly callId: string;
  /** The static group list: transfer targets when there is no routing (simulator). */
  readonly groups: Readonly<Record<string, AgentGroupConfig>>;
  /** Routing and callbacks (live calls); absent = transfers to the static groups. */
  readonly routing?: FlowRouting;
  readonly listenDefaults: ListenDefaults;
  /** HTTP client of `lookup`. @default globalThis.fetch */
  readonly fetch: typeof fetch;
}

/** The input every step actor is invoked with (built by `flow-machine.ts`). */
export interface FlowStepInput {
  /** The state's `invoke.input`, templates resolved. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Context and triggering event at invoke time (prompt texts are rendered against them). */
  readonly scope: TemplateScope;
}
