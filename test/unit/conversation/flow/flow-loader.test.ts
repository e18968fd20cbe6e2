// Loading a flow: the immutable LoadedFlow a call runs on (settings with their documented defaults, the machine,
// phrases, prompts, trained classifiers, a content-hash version), or AIG_ERR_FLOW_INVALID listing every problem.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAigError } from '../../../../src/errors/aig-error.js';
import { loadFlow, tryLoadFlow } from '../../../../src/conversation/flow/flow-loader.js';
import { badFlow, copyFlow, GROUPS, goodFlow, positionOf } from './flow-fixtures.js';

/** Training with a fixed rejection threshold skips cross-validation: fast, and irrelevant to loading. */
const options = { groups: GROUPS, classifierOptions: { rejectionThreshold: 0.3 } };

describe('loadFlow', () => {
  it('loads settings, machine, phrases, prompts and trained classifiers for every language', async () => {
    const flow = await loadFlow(goodFlow(), options);
    assert.equal(flow.id, 'complete');
    assert.equal(flow.directory, goodFlow());
    assert.match(flow.version, /^[0-9a-f]{12}$/);
    assert.deepEqual(flow.settings.languages, ['fr', 'en']);
    assert.deepEqual(flow.settings.classification, { high: 0.8, medium: 0.5, closeMargin: 0.1 });
    assert.deepEqual(flow.settings.delays, { greetingTimeout: 20000 });
    assert.equal(flow.machine.id, 'complete');
    assert.equal(flow.prompts.en?.goodbye, 'Goodbye.');
    assert.deepEqual([...(flow.phrases.fr?.intents.keys() ?? [])], ['card', 'agent', 'out_of_scope']);
    assert.deepEqual(flow.classifiers.languages.sort(), ['en', 'fr']);
    assert.equal(
      (await flow.classifiers.classifier('fr').classify("j'ai perdu ma carte vitale")).intent,
      'card',
    );
    assert.equal((await flow.classifiers.classifier('en').classify('i lost my health card')).intent, 'card');
    assert.ok(flow.loadedAt instanceof Date);
  });

  it('hands out an immutable flow: calls in progress cannot see a change', async () => {
    const flow = await loadFlow(goodFlow(), options);
    const states = flow.machine.states as Record<string, Record<string, unknown>>;
    assert.ok(
      Object.isFrozen(flow) && Object.isFrozen(flow.settings) && Object.isFrozen(flow.settings.variables),
    );
    assert.ok(Object.isFrozen(states.ask) && Object.isFrozen(flow.prompts.fr));
    assert.throws(() => {
      (states.ask as { invoke: unknown }).invoke = null;
    }, TypeError);
  });

  it('applies the documented defaults to a minimal flow.json', async () => {
    const flow = await loadFlow(goodFlow('minimal'), options);
    assert.deepEqual(flow.settings, {
      id: 'minimal',
      description: '',
      languages: ['en'],
      hints: {},
      classification: { high: 0.75, medium: 0.45, closeMargin: 0.1 },
      maxTurns: 12,
      maxDurationSeconds: 600,
      fallbackTarget: 'general',
      variables: {},
      delays: {},
    });
  });

  it('overrides declared variables from the server config', async () => {
    const flow = await loadFlow(goodFlow(), { ...options, variables: { announcement: 'Grève ce jour.' } });
    assert.deepEqual(flow.settings.variables, {
      announcement: 'Grève ce jour.',
      announcementPrompt: null,
      targetGroup: null,
    });
  });

  it('versions the content: an edit changes it, undoing the edit restores it, hidden files do not count', async () => {
    const copy = copyFlow(goodFlow('minimal'), 'minimal');
    try {
      const prompts = join(copy.directory, 'prompts/en.json');
      const original = readFileSync(prompts, 'utf8');
      const first = (await loadFlow(copy.directory, options)).version;
      writeFileSync(join(copy.directory, '.prompts.json.swp'), 'editor state');
      writeFileSync(join(copy.directory, 'machine.json~'), 'backup');
      assert.equal((await loadFlow(copy.directory, options)).version, first);
      writeFileSync(prompts, original.replace('Goodbye.', 'Bye.'));
      const edited = await loadFlow(copy.directory, options);
      assert.notEqual(edited.version, first);
      assert.equal(edited.prompts.en?.goodbye, 'Bye.');
      writeFileSync(prompts, original);
      assert.equal((await loadFlow(copy.directory, options)).version, first);
    } finally {
      copy.remove();
    }
  });

  it('refuses an invalid flow with AIG_ERR_FLOW_INVALID listing every problem as file:line:column  state  message', async () => {
    const directory = badFlow('languages');
    await assert.rejects(loadFlow(directory, options), (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_FLOW_INVALID'));
      const lines = err.message.split('\n');
      assert.match(lines[0]!, /^Flow is invalid: .*bad\/languages: 3 problems$/);
      const { line, column } = positionOf(join(directory, 'machine.json'), '"refund"');
      assert.ok(
        lines.some((text) =>
          new RegExp(
            `machine\\.json:${line}:${column}  languages\\.ask  intent "refund" has no phrases in phrases/fr\\.json$`,
          ).test(text),
        ),
        err.message,
      );
      assert.ok(
        lines.some((text) => /phrases\/en\.json {2}- {2}missing: /.test(text)),
        err.message,
      );
      return true;
    });
  });

  it('gives the problems as data through tryLoadFlow', async () => {
    const result = await tryLoadFlow(badFlow('xstate-rejected'), options);
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!.message, /^XState rejects the machine/);
  });
});
