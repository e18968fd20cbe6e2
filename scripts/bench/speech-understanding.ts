// Intent classification benchmark: the `linear` engine (default) against the `nlpjs` baseline, per language, on
// the reference flow's phrases (flows/assurance-maladie) and the held-out sets (test/fixtures/understanding).
// Prints, per engine and language: flow-load training time (threshold cross-validation + final model) and one
// model's training time, 5-fold cross-validation on the training phrases (each fold choosing its own threshold),
// held-out accuracy (in-scope and with out_of_scope as a class), out-of-scope detection, false rejection, agent
// requests that also name a topic, classification latency p50/p99 over N calls, and whether two trainings agree.
// Usage: node --import tsx scripts/bench/speech-understanding.ts [--calls 10000] [--engines linear,nlpjs] [--langs fr,en]
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConversationLanguage } from '../../src/config/config-types.js';
import {
  crossValidateClassifier,
  evaluateClassifier,
  type EvaluationReport,
} from '../../src/understanding/evaluation.js';
import { engineTrainer, trainIntentClassifier } from '../../src/understanding/intent-classifier.js';
import type { IntentClassifier, IntentEngineName } from '../../src/understanding/intent-classifier-types.js';
import {
  parseLabelledUtterances,
  type LabelledUtterance,
} from '../../src/understanding/labelled-utterances.js';
import { AGENT_INTENT, parsePhraseSet, type PhraseSet } from '../../src/understanding/phrase-set.js';
import { AGENT_WITH_TOPIC } from '../../test/unit/understanding/agent-with-topic.js';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    engines: { type: 'string', default: 'linear,nlpjs' },
    langs: { type: 'string', default: 'fr,en' },
  },
});
const calls = Number(values.calls);
const engines = values.engines.split(',') as IntentEngineName[];
const languages = values.langs.split(',') as ConversationLanguage[];

interface Row {
  readonly label: string;
  readonly flowLoadMs: number;
  readonly flowLoadCpuMs: number;
  readonly modelTrainingMs: number;
  readonly threshold: number;
  readonly crossValidation: EvaluationReport;
  readonly heldOut: EvaluationReport;
  readonly agentWithTopic: string;
  readonly p50: number;
  readonly p99: number;
  readonly cpuP50: number;
  readonly cpuP99: number;
  readonly deterministic: boolean;
}

const rows: Row[] = [];
for (const language of languages) {
  const phraseFile = `${root}/flows/assurance-maladie/phrases/${language}.json`;
  const phrases = parsePhraseSet(readFileSync(phraseFile, 'utf8'), phraseFile, { language });
  const heldOutFile = `${root}/test/fixtures/understanding/held-out-${language}.tsv`;
  const heldOut = parseLabelledUtterances(readFileSync(heldOutFile, 'utf8'), heldOutFile);
  for (const engine of engines) {
    const label = `${language} ${engine}`;
    process.stderr.write(`${label}: training, cross-validating, measuring...\n`);
    const cpu = process.cpuUsage();
    const classifier = await trainIntentClassifier(phrases, { engine });
    const flowLoadCpuMs = process.cpuUsage(cpu).user / 1000;
    const modelStarted = performance.now();
    await engineTrainer(engine, 1)(phrases);
    const modelTrainingMs = performance.now() - modelStarted;
    const crossValidation = await crossValidateClassifier(phrases, { engine, folds: 5 });
    const { report } = await evaluateClassifier(classifier, heldOut);
    const agentWithTopic = await scoreAgentWithTopic(classifier, language);
    const { p50, p99, cpuP50, cpuP99 } = await latency(classifier, [
      ...heldOut.map((u) => u.text),
      ...allPhrases(phrases),
    ]);
    const deterministic = await sameVerdicts(
      classifier,
      await trainIntentClassifier(phrases, { engine }),
      heldOut,
    );
    rows.push({
      label,
      flowLoadMs: classifier.trainingMs,
      flowLoadCpuMs,
      modelTrainingMs,
      threshold: classifier.rejectionThreshold,
      crossValidation,
      heldOut: report,
      agentWithTopic,
      p50,
      p99,
      cpuP50,
      cpuP99,
      deterministic,
    });
  }
}

