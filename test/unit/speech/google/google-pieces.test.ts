// The pure parts of the `google` recognizer: request config, phrase limits, audio chunks, response reading,
// joined finals, gRPC status mapping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMulaw } from '../../../../src/media/codec/g711.js';
import { GoogleAudioChunker } from '../../../../src/speech/recognition/google/google-audio-chunker.js';
import {
  errorKindOfGrpcCode,
  GrpcCode,
  recognitionErrorOfStream,
} from '../../../../src/speech/recognition/google/google-errors.js';
import { parseStreamingResponse } from '../../../../src/speech/recognition/google/google-response.js';
import {
  adaptationPhrases,
  buildStreamingConfig,
  PHRASE_LIMITS,
} from '../../../../src/speech/recognition/google/google-streaming-config.js';
import { joinSegments } from '../../../../src/speech/recognition/google/google-streaming-turn.js';
import { toneFrame, turnOptions } from './google-test-kit.js';

describe('google streaming config', () => {
  it('clamps the boost to 0–20 and maxAlternatives to 1–30; no phrases → no speech context', () => {
    const high = buildStreamingConfig(turnOptions({ hints: ['oui'], hintBoost: 50, maxAlternatives: 99 }), {
      encoding: 'MULAW',
      model: 'telephony',
    });
    assert.deepEqual(high.config.speechContexts, [{ phrases: ['oui'], boost: 20 }]);
    assert.equal(high.config.maxAlternatives, 30);
    const none = buildStreamingConfig(turnOptions({ hints: [], grammar: [], maxAlternatives: 0 }), {
      encoding: 'LINEAR16',
      model: 'telephony',
    });
    assert.deepEqual(none.config.speechContexts, []);
    assert.equal(none.config.maxAlternatives, 1);
    assert.equal(none.config.sampleRateHertz, 8000);
  });

  it('keeps phrases within Google limits: trimmed, unique, ≤ 100 characters, ≤ 5000 phrases', () => {
    const long = 'x'.repeat(PHRASE_LIMITS.maxPhraseChars + 1);
    assert.deepEqual(adaptationPhrases(['  carte   vitale ', 'Carte Vitale', '', long, 'NIR']), [
      'carte vitale',
      'NIR',
    ]);
    const many = Array.from({ length: 6000 }, (_, i) => `phrase ${i}`);
    assert.equal(adaptationPhrases(many).length, PHRASE_LIMITS.maxPhrases);
  });
});

describe('google audio chunker', () => {
  it('batches frames and encodes MULAW at one byte a sample', () => {
    const chunker = new GoogleAudioChunker('MULAW', 3);
    const frames = [0, 1, 2, 3].map(toneFrame);
    assert.equal(chunker.push(frames[0]!), null);
    assert.equal(chunker.push(frames[1]!), null);
    const chunk = chunker.push(frames[2]!);
    assert.ok(chunk?.equals(Buffer.concat(frames.slice(0, 3).map((f) => encodeMulaw(f)))));
    chunker.push(frames[3]!);
    assert.equal(chunker.flush()?.length, 160);
    assert.equal(chunker.flush(), null);
  });

  it('LINEAR16 is the samples little-endian; frames are not modified', () => {
    const chunker = new GoogleAudioChunker('LINEAR16', 1);
    const frame = toneFrame(7);
    const copy = frame.slice();
    const chunk = chunker.push(frame)!;
    assert.equal(chunk.length, 320);
    assert.equal(chunk.readInt16LE(20), frame[10]);
    assert.deepEqual(frame, copy);
    assert.throws(() => new GoogleAudioChunker('LINEAR16', 0), RangeError);
  });
});

describe('google response reading', () => {
  it('joins a split interim hypothesis and keeps its least stable part', () => {
    const parsed = parseStreamingResponse({
      results: [
        { alternatives: [{ transcript: 'Je  voudrais' }], isFinal: false, stability: 0.9 },
        { alternatives: [{ transcript: ' parler' }], isFinal: false, stability: 0.2 },
      ],
      speechEventType: 'SPEECH_EVENT_UNSPECIFIED',
      error: null,
    });
    assert.deepEqual(parsed, {
      error: null,
      speechEvent: null,
      interim: { transcript: 'je voudrais parler', stability: 0.2 },
      finals: [],
    });
  });

  it('reads numeric enums, unset stability, finals without text and in-band errors', () => {
    assert.equal(parseStreamingResponse({ speechEventType: 1 }).speechEvent, 'end-of-single-utterance');
    assert.equal(parseStreamingResponse({ speechEventType: 2 }).speechEvent, 'activity-begin');
    assert.equal(
      parseStreamingResponse({ results: [{ alternatives: [{ transcript: 'a' }], stability: 0 }] }).interim
        ?.stability,
      null,
    );
    assert.deepEqual(
      parseStreamingResponse({ results: [{ alternatives: [{ transcript: ' ' }], isFinal: true }] }).finals,
      [],
    );
    assert.deepEqual(parseStreamingResponse({ error: { code: 8, message: 'quota' } }).error, {
      code: 8,
      message: 'quota',
    });
    assert.equal(parseStreamingResponse({ error: { code: 0, message: '' } }).error, null);
    const final = parseStreamingResponse({
      results: [
        {
          alternatives: [
            { transcript: 'Oui', confidence: 0.8999999761581421 },
            { transcript: 'Ouais', confidence: 0 },
          ],
          isFinal: true,
        },
      ],
    });
    assert.deepEqual(final.finals, [
      [
        { transcript: 'oui', confidence: 0.9 },
        { transcript: 'ouais', confidence: 0 },
      ],
    ]);
  });

  it('joins several finals: earlier best transcripts, then each alternative of the last; lowest confidence', () => {
    assert.deepEqual(
      joinSegments(
        [
          { alternatives: [{ transcript: 'mon numéro', confidence: 0.9 }] },
          {
            alternatives: [
              { transcript: 'un deux trois', confidence: 0.95 },
              { transcript: 'un deux droit', confidence: 0 },
            ],
          },
        ],
        3,
      ),
      [
        { transcript: 'mon numéro un deux trois', confidence: 0.9 },
        { transcript: 'mon numéro un deux droit', confidence: 0 },
      ],
    );
    assert.deepEqual(joinSegments([], 3), []);
  });
});

describe('google error mapping', () => {
  it('maps gRPC codes to error kinds', () => {
    assert.equal(errorKindOfGrpcCode(GrpcCode.UNAVAILABLE), 'unavailable');
    assert.equal(errorKindOfGrpcCode(GrpcCode.RESOURCE_EXHAUSTED), 'quota');
    assert.equal(errorKindOfGrpcCode(GrpcCode.DEADLINE_EXCEEDED), 'timeout');
    assert.equal(errorKindOfGrpcCode(GrpcCode.UNAUTHENTICATED), 'auth');
    assert.equal(errorKindOfGrpcCode(GrpcCode.PERMISSION_DENIED), 'auth');
    assert.equal(errorKindOfGrpcCode(GrpcCode.INVALID_ARGUMENT), 'bad-request');
    assert.equal(errorKindOfGrpcCode(GrpcCode.ABORTED), 'internal');
  });

  it('an error without a gRPC code is internal, not retryable', () => {
    assert.deepEqual(recognitionErrorOfStream(new Error('boom'), 12), {
      kind: 'internal',
      code: 'AIG_ERR_ASR_INTERNAL',
      message: 'Google Speech stream failed: boom',
      retryable: false,
      atMs: 12,
    });
  });
});
