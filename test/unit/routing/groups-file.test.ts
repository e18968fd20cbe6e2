// The groups file: the shipped config/groups.yaml loads into the routing config the app uses, and a bad file is
// refused at load with every problem at its file:line:column.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import {
  DEFAULT_GROUPS_FILE,
  formatGroupsFileProblem,
  loadGroupsFile,
  parseGroupsFile,
} from '../../../src/routing/groups-file.js';
import { MINIMAL } from './routing-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function problemsOf(text: string): string[] {
  const result = parseGroupsFile(text, join(ROOT, 'groups.yaml'));
  assert.equal(result.ok, false, 'the file should be refused');
  return result.ok ? [] : result.problems.map((problem) => formatGroupsFileProblem(problem, ROOT));
}

describe('the shipped groups file', () => {
  it('loads the seven groups of the reference deployment, specialists first', async () => {
    const config = await loadGroupsFile(join(ROOT, DEFAULT_GROUPS_FILE));
    assert.deepEqual(
      [...config.groups.keys()],
      ['cards', 'reimbursements', 'reimbursements_disputes', 'allowances', 'rights', 'digital', 'general'],
    );
    assert.deepEqual(config.groups.get('reimbursements_disputes')!.uris, [
      'sip:reimbursements-disputes@127.0.0.1:5090',
    ]);
    assert.deepEqual(config.groups.get('reimbursements_disputes')!.skills, { reimbursements: 2 });
    assert.equal(config.groups.get('reimbursements_disputes')!.transfer.mode, 'bridge');
    assert.deepEqual(config.groups.get('general')!.skills, {
      general: 1,
      cards: 1,
      reimbursements: 1,
      allowances: 1,
      rights: 1,
      digital: 1,
    });
    for (const group of config.groups.values()) {
      assert.ok(
        group.id === 'general' || group.overflow.at(-1) === 'general',
        `${group.id} overflow ends at general`,
      );
      assert.equal(group.hours.timezone, 'Europe/Paris');
    }
    assert.deepEqual(config.groups.get('cards')!.hours.weekly.mon, [{ open: '08:30', close: '17:30' }]);
    assert.deepEqual(config.groups.get('cards')!.hours.weekly.sat, []);
    assert.equal(
      config.groups.get('cards')!.hours,
      config.groups.get('general')!.hours,
      'one object per calendar',
    );
    assert.deepEqual(config.defaultRoute, { skill: 'general', level: 1 });
    assert.deepEqual(config.priority.repeatCaller, { calls: 3, days: 7, raiseBy: 2 });
    assert.equal(config.callbacks.offerAboveWaitSeconds, 600);
    assert.match(config.version, /^[0-9a-f]{12}$/);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.groups.get('cards')));
  });

  it('has a rule for every qualified intent of the reference flow, as the flow routes them today', async () => {
    const config = await loadGroupsFile(join(ROOT, DEFAULT_GROUPS_FILE));
    const skillOf = (intent: string) =>
      config.rules.find((rule) => rule.when.intents?.includes(intent) && rule.when.entities === undefined)
        ?.skill ?? config.defaultRoute.skill;
    assert.deepEqual(
      Object.fromEntries(
        [
          'health_card',
          'european_card',
          'reimbursement',
          'sick_leave',
          'maternity',
          'supplementary_coverage',
          'gp_declaration',
          'change_of_details',
          'online_account',
          'certificate',
          'agent',
          'out_of_scope',
        ].map((intent) => [intent, skillOf(intent)]),
      ),
      {
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
      },
    );
    assert.deepEqual(config.rules[0], {
      id: 'reimbursement-dispute',
      when: { intents: ['reimbursement'], entities: { dispute: true } },
      skill: 'reimbursements',
      level: 2,
    });
  });
});

