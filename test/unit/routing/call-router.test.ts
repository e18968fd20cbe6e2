// The routing decision on the shipped groups file with live figures in a real Redis (a private redis-server), the
// real caller history, and a clock set to chosen instants: rules, skills and levels, hours, load, overflow,
// callback and closed, the reasons record, hand-over bookkeeping, and a Redis that dies in the middle.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CallRouter } from '../../../src/routing/call-router.js';
import { RoutingRegistry } from '../../../src/routing/routing-registry.js';
import type { RoutingDecision, RoutingRequest } from '../../../src/routing/routing-types.js';
import { callerHistoryKey, RedisCallerHistory } from '../../../src/store/caller-history.js';
import { GroupLoadStore } from '../../../src/store/group-load-store.js';
import { startPrivateRedis, type PrivateRedis } from '../store/private-redis.js';

const GROUPS_FILE = resolve(import.meta.dirname, '../../../config/groups.yaml');
/** Tuesday 2 June 2026, 10:00 in Paris. */
const TUESDAY_10H = Date.parse('2026-06-02T08:00:00Z');

let server: PrivateRedis;
let redis: Redis;
let registry: RoutingRegistry;
let now = TUESDAY_10H;
let load: GroupLoadStore;
let router: CallRouter;

before(async () => {
  server = await startPrivateRedis();
  redis = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
  await redis.connect();
  registry = await RoutingRegistry.open({ file: GROUPS_FILE, watch: false });
  load = new GroupLoadStore(redis, { clock: () => now });
  router = new CallRouter({
    registry,
    load,
    history: new RedisCallerHistory(redis),
    clock: () => new Date(now),
  });
});

after(async () => {
  registry.close();
  redis.disconnect();
  await server.stop();
});

beforeEach(async () => {
  now = TUESDAY_10H;
  await redis.flushdb();
});

let calls = 0;
function request(overrides: Partial<RoutingRequest> = {}): RoutingRequest {
  calls++;
  return {
    callId: `call-${calls}`,
    dialledNumber: '3646',
    callerHash: null,
    language: 'fr',
    intent: 'health_card',
    confidence: 0.93,
    entities: {},
    recognitionFailures: 0,
    vulnerabilityDeclared: false,
    skill: null,
    level: null,
    ...overrides,
  };
}

function transfer(decision: RoutingDecision) {
  assert.equal(decision.kind, 'transfer', JSON.stringify(decision.reasons, null, 1));
  return decision;
}

function candidate(decision: RoutingDecision, groupId: string) {
  const found = decision.reasons.candidates.find((c) => c.groupId === groupId);
  assert.ok(found, groupId);
  return found;
}

