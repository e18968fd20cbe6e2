/**
 * The English open question with the embedded recognizer, as a live call runs it: pocketsphinx with the JSGF grammar
 * the flow gives it (every training phrase of `flows/<flow>/phrases/en.json`), then the flow's intent classifier on
 * the transcript. Utterances come from a labelled TSV (default: the held-out set, never trained on), synthesized with
 * espeak-ng as phone audio (µ-law, 30 dB SNR, 8 → 16 kHz as the audio fork does). Prints how many came back as
 * speech, the intent accuracy over all utterances, and over those recognized. Not a test: it measures.
 *
 *   node --import tsx scripts/bench/speech-open-question.ts [--tsv FILE] [--limit N] [--flow DIR]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load-config.js';
import { createPocketsphinxRecognizer } from '../../src/speech/recognition/pocketsphinx/pocketsphinx-recognizer.js';
import { DEFAULT_RECOGNITION_TURN_OPTIONS } from '../../src/speech/recognition/recognizer-types.js';
import { trainIntentClassifier } from '../../src/understanding/intent-classifier.js';
import { parsePhraseSet } from '../../src/understanding/phrase-set.js';
import { renderPhoneSpeech, toWideFrames } from '../../test/unit/speech/pocketsphinx/phone-speech.js';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    tsv: { type: 'string', default: join(root, 'test/fixtures/understanding/held-out-en.tsv') },
    limit: { type: 'string', default: '60' },
    flow: { type: 'string', default: join(root, 'flows/assurance-maladie') },
  },
});
const phraseFile = join(values.flow, 'phrases', 'en.json');
const phrases = parsePhraseSet(readFileSync(phraseFile, 'utf8'), phraseFile, { language: 'en' });
const grammar = [...phrases.intents.values()].flat();
const classifier = await trainIntentClassifier(phrases);
const rows = readFileSync(values.tsv, 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.includes('\t'))
  .map((l) => l.split('\t') as [string, string]);
// Every k-th row, so all intents are represented.
const limit = Number(values.limit);
const step = Math.max(1, Math.floor(rows.length / limit));
const sample = rows.filter((_, i) => i % step === 0).slice(0, limit);

const config = loadConfig({ cwd: root, env: {} });
const recognizer = createPocketsphinxRecognizer(config.speech.pocketsphinx, {});
await recognizer.init();
const session = recognizer.openSession({ callId: 'bench' });
let recognized = 0;
let correct = 0;
let correctWhenRecognized = 0;
const latencies: number[] = [];
for (const [intent, text] of sample) {
  const frames = toWideFrames(renderPhoneSpeech(text, { snrDb: 30 }));
  let fed = 0;
  async function* audio(): AsyncGenerator<Int16Array> {
    for (const frame of frames) {
      fed++;
      yield frame;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const turn = session.startTurn(audio(), {
    ...DEFAULT_RECOGNITION_TURN_OPTIONS,
    language: 'en',
    grammar,
    interimResults: false,
  });
  const timer = setInterval(() => {
    if (fed >= frames.length) {
      clearInterval(timer);
      turn.endOfSpeech();
    }
  }, 5);
  const outcome = await turn.outcome;
  clearInterval(timer);
  const transcript = outcome.final?.alternatives[0]?.transcript ?? '';
  let verdict = 'no speech';
  if (transcript !== '') {
    recognized++;
    if (outcome.final?.latencyMs !== null && outcome.final?.latencyMs !== undefined) {
      latencies.push(outcome.final.latencyMs);
    }
    const c = await classifier.classify(transcript);
    verdict = c.intent;
    if (c.intent === intent) {
      correct++;
      correctWhenRecognized++;
    }
  }
  process.stdout.write(
    `${intent === verdict ? 'ok ' : '-- '} ${intent.padEnd(22)} ${verdict.padEnd(22)} "${text}" → "${transcript}"\n`,
  );
}
await session.close();
await recognizer.close();
latencies.sort((a, b) => a - b);
const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
console.log(
  `\nutterances ${sample.length} (grammar: ${grammar.length} training phrases)\n` +
    `recognized as speech: ${recognized} (${pct(recognized, sample.length)})\n` +
    `intent accuracy, all utterances: ${pct(correct, sample.length)}\n` +
    `intent accuracy, recognized ones: ${pct(correctWhenRecognized, recognized)}\n` +
    `end of speech → final p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(0) ?? '-'} ms, ` +
    `p99 ${latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]?.toFixed(0) ?? '-'} ms`,
);
