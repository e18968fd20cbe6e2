/**
 * Caller priority: rules from the groups file's `priority` section that raise a caller above 0, each raise recorded
 * with its figures, the sum capped at `max`. The level travels to the agent platform with the context
 * (`X-Aiguilleur-Priority`) and can select a routing rule (`when.minPriority`).
 *
 *   - repeat caller: the same hashed number about the same intent, at least `calls` calls within `days` days, this
 *     one included (the call records hold the earlier ones; this call's record is written when it ends);
 *   - recognition failures: at least `failures` no-match / no-input / low-confidence turns in this call;
 *   - declared vulnerability: the flow says so (`vulnerabilityDeclared`), or the `vulnerability` entity is present,
 *     or the intent is `vulnerability`.
 *
 * The caller history is read from Redis: when it fails or is slower than `historyTimeoutMs`, the repeat-caller
 * rule is skipped and a note says so; a call is never held up for a priority.
 */
import type {
  CallerHistoryReader,
  PriorityAssessment,
  PriorityPolicy,
  PriorityRaise,
  RoutingRequest,
} from './routing-types.js';

export interface PriorityContext {
  readonly history: CallerHistoryReader;
  readonly now: Date;
  /** Longest wait for the caller history, ms. @default 200 */
  readonly historyTimeoutMs?: number;
}

export interface PriorityResult {
  readonly assessment: PriorityAssessment;
  /** What could not be checked, in words. */
  readonly notes: readonly string[];
}

/** The caller history's key for calls on any topic (`src/store/caller-history.ts` ANY_INTENT). */
const ANY_INTENT = '*';
const DAY_MS = 86_400_000;

/** Evaluates every priority rule for one call. */
export async function assessPriority(
  policy: PriorityPolicy,
  request: Pick<
    RoutingRequest,
    'callerHash' | 'intent' | 'recognitionFailures' | 'vulnerabilityDeclared' | 'entities'
  >,
  context: PriorityContext,
): Promise<PriorityResult> {
  const raises: PriorityRaise[] = [];
  const notes: string[] = [];

  const repeat = policy.repeatCaller;
  if (repeat !== null && request.callerHash !== null) {
    const since = new Date(context.now.getTime() - repeat.days * DAY_MS);
    // A caller who chose on the keypad has no intent: their calls on any topic count (the history keeps every
    // call under ANY_INTENT as well).
    const topic = request.intent ?? ANY_INTENT;
    try {
      const earlier = await withTimeout(
        context.history.recentCalls(request.callerHash, topic, since),
        context.historyTimeoutMs ?? 200,
      );
      const calls = earlier + 1;
      if (calls >= repeat.calls) {
        raises.push({
          rule: 'repeatCaller',
          by: repeat.raiseBy,
          why: `${calls} calls about ${request.intent ?? 'any topic'} within ${repeat.days} days (rule: ${repeat.calls})`,
        });
      }
    } catch (err) {
      notes.push(`caller history unavailable (${(err as Error).message}): repeat-caller rule not applied`);
    }
  }

  const failures = policy.recognitionFailures;
  if (failures !== null && request.recognitionFailures >= failures.failures) {
    raises.push({
      rule: 'recognitionFailures',
      by: failures.raiseBy,
      why: `${request.recognitionFailures} recognition failures in this call (rule: ${failures.failures})`,
    });
  }

  const vulnerability = policy.vulnerability;
  if (vulnerability !== null) {
    const source = request.vulnerabilityDeclared
      ? 'declared in the flow'
      : isPresent(request.entities['vulnerability'])
        ? 'vulnerability entity recognized'
        : request.intent === 'vulnerability'
          ? 'vulnerability intent'
          : null;
    if (source !== null) {
      raises.push({ rule: 'vulnerability', by: vulnerability.raiseBy, why: `vulnerability: ${source}` });
    }
  }

  const total = raises.reduce((sum, raise) => sum + raise.by, 0);
  const capped = total > policy.max;
  const level = Math.min(total, policy.max);
  const reasons = raises.map((raise) => `${raise.rule} +${raise.by}: ${raise.why}`);
  if (capped) {
    reasons.push(`capped at ${policy.max} (raises add up to ${total})`);
  }
  return {
    assessment: Object.freeze({
      level,
      reasons: Object.freeze(reasons),
      raises: Object.freeze(raises),
      capped,
    }),
    notes,
  };
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '';
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