describe('call router: skills, rules and levels', () => {
  it('sends a card call to the cards group, general as the fallback, with a complete reasons record', async () => {
    const decision = transfer(await router.decide(request()));
    assert.equal(decision.group.id, 'cards');
    assert.deepEqual(
      decision.fallbacks.map((g) => g.id),
      ['general'],
    );
    assert.equal(decision.estimatedWaitSeconds, 0);
    assert.equal(decision.callbackAdvised, false);
    const reasons = decision.reasons;
    assert.deepEqual(reasons.rulesFired, ['cards']);
    assert.equal(reasons.skillSource, 'rule');
    assert.deepEqual([reasons.skill, reasons.level], ['cards', 1]);
    assert.equal(reasons.chosen, 'cards');
    assert.deepEqual(reasons.fallbacks, ['general']);
    assert.equal(reasons.loadSource, 'redis');
    assert.deepEqual(reasons.notes, []);
    assert.equal(reasons.decidedAt, '2026-06-02T08:00:00.000Z');
    assert.equal(reasons.routingVersion, registry.current().version);
    assert.equal(reasons.candidates.length, 7, 'every group is listed');
    assert.deepEqual(Object.fromEntries(reasons.candidates.map((c) => [c.groupId, c.rejected])), {
      cards: null,
      reimbursements: 'no-skill',
      reimbursements_disputes: 'no-skill',
      allowances: 'no-skill',
      rights: 'no-skill',
      digital: 'no-skill',
      general: null,
    });
    assert.deepEqual(candidate(decision, 'cards'), {
      groupId: 'cards',
      level: 1,
      role: 'skill',
      open: true,
      staffedAgents: 6,
      staffedSource: 'file',
      inProgress: 0,
      waiting: 0,
      handoversPerMinute: 0,
      averageHandlingSeconds: 240,
      estimatedWaitSeconds: 0,
      waitModel: 'erlang-c',
      nextOpening: null,
      rejected: null,
    });
  });

  it('routes every reference intent to the group the flow uses today', async () => {
    const expected: Record<string, string> = {
      health_card: 'cards',
      european_card: 'cards',
      reimbursement: 'reimbursements',
      sick_leave: 'allowances',
      maternity: 'allowances',
      supplementary_coverage: 'rights',
      gp_declaration: 'rights',
      change_of_details: 'rights',
      online_account: 'digital',
      certificate: 'general',
      agent: 'general',
      out_of_scope: 'general',
    };
    for (const [intent, groupId] of Object.entries(expected)) {
      assert.equal(transfer(await router.decide(request({ intent }))).group.id, groupId, intent);
    }
  });

  it('sends a dispute to the level-2 group; first-line groups are rejected for their level', async () => {
    const decision = transfer(
      await router.decide(request({ intent: 'reimbursement', entities: { dispute: true } })),
    );
    assert.equal(decision.group.id, 'reimbursements_disputes');
    assert.deepEqual(decision.reasons.rulesFired, ['reimbursement-dispute']);
    assert.equal(candidate(decision, 'allowances').rejected, 'no-skill');
    // First-line groups hold the skill below the level; the disputes group's overflow chain still reaches them,
    // judged on availability only, as the fallbacks for a failed transfer.
    assert.deepEqual(
      ['reimbursements', 'general'].map((id) => {
        const c = candidate(decision, id);
        return [c.level, c.role, c.rejected];
      }),
      [
        [1, 'overflow', null],
        [1, 'overflow', null],
      ],
    );
    assert.deepEqual(decision.reasons.fallbacks, ['reimbursements', 'general']);
    const other = transfer(
      await router.decide(request({ intent: 'reimbursement', entities: { dispute: false } })),
    );
    assert.equal(other.group.id, 'reimbursements', 'an entity that is false is absent');
  });

  it('overflows a dispute to the chain while the experts are at lunch', async () => {
    now = Date.parse('2026-06-02T10:45:00Z'); // 12:45 in Paris
    const decision = transfer(
      await router.decide(request({ intent: 'reimbursement', entities: { dispute: true } })),
    );
    assert.equal(decision.group.id, 'reimbursements');
    assert.equal(decision.reasons.overflowUsed, true);
    assert.deepEqual(decision.reasons.fallbacks, ['general']);
    const experts = candidate(decision, 'reimbursements_disputes');
    assert.equal(experts.rejected, 'closed');
    assert.equal(experts.nextOpening, '2026-06-02T11:30:00.000Z', '13:30 in Paris');
    assert.equal(candidate(decision, 'reimbursements').role, 'overflow');
    assert.equal(candidate(decision, 'reimbursements').rejected, null);
  });

  it('lets the flow force a skill over the rules, and falls back to the default for a skill no group holds', async () => {
    const forced = transfer(
      await router.decide(request({ intent: 'health_card', skill: 'digital', level: 1 })),
    );
    assert.equal(forced.group.id, 'digital');
    assert.deepEqual(forced.reasons.rulesFired, ['flow']);
    assert.equal(forced.reasons.skillSource, 'flow');
    const unknown = transfer(await router.decide(request({ skill: 'astrology' })));
    assert.equal(unknown.group.id, 'general');
    assert.match(unknown.reasons.notes.join('\n'), /no group holds astrology at level 1: default route used/);
  });
});

