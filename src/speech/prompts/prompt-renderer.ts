/**
 * Renders prompt texts to audio: `prompts/<language>.json` → `prompts/<language>/<id>.wav`, 8 kHz mono 16-bit,
 * the format the prompt cache serves without conversion. Rendering is incremental: `prompts/<language>/.manifest.json`
 * records, per prompt, a hash of what shaped its audio (text, voice, engine id with version and settings, output
 * format), and only prompts whose hash changed, or whose file is missing, are synthesised again.
 *
 * A WAV the manifest does not know, or whose size differs from what was rendered, was put there by someone
 * (typically a studio recording replacing the synthetic voice): it is kept and reported, unless `force`. Files of
 * prompts removed from the texts are deleted only if the renderer made them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AigError } from '../../errors/aig-error.js';
import { writeWav } from '../../media/codec/wav.js';
import { SAMPLE_RATE } from '../../media/media-types.js';
import type { TtsProvider } from '../tts/tts-provider.js';
import { loadPromptTexts } from './prompt-texts.js';

export interface RenderPromptsOptions {
  /** The prompts folder: `<language>.json` in, `<language>/<id>.wav` out. */
  directory: string;
  language: string;
  synthesizer: TtsProvider;
  /** Render every prompt, including hand-placed files. @default false */
  force?: boolean;
}

export interface RenderedPrompt {
  id: string;
  durationMs: number;
}

export interface RenderReport {
  language: string;
  /** The synthesizer's id. */
  engine: string;
  rendered: RenderedPrompt[];
  /** Up to date. */
  unchanged: string[];
  /** Files not made by the renderer, left alone. */
  kept: string[];
  /** Files of prompts no longer in the texts, deleted. */
  removed: string[];
  elapsedMs: number;
}

interface ManifestEntry {
  hash: string;
  voice: string;
  engine: string;
  bytes: number;
  durationMs: number;
}

interface Manifest {
  version: 1;
  language: string;
  prompts: Record<string, ManifestEntry>;
}

export const MANIFEST_FILE = '.manifest.json';
/** Bump when the rendering pipeline (resampler, silence trimming, format) changes in a way that alters the audio. */
const RENDERER_VERSION = 1;

export function promptAudioDirectory(directory: string, language: string): string {
  return join(directory, language);
}

/** What the manifest hashes: anything that, changed, would change the audio. */
export function renderHash(text: string, voice: string, engine: string): string {
  return createHash('sha256')
    .update(
      JSON.stringify({ text, voice, engine, format: `${SAMPLE_RATE}/mono/s16`, renderer: RENDERER_VERSION }),
    )
    .digest('hex');
}

