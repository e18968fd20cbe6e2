// The reference flow (flows/assurance-maladie), default engine, per language: 5-fold cross-validation on its
// training phrases and accuracy on the held-out sets (test/fixtures/understanding, written without seeing the
// training phrases), both reported and asserted against the targets; agent requests that name a topic; latency.
// The nlp.js comparison is in scripts/bench/speech-understanding.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { crossValidateClassifier, evaluateClassifier } from '../../../src/understanding/evaluation.js';
import { trainIntentClassifier } from '../../../src/understanding/intent-classifier.js';
import { parseLabelledUtterances } from '../../../src/understanding/labelled-utterances.js';
import { parsePhraseSet } from '../../../src/understanding/phrase-set.js';
import { AGENT_WITH_TOPIC } from './agent-with-topic.js';

const root = resolve(import.meta.dirname, '../../..');
const pct = (value: number | null) => `${((value ?? 0) * 100).toFixed(1)}%`;

/** Targets: held-out accuracy with out_of_scope as a class, per language. */
const HELD_OUT_ACCURACY = 0.95;
const HELD_OUT_IN_SCOPE_ACCURACY = 0.95;
const OUT_OF_SCOPE_DETECTION = 0.9;
/** Cross-validation on the training phrases is harder than held-out (elliptic, rare sub-topics): a floor. */
const CROSS_VALIDATION_ACCURACY = 0.8;
/**
 * Target: p99 < 2 ms. Asserted on the CPU time each call uses: on the shared machine running the suite, the
 * wall-clock p99 measures the scheduler (a preempted call waits out other processes' time slices), not the
 * classifier. Both are printed.
 */
const P99_CPU_MS = 2;

for (const language of ['fr', 'en'] as const) {
  describe(`reference flow, ${language}`, () => {
    const phraseFile = `${root}/flows/assurance-maladie/phrases/${language}.json`;
    const phrases = parsePhraseSet(readFileSync(phraseFile, 'utf8'), phraseFile, { language });
    const heldOutFile = `${root}/test/fixtures/understanding/held-out-${language}.tsv`;
    const heldOut = parseLabelledUtterances(readFileSync(heldOutFile, 'utf8'), heldOutFile);
    const trained = trainIntentClassifier(phrases);

    it('5-fold cross-validation on the training phrases', async () => {
      const classifier = await trained;
      // The flow's own threshold for every fold (not re-chosen per fold, to keep the test fast).
      const cv = await crossValidateClassifier(phrases, {
        rejectionThreshold: classifier.rejectionThreshold,
      });
      console.log(
        `${language} 5-fold CV (${cv.samples} phrases): accuracy ${pct(cv.accuracy)}, in-scope ${pct(cv.inScopeAccuracy)}, ` +
          `out-of-scope detection ${pct(cv.outOfScopeDetectionRate)}, false rejection ${pct(cv.falseRejectionRate)}`,
      );
      assert.ok(cv.accuracy >= CROSS_VALIDATION_ACCURACY, `CV accuracy ${pct(cv.accuracy)}`);
    });

    it(`held-out accuracy ≥ ${HELD_OUT_ACCURACY * 100}% with out-of-scope phrases rejected`, async () => {
      const classifier = await trained;
      const { report } = await evaluateClassifier(classifier, heldOut);
      console.log(
        `${language} held-out (${report.samples} utterances, threshold ${classifier.rejectionThreshold.toFixed(2)}, ` +
          `trained in ${Math.round(classifier.trainingMs)} ms): accuracy ${pct(report.accuracy)}, ` +
          `in-scope ${pct(report.inScopeAccuracy)}, out-of-scope detection ${pct(report.outOfScopeDetectionRate)}, ` +
          `false rejection ${pct(report.falseRejectionRate)}`,
      );
      assert.ok(report.accuracy >= HELD_OUT_ACCURACY, `accuracy ${pct(report.accuracy)}`);
      assert.ok(
        report.inScopeAccuracy! >= HELD_OUT_IN_SCOPE_ACCURACY,
        `in-scope ${pct(report.inScopeAccuracy)}`,
      );
      assert.ok(
        report.outOfScopeDetectionRate! >= OUT_OF_SCOPE_DETECTION,
        `oos ${pct(report.outOfScopeDetectionRate)}`,
      );
    });

    it('hears a request for a person even when a topic is named, and gives the topic as runner-up', async () => {
      const classifier = await trained;
      for (const { text, topic } of AGENT_WITH_TOPIC[language]) {
        const verdict = await classifier.classify(text);
        assert.equal(verdict.intent, 'agent', `${text}: ${verdict.intent}`);
        assert.equal(verdict.runnerUp?.intent, topic, `${text}: runner-up ${verdict.runnerUp?.intent}`);
      }
    });

    it(`classifies with p99 CPU time under ${P99_CPU_MS} ms`, async () => {
      const classifier = await trained;
      const texts = heldOut.map((u) => u.text);
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 3000; i += 1) {
        const cpuStarted = process.cpuUsage();
        const started = performance.now();
        await classifier.classify(texts[i % texts.length]!);
        wall.push(performance.now() - started);
        const used = process.cpuUsage(cpuStarted);
        cpu.push((used.user + used.system) / 1000);
      }
      const percentile = (samples: number[], q: number): number =>
        samples.sort((a, b) => a - b)[Math.floor(samples.length * q)]!;
      const cpuP99 = percentile(cpu, 0.99);
      console.log(
        `${language} latency over ${wall.length} calls: wall p50 ${percentile(wall, 0.5).toFixed(3)} ms, ` +
          `p99 ${percentile(wall, 0.99).toFixed(3)} ms; CPU p50 ${percentile(cpu, 0.5).toFixed(3)} ms, ` +
          `p99 ${cpuP99.toFixed(3)} ms`,
      );
      assert.ok(cpuP99 < P99_CPU_MS, `CPU p99 ${cpuP99} ms`);
    });
  });
}
