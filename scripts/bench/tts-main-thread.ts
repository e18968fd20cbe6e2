/**
 * What espeak-ng synthesis costs the server's event loop: the prompt pre-synthesis after start (every static prompt
 * of the flows, one after another, as `presynthesize()` does), first in-thread (spawn, WAV reading, resampling on
 * this thread: the path before the helper process), then through `EspeakTtsProvider` and its helper process.
 * Prints the event-loop delay (p50/p99/max over the run, worst p99 of 1 s windows), per-prompt latency, and
 * whether both paths gave the same samples.
 *
 *   node --expose-gc --import tsx scripts/bench/tts-main-thread.ts [--ballast-mb 250] [--concurrency 1] [--mode both]
 *
 * `--expose-gc` lets it collect the garbage of one run before the next, or a full collection of the ballast can
 * land in the next run's figures (a 100-250 ms pause).
 * `--ballast-mb` grows this process (half JS objects, half buffers) to the server's size: the cost of each
 * `spawn()` is the fork of the calling process, so it grows with its memory. `--concurrency` runs that many
 * syntheses at once (runtime TTS during presynthesis).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { espeakWavToTelephony } from '../../src/speech/tts/espeak-audio.js';
import { runEspeakBinary } from '../../src/speech/tts/espeak-binary.js';
import { EspeakTtsProvider } from '../../src/speech/tts/espeak-tts-provider.js';

const { values } = parseArgs({
  options: {
    'ballast-mb': { type: 'string', default: '250' },
    concurrency: { type: 'string', default: '1' },
    mode: { type: 'string', default: 'both' },
    flows: { type: 'string', default: 'flows' },
  },
});
const ballastMb = Number(values['ballast-mb']);
const concurrency = Number(values.concurrency);
const modes = values.mode === 'both' ? ['helper', 'in-thread'] : [values.mode];
const collectGarbage = (globalThis as { gc?: () => void }).gc;

interface Prompt {
  text: string;
  language: string;
}

/** The flows' static prompts, as `presynthesize()` picks them. */
function flowPrompts(directory: string): Prompt[] {
  const prompts: Prompt[] = [];
  for (const flow of readdirSync(directory, { withFileTypes: true })) {
    if (!flow.isDirectory()) {
      continue;
    }
    const folder = join(directory, flow.name, 'prompts');
    for (const file of readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      const language = file.replace(/\.json$/, '');
      const texts = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, string>;
      for (const text of Object.values(texts)) {
        if (!text.includes('{{') && text.trim() !== '') {
          prompts.push({ text, language });
        }
      }
    }
  }
  return prompts;
}

/** Keeps this process at about `megabytes` of resident memory, like a server with its calls and caches. */
function growBallast(megabytes: number): unknown[] {
  const objects: unknown[] = [];
  const objectCount = Math.round(((megabytes / 2) * 1024 * 1024) / 80);
  for (let i = 0; i < objectCount; i++) {
    objects.push({ index: i, label: `call-${i}` });
  }
  objects.push(Buffer.alloc((megabytes / 2) * 1024 * 1024, 1));
  return objects;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

interface RunFigures {
  totalMs: number;
  latencies: number[];
  loopP50: number;
  loopP99: number;
  loopMax: number;
  worstWindowP99: number;
  outputs: Int16Array[];
}

type Synthesize = (prompt: Prompt) => Promise<Int16Array>;

async function run(synthesize: Synthesize, prompts: readonly Prompt[]): Promise<RunFigures> {
  const whole = monitorEventLoopDelay({ resolution: 1 });
  const window = monitorEventLoopDelay({ resolution: 1 });
  const windowP99: number[] = [];
  whole.enable();
  window.enable();
  const windows = setInterval(() => {
    windowP99.push(window.percentile(99) / 1e6);
    window.reset();
  }, 1000);
  const latencies: number[] = [];
  const outputs: Int16Array[] = new Array<Int16Array>(prompts.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < prompts.length) {
        const index = next++;
        const begun = performance.now();
        outputs[index] = await synthesize(prompts[index]!);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const totalMs = performance.now() - started;
  clearInterval(windows);
  whole.disable();
  window.disable();
  latencies.sort((a, b) => a - b);
  return {
    totalMs,
    latencies,
    loopP50: whole.percentile(50) / 1e6,
    loopP99: whole.percentile(99) / 1e6,
    loopMax: whole.max / 1e6,
    worstWindowP99: Math.max(0, ...windowP99),
    outputs,
  };
}

function residentMb(pid: number | 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const ballast = growBallast(ballastMb);
const prompts = flowPrompts(values.flows);
const voices: Record<string, string> = { fr: 'fr', en: 'en-us' };
const f = (n: number): string => n.toFixed(1).padStart(7);
const rows: string[] = [];
if (collectGarbage === undefined) {
  process.stderr.write('without --expose-gc, a collection of the ballast may land in the figures\n');
}
const results = new Map<string, RunFigures>();
let helperNote = '';

for (const mode of modes) {
  let synthesize: Synthesize;
  let close = (): Promise<void> => Promise.resolve();
  if (mode === 'in-thread') {
    synthesize = async ({ text, language }) =>
      espeakWavToTelephony(
        await runEspeakBinary({
          binary: 'espeak-ng',
          text: text.replace(/\s+/g, ' ').trim(),
          voice: voices[language] ?? language,
          speed: 160,
          timeoutMs: 10_000,
        }),
      );
  } else if (mode === 'helper') {
    const creating = performance.now();
    const provider = await EspeakTtsProvider.create({ engine: 'binary', maxConcurrent: concurrency });
    const createMs = performance.now() - creating;
    // The first synthesis waits for the helper to load; the bench measures the steady state, as after start.
    await provider.synthesize('Bonjour.', { language: 'fr' });
    synthesize = ({ text, language }) => provider.synthesize(text, { language });
    close = () => provider.close();
    helperNote = `helper: create ${createMs.toFixed(1)} ms (detection + fork), RSS ${residentMb(provider.helperPid!).toFixed(0)} MB`;
  } else {
    throw new Error(`--mode is in-thread, helper or both, not ${mode}`);
  }
  collectGarbage?.();
  const figures = await run(synthesize, prompts);
  await close();
  results.set(mode, figures);
  const { latencies } = figures;
  rows.push(
    [
      mode.padEnd(10),
      f(figures.totalMs),
      f(percentile(latencies, 50)),
      f(percentile(latencies, 95)),
      f(latencies.at(-1) ?? 0),
      f(figures.loopP50),
      f(figures.loopP99),
      f(figures.loopMax),
      f(figures.worstWindowP99),
    ].join(' '),
  );
}

let identical = '';
const inThread = results.get('in-thread');
const helper = results.get('helper');
if (inThread !== undefined && helper !== undefined) {
  const same = inThread.outputs.filter((pcm, i) =>
    Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).equals(
      Buffer.from(helper.outputs[i]!.buffer, helper.outputs[i]!.byteOffset, helper.outputs[i]!.byteLength),
    ),
  ).length;
  identical = `same samples in both paths: ${same}/${prompts.length} prompts\n`;
}
process.stdout.write(
  `espeak-ng synthesis of ${prompts.length} static flow prompts, ${concurrency} at a time; ` +
    `this process ${residentMb('self').toFixed(0)} MB resident (ballast ${ballastMb} MB); times in ms\n` +
    'path          total  lat50   lat95  latMax loop50  loop99 loopMax  win99\n' +
    `${rows.join('\n')}\n${identical}${helperNote}\n`,
);
void ballast;
