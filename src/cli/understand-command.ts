/**
 * `aiguilleur understand`: a flow designer's bench for the understanding layer, with the same code the calls use.
 *
 *   aiguilleur understand --flow flows/assurance-maladie --lang fr
 *       trains the flow's classifier, then reads utterances from stdin, one per line, and prints one JSON object
 *       per line: {"text","intent","confidence","runnerUp","outOfScope","entities"}, written as soon as the line
 *       is read, so it works interactively and behind a pipe;
 *   aiguilleur understand --flow ... --lang fr --eval FILE.tsv [--json]
 *       scores the classifier on labelled utterances (`intent<TAB>utterance`): accuracy, per-intent precision and
 *       recall, most confused pairs, out-of-scope detection; a table, or one JSON object with `--json`.
 *
 * This file does the I/O that `src/understanding` may not: it reads the flow's phrase files (every language, so
 * that they are checked to agree; only `--lang` is trained) and the evaluation file. Training progress goes to
 * stderr so that stdout stays machine-readable.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ConversationLanguage } from '../config/config-types.js';
import { AigError } from '../errors/aig-error.js';
import { extractEntities } from '../understanding/entities/extract-entities.js';
import { evaluateClassifier } from '../understanding/evaluation.js';
import { formatEvaluationTable } from '../understanding/evaluation-table.js';
import { trainIntentClassifier } from '../understanding/intent-classifier.js';
import type { IntentClassifier, IntentEngineName } from '../understanding/intent-classifier-types.js';
import { parseLabelledUtterances, type LabelledUtterance } from '../understanding/labelled-utterances.js';
import { checkPhraseSetsAgree, parsePhraseSet, type PhraseSet } from '../understanding/phrase-set.js';

const LANGUAGES: readonly ConversationLanguage[] = ['fr', 'en'];
const ENGINES: readonly IntentEngineName[] = ['linear', 'nlpjs'];

export interface UnderstandCommandOptions {
  /** The flow's folder (holds `phrases/<language>.json`). */
  readonly flow: string;
  /** @default 'fr' */
  readonly language?: string;
  /** Labelled utterances to score instead of reading stdin. */
  readonly evalFile?: string;
  /** `--eval` prints JSON instead of a table. */
  readonly json: boolean;
  /** @default 'linear' */
  readonly engine?: string;
  /** Utterances, one per line (stdin). */
  readonly input: Readable;
  /** Writes one line of output (stdout). */
  readonly print: (line: string) => void;
  /** Writes one line of progress (stderr). */
  readonly progress: (line: string) => void;
}

/**
 * Resolves with the exit code when stdin ends or the evaluation is printed (2: bad --lang or --engine, told on
 * `progress`); rejects with an AigError naming file and line when the phrases or the evaluation file are bad.
 */
export async function runUnderstand(options: UnderstandCommandOptions): Promise<number> {
  const language = LANGUAGES.find((choice) => choice === (options.language ?? 'fr'));
  const engine = ENGINES.find((choice) => choice === (options.engine ?? 'linear'));
  if (language === undefined || engine === undefined) {
    options.progress(
      language === undefined
        ? `--lang ${options.language}: expected one of ${LANGUAGES.join(', ')}`
        : `--engine ${options.engine}: expected one of ${ENGINES.join(', ')}`,
    );
    return 2;
  }
  const phrases = await loadFlowPhrases(options.flow, language);
  // The evaluation file is checked before training: a typo in it should not cost a training run to find.
  const utterances =
    options.evalFile === undefined
      ? null
      : parseLabelledUtterances(await readText(options.evalFile, 'AIG_ERR_NLU_EVAL_FILE'), options.evalFile, {
          knownIntents: [...phrases.intents.keys()],
        });
  const classifier = await trainIntentClassifier(phrases, { engine });
  options.progress(
    `${basename(options.flow)} ${language}: ${engine} classifier, ${countPhrases(phrases)} phrases, ` +
      `${classifier.intents.length} intents, rejection threshold ${classifier.rejectionThreshold.toFixed(2)}, ` +
      `trained in ${Math.round(classifier.trainingMs)} ms`,
  );
  if (options.evalFile !== undefined && utterances !== null) {
    await printEvaluation(classifier, options.evalFile, utterances, options);
    return 0;
  }
  const lines = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    const text = line.trim();
    if (text === '') {
      continue;
    }
    const verdict = await classifier.classify(text);
    options.print(
      JSON.stringify({
        text,
        intent: verdict.intent,
        confidence: round(verdict.confidence),
        runnerUp:
          verdict.runnerUp === null
            ? null
            : { intent: verdict.runnerUp.intent, confidence: round(verdict.runnerUp.confidence) },
        outOfScope: verdict.outOfScope,
        entities: extractEntities(text, language),
      }),
    );
  }
  return 0;
}

/**
 * Reads and checks every `phrases/<language>.json` of the flow (they must agree on intents) and returns the one
 * asked for. A missing folder or file is `AIG_ERR_NLU_PHRASES` naming the path.
 */
export async function loadFlowPhrases(flow: string, language: ConversationLanguage): Promise<PhraseSet> {
  const folder = join(flow, 'phrases');
  let files: string[];
  try {
    files = await readdir(folder);
  } catch (err) {
    throw new AigError('AIG_ERR_NLU_PHRASES', `${folder}: ${(err as Error).message}`, { cause: err });
  }
  const sets: PhraseSet[] = [];
  for (const other of LANGUAGES) {
    if (other === language || files.includes(`${other}.json`)) {
      const file = join(folder, `${other}.json`);
      sets.push(parsePhraseSet(await readText(file, 'AIG_ERR_NLU_PHRASES'), file, { language: other }));
    }
  }
  checkPhraseSetsAgree(sets);
  return sets.find((set) => set.language === language)!;
}

async function printEvaluation(
  classifier: IntentClassifier,
  file: string,
  utterances: readonly LabelledUtterance[],
  options: UnderstandCommandOptions,
): Promise<void> {
  const { report } = await evaluateClassifier(classifier, utterances);
  if (options.json) {
    options.print(
      JSON.stringify({
        file,
        language: classifier.language,
        engine: classifier.engine,
        rejectionThreshold: classifier.rejectionThreshold,
        ...report,
      }),
    );
    return;
  }
  options.print(
    formatEvaluationTable(report, {
      title:
        `${file}: ${report.samples} utterances, ${classifier.language}, ${classifier.engine} classifier ` +
        `(rejection threshold ${classifier.rejectionThreshold.toFixed(2)})`,
    }),
  );
}

async function readText(
  file: string,
  code: 'AIG_ERR_NLU_PHRASES' | 'AIG_ERR_NLU_EVAL_FILE',
): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new AigError(code, `${file}: ${(err as Error).message}`, { cause: err });
  }
}

function countPhrases(phrases: PhraseSet): number {
  let count = 0;
  for (const texts of phrases.intents.values()) {
    count += texts.length;
  }
  return count;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