export async function renderPrompts(options: RenderPromptsOptions): Promise<RenderReport> {
  const started = performance.now();
  const { directory, language, synthesizer } = options;
  const texts = await loadPromptTexts(directory, language);
  const outDir = promptAudioDirectory(directory, language);
  await mkdir(outDir, { recursive: true });
  const previous = await readManifest(outDir, language);
  const next: Manifest = { version: 1, language, prompts: {} };
  const report: RenderReport = {
    language,
    engine: synthesizer.id,
    rendered: [],
    unchanged: [],
    kept: [],
    removed: [],
    elapsedMs: 0,
  };
  const voice = synthesizer.voiceFor(language);

  const jobs = Object.entries(texts).map(async ([id, text]) => {
    const file = join(outDir, `${id}.wav`);
    const hash = renderHash(text, voice, synthesizer.id);
    const known = previous.prompts[id];
    const size = await fileSize(file);
    const ours = known !== undefined && size === known.bytes;
    if (!options.force && size !== undefined && !ours) {
      report.kept.push(id);
      return;
    }
    if (!options.force && ours && known.hash === hash) {
      next.prompts[id] = known;
      report.unchanged.push(id);
      return;
    }
    let pcm: Int16Array;
    let wav: Buffer;
    try {
      pcm = await synthesizeOrExplain(synthesizer, id, text, language);
      wav = writeWav(pcm, SAMPLE_RATE);
      await writeAtomically(file, wav);
    } catch (err) {
      if (ours) {
        next.prompts[id] = known; // Still the renderer's file: the next run retries instead of keeping it.
      }
      throw err;
    }
    const durationMs = Math.round((pcm.length * 1000) / SAMPLE_RATE);
    next.prompts[id] = { hash, voice, engine: synthesizer.id, bytes: wav.length, durationMs };
    report.rendered.push({ id, durationMs });
  });
  const outcomes = await Promise.allSettled(jobs);

  for (const [id, entry] of Object.entries(previous.prompts)) {
    if (texts[id] === undefined) {
      const file = join(outDir, `${id}.wav`);
      if ((await fileSize(file)) === entry.bytes) {
        await rm(file, { force: true });
        report.removed.push(id);
      }
    }
  }
  // Written even after a failure, so that the prompts that did render are not rendered again.
  await writeAtomically(join(outDir, MANIFEST_FILE), `${JSON.stringify(sortManifest(next), null, 2)}\n`);

  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) {
    throw failure.reason;
  }
  report.rendered.sort((a, b) => a.id.localeCompare(b.id));
  report.unchanged.sort();
  report.kept.sort();
  report.removed.sort();
  report.elapsedMs = Math.round(performance.now() - started);
  return report;
}

/** Below this level (about −46 dBFS) a sample counts as silence when trimming. */
const SILENCE_LEVEL = 164;
const KEEP_LEADING_MS = 20;
const KEEP_TRAILING_MS = 120;

/**
 * Cuts the engine's leading and trailing silence down to a short margin. espeak-ng ends every text with ~350 ms
 * of silence; prompts are chained ("you pressed" + "four"), and the gaps would add up to a hesitant voice.
 */
export function trimSilence(pcm: Int16Array): Int16Array {
  let first = 0;
  while (first < pcm.length && Math.abs(pcm[first]!) < SILENCE_LEVEL) {
    first += 1;
  }
  if (first === pcm.length) {
    return pcm;
  }
  let last = pcm.length - 1;
  while (last > first && Math.abs(pcm[last]!) < SILENCE_LEVEL) {
    last -= 1;
  }
  const perMs = SAMPLE_RATE / 1000;
  const start = Math.max(0, first - KEEP_LEADING_MS * perMs);
  const end = Math.min(pcm.length, last + 1 + KEEP_TRAILING_MS * perMs);
  return pcm.subarray(start, end);
}

async function synthesizeOrExplain(
  synthesizer: TtsProvider,
  id: string,
  text: string,
  language: string,
): Promise<Int16Array> {
  const pcm = trimSilence(await synthesizer.synthesize(text, { language }));
  if (pcm.length === 0) {
    throw new AigError('AIG_ERR_TTS_FAILED', `prompt ${language}/${id} rendered to no audio`);
  }
  return pcm;
}

async function readManifest(outDir: string, language: string): Promise<Manifest> {
  const empty: Manifest = { version: 1, language, prompts: {} };
  let raw: string;
  try {
    raw = await readFile(join(outDir, MANIFEST_FILE), 'utf8');
  } catch {
    return empty;
  }
  try {
    const parsed = JSON.parse(raw) as Partial<Manifest>;
    if (parsed.version !== 1 || typeof parsed.prompts !== 'object' || parsed.prompts === null) {
      return empty;
    }
    return { version: 1, language, prompts: parsed.prompts };
  } catch {
    // A damaged manifest only costs a full render.
    return empty;
  }
}

function sortManifest(manifest: Manifest): Manifest {
  const prompts: Record<string, ManifestEntry> = {};
  for (const id of Object.keys(manifest.prompts).sort()) {
    prompts[id] = manifest.prompts[id]!;
  }
  return { ...manifest, prompts };
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

/** Write then rename, so that a running server's prompt cache never reads half a file. */
async function writeAtomically(file: string, content: Buffer | string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}
