// Evaluation figures as a flow designer reads them; cross-validation of a whole training run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { crossValidateClassifier, scorePredictions } from '../../../src/understanding/evaluation.js';
import { formatEvaluationTable } from '../../../src/understanding/evaluation-table.js';
import { parsePhraseSet } from '../../../src/understanding/phrase-set.js';

const p = (expected: string, predicted: string) => ({ expected, predicted, text: '' });

describe('scorePredictions', () => {
  const report = scorePredictions([
    p('health_card', 'health_card'),
    p('health_card', 'health_card'),
    p('health_card', 'out_of_scope'),
    p('reimbursement', 'health_card'),
    p('out_of_scope', 'out_of_scope'),
    p('out_of_scope', 'reimbursement'),
  ]);

  it('counts out_of_scope as a class, and apart', () => {
    assert.equal(report.samples, 6);
    assert.equal(report.accuracy, 3 / 6);
    assert.equal(report.inScopeAccuracy, 2 / 4);
    assert.equal(report.outOfScopeDetectionRate, 1 / 2);
    assert.equal(report.falseRejectionRate, 1 / 4);
  });

  it('gives per-intent precision and recall, out_of_scope last, and the confused pairs', () => {
    assert.deepEqual(report.perIntent, [
      { intent: 'health_card', support: 3, precision: 2 / 3, recall: 2 / 3 },
      { intent: 'reimbursement', support: 1, precision: 0, recall: 0 },
      { intent: 'out_of_scope', support: 2, precision: 1 / 2, recall: 1 / 2 },
    ]);
    assert.deepEqual(
      report.confusions.map((c) => `${c.expected}>${c.predicted}:${c.count}`),
      ['health_card>out_of_scope:1', 'out_of_scope>reimbursement:1', 'reimbursement>health_card:1'],
    );
  });

  it('prints a table with counts', () => {
    const table = formatEvaluationTable(report, { title: 'test set' });
    assert.match(table, /^test set\n/);
    assert.match(table, /accuracy \(out_of_scope as a class\)\s+50\.0%\s+\(3\/6\)/);
    assert.match(table, /out-of-scope detection rate\s+50\.0%\s+\(1\/2\)/);
    assert.match(table, /health_card\s+3\s+66\.7%\s+66\.7%/);
    assert.match(table, /health_card → out_of_scope\s+1/);
  });
});

describe('crossValidateClassifier', () => {
  it('scores every training phrase once, with a model that did not see it', async () => {
    const file = resolve(import.meta.dirname, 'fixtures/mini-flow/phrases/fr.json');
    const phrases = parsePhraseSet(readFileSync(file, 'utf8'), file, { language: 'fr' });
    const report = await crossValidateClassifier(phrases, { folds: 3 });
    assert.equal(report.samples, [...phrases.intents.values()].flat().length);
    assert.ok(report.accuracy > 0.3, `accuracy ${report.accuracy}`);
    assert.deepEqual(await crossValidateClassifier(phrases, { folds: 3 }), report);
  });
});
