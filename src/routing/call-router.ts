/**
 * The routing decision for one call, and the hand-over bookkeeping behind the load figures.
 *
 * `decide` runs, in this order:
 *   1. priority (`priority-policy.ts`), and the load of every group (one Redis round trip), concurrently;
 *   2. the skill and level: forced by the flow, else the first rule that matches (intents, entities, language,
 *      dialled number, minimum priority), else the file's default route;
 *   3. every group in file order becomes a candidate with its figures (open, staffed, in progress, waiting,
 *      hand-overs per minute, handling time, estimated wait); a group is eligible when it holds the skill at the
 *      level or above, is open, has staffed agents and is not full (every agent busy and waiting ≥ staffed ×
 *      maxWaitingPerAgent);
 *   4. the eligible group with the lowest estimated wait wins (waits under 30 s count as equal; ties: file order); `fallbacks` are the other
 *      eligible groups by wait, then the eligible groups of the first candidate's overflow chain;
 *   5. none eligible: the overflow chain of the first group holding the skill (followed transitively, in the
 *      order written; overflow groups need not hold the skill, the file's author sent the calls there), first
 *      eligible one wins;
 *   6. still none: `callback` to the group holding the skill that opens first within 14 days (`nextOpening`),
 *      else `closed`.
 * The reasons record lists every group with its figures and why it was not chosen.
 *
 * Redis never blocks a call: when the load cannot be read in time (`GroupLoadStore` times out), the decision uses
 * the file's figures (staffed agents from the file, nothing in progress, the prior handling time) and says so in
 * `reasons.loadSource` and `reasons.notes`; hand-over bookkeeping failures are logged and swallowed.
 */
import type { GroupLoadFigures, GroupLoadStore } from '../store/group-load-store.js';
import { estimateWait } from './estimated-wait.js';
import { isOpenAt, nextOpening } from './opening-hours.js';
import { assessPriority } from './priority-policy.js';
import type { RoutingRegistry } from './routing-registry.js';
import type {
  AgentGroup,
  CallerHistoryReader,
  CandidateGroup,
  PriorityAssessment,
  RoutingConfig,
  RoutingDecision,
  RoutingReasons,
  RoutingRequest,
  RoutingRule,
} from './routing-types.js';

export interface CallRouterDeps {
  readonly registry: Pick<RoutingRegistry, 'current'>;
  readonly load: GroupLoadStore;
  readonly history: CallerHistoryReader;
  /** Wall clock. @default () => new Date() */
  readonly clock?: () => Date;
  /** Where bookkeeping failures are reported. @default none */
  readonly logger?: { warn(obj: object, msg?: string): void };
  /**
   * A bridged hand-over whose end is never recorded (a crash) stops counting after this, seconds.
   * @default 14400
   */
  readonly bridgedHandoverMaxSeconds?: number;
  /** Longest wait for the caller history, ms. @default 200 */
  readonly historyTimeoutMs?: number;
}

/** Decisions remembered for `recordHandover` (the estimated wait at decision time), most recent calls. */
const REMEMBERED_DECISIONS = 10_000;

interface SkillRoute {
  readonly skill: string;
  readonly level: 1 | 2;
  readonly source: 'flow' | 'rule' | 'default';
  readonly rulesFired: readonly string[];
}

type MutableCandidate = { -readonly [K in keyof CandidateGroup]: CandidateGroup[K] };

export class CallRouter {
  private readonly clock: () => Date;
  private readonly bridgedMaxSeconds: number;
  /** callId → groupId → (estimated wait, handling time) at the last decision. */
  private readonly remembered = new Map<string, Map<string, { wait: number; handling: number }>>();

  constructor(private readonly deps: CallRouterDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.bridgedMaxSeconds = deps.bridgedHandoverMaxSeconds ?? 14_400;
  }

