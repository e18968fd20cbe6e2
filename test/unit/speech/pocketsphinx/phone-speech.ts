/**
 * Phone-band test speech for the pocketsphinx recognizer: espeak-ng renders a phrase, sox brings it to 8 kHz
 * (`renderSpeech` of the VAD tests), it is levelled to -22 dBFS of active speech, padded with silence, mixed with
 * seeded white noise at a given SNR, passed through G.711 µ-law and back (what a call carries), then upsampled to
 * 16 kHz in 20 ms frames exactly as the audio fork does for a 16 kHz subscriber (`Upsampler8to16`).
 *
 * Shared by the tests and `scripts/bench/speech-pocketsphinx.ts`.
 */
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { decodeMulaw, encodeMulaw } from '../../../../src/media/codec/g711.js';
import { Upsampler8to16 } from '../../../../src/media/codec/resample.js';
import {
  activePower,
  dbfsToPower,
  mixToInt16,
  renderSpeech,
  scaleToPower,
  speechFrames,
  whiteNoise,
} from '../../media/vad/test-audio.js';

export { HAVE_ESPEAK, NO_ESPEAK_REASON } from '../../media/vad/test-audio.js';

export const DEFAULT_MODEL_DIRECTORY = '/usr/share/pocketsphinx/model/en-us/en-us';
export const DEFAULT_DICTIONARY = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';
export const PHONE_CMNINIT =
  '42.14,21.73,-40.95,31.10,-24.83,-20.56,7.44,-35.85,1.65,-5.27,-14.80,4.99,-13.23';

function libraryLoads(name: string): boolean {
  try {
    koffi.load(name);
    return true;
  } catch {
    return false;
  }
}

/** Why the pocketsphinx tests cannot run here, or false. */
export const NO_POCKETSPHINX_REASON: string | false = !libraryLoads('libpocketsphinx.so.3')
  ? 'libpocketsphinx3 is not installed (scripts/setup installs it)'
  : !existsSync(`${DEFAULT_MODEL_DIRECTORY}/mdef`)
    ? 'pocketsphinx-en-us is not installed (scripts/setup installs it)'
    : false;

/** Call-centre phrases: the grammar of the tests and of the benchmark's own corpus. */
export const SERVICE_PHRASES: readonly string[] = Object.freeze([
  'pay my bill',
  'check my balance',
  'speak to an agent',
  'report a problem',
  'cancel my account',
  'change my address',
  'yes',
  'no',
  'opening hours',
  'reset my password',
  'talk to someone',
  'where is my order',
  'track my parcel',
  'update my details',
  'open an account',
  'make a complaint',
  'renew my passport',
  'book an appointment',
  'lost my card',
  'technical support',
]);

export interface PhoneSpeechOptions {
  /** espeak-ng voice. @default 'en-us' */
  voice?: string;
  /** @default 150 */
  wordsPerMinute?: number;
  /** Speech-to-noise ratio; Infinity = no added noise (µ-law still applies). @default 30 */
  snrDb?: number;
  /** @default 1 */
  seed?: number;
  /** Silence before the speech (the fork's pre-roll). @default 300 */
  leadMs?: number;
  /** Silence after the speech before end of speech is declared (the endpointer's hang-over). @default 300 */
  tailMs?: number;
}

const SPEECH_LEVEL_DBFS = -22;

/** 8 kHz 16-bit PCM as a call would carry it. */
export function renderPhoneSpeech(text: string, options: PhoneSpeechOptions = {}): Int16Array {
  const speech = renderSpeech(text, options.voice ?? 'en-us', options.wordsPerMinute ?? 150);
  const lead = Math.round(((options.leadMs ?? 300) * 8000) / 1000);
  const tail = Math.round(((options.tailMs ?? 300) * 8000) / 1000);
  const signal = new Float64Array(lead + speech.length + tail);
  signal.set(speech, lead);
  const mask = speechFrames(signal);
  const speechPower = activePower(signal, mask);
  const target = dbfsToPower(SPEECH_LEVEL_DBFS);
  const gain = Math.sqrt(target / Math.max(speechPower, 1e-9));
  for (let i = 0; i < signal.length; i++) {
    signal[i]! *= gain;
  }
  const snrDb = options.snrDb ?? 30;
  const noise =
    snrDb === Infinity
      ? undefined
      : scaleToPower(whiteNoise(signal.length, options.seed ?? 1), target / 10 ** (snrDb / 10));
  const mixed = mixToInt16(signal, noise);
  return decodeMulaw(encodeMulaw(mixed));
}

/** 8 kHz PCM → 16 kHz 20 ms frames (320 samples), as `AudioFork` gives a 16 kHz subscriber. */
export function toWideFrames(pcm8k: Int16Array): Int16Array[] {
  const upsampler = new Upsampler8to16();
  const frames: Int16Array[] = [];
  let carry = new Int16Array(0);
  for (let start = 0; start + 160 <= pcm8k.length; start += 160) {
    const out = upsampler.push(pcm8k.subarray(start, start + 160));
    const joined = new Int16Array(carry.length + out.length);
    joined.set(carry);
    joined.set(out, carry.length);
    let offset = 0;
    for (; offset + 320 <= joined.length; offset += 320) {
      frames.push(joined.slice(offset, offset + 320));
    }
    carry = joined.slice(offset);
  }
  return frames;
}

export interface FrameFeedOptions {
  /** Wait between frames, ms; 0 = as fast as they are read. @default 0 */
  paceMs?: number;
  /** Called once every frame was read (the test then says end of speech, as the endpointer would). */
  onDrained?: () => void;
  /** End the iteration after the last frame instead of waiting like a live call. @default false */
  endAfterLast?: boolean;
}

/**
 * An audio source like a fork subscription: yields the frames, then (a live call does not stop talking to the
 * recognizer) waits until the consumer returns, unless `endAfterLast`.
 */
export class FrameFeed implements AsyncIterableIterator<Int16Array> {
  private index = 0;
  private returned = false;
  private parked: ((result: IteratorResult<Int16Array>) => void) | undefined;
  /** Frames handed out. */
  delivered = 0;

  constructor(
    private readonly frames: readonly Int16Array[],
    private readonly options: FrameFeedOptions = {},
  ) {}

  get closedByConsumer(): boolean {
    return this.returned;
  }

  async next(): Promise<IteratorResult<Int16Array>> {
    if (this.returned) {
      return { value: undefined, done: true };
    }
    const paceMs = this.options.paceMs ?? 0;
    if (paceMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    if (this.returned) {
      return { value: undefined, done: true };
    }
    if (this.index < this.frames.length) {
      this.delivered++;
      const frame = this.frames[this.index++]!;
      if (this.index === this.frames.length) {
        queueMicrotask(() => this.options.onDrained?.());
      }
      return { value: frame, done: false };
    }
    if (this.options.endAfterLast === true) {
      return { value: undefined, done: true };
    }
    return new Promise((resolve) => {
      this.parked = resolve;
    });
  }

  return(): Promise<IteratorResult<Int16Array>> {
    this.returned = true;
    this.parked?.({ value: undefined, done: true });
    this.parked = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Int16Array> {
    return this;
  }
}
