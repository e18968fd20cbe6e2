/**
 * The vosk-server WebSocket protocol as pure functions: the messages the client sends and how the server's answers
 * read. The socket lives in `websocket-recognition-turn.ts`.
 *
 * What the server does, as read in alphacep/vosk-server `websocket/asr_server.py` (the Python reference server):
 *   - a text frame that contains `config` is parsed as `{"config": {...}}`; it reads `sample_rate`,
 *     `max_alternatives`, `words` and `phrase_list`, and sends no answer. Its recognizer is created at the first
 *     other message, so the config must be the first frame;
 *   - every other frame is answered with exactly one JSON text frame: `rec.Result()` when vosk's endpointer closed
 *     an utterance in that chunk, `rec.PartialResult()` otherwise;
 *   - the exact text `{"eof" : 1}` is answered with `rec.FinalResult()`, then the handler returns and the
 *     connection closes. The server compares the string (`message == '{"eof" : 1}'`), it does not parse it: the
 *     space before the colon matters. The C++ server (`websocket/asr_server.cpp`) does the same `strcmp`.
 *
 * Result shapes, from alphacep/vosk-api `src/recognizer.cc`:
 *   - `PartialResult`: `{"partial": "..."}` (plus `partial_result` word details when partial words are on);
 *   - `max_alternatives` 0 (`MbrResult`): `{"text": "..."}` (plus a `result` word list when `words` is true);
 *   - `max_alternatives` > 0 (`NbestResult`): `{"alternatives": [{"text": "...", "confidence": c}, ...]}`, best
 *     first, where `c` is the path's log-likelihood `-(graph cost + acoustic cost)`: a score, not a probability;
 *   - nothing decoded (`StoreEmptyReturn`): `{"text": ""}`, or `{"alternatives": [{"text": "", "confidence": 1.0}]}`.
 *
 * Confidence, as the recognizer interface wants it (0–1): vosk's n-best scores are turned into each alternative's
 * share of the n-best list (softmax of the log-likelihoods; vosk's chain models decode with acoustic scale 1, so
 * score differences are log-probability ratios). One alternative alone gets 1: the lattice held no competitor. A
 * plain `{"text"}` result carries no confidence: it is reported as 0.5 (the interface's "unknown").
 *
 * Grammar: `phrase_list` becomes `KaldiRecognizer(model, rate, grammar)`. vosk-api honours it only for models with
 * a runtime graph (`HCLr.fst` + `Gr.fst`: the small models and the `-lgraph` ones); the large static-graph models
 * log "Runtime graphs are not supported by this model" and decode with their whole vocabulary (recognizer.cc,
 * grammar constructor). `[unk]` is added to the list, as in vosk-api `python/example/test_words.py`, so speech
 * outside the grammar comes back as `[unk]` instead of being forced onto the nearest phrase; `[unk]` tokens are
 * removed from transcripts here, and a result that was only `[unk]` reads as nothing recognized.
 */
import { endianness } from 'node:os';
import type { RecognitionAlternative } from '../recognizer-types.js';

/** End of audio. Byte-exact: the server compares strings. */
export const VOSK_EOF_MESSAGE = '{"eof" : 1}';

/** The out-of-grammar word of vosk's runtime grammars. */
const VOSK_UNKNOWN_WORD = '[unk]';

/** Confidence given to a result the server scored not at all (`{"text": ...}`). */
const UNSCORED_CONFIDENCE = 0.5;

export interface VoskConfigOptions {
  readonly sampleRate: 8000 | 16000;
  /** Alternatives wanted; 1 or less asks for vosk's single MBR result (no scores). */
  readonly maxAlternatives: number;
  /** Closed phrase list; null or empty = open speech. */
  readonly grammar: readonly string[] | null;
}

/** The first frame of a connection: `{"config": {...}}`. */
export function voskConfigMessage(options: VoskConfigOptions): string {
  const config: Record<string, unknown> = {
    sample_rate: options.sampleRate,
    max_alternatives: options.maxAlternatives > 1 ? Math.floor(options.maxAlternatives) : 0,
    // Word timings are not used; leaving them out keeps every result small.
    words: false,
  };
  const phrases = voskPhraseList(options.grammar);
  if (phrases !== null) {
    config['phrase_list'] = phrases;
  }
  return JSON.stringify({ config });
}

