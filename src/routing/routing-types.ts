/**
 * Public contract of the routing layer: agent groups and their opening hours, routing rules, the decision for one
 * call (with the reasons it was made), caller priority, and the load figures behind estimated waits. The flow runtime
 * (`src/conversation`) sees only `CallRouter`; the composition root provides the implementation.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** One opening period of a day, local time "HH:MM" (close after open; "24:00" allowed as close). */
export interface OpeningPeriod {
  readonly open: string;
  readonly close: string;
}

/** An exceptional closure: [from, to) in local time, ISO "YYYY-MM-DDTHH:MM" (or a date: the whole day). */
export interface Closure {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export interface OpeningHours {
  /** IANA zone the periods are written in. @default 'Europe/Paris' */
  readonly timezone: string;
  readonly weekly: Readonly<Record<Weekday, readonly OpeningPeriod[]>>;
  readonly closures: readonly Closure[];
  /** Closed on French public holidays. @default true */
  readonly closedOnPublicHolidays: boolean;
  /** Alsace-Moselle calendar (Good Friday, 26 December). @default false */
  readonly alsaceMoselle: boolean;
}

/** How a call is handed to a group. */
export interface GroupTransferPolicy {
  /** `refer`: blind transfer (RFC 3515); `bridge`: B2BUA, the IVR stays in the signalling path. @default 'refer' */
  readonly mode: 'refer' | 'bridge';
  /** A REFER refused, failed or timed out is retried as a bridge. @default true */
  readonly fallbackToBridge: boolean;
  /** Final NOTIFY (refer) or answer (bridge) wait, ms. @default 30000 */
  readonly timeoutMs: number;
}

export interface AgentGroup {
  readonly id: string;
  readonly name: string;
  /** Tried in order. */
  readonly uris: readonly string[];
  /** skill → level held (1 = first line, 2 = expert). */
  readonly skills: Readonly<Record<string, 1 | 2>>;
  readonly hours: OpeningHours;
  /** Staffed agents when nothing was set through the API. */
  readonly defaultStaffedAgents: number;
  /** Calls waiting per staffed agent beyond which the group is full. @default 3 */
  readonly maxWaitingPerAgent: number;
  /** Prior average handling time, seconds, used until measured figures exist. @default 300 */
  readonly averageHandlingSeconds: number;
  /** Group ids tried next when this one is closed, full, or the transfer fails. */
  readonly overflow: readonly string[];
  readonly transfer: GroupTransferPolicy;
  /** May receive personal data (the NIR) in the context. @default false */
  readonly receivesPersonalData: boolean;
}

/** When a rule applies: every present field must match. */
export interface RoutingRuleCondition {
  readonly intents?: readonly string[];
  /** entity name → expected value (`true`: present). */
  readonly entities?: Readonly<Record<string, string | boolean>>;
  /** Minimum caller priority. */
  readonly minPriority?: number;
  readonly languages?: readonly string[];
  /** Dialled numbers (Request-URI user part) the rule applies to. */
  readonly dialledNumbers?: readonly string[];
}

export interface RoutingRule {
  readonly id: string;
  readonly when: RoutingRuleCondition;
  readonly skill: string;
  readonly level: 1 | 2;
}

export interface CallbackPolicy {
  /** Offer a callback when the estimated wait is above this, seconds. @default 600 */
  readonly offerAboveWaitSeconds: number;
  /** Slot length, minutes. @default 30 */
  readonly slotMinutes: number;
  /** Callbacks per slot and group. @default 10 */
  readonly slotCapacity: number;
  /** Slots offered to the caller. @default 3 */
  readonly slotsOffered: number;
  /** Earliest slot, minutes from now. @default 30 */
  readonly minLeadMinutes: number;
  /** Dial attempts in all. @default 3 */
  readonly maxAttempts: number;
  /** Wait before attempt n+1, minutes (last value repeats). @default [10, 30] */
  readonly retryBackoffMinutes: readonly number[];
  /** Ring time before "no answer", seconds. @default 30 */
  readonly ringSeconds: number;
}

export interface PriorityPolicy {
  /** Same hashed number + same intent, at least `calls` calls (this one included) within `days`. */
  readonly repeatCaller: { readonly calls: number; readonly days: number; readonly raiseBy: number } | null;
  /** At least `failures` recognition failures (no-match, no-input, low confidence) in this call. */
  readonly recognitionFailures: { readonly failures: number; readonly raiseBy: number } | null;
  /** Declared vulnerability: the `vulnerability` entity or intent (see the phrases). */
  readonly vulnerability: { readonly raiseBy: number } | null;
  /** Highest priority sent. @default 9 */
  readonly max: number;
}

/** The whole groups file, validated. */
export interface RoutingConfig {
  /** Where it was loaded from (null: built in). */
  readonly source: string | null;
  /** sha-256 prefix of the source text. */
  readonly version: string;
  readonly groups: ReadonlyMap<string, AgentGroup>;
  readonly rules: readonly RoutingRule[];
  /** Skill and level when no rule matches. */
  readonly defaultRoute: { readonly skill: string; readonly level: 1 | 2 };
  readonly priority: PriorityPolicy;
  readonly callbacks: CallbackPolicy;
}

/** One priority rule that raised a caller's priority. */
export interface PriorityRaise {
  readonly rule: 'repeatCaller' | 'recognitionFailures' | 'vulnerability';
  readonly by: number;
  /** Human-readable, with the figures ("3 calls about reimbursement within 7 days (rule: 3)"). */
  readonly why: string;
}

/** Priority of one caller, with why. 0 = normal. */
export interface PriorityAssessment {
  readonly level: number;
  /** One line per raise (`rule +by: why`), then the cap when it applied. */
  readonly reasons: readonly string[];
  readonly raises: readonly PriorityRaise[];
  /** The sum of the raises was above `PriorityPolicy.max`. */
  readonly capped: boolean;
}

/**
 * Earlier calls of one caller, read from the call records (implemented in the store by whoever writes them). The
 * router uses it for the repeat-caller rule only; a rejection or a slow answer never blocks a call.
 */
export interface CallerHistoryReader {
  /** Calls from `callerHash` about `intent` that started at or after `since`, this call not included. */
  recentCalls(callerHash: string, intent: string, since: Date): Promise<number>;
}

/** What the flow knows when it asks for a route. */
export interface RoutingRequest {
  readonly callId: string;
  readonly dialledNumber: string;
  /**
   * The calling number hashed by the store's helper (the router never sees clear numbers); null = withheld. Used
   * for the repeat-caller rule only.
   */
  readonly callerHash: string | null;
  readonly language: string;
  readonly intent: string | null;
  readonly confidence: number | null;
  readonly entities: Readonly<Record<string, unknown>>;
  /** Recognition failures in this call so far. */
  readonly recognitionFailures: number;
  readonly vulnerabilityDeclared: boolean;
  /** Forced skill (and level) from the flow; null = from the rules. */
  readonly skill: string | null;
  readonly level: 1 | 2 | null;
}

/** How an estimated wait was computed (see docs/routing.md). */
export type WaitModel = 'erlang-c' | 'queue-length';

/** One group looked at for a decision. */
export interface CandidateGroup {
  readonly groupId: string;
  /** Level the group holds in the required skill (null: it does not hold it). */
  readonly level: 1 | 2 | null;
  /** `skill`: holds the skill; `overflow`: reached through the first candidate's overflow chain. */
  readonly role: 'skill' | 'overflow';
  readonly open: boolean;
  readonly staffedAgents: number;
  /** `redis`: set through the API; `file`: the file's default (or Redis unavailable). */
  readonly staffedSource: 'redis' | 'file';
  /** Calls handed over and not yet ended (waiting or with an agent). */
  readonly inProgress: number;
  /** max(0, inProgress − staffedAgents). */
  readonly waiting: number;
  readonly handoversPerMinute: number;
  readonly averageHandlingSeconds: number;
  readonly estimatedWaitSeconds: number | null;
  readonly waitModel: WaitModel | null;
  /** Next opening (ISO) for a closed group, else null. */
  readonly nextOpening: string | null;
  /** null = eligible. */
  readonly rejected: 'closed' | 'no-skill' | 'level' | 'no-agents' | 'full' | null;
}

export interface RoutingReasons {
  /** The rule that matched (first match wins), `flow` when the flow forced the skill, `default` otherwise. */
  readonly rulesFired: readonly string[];
  readonly skillSource: 'flow' | 'rule' | 'default';
  readonly skill: string;
  readonly level: 1 | 2;
  readonly candidates: readonly CandidateGroup[];
  readonly chosen: string | null;
  /** Ids of `fallbacks`, in order. */
  readonly fallbacks: readonly string[];
  readonly overflowUsed: boolean;
  /** `redis`: live figures; `file-defaults`: Redis failed or was too slow, the file's figures were used. */
  readonly loadSource: 'redis' | 'file-defaults';
  /** Anything degraded (Redis unavailable, caller history unavailable), in words. */
  readonly notes: readonly string[];
  readonly priority: PriorityAssessment;
  readonly decidedAt: string;
  /** Config version used. */
  readonly routingVersion: string;
}

export type RoutingDecision =
  | {
      /** Transfer to `group`, then `fallbacks` in order if the transfer fails. */
      readonly kind: 'transfer';
      readonly group: AgentGroup;
      readonly fallbacks: readonly AgentGroup[];
      readonly estimatedWaitSeconds: number;
      /** The wait is above the callback policy's threshold: the flow should offer a callback. */
      readonly callbackAdvised: boolean;
      readonly priority: PriorityAssessment;
      readonly reasons: RoutingReasons;
    }
  | {
      /** Nobody can take the call now: offer a callback (or say the hours). */
      readonly kind: 'callback' | 'closed';
      /** The group a callback would go to (the best group for the skill, open or not). */
      readonly group: AgentGroup | null;
      /** Next opening of that group (ISO), null when none within 14 days. */
      readonly nextOpening: string | null;
      readonly priority: PriorityAssessment;
      readonly reasons: RoutingReasons;
    };

/**
 * What the agent side is told about the caller (issue 6 §4): sent as `X-Aiguilleur-*` headers and as one
 * `User-to-User` header (RFC 7433) by `src/sip/call/transfer-context-headers.ts`. The flow runtime fills it
 * (`transfer-step.ts`); the NIR only for a group with `receivesPersonalData`.
 */
export interface TransferContext {
  /** Our Call-ID of the caller's dialog: the key of the call's record and timeline. */
  readonly callId: string;
  /** Intent the conversation settled on; null when routed without one (menu key, fallback). */
  readonly intent: string | null;
  /** Classifier confidence of `intent`, 0..1; null when there is none. */
  readonly confidence: number | null;
  /** Routing priority (higher = sooner); 0 = normal. */
  readonly priority: number;
  /** Why the priority was raised (rule ids such as `repeat-caller`), in the order they fired. */
  readonly priorityReasons: readonly string[];
  /** Short routing summary (rules fired, group chosen); truncated when sent. */
  readonly reasons: string;
  readonly language: string;
  readonly flowVersion: string;
  readonly nirStatus: 'valid' | 'invalid' | 'absent';
  /** The NIR itself: only filled when the target group may receive personal data; null otherwise. */
  readonly nir: string | null;
}
