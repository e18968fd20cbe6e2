// The `google` recognizer's turns against a local StreamingRecognize server, with the real SpeechClient: the config
// and audio it sends, partial and final results, end-of-speech latency, stream restarts, abort and session close.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { decodeMulaw, encodeMulaw } from '../../../../src/media/codec/g711.js';
import type { GoogleSpeechConfig } from '../../../../src/config/config-types.js';
import {
  createGoogleRecognizer,
  type GoogleRecognizer,
} from '../../../../src/speech/recognition/google/google-recognizer.js';
import type { GoogleStreamingTurn } from '../../../../src/speech/recognition/google/google-streaming-turn.js';
import type { GoogleRecognizerOptions } from '../../../../src/speech/recognition/google/google-recognizer-types.js';
import { GoogleSpeechServer, speechResponses } from '../../../support/google-speech-server.js';
import {
  CallerAudio,
  delay,
  eventNames,
  recordEvents,
  SAMPLES_PER_FRAME,
  turnOptions,
} from './google-test-kit.js';

describe('google recognizer: streaming turns', () => {
  let server: GoogleSpeechServer;
  const recognizers: GoogleRecognizer[] = [];

  before(async () => {
    server = await GoogleSpeechServer.start();
  });
  after(async () => {
    await server.close();
  });
  afterEach(async () => {
    await Promise.all(recognizers.splice(0).map((r) => r.close()));
    server.reset();
  });

  async function startRecognizer(
    config: Partial<GoogleSpeechConfig> = {},
    options: GoogleRecognizerOptions = {},
  ): Promise<GoogleRecognizer> {
    const recognizer = createGoogleRecognizer(server.googleConfig(config), {
      applicationCredentials: null,
      ...options,
    });
    recognizers.push(recognizer);
    await recognizer.init();
    return recognizer;
  }

  it('sends the exact streaming config first: LINEAR16 8 kHz fr-FR telephony, hints and grammar boosted', async () => {
    const recognizer = await startRecognizer({ model: 'telephony', encoding: 'LINEAR16' });
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['oui', 0.92]));
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c1' }).startTurn(
      audio.subscription,
      turnOptions({
        language: 'fr',
        hints: ['oui', 'non', ' Oui ', 'carte vitale'],
        hintBoost: 15,
        grammar: ['oui', 'non', 'je ne sais pas'],
        singleUtterance: true,
        interimResults: true,
        maxAlternatives: 4,
      }),
    );
    audio.push(5);
    const stream = await server.whenStream(0);
    await stream.whenAudioBytes(5 * 320);
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    assert.deepEqual(stream.config, {
      config: {
        encoding: 'LINEAR16',
        sampleRateHertz: 8000,
        languageCode: 'fr-FR',
        model: 'telephony',
        useEnhanced: true,
        maxAlternatives: 4,
        speechContexts: [{ phrases: ['oui', 'non', 'carte vitale', 'je ne sais pas'], boost: 15 }],
        enableAutomaticPunctuation: false,
      },
      singleUtterance: true,
      interimResults: true,
      enableVoiceActivityEvents: true,
    });
    assert.equal(stream.unexpectedRequests, 0);
    assert.equal(server.streams.length, 1);
  });

  it('sends en-US, MULAW, a configured model, multi-utterance without interim results', async () => {
    const recognizer = await startRecognizer({ model: 'phone_call', encoding: 'MULAW' });
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c2' }).startTurn(
      audio.subscription,
      turnOptions({
        language: 'en',
        hints: [],
        grammar: null,
        singleUtterance: false,
        interimResults: false,
      }),
    );
    audio.push(5);
    const stream = await server.whenStream(0);
    await stream.whenAudioBytes(5 * 160);
    turn.endOfSpeech();
    await turn.outcome;
    assert.deepEqual(stream.config, {
      config: {
        encoding: 'MULAW',
        sampleRateHertz: 8000,
        languageCode: 'en-US',
        model: 'phone_call',
        useEnhanced: true,
        maxAlternatives: 3,
        enableAutomaticPunctuation: false,
      },
      singleUtterance: false,
      interimResults: false,
      enableVoiceActivityEvents: true,
    });
  });

  it('streams MULAW at 160 bytes a frame: the G.711 µ-law of every frame, in ~100 ms chunks', async () => {
    const recognizer = await startRecognizer({ encoding: 'MULAW' });
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c3' }).startTurn(audio.subscription, turnOptions());
    audio.push(23);
    const stream = await server.whenStream(0);
    await stream.whenAudioBytes(20 * 160);
    turn.endOfSpeech();
    await turn.outcome;
    await stream.whenHalfClosed();
    // 23 frames: four chunks of 5 frames, then the last 3 flushed at end of speech.
    assert.deepEqual(
      stream.chunks.map((c) => c.length),
      [800, 800, 800, 800, 480],
    );
    const expected = Buffer.concat(audio.frames.map((frame) => encodeMulaw(frame)));
    assert.ok(stream.audio().equals(expected), 'µ-law bytes differ from the encoded frames');
    // Decoding gives the tone back within G.711's quantisation.
    const decoded = decodeMulaw(stream.audio().subarray(0, SAMPLES_PER_FRAME));
    assert.ok(Math.abs(decoded[40]! - audio.frames[0]![40]!) < 300);
  });

  it('streams LINEAR16 at 320 bytes a frame: the samples little-endian, unchanged', async () => {
    const recognizer = await startRecognizer({ encoding: 'LINEAR16' }, { framesPerChunk: 2 });
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c4' }).startTurn(audio.subscription, turnOptions());
    audio.push(7);
    const stream = await server.whenStream(0);
    await stream.whenAudioBytes(6 * 320);
    turn.endOfSpeech();
    await turn.outcome;
    await stream.whenHalfClosed();
    assert.deepEqual(
      stream.chunks.map((c) => c.length),
      [640, 640, 640, 320],
    );
    assert.ok(stream.audio().equals(audio.linear16()), 'PCM bytes differ from the frames');
  });

  it('emits speechStart, partials with stability, then the final with alternatives and confidence', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send(speechResponses.event('SPEECH_ACTIVITY_BEGIN'));
      await stream.whenAudioBytes(5 * 320);
      stream.send(speechResponses.interim('Je voudrais', 0.8));
      await stream.whenAudioBytes(10 * 320);
      // A hypothesis split over a stable head and an unstable tail, as Google sends it.
      stream.send({
        results: [
          { alternatives: [{ transcript: 'je voudrais' }], isFinal: false, stability: 0.9 },
          { alternatives: [{ transcript: ' ma carte' }], isFinal: false, stability: 0.1 },
        ],
      });
      stream.send(speechResponses.event('END_OF_SINGLE_UTTERANCE'));
      await stream.whenHalfClosed();
      stream.send(
        speechResponses.final(['Je voudrais ma Carte Vitale', 0.87], ['je voudrais ma carte vital', 0]),
      );
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c5' }).startTurn(audio.subscription, turnOptions());
    const events = recordEvents(turn);
    audio.push(15);
    const outcome = await turn.outcome;
    assert.deepEqual(eventNames(events), ['speechStart', 'partial', 'partial', 'final', 'end']);
    const partials = events.filter((e) => e.name === 'partial').map((e) => e.payload);
    assert.deepEqual(
      partials.map((p) => ({ ...(p as object), atMs: undefined })),
      [
        { transcript: 'je voudrais', stability: 0.8, atMs: undefined },
        { transcript: 'je voudrais ma carte', stability: 0.1, atMs: undefined },
      ],
    );
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.provider, 'google');
    assert.equal(outcome.error, null);
    assert.deepEqual(outcome.final?.alternatives, [
      { transcript: 'je voudrais ma carte vitale', confidence: 0.87 },
      { transcript: 'je voudrais ma carte vital', confidence: 0 },
    ]);
    // Google's END_OF_SINGLE_UTTERANCE ended the audio, not our endpointer: no latency figure.
    assert.equal(outcome.final?.latencyMs, null);
    const stream = server.streams[0]!;
    assert.ok(stream.halfClosed, 'the stream is half-closed after END_OF_SINGLE_UTTERANCE');
    assert.equal(stream.audioBytes, 15 * 320);
    assert.deepEqual(events.at(-1)?.payload, { reason: 'final', atMs: outcome.final?.atMs });
  });

  it('takes the first transcript as speechStart when Google sends no activity event; an unscored top gets 0.5', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['Non', 0], ['nom', 0]));
    };
    const audio = new CallerAudio();
    const turn = recognizer
      .openSession({ callId: 'c6' })
      .startTurn(audio.subscription, turnOptions({ interimResults: false }));
    const events = recordEvents(turn);
    audio.push(5);
    await (await server.whenStream(0)).whenAudioBytes(5 * 320);
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.deepEqual(eventNames(events), ['speechStart', 'final', 'end']);
    assert.deepEqual(outcome.final?.alternatives, [
      { transcript: 'non', confidence: 0.5 },
      { transcript: 'nom', confidence: 0 },
    ]);
  });

  it('measures end of speech → final latency, including the time Google takes', async () => {
    const recognizer = await startRecognizer();
    const serverDelayMs = 150;
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      await delay(serverDelayMs);
      stream.send(speechResponses.final(['bonjour', 0.9]));
      stream.end();
    };
    const latencies: number[] = [];
    const session = recognizer.openSession({ callId: 'c7' });
    for (let i = 0; i < 3; i++) {
      const audio = new CallerAudio();
      const turn = session.startTurn(audio.subscription, turnOptions());
      audio.push(10);
      await (await server.whenStream(i)).whenAudioBytes(10 * 320);
      turn.endOfSpeech();
      const outcome = await turn.outcome;
      assert.equal(outcome.reason, 'final');
      latencies.push(outcome.final!.latencyMs!);
    }
    for (const latency of latencies) {
      assert.ok(latency >= serverDelayMs - 5, `latency ${latency} ms below the server's ${serverDelayMs} ms`);
      assert.ok(latency < serverDelayMs + 1500, `latency ${latency} ms`);
    }
    console.log(
      `google turn latency vs local server (${serverDelayMs} ms server delay): ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`,
    );
  });

  it('restarts the stream after restartAfterMs: audio continues on the new stream, results of both are kept', async () => {
    const recognizer = await startRecognizer({}, { restartAfterMs: 300 });
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      if (stream.audioBytes > 0) {
        stream.send(speechResponses.final([`part ${stream.index}`, 0.9 - stream.index * 0.1]));
      }
      stream.end();
    };
    const audio = new CallerAudio();
    const turn = recognizer
      .openSession({ callId: 'c8' })
      .startTurn(audio.subscription, turnOptions({ singleUtterance: false, interimResults: false }));
    audio.startRealTime();
    const second = await server.whenStream(1);
    await second.whenAudioBytes(5 * 320);
    audio.stop();
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    const streams = server.streams;
    assert.ok(streams.length >= 2, `${streams.length} streams`);
    for (const stream of streams) {
      assert.deepEqual(stream.config, streams[0]!.config, 'every stream starts with the same config');
      assert.ok(stream.halfClosed, `stream ${stream.index} half-closed`);
    }
    assert.ok(streams[0]!.audioBytes > 0);
    // No frame lost or sent twice across the restart.
    const sent = Buffer.concat(streams.map((s) => s.audio()));
    assert.ok(sent.equals(audio.linear16()), `${sent.length} bytes sent for ${audio.frames.length} frames`);
    const expected = streams
      .filter((s) => s.audioBytes > 0)
      .map((s) => `part ${s.index}`)
      .join(' ');
    assert.equal(outcome.final?.alternatives[0]?.transcript, expected);
    assert.equal((turn as GoogleStreamingTurn).callCount, streams.length);
  });

  it('in single-utterance mode a restart still delivers the final from the new stream', async () => {
    const recognizer = await startRecognizer({}, { restartAfterMs: 300 });
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      if (stream.index >= 1) {
        stream.send(speechResponses.final(['oui', 0.95]));
      }
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c9' }).startTurn(audio.subscription, turnOptions());
    audio.startRealTime();
    await (await server.whenStream(1)).whenAudioBytes(320);
    audio.stop();
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.alternatives[0]?.transcript, 'oui');
    assert.ok((outcome.final?.latencyMs ?? -1) >= 0);
  });

  it('ends with no-match when Google closes the stream without a transcript after end of speech', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['', 0]));
      stream.end();
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c10' }).startTurn(audio.subscription, turnOptions());
    const events = recordEvents(turn);
    audio.push(5);
    await (await server.whenStream(0)).whenAudioBytes(5 * 320);
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.deepEqual(
      { reason: outcome.reason, final: outcome.final, error: outcome.error },
      { reason: 'no-match', final: null, error: null },
    );
    assert.deepEqual(eventNames(events), ['end']);
  });

  it('ends with no-input when nothing is heard within noInputTimeoutMs, and cancels the stream', async () => {
    const recognizer = await startRecognizer();
    const audio = new CallerAudio();
    const turn = recognizer
      .openSession({ callId: 'c11' })
      .startTurn(audio.subscription, turnOptions({ noInputTimeoutMs: 250 }));
    audio.startRealTime();
    const outcome = await turn.outcome;
    audio.stop();
    assert.equal(outcome.reason, 'no-input');
    const stream = server.streams[0]!;
    await stream.whenCancelled();
    assert.ok(stream.audioBytes > 0);
  });

  it('finishes when the audio source ends (hangup) and gives the final without a latency', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['au revoir', 0.8]));
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c12' }).startTurn(audio.subscription, turnOptions());
    audio.push(8);
    audio.end();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.latencyMs, null);
    assert.equal(server.streams[0]!.audioBytes, 8 * 320);
  });

  it('abort() ends the turn at once with aborted, cancels the stream and releases the audio', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send(speechResponses.interim('allo'));
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c13' }).startTurn(audio.subscription, turnOptions());
    const events = recordEvents(turn);
    turn.on('partial', () => turn.abort());
    audio.push(5);
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'aborted');
    assert.deepEqual(eventNames(events), ['speechStart', 'partial', 'end']);
    await server.streams[0]!.whenCancelled();
    assert.ok(audio.subscription.ended, 'the fork subscription was released');
    turn.abort();
    turn.endOfSpeech();
    assert.equal(events.filter((e) => e.name === 'end').length, 1);
  });

  it('closing the session during a turn aborts it; later turns end as aborted', async () => {
    const recognizer = await startRecognizer();
    const session = recognizer.openSession({ callId: 'c14' });
    const audio = new CallerAudio();
    const turn = session.startTurn(audio.subscription, turnOptions());
    audio.push(5);
    const stream = await server.whenStream(0);
    await stream.whenAudioBytes(5 * 320);
    await session.close();
    assert.equal((await turn.outcome).reason, 'aborted');
    await stream.whenCancelled();
    await session.close();
    const late = session.startTurn(new CallerAudio().subscription, turnOptions());
    assert.equal((await late.outcome).reason, 'aborted');
    assert.equal(server.streams.length, 1);
  });

  it('starting a new turn aborts the running one', async () => {
    const recognizer = await startRecognizer();
    const session = recognizer.openSession({ callId: 'c15' });
    const first = session.startTurn(new CallerAudio().subscription, turnOptions());
    await server.whenStream(0);
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['deux', 0.9]));
    };
    const audio = new CallerAudio();
    const second = session.startTurn(audio.subscription, turnOptions());
    assert.equal((await first.outcome).reason, 'aborted');
    audio.push(5);
    await (await server.whenStream(1)).whenAudioBytes(5 * 320);
    second.endOfSpeech();
    assert.equal((await second.outcome).final?.alternatives[0]?.transcript, 'deux');
  });

  it('a listener that throws does not kill the turn', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send(speechResponses.interim('un'));
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['un deux', 0.9]));
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'c16' }).startTurn(audio.subscription, turnOptions());
    turn.on('speechStart', () => {
      throw new Error('listener bug');
    });
    turn.on('partial', () => {
      throw new Error('listener bug');
    });
    turn.on('final', () => {
      throw new Error('listener bug');
    });
    const ends: unknown[] = [];
    turn.on('end', (e) => ends.push(e));
    audio.push(5);
    await (await server.whenStream(0)).whenAudioBytes(5 * 320);
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.final?.alternatives[0]?.transcript, 'un deux');
    assert.equal(ends.length, 1);
  });

  it('max utterance: after maxUtteranceMs of speech the stream is half-closed and the final given', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send(speechResponses.event('SPEECH_ACTIVITY_BEGIN'));
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['il était une fois', 0.7]));
    };
    const audio = new CallerAudio();
    const turn = recognizer
      .openSession({ callId: 'c17' })
      .startTurn(audio.subscription, turnOptions({ maxUtteranceMs: 200 }));
    audio.startRealTime();
    const outcome = await turn.outcome;
    audio.stop();
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.latencyMs, null);
    assert.ok(server.streams[0]!.halfClosed);
  });
});
