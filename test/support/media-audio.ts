/**
 * Caller audio for media tests, rendered at test time with espeak-ng (speech) and sox (resampling, G.711
 * encoding, background noise): nothing binary is checked in, and the text spoken is in the test.
 *
 * The output is headerless G.711 at 8 kHz, because sipp 3.6's `rtp_stream` action sends a file's bytes as they
 * are, 160 per 20 ms packet for payload types 0 and 8 (a WAV header would go out as 44 bytes of noise). The
 * length is rounded up to whole packets so that sipp never wraps around into the start of the file.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type G711Encoding = 'mu-law' | 'a-law';

/** Bytes (= samples) in one 20 ms G.711 packet at 8 kHz. */
export const G711_PACKET_BYTES = 160;

/** The code of a zero sample: µ-law 0xFF (ITU-T G.711 table 2), A-law 0xD5 (table 1, even bits inverted). */
const SILENCE_BYTE: Record<G711Encoding, number> = { 'mu-law': 0xff, 'a-law': 0xd5 };

export interface CallerAudioOptions {
  /** What the caller says; empty for a caller who stays silent (background only). */
  text: string;
  /** Folder the files are written to (a test's temporary directory). */
  directory: string;
  /** File name without extension. @default 'caller' */
  name?: string;
  /** espeak-ng voice. @default 'en' */
  voice?: string;
  /** Speaking rate, words per minute. @default 160 */
  wordsPerMinute?: number;
  /** Background before the speech, ms. @default 1000 */
  leadingSilenceMs?: number;
  /** Background after the speech, ms. @default 500 */
  trailingSilenceMs?: number;
  /** @default 'mu-law' (RTP payload type 0) */
  encoding?: G711Encoding;
  /**
   * Level of the white noise under the whole file, dBFS; a real line is never digitally silent, and a voice
   * activity detector tracks its noise floor from it. `null` keeps the background digitally silent. @default -60
   */
  noiseDbfs?: number | null;
}

export interface CallerAudio {
  /** The headerless G.711 file. */
  path: string;
  encoding: G711Encoding;
  bytes: number;
  /** 20 ms packets in the file: what `rtp_stream` with one loop sends. */
  packets: number;
  durationMs: number;
  /** Where the speech starts and ends in the file, ms (from the silence padding and espeak's own output). */
  speechStartMs: number;
  speechEndMs: number;
}

/** True when espeak-ng and sox can be run (scripts/setup installs both). */
export async function audioToolsAvailable(): Promise<boolean> {
  try {
    await run('espeak-ng', ['--version']);
    await run('sox', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** Renders `text` as caller audio: background, speech, background, as 8 kHz G.711 in whole 20 ms packets. */
export async function renderCallerAudio(options: CallerAudioOptions): Promise<CallerAudio> {
  const name = options.name ?? 'caller';
  const encoding = options.encoding ?? 'mu-law';
  const leadingMs = options.leadingSilenceMs ?? 1000;
  const trailingMs = options.trailingSilenceMs ?? 500;
  const noiseDbfs = options.noiseDbfs === undefined ? -60 : options.noiseDbfs;
  const speechWav = join(options.directory, `${name}-speech.wav`);
  const padded = join(options.directory, `${name}-padded.wav`);
  const path = join(options.directory, `${name}.${encoding === 'mu-law' ? 'ul' : 'al'}`);

  if (options.text === '') {
    // No speech: an empty sound, which the padding below turns into background of the asked length.
    await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', speechWav, 'trim', '0s', '0s']);
  } else {
    await run('espeak-ng', [
      '-v',
      options.voice ?? 'en',
      '-s',
      String(options.wordsPerMinute ?? 160),
      '-w',
      speechWav,
      options.text,
    ]);
  }
  // 8 kHz mono 16-bit first, with the padding, so that the noise can be mixed in at the same rate.
  await run('sox', [
    speechWav,
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    '-e',
    'signed-integer',
    padded,
    'pad',
    `${leadingMs / 1000}`,
    `${trailingMs / 1000}`,
  ]);
  const { stdout } = await run('soxi', ['-s', padded]);
  const samples = Number(stdout.trim());
  if (!Number.isInteger(samples) || samples <= 0) {
    throw new Error(`sox produced no audio for ${JSON.stringify(options.text)}`);
  }
  const output = ['-t', 'raw', '-r', '8000', '-c', '1', '-e', encoding, path];
  if (noiseDbfs === null) {
    await run('sox', [padded, ...output]);
  } else {
    // sox -m mixes the inputs; the noise is synthesised to exactly the padded length, at the asked level.
    const noise = join(options.directory, `${name}-noise.wav`);
    const amplitude = 10 ** (noiseDbfs / 20);
    await run('sox', [
      '-n',
      '-r',
      '8000',
      '-c',
      '1',
      '-b',
      '16',
      noise,
      'synth',
      `${samples}s`,
      'whitenoise',
      'vol',
      amplitude.toFixed(6),
    ]);
    await run('sox', ['-m', '-v', '1', padded, '-v', '1', noise, ...output]);
    await rm(noise, { force: true });
  }
  await rm(speechWav, { force: true });
  await rm(padded, { force: true });

  let audio = await readFile(path);
  const remainder = audio.length % G711_PACKET_BYTES;
  if (remainder !== 0) {
    const fill = Buffer.alloc(G711_PACKET_BYTES - remainder, SILENCE_BYTE[encoding]);
    audio = Buffer.concat([audio, fill]);
    await writeFile(path, audio);
  }
  const durationMs = (audio.length / 8000) * 1000;
  return {
    path,
    encoding,
    bytes: audio.length,
    packets: audio.length / G711_PACKET_BYTES,
    durationMs,
    speechStartMs: leadingMs,
    speechEndMs: (samples / 8000) * 1000 - trailingMs,
  };
}
