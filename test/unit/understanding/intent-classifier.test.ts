// The classifier a flow gets: trained from phrase sets, deterministic, same answer shape for both engines, and
// unusable (with a clear error) until trained. Uses a small phrase file written for these tests; accuracy on the
// reference flow is in reference-flow-accuracy.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { FlowIntentClassifiers } from '../../../src/understanding/flow-intent-classifiers.js';
import { trainIntentClassifier } from '../../../src/understanding/intent-classifier.js';
import type { IntentClassification } from '../../../src/understanding/intent-classifier-types.js';
import { parsePhraseSet, type PhraseSet } from '../../../src/understanding/phrase-set.js';

function miniPhrases(language: 'fr' | 'en'): PhraseSet {
  const file = resolve(import.meta.dirname, `fixtures/mini-flow/phrases/${language}.json`);
  return parsePhraseSet(readFileSync(file, 'utf8'), file, { language });
}

function assertWellFormed(verdict: IntentClassification, intents: readonly string[]): void {
  assert.ok(intents.includes(verdict.intent));
  assert.ok(verdict.confidence >= 0 && verdict.confidence <= 1);
  assert.equal(verdict.outOfScope, verdict.intent === 'out_of_scope');
  assert.deepEqual(Object.keys(verdict.scores).sort(), [...intents].sort());
  const total = Object.values(verdict.scores).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 1) < 1e-6, `scores sum to ${total}`);
  assert.ok(verdict.runnerUp !== null && verdict.runnerUp.intent !== verdict.intent);
}

describe('trainIntentClassifier (linear, default)', () => {
  it('classifies its own kind of phrases, recognizer-style, and rejects what is not its business', async () => {
    const classifier = await trainIntentClassifier(miniPhrases('fr'));
    assert.equal(classifier.engine, 'linear');
    assert.equal(classifier.language, 'fr');
    assert.ok(classifier.trainingMs > 0);
    assert.ok(classifier.rejectionThreshold >= 0 && classifier.rejectionThreshold < 1);
    const lost = await classifier.classify('euh j ai perdu ma carte vital');
    assertWellFormed(lost, classifier.intents);
    assert.equal(lost.intent, 'health_card');
    assert.equal((await classifier.classify('mot de passe oublié sur ameli')).intent, 'online_account');
    const empty = await classifier.classify('');
    assert.equal(empty.intent, 'out_of_scope');
    assert.equal(empty.outOfScope, true);
  });

  it('is deterministic: same phrases and seed, same threshold and scores', async () => {
    const [a, b] = await Promise.all([
      trainIntentClassifier(miniPhrases('en')),
      trainIntentClassifier(miniPhrases('en')),
    ]);
    assert.equal(a.rejectionThreshold, b.rejectionThreshold);
    for (const text of ['i lost my card', 'maternity leave please', 'what is the weather']) {
      assert.deepEqual(await a.classify(text), await b.classify(text));
    }
  });

  it('takes a fixed rejection threshold when given one', async () => {
    const classifier = await trainIntentClassifier(miniPhrases('fr'), { rejectionThreshold: 0.99 });
    assert.equal(classifier.rejectionThreshold, 0.99);
    assert.equal((await classifier.classify('congé maternité')).outOfScope, true);
  });
});

describe('trainIntentClassifier (nlpjs baseline)', () => {
  it('answers in the same shape, without touching the disk', async () => {
    const classifier = await trainIntentClassifier(miniPhrases('fr'), {
      engine: 'nlpjs',
      rejectionThreshold: 0.3,
    });
    assert.equal(classifier.engine, 'nlpjs');
    const verdict = await classifier.classify('j ai perdu ma carte vitale');
    assertWellFormed(verdict, classifier.intents);
    assert.equal(verdict.intent, 'health_card');
    assert.equal((await classifier.classify('zzz qqq')).intent, 'out_of_scope');
  });
});

describe('FlowIntentClassifiers', () => {
  it('refuses to classify before training and in an untrained language', async () => {
    const flow = new FlowIntentClassifiers('mini');
    assert.throws(
      () => flow.classifier('fr'),
      (err: unknown) => isAigError(err, 'AIG_ERR_NLU_NOT_TRAINED') && /still training/.test(err.message),
    );
    await flow.train([miniPhrases('fr')]);
    assert.equal((await flow.classifier('fr').classify('carte européenne')).intent, 'european_card');
    assert.throws(
      () => flow.classifier('en'),
      (err: unknown) => isAigError(err, 'AIG_ERR_NLU_NOT_TRAINED') && /no "en" phrases/.test(err.message),
    );
    assert.deepEqual(flow.languages, ['fr']);
  });
});