describe('call router: load and estimated wait', () => {
  it('prefers the group with the lower estimated wait', async () => {
    for (let i = 0; i < 12; i++) {
      await load.recordHandover('cards', `busy-${i}`, 900);
    }
    const decision = transfer(await router.decide(request()));
    const cards = candidate(decision, 'cards');
    assert.equal(cards.inProgress, 12);
    assert.equal(cards.waiting, 6);
    assert.equal(cards.handoversPerMinute, 12 / 15);
    assert.ok(cards.estimatedWaitSeconds! > 30, String(cards.estimatedWaitSeconds));
    assert.equal(decision.group.id, 'general');
    assert.deepEqual(decision.reasons.fallbacks, ['cards']);
  });

  it('rejects a full group and one without agents, with staffing set through Redis', async () => {
    await load.setStaffedAgents('cards', 1, 'supervisor');
    for (let i = 0; i < 4; i++) {
      await load.recordHandover('cards', `busy-${i}`, 900);
    }
    await load.setStaffedAgents('general', 0, 'supervisor');
    const decision = await router.decide(request());
    assert.equal(candidate(decision, 'cards').rejected, 'full');
    assert.equal(candidate(decision, 'cards').staffedSource, 'redis');
    assert.equal(candidate(decision, 'general').rejected, 'no-agents');
    // Open but unavailable: a callback to the group, from now.
    assert.equal(decision.kind, 'callback');
    assert.equal(decision.kind === 'callback' ? decision.group?.id : null, 'cards');
    assert.equal(decision.kind === 'callback' ? decision.nextOpening : null, '2026-06-02T08:00:00.000Z');
  });

  it('advises a callback when the wait is above the threshold', async () => {
    await load.setStaffedAgents('cards', 1, 'supervisor');
    await load.setStaffedAgents('general', 0, 'supervisor');
    for (let i = 0; i < 3; i++) {
      await load.recordHandover('cards', `busy-${i}`, 900);
    }
    for (let i = 0; i < 150; i++) {
      await redis.zadd(load.keys('cards').handovers, now - i * 1000, `earlier-${i}`);
    }
    const decision = transfer(await router.decide(request()));
    // 10 hand-overs a minute × 240 s on 1 agent: saturated, queue-length model, 2 waiting → 3 × 240 s.
    assert.equal(candidate(decision, 'cards').waitModel, 'queue-length');
    assert.equal(decision.estimatedWaitSeconds, 720);
    assert.equal(decision.callbackAdvised, true);
  });

  it('records hand-overs: a blind transfer counts for wait + handling time, a bridge until it ends', async () => {
    const decision = transfer(await router.decide(request({ callId: 'handed' })));
    await router.recordHandover(decision.group.id, 'handed');
    assert.equal(Number(await redis.zscore(load.keys('cards').active, 'handed')), now + 240_000);
    await router.recordHandover('reimbursements_disputes', 'bridged');
    assert.equal(
      Number(await redis.zscore(load.keys('reimbursements_disputes').active, 'bridged')),
      now + 14_400_000,
    );
    await router.recordHandoverEnded('reimbursements_disputes', 'bridged', 480);
    const figures = (await load.read(['reimbursements_disputes'])).get('reimbursements_disputes')!;
    assert.equal(figures.inProgress, 0);
    assert.equal(figures.averageHandlingSeconds, 600 + 0.1 * (480 - 600));
  });
});