const pct = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const ms = (value: number): string => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(3)} ms`);
const table: [string, (row: Row) => string][] = [
  ['phrases / held-out utterances', (r) => `${r.crossValidation.samples} / ${r.heldOut.samples}`],
  ['flow load: CV threshold + train (wall)', (r) => ms(r.flowLoadMs)],
  ['flow load: CPU time', (r) => ms(r.flowLoadCpuMs)],
  ['one model training (wall)', (r) => ms(r.modelTrainingMs)],
  ['rejection threshold (from CV)', (r) => r.threshold.toFixed(2)],
  ['5-fold CV accuracy (oos as class)', (r) => pct(r.crossValidation.accuracy)],
  ['5-fold CV in-scope accuracy', (r) => pct(r.crossValidation.inScopeAccuracy)],
  ['5-fold CV oos detection', (r) => pct(r.crossValidation.outOfScopeDetectionRate)],
  ['held-out accuracy (oos as class)', (r) => pct(r.heldOut.accuracy)],
  ['held-out in-scope accuracy', (r) => pct(r.heldOut.inScopeAccuracy)],
  ['held-out oos detection rate', (r) => pct(r.heldOut.outOfScopeDetectionRate)],
  ['held-out false rejection rate', (r) => pct(r.heldOut.falseRejectionRate)],
  ['agent + topic: agent / topic right', (r) => r.agentWithTopic],
  [`latency p50 (${calls} calls)`, (r) => ms(r.p50)],
  [`latency p99 (${calls} calls)`, (r) => ms(r.p99)],
  ['CPU time per call p50', (r) => ms(r.cpuP50)],
  ['CPU time per call p99', (r) => ms(r.cpuP99)],
  ['deterministic (2 trainings agree)', (r) => (r.deterministic ? 'yes' : 'NO')],
];
const width = Math.max(...table.map(([name]) => name.length));
const column = 16;
process.stdout.write(`${''.padEnd(width)}  ${rows.map((r) => r.label.padStart(column)).join('')}\n`);
for (const [name, cell] of table) {
  process.stdout.write(`${name.padEnd(width)}  ${rows.map((r) => cell(r).padStart(column)).join('')}\n`);
}
const load = loadavg()
  .map((value) => value.toFixed(1))
  .join(' ');
process.stdout.write(
  `\nnode ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs, load average ${load} ` +
    `at the end: wall times depend on machine load.\n`,
);

function allPhrases(phrases: PhraseSet): string[] {
  return [...phrases.intents.values()].flat();
}

async function scoreAgentWithTopic(
  classifier: IntentClassifier,
  language: ConversationLanguage,
): Promise<string> {
  let agent = 0;
  let topic = 0;
  for (const { text, topic: expected } of AGENT_WITH_TOPIC[language]) {
    const verdict = await classifier.classify(text);
    agent += verdict.intent === AGENT_INTENT ? 1 : 0;
    topic += verdict.intent === AGENT_INTENT && verdict.runnerUp?.intent === expected ? 1 : 0;
  }
  return `${agent}/${AGENT_WITH_TOPIC[language].length} ${topic}/${AGENT_WITH_TOPIC[language].length}`;
}

/** Each call classifies a distinct string (nlp.js caches results per text for an hour). */
/**
 * Wall-clock and CPU time per call. On a shared machine the wall p99 measures the scheduler (a preempted call
 * waits a time slice); the CPU time is what classification itself costs.
 */
async function latency(
  classifier: IntentClassifier,
  texts: readonly string[],
): Promise<{ p50: number; p99: number; cpuP50: number; cpuP99: number }> {
  for (let i = 0; i < 500; i += 1) {
    await classifier.classify(`${texts[i % texts.length]!} warm ${i}`);
  }
  const wall = new Float64Array(calls);
  const cpu = new Float64Array(calls);
  for (let i = 0; i < calls; i += 1) {
    const text = `${texts[i % texts.length]!} ${i}`;
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    await classifier.classify(text);
    wall[i] = performance.now() - started;
    const used = process.cpuUsage(cpuStarted);
    cpu[i] = (used.user + used.system) / 1000;
  }
  wall.sort();
  cpu.sort();
  const at = (samples: Float64Array, q: number): number => samples[Math.floor(calls * q)]!;
  return { p50: at(wall, 0.5), p99: at(wall, 0.99), cpuP50: at(cpu, 0.5), cpuP99: at(cpu, 0.99) };
}

async function sameVerdicts(
  a: IntentClassifier,
  b: IntentClassifier,
  utterances: readonly LabelledUtterance[],
): Promise<boolean> {
  if (a.rejectionThreshold !== b.rejectionThreshold) {
    return false;
  }
  for (const { text } of utterances) {
    const [x, y] = [await a.classify(text), await b.classify(text)];
    if (x.intent !== y.intent || x.confidence !== y.confidence) {
      return false;
    }
  }
  return true;
}