  async decide(request: RoutingRequest): Promise<RoutingDecision> {
    const config = this.deps.registry.current();
    const now = this.clock();
    const groupIds = [...config.groups.keys()];
    const notes: string[] = [];
    const [priority, load] = await Promise.all([
      assessPriority(config.priority, request, {
        history: this.deps.history,
        now,
        historyTimeoutMs: this.deps.historyTimeoutMs,
      }),
      this.deps.load.read(groupIds).then(
        (figures) => ({ figures, error: null }),
        (err: unknown) => ({ figures: null, error: err as Error }),
      ),
    ]);
    notes.push(...priority.notes);
    if (load.error !== null) {
      notes.push(`group load unavailable (${load.error.message}): file defaults used`);
    }

    let route = chooseRoute(config, request, priority.assessment);
    if (![...config.groups.values()].some((group) => (group.skills[route.skill] ?? 0) >= route.level)) {
      notes.push(`no group holds ${route.skill} at level ${route.level}: default route used`);
      route = { ...config.defaultRoute, source: 'default', rulesFired: [...route.rulesFired, 'default'] };
    }

    const candidates: MutableCandidate[] = [];
    const byId = new Map<string, MutableCandidate>();
    for (const group of config.groups.values()) {
      const candidate = evaluate(group, route, 'skill', now, load.figures?.get(group.id));
      candidates.push(candidate);
      byId.set(group.id, candidate);
    }
    const holders = candidates.filter((c) => c.rejected !== 'no-skill' && c.rejected !== 'level');
    const eligible = holders.filter((c) => c.rejected === null).sort(byWait);

    // The overflow chain of the first group holding the skill, transitively, in the order written.
    const chain: MutableCandidate[] = [];
    const first = holders[0];
    if (first !== undefined) {
      const seen = new Set<string>([first.groupId]);
      const queue = [...(config.groups.get(first.groupId)?.overflow ?? [])];
      while (queue.length > 0) {
        const id = queue.shift()!;
        const group = config.groups.get(id);
        if (seen.has(id) || group === undefined) {
          continue;
        }
        seen.add(id);
        let candidate = byId.get(id)!;
        if (candidate.rejected === 'no-skill' || candidate.rejected === 'level') {
          // Reached by overflow: judged on availability, not on the skill.
          const overflowCandidate = evaluate(group, null, 'overflow', now, load.figures?.get(id));
          overflowCandidate.level = candidate.level;
          Object.assign(candidate, overflowCandidate);
          candidate = byId.get(id)!;
        }
        chain.push(candidate);
        queue.push(...group.overflow);
      }
    }

    let chosen: MutableCandidate | undefined = eligible[0];
    let overflowUsed = false;
    let fallbackCandidates: MutableCandidate[] = [];
    if (chosen !== undefined) {
      fallbackCandidates = [...eligible.slice(1)];
    } else {
      const overflowEligible = chain.filter((c) => c.rejected === null);
      chosen = overflowEligible[0];
      overflowUsed = chosen !== undefined;
      fallbackCandidates = overflowEligible.slice(1);
    }
    for (const candidate of chain) {
      if (candidate.rejected === null && candidate !== chosen && !fallbackCandidates.includes(candidate)) {
        fallbackCandidates.push(candidate);
      }
    }
    for (const candidate of candidates) {
      if (candidate.rejected === 'closed' && candidate.nextOpening === null && candidate.role === 'skill') {
        if (candidate.level !== null && candidate.level >= route.level) {
          candidate.nextOpening =
            nextOpening(config.groups.get(candidate.groupId)!.hours, now)?.toISOString() ?? null;
        }
      }
    }

    const reasons = (chosenId: string | null, fallbackIds: readonly string[]): RoutingReasons => ({
      rulesFired: route.rulesFired,
      skillSource: route.source,
      skill: route.skill,
      level: route.level,
      candidates: candidates.map((candidate) => Object.freeze({ ...candidate })),
      chosen: chosenId,
      fallbacks: fallbackIds,
      overflowUsed,
      loadSource: load.figures === null ? 'file-defaults' : 'redis',
      notes,
      priority: priority.assessment,
      decidedAt: now.toISOString(),
      routingVersion: config.version,
    });

    if (chosen !== undefined) {
      const fallbackIds = fallbackCandidates.map((c) => c.groupId);
      this.remember(request.callId, [chosen, ...fallbackCandidates]);
      const wait = chosen.estimatedWaitSeconds ?? 0;
      return {
        kind: 'transfer',
        group: config.groups.get(chosen.groupId)!,
        fallbacks: fallbackIds.map((id) => config.groups.get(id)!),
        estimatedWaitSeconds: wait,
        callbackAdvised: wait > config.callbacks.offerAboveWaitSeconds,
        priority: priority.assessment,
        reasons: reasons(chosen.groupId, fallbackIds),
      };
    }
    return this.callbackOrClosed(config, now, holders, priority.assessment, reasons);
  }

