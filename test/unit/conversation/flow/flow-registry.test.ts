// Hot reload: a changed flow is validated and swapped in for new calls while calls in progress keep the object
// they hold; a broken edit is rejected (reported with its problems) and the good version keeps serving.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { once } from 'node:events';
import { FlowRegistry, type FlowRegistryEvents } from '../../../../src/conversation/flow/flow-registry.js';
import { badFlow, copyFlow, GROUPS, goodFlow } from './flow-fixtures.js';

const options = { groups: GROUPS, debounceMs: 100, classifierOptions: { rejectionThreshold: 0.3 } };

/** The next `event` from the registry, or a failure after `ms` (a hung watch must not hang the suite). */
async function next<K extends keyof FlowRegistryEvents>(
  registry: FlowRegistry,
  event: K,
  ms = 15_000,
): Promise<FlowRegistryEvents[K][0]> {
  const [report] = (await Promise.race([
    once(registry, event),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms).unref(),
    ),
  ])) as FlowRegistryEvents[K];
  return report;
}

describe('FlowRegistry', () => {
  const scratch = copyFlow(goodFlow('minimal'), 'minimal');
  cpSync(badFlow('xstate-rejected'), join(scratch.root, 'xstate-rejected'), { recursive: true });
  after(() => scratch.remove());

  it('serves the valid flows, reports the bad one, and reloads on file changes without touching held versions', async () => {
    const registry = new FlowRegistry({ ...options, directory: scratch.root });
    const loaded: string[] = [];
    const rejected: string[] = [];
    registry.on('loaded', (report) => loaded.push(`${report.flowId}:${report.trigger}`));
    registry.on('rejected', (report) =>
      rejected.push(`${report.flowId}:${report.trigger}:${report.problems.length}`),
    );
    try {
      await registry.start();
      assert.deepEqual(loaded, ['minimal:start']);
      assert.deepEqual(rejected, ['xstate-rejected:start:1']);
      assert.deepEqual(registry.flowIds, ['minimal']);
      assert.equal(registry.get('xstate-rejected'), undefined);

      const held = registry.get('minimal')!; // what a call in progress holds
      const prompts = join(scratch.directory, 'prompts/en.json');
      const machine = join(scratch.directory, 'machine.json');
      const goodMachine = readFileSync(machine, 'utf8');

      // A valid change: served to new calls; the held version is untouched.
      let report = next(registry, 'loaded');
      writeFileSync(prompts, readFileSync(prompts, 'utf8').replace('Goodbye.', 'Bye now.'));
      const changed = await report;
      assert.equal(changed.trigger, 'watch');
      assert.equal(changed.previousVersion, held.version);
      assert.notEqual(changed.flow.version, held.version);
      assert.equal(registry.get('minimal'), changed.flow);
      assert.equal(registry.get('minimal')!.prompts.en?.goodbye, 'Bye now.');
      assert.equal(held.prompts.en?.goodbye, 'Goodbye.');

      // A broken change: rejected with its problems, the last good version keeps serving.
      const rejection = next(registry, 'rejected');
      writeFileSync(machine, goodMachine.replace('"onError": "toGeneral"', '"onError": "toGeneral",'));
      const broken = await rejection;
      assert.equal(broken.flowId, 'minimal');
      assert.equal(broken.keptVersion, changed.flow.version);
      assert.match(broken.problems[0]!.message, /^not valid JSON: trailing comma/);
      assert.equal(registry.get('minimal'), changed.flow);

      // Fixed (differently): the new version serves.
      report = next(registry, 'loaded');
      writeFileSync(machine, goodMachine.replace('"onError": "toGeneral" }', '"onError": "goodbye" }'));
      const fixed = await report;
      assert.equal(fixed.previousVersion, changed.flow.version);
      assert.equal(registry.get('minimal'), fixed.flow);
      assert.deepEqual(loaded, ['minimal:start', 'minimal:watch', 'minimal:watch']);
    } finally {
      registry.close();
    }
  });

  it('reloads on reload() (SIGHUP), picks up new folders, and survives a throwing listener', async () => {
    const scratchTwo = copyFlow(goodFlow('minimal'), 'minimal');
    try {
      const registry = new FlowRegistry({ ...options, directory: scratchTwo.root, watch: false });
      await registry.start();
      const first = registry.get('minimal')!;
      registry.on('loaded', () => {
        throw new Error('a listener bug');
      });
      await registry.reload();
      assert.equal(registry.get('minimal'), first, 'same content: nothing reloaded');

      const prompts = join(scratchTwo.directory, 'prompts/en.json');
      writeFileSync(prompts, readFileSync(prompts, 'utf8').replace('Goodbye.', 'See you.'));
      const second = join(scratchTwo.root, 'second');
      cpSync(scratchTwo.directory, second, { recursive: true });
      writeFileSync(join(second, 'flow.json'), '{ "id": "second", "languages": ["en"] }\n');
      writeFileSync(
        join(second, 'machine.json'),
        readFileSync(join(second, 'machine.json'), 'utf8').replace('"id": "minimal"', '"id": "second"'),
      );
      await registry.reload();
      assert.equal(registry.get('minimal')!.prompts.en?.goodbye, 'See you.');
      assert.notEqual(registry.get('minimal')!.version, first.version);
      assert.deepEqual(registry.flowIds, ['minimal', 'second']);
      registry.close();
    } finally {
      scratchTwo.remove();
    }
  });

  it('refuses to start without a readable flows folder', async () => {
    const registry = new FlowRegistry({ ...options, directory: join(badFlow('nowhere'), 'flows') });
    await assert.rejects(registry.start(), /Flow is invalid: .*the flows folder cannot be read/);
  });
});
