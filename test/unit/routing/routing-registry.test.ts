// Hot reload of the groups file: a saved change is picked up, an invalid file never replaces a valid one, and an
// explicit reload (SIGHUP) reports what happened.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { RoutingRegistry, type RoutingRegistryEvents } from '../../../src/routing/routing-registry.js';
import { MINIMAL } from './routing-fixtures.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aig-routing-registry-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('routing registry', () => {
  it('refuses to open on an invalid file, listing the problems', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, MINIMAL.replace('overflow: [general]', 'overflow: [nowhere]'));
    await assert.rejects(RoutingRegistry.open({ file, watch: false }), (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_ROUTING_INVALID'));
      assert.match(err.message, /bad\.yaml:13:16 {2}groups\.cards\.overflow\.0 {2}unknown group "nowhere"/);
      return true;
    });
  });

  it('reloads on save, keeps the valid version when the new one is invalid', async () => {
    const file = join(dir, 'groups.yaml');
    await writeFile(file, MINIMAL);
    const registry = await RoutingRegistry.open({ file, debounceMs: 50 });
    try {
      const first = registry.current();
      assert.equal(first.groups.get('cards')!.defaultStaffedAgents, 2);

      const loaded = once(registry, 'loaded');
      await writeFile(file, MINIMAL.replace('staffedAgents: 2', 'staffedAgents: 7'));
      const [report] = (await loaded) as RoutingRegistryEvents['loaded'];
      assert.equal(report.previousVersion, first.version);
      assert.equal(report.trigger, 'watch');
      assert.equal(registry.current().groups.get('cards')!.defaultStaffedAgents, 7);
      assert.equal(
        first.groups.get('cards')!.defaultStaffedAgents,
        2,
        'a decision in progress keeps its config',
      );

      const rejected = once(registry, 'rejected');
      await writeFile(file, MINIMAL.replace('staffedAgents: 2', 'staffedAgents: -1'));
      const [problem] = (await rejected) as RoutingRegistryEvents['rejected'];
      assert.equal(problem.keptVersion, registry.current().version);
      assert.match(problem.problems[0]!.message, /greater than or equal to 0/);
      assert.equal(problem.problems[0]!.line, 12);
      assert.equal(
        registry.current().groups.get('cards')!.defaultStaffedAgents,
        7,
        'the valid version still serves',
      );

      // An editor's save: write a temporary file, rename it over the original.
      const again = once(registry, 'loaded');
      await writeFile(join(dir, 'groups.yaml.tmp'), MINIMAL.replace('staffedAgents: 2', 'staffedAgents: 9'));
      await rename(join(dir, 'groups.yaml.tmp'), file);
      await again;
      assert.equal(registry.current().groups.get('cards')!.defaultStaffedAgents, 9);
    } finally {
      registry.close();
    }
  });

  it('reload() reports a change, no change, and a refusal', async () => {
    const file = join(dir, 'explicit.yaml');
    await writeFile(file, MINIMAL);
    const registry = await RoutingRegistry.open({ file, watch: false });
    try {
      const version = registry.current().version;
      assert.deepEqual(await registry.reload(), {
        ok: true,
        version,
        changed: false,
        previousVersion: version,
      });
      await writeFile(
        file,
        MINIMAL.replace("mon: ['08:30-17:30']", "mon: ['08:30-17:30']\n      tue: ['08:30-12:00']"),
      );
      const changed = await registry.reload();
      assert.ok(changed.ok && changed.changed && changed.previousVersion === version);
      assert.deepEqual(registry.current().groups.get('general')!.hours.weekly.tue, [
        { open: '08:30', close: '12:00' },
      ]);
      await writeFile(file, 'groups: [');
      const refused = await registry.reload();
      assert.ok(!refused.ok);
      assert.equal(refused.keptVersion, registry.current().version);
      assert.equal(refused.problems[0]!.line, 1);
    } finally {
      registry.close();
    }
  });
});
