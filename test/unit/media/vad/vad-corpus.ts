/**
 * The VAD evaluation corpus: French and English espeak-ng utterances placed in one long track with known
 * boundaries, then mixed with white, pink and babble noise at several SNRs. Deterministic: same text, same
 * voices, seeded noise.
 */
import { SAMPLE_RATE, SAMPLES_PER_FRAME } from '../../../../src/media/media-types.js';
import {
  activePower,
  dbfsToPower,
  mixToInt16,
  pinkNoise,
  renderSpeech,
  scaleToPower,
  speechFrames,
  trimSilence,
  whiteNoise,
} from './test-audio.js';

export interface CorpusUtterance {
  readonly text: string;
  readonly voice: string;
}

/** Target utterances: long and short, both languages, male and female variants. */
export const EVALUATION_UTTERANCES: readonly CorpusUtterance[] = [
  { voice: 'fr', text: 'Bonjour, je voudrais prendre rendez-vous pour renouveler mon passeport.' },
  { voice: 'en-us', text: 'No.' },
  { voice: 'fr+f3', text: 'Mon numéro de dossier est le quatre cent douze, trente-sept.' },
  { voice: 'en-gb', text: 'Hello, I would like to speak to someone about my tax return.' },
  { voice: 'fr', text: 'Oui.' },
  { voice: 'en-us+f2', text: 'My reference number is seven, four, two, nine.' },
  { voice: 'fr+m3', text: "Je n'ai pas reçu mon remboursement depuis le mois de mars." },
  { voice: 'en-us', text: 'Can you tell me the opening hours of the town hall, please?' },
];

/** Other talkers, summed into babble. */
const BABBLE_TALKERS: readonly CorpusUtterance[] = [
  {
    voice: 'fr+f2',
    text: 'La mairie est ouverte du lundi au vendredi, sauf les jours fériés, de huit heures à midi.',
  },
  {
    voice: 'en-us+m4',
    text: 'We went to the market on Saturday and bought apples, bread and some cheese for lunch.',
  },
  {
    voice: 'fr+m2',
    text: 'Il faudra remplir le formulaire en ligne avant de venir avec les pièces justificatives.',
  },
  {
    voice: 'en-gb+f4',
    text: 'The train to the city centre was late again this morning because of the weather.',
  },
  { voice: 'fr+f4', text: 'Nous avons reçu votre demande et un conseiller vous rappellera dans la journée.' },
  {
    voice: 'en-us+m2',
    text: 'Please hold the line, all our advisers are busy, your call is important to us.',
  },
];

export interface TruthSpan {
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface CleanTrack {
  /** Float samples (speech only, before noise). */
  readonly speech: Float64Array;
  readonly truth: readonly TruthSpan[];
  /** Per-frame: inside a truth span. */
  readonly truthFrames: readonly boolean[];
  /** Mean power of the speech over its voiced frames (the "active level" the SNR refers to). */
  readonly speechActivePower: number;
}

export interface CorpusOptions {
  /** Silence before the first utterance, ms. */
  leadMs: number;
  /** Silence between utterances, ms. */
  gapMs: number;
  /** Active speech level, dBFS. */
  speechLevelDbfs: number;
}

const DEFAULT_CORPUS: CorpusOptions = { leadMs: 2500, gapMs: 2200, speechLevelDbfs: -20 };

/** First and last sample louder than 34 dB under the utterance peak. */
function sampleBounds(samples: Int16Array): [number, number] {
  let peak = 0;
  for (const s of samples) {
    peak = Math.max(peak, Math.abs(s));
  }
  const threshold = peak * 0.02;
  let first = 0;
  while (first < samples.length && Math.abs(samples[first]!) < threshold) {
    first++;
  }
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]!) < threshold) {
    last--;
  }
  return [first, last + 1];
}

