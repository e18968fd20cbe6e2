/**
 * From per-intent probabilities to the verdict a flow acts on. One rule for every engine:
 *
 *   1. the top intent is `out_of_scope`, or its probability is below the rejection threshold → rejected: intent
 *      `out_of_scope`, runner-up = best in-scope intent (a flow may ask "did you mean ...?");
 *   2. the top intent is `agent` → intent `agent`, runner-up = best *topic* (neither `agent` nor
 *      `out_of_scope`): "je veux parler à un conseiller pour ma carte vitale" is a request for a person, and the
 *      topic tells which agents (routing: "the group of the last qualified intent"). We chose this over a separate
 *      `asksForAgent` flag so that a flow testing only `intent` still honours the request for a human. The
 *      topic's confidence is then its probability among topics only (renormalized without `agent` and
 *      `out_of_scope`): the agent words take nearly all the probability mass, so the raw figure would be ~0 even
 *      for a clearly named topic. Renormalized, it is a hint, not a proof, that a topic was named: 0.6–0.99 for
 *      the topic-plus-agent phrases of `intent-classifier.test.ts`, 0.2–0.65 for a bare "un conseiller";
 *   3. otherwise → the top intent, runner-up = the second (possibly `out_of_scope`).
 *
 * Ties break by intent order (the order of the phrase file), so the verdict is deterministic.
 */
import type { IntentCandidate, IntentClassification } from './intent-classifier-types.js';
import { AGENT_INTENT, OUT_OF_SCOPE_INTENT } from './phrase-set.js';

export function decideIntent(
  intents: readonly string[],
  probabilities: Float64Array,
  rejectionThreshold: number,
): IntentClassification {
  const ranked: IntentCandidate[] = intents
    .map((intent, i) => ({ intent, confidence: probabilities[i] ?? 0 }))
    .sort((a, b) => b.confidence - a.confidence);
  const scores: Record<string, number> = {};
  for (const { intent, confidence } of ranked) {
    scores[intent] = confidence;
  }
  const top = ranked[0];
  const bestInScope = ranked.find((candidate) => candidate.intent !== OUT_OF_SCOPE_INTENT) ?? null;
  if (top === undefined || top.intent === OUT_OF_SCOPE_INTENT || top.confidence < rejectionThreshold) {
    return {
      intent: OUT_OF_SCOPE_INTENT,
      confidence: 1 - (bestInScope?.confidence ?? 0),
      runnerUp: bestInScope,
      outOfScope: true,
      scores,
    };
  }
  const runnerUp = top.intent === AGENT_INTENT ? bestTopic(ranked) : (ranked[1] ?? null);
  return { intent: top.intent, confidence: top.confidence, runnerUp, outOfScope: false, scores };
}

/** The best intent other than `agent` and `out_of_scope`, its probability renormalized over those intents. */
function bestTopic(ranked: readonly IntentCandidate[]): IntentCandidate | null {
  const topics = ranked.filter((c) => c.intent !== AGENT_INTENT && c.intent !== OUT_OF_SCOPE_INTENT);
  const best = topics[0];
  if (best === undefined) {
    return null;
  }
  const mass = topics.reduce((sum, c) => sum + c.confidence, 0);
  return { intent: best.intent, confidence: mass > 0 ? best.confidence / mass : 1 / topics.length };
}