/**
 * The grammar as vosk wants it: lower case (model vocabularies are), punctuation other than apostrophes and
 * hyphens (`aujourd'hui`, `peut-être`) replaced by spaces, duplicates dropped, `[unk]` last. null for open speech.
 */
export function voskPhraseList(grammar: readonly string[] | null): string[] | null {
  if (grammar === null) {
    return null;
  }
  const phrases = new Set<string>();
  for (const phrase of grammar) {
    const normalised = phrase
      .toLowerCase()
      .replace(/[^\p{L}\p{N}'’ -]+/gu, ' ')
      .replace(/’/g, "'")
      .replace(/\s+/g, ' ')
      .trim();
    if (normalised !== '') {
      phrases.add(normalised);
    }
  }
  if (phrases.size === 0) {
    return null;
  }
  phrases.add(VOSK_UNKNOWN_WORD);
  return [...phrases];
}

/** One server answer, read. */
export type VoskMessage =
  | { readonly kind: 'partial'; readonly transcript: string }
  /** An utterance result; `alternatives` holds only non-empty transcripts (none: nothing recognized). */
  | { readonly kind: 'result'; readonly alternatives: readonly RecognitionAlternative[] }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Reads one text frame from the server. Never throws: what is not a vosk answer is `invalid`. */
export function parseVoskMessage(text: string): VoskMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: `not JSON (${text.length} characters)` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', reason: 'not a JSON object' };
  }
  const message = value as Record<string, unknown>;
  if (Array.isArray(message['alternatives'])) {
    return readAlternatives(message['alternatives'] as unknown[]);
  }
  if (typeof message['text'] === 'string') {
    const transcript = cleanTranscript(message['text']);
    return {
      kind: 'result',
      alternatives: transcript === '' ? [] : [{ transcript, confidence: UNSCORED_CONFIDENCE }],
    };
  }
  if (typeof message['partial'] === 'string') {
    return { kind: 'partial', transcript: cleanTranscript(message['partial']) };
  }
  return { kind: 'invalid', reason: 'no partial, text or alternatives field' };
}

function readAlternatives(entries: unknown[]): VoskMessage {
  const texts: string[] = [];
  const scores: number[] = [];
  for (const entry of entries) {
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof (entry as { text?: unknown }).text !== 'string'
    ) {
      return { kind: 'invalid', reason: 'an alternative has no text' };
    }
    const { text, confidence } = entry as { text: string; confidence?: unknown };
    texts.push(cleanTranscript(text));
    scores.push(typeof confidence === 'number' && Number.isFinite(confidence) ? confidence : NaN);
  }
  const confidences = nbestConfidences(scores);
  const alternatives: RecognitionAlternative[] = [];
  // Shares are computed over the whole list, empty hypotheses included, so a best guess of "nothing" lowers the
  // confidence of what follows it.
  texts.forEach((transcript, i) => {
    if (transcript !== '') {
      alternatives.push({ transcript, confidence: confidences[i]! });
    }
  });
  return { kind: 'result', alternatives };
}

/**
 * Each alternative's share of the n-best list from vosk's log-likelihood scores (softmax). Without scores, 0.5 for
 * the first and half as much for each next one, as the recognizer interface asks of unscored providers.
 */
export function nbestConfidences(scores: readonly number[]): number[] {
  if (scores.length === 0) {
    return [];
  }
  if (scores.some((s) => Number.isNaN(s))) {
    return scores.map((_, i) => UNSCORED_CONFIDENCE / 2 ** i);
  }
  const best = Math.max(...scores);
  const weights = scores.map((s) => Math.exp(s - best));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** Lower case, `[unk]` removed, single spaces. */
export function cleanTranscript(text: string): string {
  return text
    .split(/\s+/)
    .filter((word) => word !== '' && word !== VOSK_UNKNOWN_WORD)
    .join(' ')
    .toLowerCase();
}

const BIG_ENDIAN_HOST = endianness() === 'BE';

/** Concatenates 16-bit frames into one little-endian PCM buffer (what vosk's `AcceptWaveform` reads). */
export function encodePcm16le(frames: readonly Int16Array[]): Buffer {
  let samples = 0;
  for (const frame of frames) {
    samples += frame.length;
  }
  const bytes = Buffer.allocUnsafe(samples * 2);
  let offset = 0;
  for (const frame of frames) {
    bytes.set(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), offset);
    offset += frame.byteLength;
  }
  if (BIG_ENDIAN_HOST) {
    bytes.swap16();
  }
  return bytes;
}