describe('call router: hours, callback and closed', () => {
  it('offers a callback at night with the next opening', async () => {
    now = Date.parse('2026-06-02T18:00:00Z'); // Tuesday 20:00 in Paris
    const decision = await router.decide(request());
    assert.equal(decision.kind, 'callback');
    if (decision.kind !== 'callback') {
      return;
    }
    assert.equal(decision.group?.id, 'cards');
    assert.equal(decision.nextOpening, '2026-06-03T06:30:00.000Z');
    assert.equal(candidate(decision, 'cards').rejected, 'closed');
    assert.equal(candidate(decision, 'general').nextOpening, '2026-06-03T06:30:00.000Z');
    assert.equal(decision.reasons.chosen, null);
  });

  it('says closed when no group with the skill opens within 14 days', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aig-router-'));
    const file = join(dir, 'groups.yaml');
    const text = (await readFile(GROUPS_FILE, 'utf8')).replace(
      "      - { from: '2026-05-15', to: '2026-05-15', reason: \"Pont de l'Ascension\" }\n      - { from: '2026-12-24T12:00'",
      "      - { from: '2026-06-01', to: '2026-06-30', reason: 'works' }\n      - { from: '2026-12-24T12:00'",
    );
    await writeFile(file, text);
    const closedRegistry = await RoutingRegistry.open({ file, watch: false });
    try {
      const closedRouter = new CallRouter({
        registry: closedRegistry,
        load,
        history: new RedisCallerHistory(redis),
        clock: () => new Date(now),
      });
      const decision = await closedRouter.decide(request());
      assert.equal(decision.kind, 'closed');
      assert.equal(decision.kind === 'closed' ? decision.nextOpening : 'x', null);
      assert.equal(decision.kind === 'closed' ? decision.group?.id : null, 'cards');
      // The experts' calendar is not closed: a dispute still gets through.
      const dispute = await closedRouter.decide(
        request({ intent: 'reimbursement', entities: { dispute: true } }),
      );
      assert.equal(transfer(dispute).group.id, 'reimbursements_disputes');
    } finally {
      closedRegistry.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('call router: priority', () => {
  it('raises a repeat caller, a struggling caller and a vulnerable one, each with why', async () => {
    const hash = 'a1b2c3d4';
    await redis.zadd(callerHistoryKey(hash, 'reimbursement'), now - 2 * 86_400_000, 'earlier-1');
    await redis.zadd(callerHistoryKey(hash, 'reimbursement'), now - 5 * 86_400_000, 'earlier-2');
    await redis.zadd(callerHistoryKey(hash, 'reimbursement'), now - 9 * 86_400_000, 'too-old');
    const decision = await router.decide(
      request({
        intent: 'reimbursement',
        callerHash: hash,
        recognitionFailures: 3,
        vulnerabilityDeclared: true,
      }),
    );
    assert.equal(decision.priority.level, 6);
    assert.deepEqual(decision.priority.reasons, [
      'repeatCaller +2: 3 calls about reimbursement within 7 days (rule: 3)',
      'recognitionFailures +1: 3 recognition failures in this call (rule: 3)',
      'vulnerability +3: vulnerability: declared in the flow',
    ]);
    assert.deepEqual(decision.reasons.priority, decision.priority);
    const other = await router.decide(request({ intent: 'health_card', callerHash: hash }));
    assert.equal(other.priority.level, 0, 'another intent is not a repeat');
  });
});

describe('call router: Redis failure', () => {
  it('decides from the file when Redis dies mid-test, and says so', async () => {
    const doomed = await startPrivateRedis();
    const client = new Redis(doomed.port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    const doomedLoad = new GroupLoadStore(client, {
      clock: () => now,
      readTimeoutMs: 150,
      writeTimeoutMs: 150,
    });
    const warnings: string[] = [];
    const doomedRouter = new CallRouter({
      registry,
      load: doomedLoad,
      history: new RedisCallerHistory(client, { timeoutMs: 150 }),
      clock: () => new Date(now),
      logger: { warn: (_obj, msg) => warnings.push(msg ?? '') },
    });
    try {
      await doomedLoad.setStaffedAgents('cards', 0, 'supervisor');
      const before = await doomedRouter.decide(request({ callerHash: 'x' }));
      assert.equal(transfer(before).group.id, 'general', 'cards has no agents in Redis');

      await doomed.stop();
      const started = performance.now();
      const decision = transfer(
        await doomedRouter.decide(request({ callerHash: 'x', callId: 'during-outage' })),
      );
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000, `decided in ${elapsed} ms`);
      assert.equal(decision.group.id, 'cards', 'the file says cards has 6 agents');
      assert.equal(decision.reasons.loadSource, 'file-defaults');
      assert.equal(candidate(decision, 'cards').staffedSource, 'file');
      const notes = decision.reasons.notes.join('\n');
      assert.match(notes, /group load unavailable .*: file defaults used/);
      assert.match(notes, /caller history unavailable .*: repeat-caller rule not applied/);

      await doomedRouter.recordHandover('cards', 'during-outage');
      await doomedRouter.recordHandoverEnded('cards', 'during-outage', 200);
      assert.deepEqual(warnings, [
        'hand-over not recorded in the group load',
        'end of hand-over not recorded in the group load',
      ]);
    } finally {
      client.disconnect();
      await doomed.stop();
    }
  });
});
