// Priority rules without Redis: the raises that need no caller history, the cap, and rules selected by priority.
// (The repeat-caller rule against the real history, and with Redis gone, is in call-router.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleMatches } from '../../../src/routing/call-router.js';
import { assessPriority } from '../../../src/routing/priority-policy.js';
import type {
  CallerHistoryReader,
  PriorityPolicy,
  RoutingRequest,
} from '../../../src/routing/routing-types.js';

/** The history must not be read when there is no number (withheld) or no intent. */
const UNREAD: CallerHistoryReader = {
  recentCalls: () => Promise.reject(new Error('the history should not have been read')),
};

const POLICY: PriorityPolicy = {
  repeatCaller: { calls: 3, days: 7, raiseBy: 2 },
  recognitionFailures: { failures: 3, raiseBy: 1 },
  vulnerability: { raiseBy: 3 },
  max: 9,
};

const base = {
  callerHash: null,
  intent: 'reimbursement',
  recognitionFailures: 0,
  vulnerabilityDeclared: false,
  entities: {},
};
const context = { history: UNREAD, now: new Date('2026-06-02T08:00:00Z') };

describe('priority policy', () => {
  it('is 0 with no reason for an ordinary caller, and skips the history for a withheld number', async () => {
    const { assessment, notes } = await assessPriority(POLICY, base, context);
    assert.deepEqual(assessment, { level: 0, reasons: [], raises: [], capped: false });
    assert.deepEqual(notes, []);
  });

  it('counts a keypad caller (no intent) by their calls on any topic', async () => {
    const asked: string[] = [];
    const history: CallerHistoryReader = {
      recentCalls: (_hash, intent) => {
        asked.push(intent);
        return Promise.resolve(2);
      },
    };
    const { assessment } = await assessPriority(
      POLICY,
      { ...base, callerHash: 'a'.repeat(64), intent: null },
      { ...context, history },
    );
    assert.deepEqual(asked, ['*']);
    assert.equal(assessment.level, 2);
    assert.match(assessment.raises[0]!.why, /3 calls about any topic within 7 days/);
  });

  it('raises for recognition failures at the threshold, not below', async () => {
    const below = await assessPriority(POLICY, { ...base, recognitionFailures: 2 }, context);
    assert.equal(below.assessment.level, 0);
    const at = await assessPriority(POLICY, { ...base, recognitionFailures: 3 }, context);
    assert.equal(at.assessment.level, 1);
    assert.deepEqual(at.assessment.raises, [
      { rule: 'recognitionFailures', by: 1, why: '3 recognition failures in this call (rule: 3)' },
    ]);
  });

  it('recognizes vulnerability declared by the flow, as an entity, or as an intent', async () => {
    for (const [input, why] of [
      [{ vulnerabilityDeclared: true }, 'vulnerability: declared in the flow'],
      [{ entities: { vulnerability: 'malvoyant' } }, 'vulnerability: vulnerability entity recognized'],
      [{ intent: 'vulnerability' }, 'vulnerability: vulnerability intent'],
    ] as const) {
      const { assessment } = await assessPriority(POLICY, { ...base, ...input }, context);
      assert.equal(assessment.level, 3);
      assert.equal(assessment.raises[0]!.why, why);
    }
    const empty = await assessPriority(POLICY, { ...base, entities: { vulnerability: '' } }, context);
    assert.equal(empty.assessment.level, 0);
  });

  it('caps the sum at max and says so', async () => {
    const strict: PriorityPolicy = { ...POLICY, vulnerability: { raiseBy: 5 }, max: 4 };
    const { assessment } = await assessPriority(
      strict,
      { ...base, recognitionFailures: 5, vulnerabilityDeclared: true },
      context,
    );
    assert.equal(assessment.level, 4);
    assert.equal(assessment.capped, true);
    assert.deepEqual(assessment.reasons, [
      'recognitionFailures +1: 5 recognition failures in this call (rule: 3)',
      'vulnerability +5: vulnerability: declared in the flow',
      'capped at 4 (raises add up to 6)',
    ]);
  });

  it('applies no rule switched off (null)', async () => {
    const off: PriorityPolicy = {
      repeatCaller: null,
      recognitionFailures: null,
      vulnerability: null,
      max: 9,
    };
    const { assessment } = await assessPriority(
      off,
      { ...base, callerHash: 'abc', recognitionFailures: 9, vulnerabilityDeclared: true },
      context,
    );
    assert.equal(assessment.level, 0);
  });
});

describe('rule conditions', () => {
  const request: RoutingRequest = {
    callId: 'c',
    dialledNumber: '3646',
    callerHash: null,
    language: 'fr-FR',
    intent: 'reimbursement',
    confidence: 0.9,
    entities: { dispute: { value: 'yes' }, amount: 42 },
    recognitionFailures: 0,
    vulnerabilityDeclared: false,
    skill: null,
    level: null,
  };
  const priority = (level: number) => ({ level, reasons: [], raises: [], capped: false });
  const rule = (when: object) => ({ id: 'r', when, skill: 'x', level: 1 as const });

  it('matches when every condition present holds', () => {
    assert.equal(ruleMatches(rule({}), request, priority(0)), true);
    assert.equal(
      ruleMatches(rule({ intents: ['reimbursement'], languages: ['fr'] }), request, priority(0)),
      true,
    );
    assert.equal(ruleMatches(rule({ languages: ['en'] }), request, priority(0)), false);
    assert.equal(ruleMatches(rule({ dialledNumbers: ['3647'] }), request, priority(0)), false);
    assert.equal(
      ruleMatches(rule({ entities: { dispute: 'yes', amount: '42' } }), request, priority(0)),
      true,
    );
    assert.equal(ruleMatches(rule({ entities: { dispute: true, nir: false } }), request, priority(0)), true);
    assert.equal(ruleMatches(rule({ entities: { nir: true } }), request, priority(0)), false);
    assert.equal(ruleMatches(rule({ intents: ['agent'] }), { ...request, intent: null }, priority(0)), false);
  });

  it('selects a rule by minimum priority', () => {
    assert.equal(ruleMatches(rule({ minPriority: 3 }), request, priority(2)), false);
    assert.equal(ruleMatches(rule({ minPriority: 3 }), request, priority(3)), true);
  });
});