export function buildCleanTrack(
  utterances: readonly CorpusUtterance[] = EVALUATION_UTTERANCES,
  options: Partial<CorpusOptions> = {},
): CleanTrack {
  const { leadMs, gapMs, speechLevelDbfs } = { ...DEFAULT_CORPUS, ...options };
  const rendered = utterances.map((u) => trimSilence(renderSpeech(u.text, u.voice)));
  const samplesPerMs = SAMPLE_RATE / 1000;
  // Odd offsets so that utterances do not start on frame boundaries.
  const jitter = (i: number): number => (i * 37) % SAMPLES_PER_FRAME;
  let length = Math.round(leadMs * samplesPerMs);
  const placements: number[] = [];
  rendered.forEach((r, i) => {
    placements.push(length + jitter(i));
    length += jitter(i) + r.length + Math.round(gapMs * samplesPerMs);
  });
  length = Math.ceil(length / SAMPLES_PER_FRAME) * SAMPLES_PER_FRAME;
  const speech = new Float64Array(length);
  const truth: TruthSpan[] = [];
  const targetPower = dbfsToPower(speechLevelDbfs);
  rendered.forEach((r, i) => {
    const gain = Math.sqrt(targetPower / activePower(r, speechFrames(r)));
    const at = placements[i]!;
    for (let n = 0; n < r.length; n++) {
      speech[at + n] = r[n]! * gain;
    }
    const [first, last] = sampleBounds(r);
    truth.push({
      text: utterances[i]!.text,
      startMs: (at + first) / samplesPerMs,
      endMs: (at + last) / samplesPerMs,
    });
  });
  const frames = length / SAMPLES_PER_FRAME;
  const truthFrames = Array.from({ length: frames }, (_, f) => {
    const start = (f * SAMPLES_PER_FRAME) / samplesPerMs;
    const end = start + SAMPLES_PER_FRAME / samplesPerMs;
    return truth.some((t) => t.startMs < end && t.endMs > start);
  });
  const voiced = speechFrames(Int16Array.from(speech, (x) => Math.round(x)));
  return { speech, truth, truthFrames, speechActivePower: activePower(speech, voiced) };
}

export type NoiseKind = 'white' | 'pink' | 'babble';

/** The benchmarks' conditions as [label, noise, SNR dB]: clean, then white, pink and babble noise at 20, 10 and 5 dB. */
export function noiseConditions(): [string, NoiseKind | undefined, number][] {
  const conditions: [string, NoiseKind | undefined, number][] = [['clean', undefined, Infinity]];
  for (const kind of ['white', 'pink', 'babble'] as const) {
    for (const snr of [20, 10, 5]) {
      conditions.push([`${kind} ${snr}dB`, kind, snr]);
    }
  }
  return conditions;
}

/** Sum of six espeak-ng talkers, each looped from its own offset: speech-shaped, non-stationary background. */
export function babbleNoise(length: number): Float64Array {
  const out = new Float64Array(length);
  BABBLE_TALKERS.forEach((talker, i) => {
    const voice = trimSilence(renderSpeech(talker.text, talker.voice, 150 + 10 * i));
    const offset = Math.floor((voice.length * i) / BABBLE_TALKERS.length);
    for (let n = 0; n < length; n++) {
      out[n]! += voice[(n + offset) % voice.length]!;
    }
  });
  return out;
}

export function makeNoise(kind: NoiseKind, length: number, seed: number): Float64Array {
  switch (kind) {
    case 'white':
      return whiteNoise(length, seed);
    case 'pink':
      return pinkNoise(length, seed);
    case 'babble':
      return babbleNoise(length);
  }
}

/** Speech + noise at `snrDb` (active speech power over mean noise power); `undefined` kind = clean. */
export function mixTrack(
  track: CleanTrack,
  kind: NoiseKind | undefined,
  snrDb: number,
  seed = 1,
): Int16Array {
  if (kind === undefined) {
    return mixToInt16(track.speech);
  }
  const noise = scaleToPower(
    makeNoise(kind, track.speech.length, seed),
    track.speechActivePower / 10 ** (snrDb / 10),
  );
  return mixToInt16(track.speech, noise);
}
