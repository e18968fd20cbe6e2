// pocketsphinx recognizer on phone-band synthetic speech: phrase and intent accuracy, CPU per second of audio,
// end-of-speech → final latency, event-loop delay, per voice / speed / noise condition.
//
// Corpus: test/fixtures/speech/en-spoken.tsv (intent<TAB>utterance) when present, else the tests' service phrases.
// The grammar holds every corpus phrase plus distractors. Each condition runs its utterances as `--calls`
// concurrent calls (one session each, turns in sequence), frames paced in real time as a call would send them;
// end of speech is declared after the padded tail, as the media endpointer would.
//
// Usage: node --import tsx scripts/bench/speech-pocketsphinx.ts [--calls 6] [--quick] [--ps-args "-name value ..."]
//        (needs espeak-ng, sox, libpocketsphinx3 and pocketsphinx-en-us; scripts/setup installs them)
import { existsSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPocketsphinxRecognizer } from '../../src/speech/recognition/pocketsphinx/pocketsphinx-recognizer.js';
import { normalizePhrase } from '../../src/speech/recognition/pocketsphinx/jsgf-grammar.js';
import {
  DEFAULT_RECOGNITION_TURN_OPTIONS,
  type RecognitionOutcome,
  type RecognizerSession,
} from '../../src/speech/recognition/recognizer-types.js';
import {
  DEFAULT_DICTIONARY,
  DEFAULT_MODEL_DIRECTORY,
  FrameFeed,
  HAVE_ESPEAK,
  NO_POCKETSPHINX_REASON,
  PHONE_CMNINIT,
  SERVICE_PHRASES,
  renderPhoneSpeech,
  toWideFrames,
} from '../../test/unit/speech/pocketsphinx/phone-speech.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '6' },
    spares: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'ps-args': { type: 'string', default: '' },
    cmninit: { type: 'string', default: PHONE_CMNINIT },
  },
});

if (!HAVE_ESPEAK || NO_POCKETSPHINX_REASON !== false) {
  process.stderr.write(`${NO_POCKETSPHINX_REASON || 'espeak-ng is required'} (scripts/setup installs it)\n`);
  process.exit(1);
}

interface CorpusEntry {
  readonly intent: string;
  readonly text: string;
}

const FIXTURE = 'test/fixtures/speech/en-spoken.tsv';
const corpus: CorpusEntry[] = existsSync(FIXTURE)
  ? readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [intent, text] = line.split('\t');
        return { intent: intent!.trim(), text: text!.trim() };
      })
  : SERVICE_PHRASES.map((text) => ({ intent: text, text }));
const grammar = [...new Set([...corpus.map((entry) => entry.text), ...SERVICE_PHRASES])];
const intentOf = new Map(corpus.map((entry) => [normalizePhrase(entry.text), entry.intent]));

interface Condition {
  readonly voice: string;
  readonly wordsPerMinute: number;
  readonly snrDb: number;
}

const conditions: Condition[] = [];
for (const voice of args.quick ? ['en-us'] : ['en-us', 'en-gb', 'en-us+f3']) {
  for (const wordsPerMinute of args.quick ? [150] : [140, 175]) {
    for (const snrDb of args.quick ? [30] : [Infinity, 20, 10]) {
      conditions.push({ voice, wordsPerMinute, snrDb });
    }
  }
}

const recognizer = createPocketsphinxRecognizer(
  {
    library: 'libpocketsphinx.so.3',
    modelDirectory: DEFAULT_MODEL_DIRECTORY,
    dictionary: DEFAULT_DICTIONARY,
    cmninit: args.cmninit,
  },
  {
    decoderArguments: args['ps-args'].split(/\s+/).filter((arg) => arg !== ''),
    // Sized to the burst of calls each condition starts at once, as a deployment sizes it to its arrival bursts.
    spareDecoders: Number(args.spares ?? args.calls),
  },
);
await recognizer.init();

interface TurnRecord {
  readonly entry: CorpusEntry;
  readonly firstTurn: boolean;
  readonly outcome: RecognitionOutcome;
  readonly audioMs: number;
}

interface CallTurn {
  readonly entry: CorpusEntry;
  readonly frames: Int16Array[];
}

/** Rendered before the condition starts: espeak-ng and sox run synchronously and would stall the event loop. */
function renderCall(entries: CorpusEntry[], condition: Condition): CallTurn[] {
  return entries.map((entry, index) => ({
    entry,
    frames: toWideFrames(
      renderPhoneSpeech(entry.text, {
        voice: condition.voice,
        wordsPerMinute: condition.wordsPerMinute,
        snrDb: condition.snrDb,
        seed: index + 1,
      }),
    ),
  }));
}

