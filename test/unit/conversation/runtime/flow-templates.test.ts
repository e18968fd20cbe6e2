import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containsTemplate,
  lookupTemplatePath,
  renderTemplate,
  resolveTemplates,
} from '../../../../src/conversation/runtime/flow-templates.js';
import { testContext } from './runtime-test-support.js';

const scope = {
  context: testContext({
    intent: 'health_card',
    confidence: 0.8,
    vars: { announcement: 'Grève demain', groups: ['cards', 'general'], empty: null },
    counters: { failures: 2 },
  }),
  event: {
    type: 'xstate.done.actor.x',
    output: { digits: '0612', nir: { value: '1', valid: true }, count: 3 },
  },
};

describe('flow templates', () => {
  it('reads context, event and vars paths, and bare names as variables', () => {
    assert.equal(lookupTemplatePath('context.intent', scope), 'health_card');
    assert.equal(lookupTemplatePath('context.counters.failures', scope), 2);
    assert.equal(lookupTemplatePath('event.output.digits', scope), '0612');
    assert.equal(lookupTemplatePath('vars.announcement', scope), 'Grève demain');
    assert.equal(lookupTemplatePath('announcement', scope), 'Grève demain');
    assert.equal(lookupTemplatePath('context.nothing.deeper', scope), undefined);
    assert.equal(lookupTemplatePath('context.intent.constructor', scope), undefined, 'no prototype walk');
  });

  it('keeps the type of a string that is exactly one template', () => {
    assert.deepEqual(resolveTemplates('{{event.output.nir}}', scope), { value: '1', valid: true });
    assert.equal(resolveTemplates('{{ event.output.count }}', scope), 3);
    assert.equal(resolveTemplates('{{vars.missing}}', scope), null);
    assert.equal(resolveTemplates('{{vars.empty}}', scope), null);
  });

  it('renders templates inside text: missing values empty, lists read out', () => {
    assert.equal(
      resolveTemplates('about {{context.intent}} ({{context.confidence}})', scope),
      'about health_card (0.8)',
    );
    assert.equal(renderTemplate('groups: {{vars.groups}}.', scope), 'groups: cards, general.');
    assert.equal(renderTemplate('[{{vars.missing}}]', scope), '[]');
  });

  it('walks objects and lists, leaving other values alone', () => {
    const input = {
      url: 'http://x/{{context.intent}}',
      body: { n: '{{event.output.count}}', keep: 4 },
      list: ['{{vars.announcement}}', true],
    };
    assert.deepEqual(resolveTemplates(input, scope), {
      url: 'http://x/health_card',
      body: { n: 3, keep: 4 },
      list: ['Grève demain', true],
    });
    assert.equal(containsTemplate(input), true);
    assert.equal(containsTemplate({ a: ['plain', 1] }), false);
  });
});
