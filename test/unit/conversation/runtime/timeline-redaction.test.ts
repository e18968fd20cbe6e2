// What reaches a call's timeline: everything that happened, never the caller's NIR, digits or (by default) words.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LoadedFlow } from '../../../../src/conversation/flow/flow-types.js';
import {
  maskDigits,
  redactScope,
  redactTranscript,
} from '../../../../src/conversation/runtime/timeline-redaction.js';
import { REDACTED } from '../../../../src/logging/redaction.js';
import { runtimeBasicFlow, simulate, testContext, timelineText } from './runtime-test-support.js';

let flow: LoadedFlow;
before(async () => {
  flow = await runtimeBasicFlow();
});

const SPOKEN_NIR =
  'un quatre-vingt-cinq zéro cinq soixante-dix-huit zéro zéro six zéro quatre-vingt-quatre clé quatre-vingt-onze';

describe('timeline redaction', () => {
  it('by default: no transcript, no NIR, no digits — but every kind of entry', async () => {
    const { timeline, result } = await simulate(flow, ['je suis en arrêt maladie', SPOKEN_NIR]);
    assert.equal(result.target, 'allowances');
    const text = timelineText(timeline.entries);
    for (const secret of [
      'arrêt',
      'en arrêt maladie',
      'quatre',
      'soixante',
      '185057800608491',
      '1, 85, 05',
      '85 05',
    ]) {
      assert.ok(!text.includes(secret), `"${secret}" must not be in the timeline`);
    }
    const types = new Set(timeline.entries.map((entry) => entry.type));
    for (const type of ['state', 'prompt', 'recognition', 'classification', 'decision', 'note']) {
      assert.ok(types.has(type as never), `timeline has ${type} entries`);
    }
    const recognitions = timeline.ofType('recognition').map((entry) => entry.data);
    assert.equal(recognitions[0]?.transcript, REDACTED);
    assert.equal(recognitions[1]?.grammar, 'digits');
    assert.match(String(recognitions[1]?.transcript), /^[^0-9]*$/);
    const classification = timeline.ofType('classification')[0]?.data;
    assert.equal(classification?.intent, 'sick_leave');
    assert.equal(typeof (classification?.scores as Record<string, number>).sick_leave, 'number');
    for (const entry of timeline.entries) {
      assert.equal(typeof entry.at, 'number');
    }
  });

  it("with transcripts: 'keep', words are kept and numbers masked", async () => {
    const { timeline } = await simulate(flow, ['ma carte vitale numéro 1 85 05 ne marche plus'], {
      transcripts: 'keep',
    });
    const transcript = String(timeline.ofType('recognition')[0]?.data.transcript);
    assert.match(transcript, /^ma carte vitale numéro \*+ ne marche plus$/);
    const keyed = await simulate(flow, ['je suis en arrêt maladie', '#185057800608491#'], {
      transcripts: 'keep',
    });
    const text = timelineText(keyed.timeline.entries);
    assert.ok(text.includes('je suis en arrêt maladie'));
    assert.ok(!text.includes('185057800608491'));
    assert.ok(text.includes('***************'), 'the keyed NIR is masked, its length visible');
  });

  it('redactTranscript masks a NIR said in words and stray digits', () => {
    assert.equal(redactTranscript('bonjour', 'redact', 'fr'), REDACTED);
    const kept = redactTranscript(`mon numéro ${SPOKEN_NIR} voilà`, 'keep', 'fr');
    assert.ok(kept.startsWith('mon numéro *'));
    assert.ok(kept.endsWith('* voilà'));
    assert.ok(!/quatre|cinq|zéro/.test(kept));
    assert.equal(redactTranscript('rue 2b', 'keep', 'fr'), 'rue *b');
    assert.equal(maskDigits('2A123'), '*****');
  });

  it('redactScope masks context and step output alike', () => {
    const scope = redactScope(
      {
        context: testContext({
          transcript: 'secret words',
          digits: '0612',
          nir: { value: '185057800608491', valid: true, readBack: '1, 85, 05, 78, 006, 084, 91' },
        }),
        event: {
          type: 'done',
          output: {
            kind: 'digits',
            digits: '0612',
            nir: { value: '185057800608491', valid: true, readBack: 'x' },
            entities: [{}],
          },
        },
      },
      'redact',
    );
    assert.equal(scope.context.transcript, REDACTED);
    assert.equal(scope.context.digits, '****');
    assert.deepEqual(scope.context.nir, {
      value: '1 ** ** ** *** *** **',
      valid: true,
      readBack: '1, **, **, **, ***, ***, **',
    });
    const output = (scope.event as { output: Record<string, unknown> }).output;
    assert.equal(output.digits, '****');
    assert.equal((output.nir as { value: string }).value, '1 ** ** ** *** *** **');
    assert.equal(output.entities, REDACTED);
    assert.equal(output.kind, 'digits');
  });
});