describe('a bad groups file is refused with positions', () => {
  it('reports a YAML syntax error at its line and column', () => {
    const problems = problemsOf(
      MINIMAL.replace("uris: ['sip:cards@127.0.0.1:5090']", "uris: ['sip:cards@127.0.0.1:5090'"),
    );
    assert.equal(problems.length >= 1, true);
    assert.match(problems[0]!, /^groups\.yaml:\d+:\d+ {2}- {2}/);
  });

  it('reports a duplicate key where it is written', () => {
    const problems = problemsOf(
      MINIMAL.replace('    staffedAgents: 2\n', '    staffedAgents: 2\n    staffedAgents: 4\n'),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^groups\.yaml:13:5 {2}- {2}.*unique/i);
  });

  it('reports an unknown field at its key, a wrong type and a missing field', () => {
    const text = MINIMAL.replace('    staffedAgents: 2\n', '    staffedAgent: 2\n').replace(
      'skills: { general: 1, cards: 1 }',
      'skills: { general: 1, cards: 3 }',
    );
    assert.deepEqual(problemsOf(text), [
      'groups.yaml:7:3  groups.cards.staffedAgents  "staffedAgents" is required',
      'groups.yaml:12:5  groups.cards.staffedAgent  unknown field "staffedAgent"',
      'groups.yaml:17:34  groups.general.skills.cards  must be 1 (first line) or 2 (expert)',
    ]);
  });

  it('reports overflow to an unknown group, to itself, and overflow cycles', () => {
    const unknown = MINIMAL.replace('overflow: [general]', 'overflow: [genral]');
    assert.deepEqual(problemsOf(unknown), [
      'groups.yaml:13:16  groups.cards.overflow.0  unknown group "genral"',
    ]);
    const self = MINIMAL.replace('overflow: [general]', 'overflow: [cards]');
    assert.deepEqual(problemsOf(self), [
      'groups.yaml:13:16  groups.cards.overflow.0  "cards" overflows to itself',
    ]);
    const cycle = MINIMAL.replace('    staffedAgents: 3\n', '    staffedAgents: 3\n    overflow: [cards]\n');
    assert.deepEqual(problemsOf(cycle), [
      'groups.yaml:13:15  groups.cards.overflow  overflow cycle: cards → general → cards',
    ]);
  });

  it('reports a rule or default route asking for a skill no group holds at that level', () => {
    const text = MINIMAL.replace('    skill: cards\n', '    skill: cards\n    level: 2\n').replace(
      'defaultRoute: { skill: general }',
      'defaultRoute: { skill: accueil }',
    );
    assert.deepEqual(problemsOf(text), [
      'groups.yaml:24:12  rules.0.level  no group holds "cards" at level 2',
      'groups.yaml:25:24  defaultRoute.skill  no group holds the default skill "accueil" at level 1',
    ]);
  });

  it('reports an unknown time zone, malformed and overlapping periods, and a closure ending before it starts', () => {
    const text = MINIMAL.replace('timezone: Europe/Paris', 'timezone: Europe/Pariss').replace(
      "      mon: ['08:30-17:30']\n",
      "      mon: ['08:30-12:30', '12:00-17:30']\n      tue: ['17:30-08:30', '25:00-26:00', '8:30-12:00']\n    closures:\n      - { from: '2026-05-15', to: '2026-05-14', reason: x }\n",
    );
    // Shape first; once the shape is right the checks that need it run.
    assert.deepEqual(problemsOf(text), [
      'groups.yaml:6:43  calendars.office.weekly.tue.2  must be "HH:MM-HH:MM"',
    ]);
    const shaped = text.replace(", '8:30-12:00'", '');
    assert.deepEqual(problemsOf(shaped), [
      'groups.yaml:3:15  calendars.office.timezone  unknown time zone "Europe/Pariss" (an IANA name such as Europe/Paris)',
      'groups.yaml:5:28  calendars.office.weekly.mon.1  "12:00-17:30" overlaps "08:30-12:30"',
      'groups.yaml:6:13  calendars.office.weekly.tue.0  "17:30-08:30": closes before it opens',
      'groups.yaml:6:28  calendars.office.weekly.tue.1  "25:00-26:00": times must be 00:00 to 23:59 ("24:00" as a close)',
    ]);
    // Closures are placed in time only in a known zone.
    assert.equal(
      problemsOf(shaped.replace('Europe/Pariss', 'Europe/Paris')).at(-1),
      'groups.yaml:8:35  calendars.office.closures.0.to  the closure ends (2026-05-14) before it starts (2026-05-15)',
    );
  });

  it('reports an unknown calendar and checks hours written in a group', () => {
    const text = MINIMAL.replace(
      '    hours: office\n    staffedAgents: 2',
      '    hours: bureau\n    staffedAgents: 2',
    ).replace(
      '    hours: office\n    staffedAgents: 3',
      "    hours: { weekly: { sun: ['10:00-09:00'] }, alsace: true }\n    staffedAgents: 3",
    );
    assert.deepEqual(problemsOf(text), [
      'groups.yaml:11:12  groups.cards.hours  unknown calendar "bureau"',
      'groups.yaml:18:48  groups.general.hours.alsace  unknown field "alsace"',
    ]);
  });

  it('rejects through loadGroupsFile with AIG_ERR_ROUTING_INVALID listing each problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aig-groups-'));
    try {
      const file = join(dir, 'groups.yaml');
      await writeFile(file, MINIMAL.replace('overflow: [general]', 'overflow: [nowhere]'));
      await assert.rejects(loadGroupsFile(file), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_ROUTING_INVALID'));
        assert.match(
          err.message,
          /groups\.yaml:13:16 {2}groups\.cards\.overflow\.0 {2}unknown group "nowhere"/,
        );
        return true;
      });
      await assert.rejects(loadGroupsFile(join(dir, 'missing.yaml')), /cannot be read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