  /**
   * The call was handed to `groupId` (REFER accepted, or bridge answered). `mode` defaults to the group's; a
   * blind transfer counts for the estimated wait + handling time known at the decision, a bridge until
   * `recordHandoverEnded` (at most `bridgedHandoverMaxSeconds`). Never rejects.
   */
  async recordHandover(groupId: string, callId: string, mode?: 'refer' | 'bridge'): Promise<void> {
    const group = this.deps.registry.current().groups.get(groupId);
    const remembered = this.remembered.get(callId)?.get(groupId);
    const handling = remembered?.handling ?? group?.averageHandlingSeconds ?? 300;
    const countFor =
      (mode ?? group?.transfer.mode ?? 'refer') === 'bridge'
        ? this.bridgedMaxSeconds
        : (remembered?.wait ?? 0) + handling;
    try {
      await this.deps.load.recordHandover(groupId, callId, countFor);
    } catch (err) {
      this.deps.logger?.warn({ err, groupId, callId }, 'hand-over not recorded in the group load');
    }
  }

  /** The bridged call ended; `handlingSeconds` from the agent's answer to the end (null: not measured). Never rejects. */
  async recordHandoverEnded(groupId: string, callId: string, handlingSeconds: number | null): Promise<void> {
    this.remembered.delete(callId);
    const prior = this.deps.registry.current().groups.get(groupId)?.averageHandlingSeconds ?? 300;
    try {
      await this.deps.load.recordHandoverEnded(groupId, callId, handlingSeconds, prior);
    } catch (err) {
      this.deps.logger?.warn({ err, groupId, callId }, 'end of hand-over not recorded in the group load');
    }
  }

  private callbackOrClosed(
    config: RoutingConfig,
    now: Date,
    holders: readonly MutableCandidate[],
    priority: PriorityAssessment,
    reasons: (chosenId: string | null, fallbackIds: readonly string[]) => RoutingReasons,
  ): RoutingDecision {
    // Open but unavailable (no agents, full) counts as opening now; the earliest opening wins, ties in file order.
    let best: { candidate: MutableCandidate; at: Date } | null = null;
    for (const candidate of holders) {
      const at = candidate.open
        ? now
        : candidate.nextOpening === null
          ? null
          : new Date(candidate.nextOpening);
      if (at !== null && (best === null || at.getTime() < best.at.getTime())) {
        best = { candidate, at };
      }
    }
    if (best !== null) {
      return {
        kind: 'callback',
        group: config.groups.get(best.candidate.groupId)!,
        nextOpening: best.at.toISOString(),
        priority,
        reasons: reasons(null, []),
      };
    }
    const first = holders[0];
    return {
      kind: 'closed',
      group: first === undefined ? null : config.groups.get(first.groupId)!,
      nextOpening: null,
      priority,
      reasons: reasons(null, []),
    };
  }

  private remember(callId: string, candidates: readonly MutableCandidate[]): void {
    const byGroup = new Map<string, { wait: number; handling: number }>();
    for (const candidate of candidates) {
      byGroup.set(candidate.groupId, {
        wait: candidate.estimatedWaitSeconds ?? 0,
        handling: candidate.averageHandlingSeconds,
      });
    }
    this.remembered.delete(callId);
    this.remembered.set(callId, byGroup);
    if (this.remembered.size > REMEMBERED_DECISIONS) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) {
        this.remembered.delete(oldest);
      }
    }
  }
}

/** Forced by the flow, else the first matching rule, else the default route. */
export function chooseRoute(
  config: RoutingConfig,
  request: RoutingRequest,
  priority: PriorityAssessment,
): SkillRoute {
  if (request.skill !== null) {
    return { skill: request.skill, level: request.level ?? 1, source: 'flow', rulesFired: ['flow'] };
  }
  const rule = config.rules.find((candidate) => ruleMatches(candidate, request, priority));
  if (rule !== undefined) {
    return { skill: rule.skill, level: rule.level, source: 'rule', rulesFired: [rule.id] };
  }
  return { ...config.defaultRoute, source: 'default', rulesFired: ['default'] };
}