async function runCall(session: RecognizerSession, turns: CallTurn[]): Promise<TurnRecord[]> {
  const records: TurnRecord[] = [];
  for (const [index, { entry, frames }] of turns.entries()) {
    let endOfSpeech = (): void => undefined;
    const feed = new FrameFeed(frames, { paceMs: 20, onDrained: () => endOfSpeech() });
    const turn = session.startTurn(feed, {
      ...DEFAULT_RECOGNITION_TURN_OPTIONS,
      language: 'en',
      grammar,
      interimResults: true,
    });
    endOfSpeech = () => turn.endOfSpeech();
    const outcome = await turn.outcome;
    records.push({ entry, firstTurn: index === 0, outcome, audioMs: frames.length * 20 });
  }
  return records;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const calls = Math.max(1, Number(args.calls));
const rows: string[][] = [];
const all: TurnRecord[] = [];
let totalCpuMs = 0;
let totalAudioMs = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
for (const condition of conditions) {
  const groups: CorpusEntry[][] = Array.from({ length: calls }, () => []);
  corpus.forEach((entry, i) => groups[i % calls]!.push(entry));
  const rendered = groups.map((entries) => renderCall(entries, condition));
  // Rendering blocked the event loop, so the pool could not refill meanwhile: let it, as it would between calls.
  await recognizer.sparesReady();
  const sessions = groups.map((_, i) => recognizer.openSession({ callId: `bench-${i}` }));
  loopDelay.reset();
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const records = (await Promise.all(rendered.map((turns, i) => runCall(sessions[i]!, turns)))).flat();
  const cpu = process.cpuUsage(cpuBefore);
  loopDelay.disable();
  await Promise.all(sessions.map((session) => session.close()));
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const audioMs = records.reduce((sum, record) => sum + record.audioMs, 0);
  totalCpuMs += cpuMs;
  totalAudioMs += audioMs;
  all.push(...records);
  rows.push(
    summarise(`${condition.voice} ${condition.wordsPerMinute}wpm ${snrLabel(condition.snrDb)}`, records, [
      `${((cpuMs / audioMs) * 1000).toFixed(0)}`,
      `${(loopDelay.percentile(99) / 1e6).toFixed(1)}`,
    ]),
  );
}
rows.push(summarise('all', all, [`${((totalCpuMs / totalAudioMs) * 1000).toFixed(0)}`, '']));

// Out-of-grammar speech: the grammar forces the nearest phrase; the confidence heuristic should rank it low.
const OUT_OF_GRAMMAR = [
  'the weather is nice today',
  'i would like a pizza',
  'hello',
  'can you hear me',
  'my internet is broken',
  'thank you very much',
  'good morning',
  'what time is it',
];
const oogSession = recognizer.openSession({ callId: 'bench-oog' });
const oogConfidences: number[] = [];
let oogNoResult = 0;
for (const [index, text] of OUT_OF_GRAMMAR.entries()) {
  const frames = toWideFrames(renderPhoneSpeech(text, { snrDb: 20, seed: index + 1 }));
  let endOfSpeech = (): void => undefined;
  const turn = oogSession.startTurn(new FrameFeed(frames, { onDrained: () => endOfSpeech() }), {
    ...DEFAULT_RECOGNITION_TURN_OPTIONS,
    language: 'en',
    grammar,
  });
  endOfSpeech = () => turn.endOfSpeech();
  const outcome = await turn.outcome;
  const confidence = outcome.final?.alternatives[0]?.confidence;
  if (confidence === undefined) {
    oogNoResult++;
  } else {
    oogConfidences.push(confidence);
  }
}
await oogSession.close();
const inGrammarConfidences = all.flatMap((record) =>
  record.outcome.final !== null &&
  record.outcome.final.alternatives[0]!.transcript === normalizePhrase(record.entry.text)
    ? [record.outcome.final.alternatives[0]!.confidence]
    : [],
);
await recognizer.close();

function snrLabel(snrDb: number): string {
  return snrDb === Infinity ? 'clean' : `${snrDb}dB`;
}

function summarise(label: string, records: TurnRecord[], extra: string[]): string[] {
  const best = (record: TurnRecord): string => record.outcome.final?.alternatives[0]?.transcript ?? '';
  const phraseOk = records.filter((record) => best(record) === normalizePhrase(record.entry.text)).length;
  const intentOk = records.filter((record) => intentOf.get(best(record)) === record.entry.intent).length;
  const first = records.filter((record) => record.firstTurn);
  const firstOk = first.filter((record) => intentOf.get(best(record)) === record.entry.intent).length;
  const latencyOf = (list: TurnRecord[]): number[] =>
    list.flatMap((record) =>
      record.outcome.final === null || record.outcome.final.latencyMs === null
        ? []
        : [record.outcome.final.latencyMs],
    );
  const latencies = latencyOf(records);
  const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
  return [
    label,
    String(records.length),
    pct(phraseOk, records.length),
    pct(intentOk, records.length),
    pct(firstOk, first.length),
    String(records.filter((record) => record.outcome.reason !== 'final').length),
    percentile(latencies, 50).toFixed(0),
    percentile(latencies, 99).toFixed(0),
    percentile(latencyOf(first), 99).toFixed(0),
    ...extra,
  ];
}

const header = [
  'condition',
  'turns',
  'phrase',
  'intent',
  '1st-turn intent',
  'no result',
  'lat p50 ms',
  'lat p99 ms',
  '1st-turn lat p99',
  'CPU ms/s',
  'loop p99 ms',
];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
process.stdout.write(
  `corpus: ${existsSync(FIXTURE) ? FIXTURE : 'service phrases'} (${corpus.length} utterances), grammar ${grammar.length} phrases, ${calls} concurrent calls, frames paced at 20 ms\n\n`,
);
process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
for (const row of rows) {
  process.stdout.write(`${line(row)}\n`);
}
process.stdout.write(
  '\nphrase: best transcript equals the spoken phrase; intent: it is a phrase of the spoken intent; CPU: process CPU ' +
    '(all threads) per second of audio; latency: endOfSpeech() → final.\n',
);
process.stdout.write(
  `confidence: right in-grammar results median ${percentile(inGrammarConfidences, 50).toFixed(2)} ` +
    `(p10 ${percentile(inGrammarConfidences, 10).toFixed(2)}); out-of-grammar speech (${OUT_OF_GRAMMAR.length}, ` +
    `en-us 20 dB): ${oogNoResult} without result, forced matches median ${percentile(oogConfidences, 50).toFixed(2)} ` +
    `(max ${Math.max(...oogConfidences, 0).toFixed(2)})\n`,
);