/** Every condition present must hold. */
export function ruleMatches(
  rule: RoutingRule,
  request: RoutingRequest,
  priority: PriorityAssessment,
): boolean {
  const when = rule.when;
  if (when.intents !== undefined && (request.intent === null || !when.intents.includes(request.intent))) {
    return false;
  }
  if (when.languages !== undefined) {
    const language = request.language.toLowerCase();
    if (
      !when.languages.some((l) => language === l.toLowerCase() || language.startsWith(`${l.toLowerCase()}-`))
    ) {
      return false;
    }
  }
  if (when.dialledNumbers !== undefined && !when.dialledNumbers.includes(request.dialledNumber)) {
    return false;
  }
  if (when.minPriority !== undefined && priority.level < when.minPriority) {
    return false;
  }
  for (const [name, expected] of Object.entries(when.entities ?? {})) {
    const value = entityValue(request.entities[name]);
    if (expected === true ? value === null : expected === false ? value !== null : value !== expected) {
      return false;
    }
  }
  return true;
}

/** An entity as text (`{ value }` objects unwrapped); null when absent, false or empty. */
function entityValue(value: unknown): string | null {
  if (typeof value === 'object' && value !== null && 'value' in value) {
    return entityValue(value.value);
  }
  if (value === undefined || value === null || value === false || value === '') {
    return null;
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : null;
}

/** One group's figures and verdict. `route` null: reached by overflow (the skill is not required). */
function evaluate(
  group: AgentGroup,
  route: Pick<SkillRoute, 'skill' | 'level'> | null,
  role: 'skill' | 'overflow',
  now: Date,
  figures: GroupLoadFigures | undefined,
): MutableCandidate {
  const level = route === null ? null : (group.skills[route.skill] ?? null);
  const open = isOpenAt(group.hours, now);
  const staffedAgents = figures?.staffing?.agents ?? group.defaultStaffedAgents;
  const inProgress = figures?.inProgress ?? 0;
  const waiting = Math.max(0, inProgress - staffedAgents);
  const handoversPerMinute = figures?.handoversPerMinute ?? 0;
  const averageHandlingSeconds = figures?.averageHandlingSeconds ?? group.averageHandlingSeconds;
  const estimate = estimateWait({
    arrivalsPerMinute: handoversPerMinute,
    averageHandlingSeconds,
    agents: staffedAgents,
    inProgress,
  });
  let rejected: CandidateGroup['rejected'] = null;
  if (route !== null && level === null) {
    rejected = 'no-skill';
  } else if (route !== null && level !== null && level < route.level) {
    rejected = 'level';
  } else if (!open) {
    rejected = 'closed';
  } else if (staffedAgents === 0) {
    rejected = 'no-agents';
  } else if (inProgress >= staffedAgents * (1 + group.maxWaitingPerAgent)) {
    // Every agent busy and `maxWaitingPerAgent` calls waiting per agent (0: no queue at all).
    rejected = 'full';
  }
  return {
    groupId: group.id,
    level,
    role,
    open,
    staffedAgents,
    staffedSource: figures?.staffing ? 'redis' : 'file',
    inProgress,
    waiting,
    handoversPerMinute,
    averageHandlingSeconds,
    estimatedWaitSeconds: estimate.seconds,
    waitModel: estimate.model,
    nextOpening:
      rejected === 'closed' && role === 'overflow'
        ? (nextOpening(group.hours, now)?.toISOString() ?? null)
        : null,
    rejected,
  };
}

/**
 * Waits at or under this are "an agent is free or nearly": such groups are equal and keep file order (specialists
 * first), so `general`, with more agents and the same idle time, does not take a specialist's calls. Seconds.
 */
const NEGLIGIBLE_WAIT_SECONDS = 30;

function comparableWait(candidate: CandidateGroup): number {
  const wait = candidate.estimatedWaitSeconds;
  if (wait === null) {
    return Number.POSITIVE_INFINITY;
  }
  return wait <= NEGLIGIBLE_WAIT_SECONDS ? 0 : wait;
}

/** Lowest estimated wait first (negligible waits equal); `sort` is stable, so equal waits keep file order. */
function byWait(a: CandidateGroup, b: CandidateGroup): number {
  return comparableWait(a) - comparableWait(b);
}
