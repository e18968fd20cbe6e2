// Every way a `google` turn can fail, against a local StreamingRecognize server and the real SpeechClient: each
// gRPC status becomes a typed `error` (kind, AIG_ERR_ASR_* code, retryable) then `end` with reason `error`; the
// outcome never rejects and nothing is thrown.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { GoogleSpeechConfig } from '../../../../src/config/config-types.js';
import {
  createGoogleRecognizer,
  type GoogleRecognizer,
} from '../../../../src/speech/recognition/google/google-recognizer.js';
import type { RecognitionErrorEvent } from '../../../../src/speech/recognition/recognizer-types.js';
import { freePort } from '../../../helpers/free-port.js';
import { GoogleSpeechServer, speechResponses } from '../../../support/google-speech-server.js';
import { CallerAudio, eventNames, recordEvents, turnOptions } from './google-test-kit.js';

describe('google recognizer: errors', () => {
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

  async function startRecognizer(config: Partial<GoogleSpeechConfig> = {}): Promise<GoogleRecognizer> {
    const recognizer = createGoogleRecognizer(server.googleConfig(config), { applicationCredentials: null });
    recognizers.push(recognizer);
    await recognizer.init();
    return recognizer;
  }

  const statusCases: readonly {
    status: grpc.status;
    name: string;
    kind: RecognitionErrorEvent['kind'];
    code: string;
    retryable: boolean;
  }[] = [
    {
      status: grpc.status.UNAVAILABLE,
      name: 'UNAVAILABLE',
      kind: 'unavailable',
      code: 'AIG_ERR_ASR_UNAVAILABLE',
      retryable: true,
    },
    {
      status: grpc.status.RESOURCE_EXHAUSTED,
      name: 'RESOURCE_EXHAUSTED',
      kind: 'quota',
      code: 'AIG_ERR_ASR_QUOTA',
      retryable: true,
    },
    {
      status: grpc.status.DEADLINE_EXCEEDED,
      name: 'DEADLINE_EXCEEDED',
      kind: 'timeout',
      code: 'AIG_ERR_ASR_TIMEOUT',
      retryable: true,
    },
    {
      status: grpc.status.UNAUTHENTICATED,
      name: 'UNAUTHENTICATED',
      kind: 'auth',
      code: 'AIG_ERR_ASR_AUTH',
      retryable: false,
    },
    {
      status: grpc.status.PERMISSION_DENIED,
      name: 'PERMISSION_DENIED',
      kind: 'auth',
      code: 'AIG_ERR_ASR_AUTH',
      retryable: false,
    },
    {
      status: grpc.status.INVALID_ARGUMENT,
      name: 'INVALID_ARGUMENT',
      kind: 'bad-request',
      code: 'AIG_ERR_ASR_BAD_REQUEST',
      retryable: false,
    },
    {
      status: grpc.status.INTERNAL,
      name: 'INTERNAL',
      kind: 'internal',
      code: 'AIG_ERR_ASR_INTERNAL',
      retryable: false,
    },
    {
      status: grpc.status.OUT_OF_RANGE,
      name: 'OUT_OF_RANGE',
      kind: 'internal',
      code: 'AIG_ERR_ASR_INTERNAL',
      retryable: false,
    },
  ];

  for (const c of statusCases) {
    it(`${c.name} → error kind ${c.kind} (${c.retryable ? '' : 'not '}retryable), then end 'error'`, async () => {
      const recognizer = await startRecognizer();
      server.script = async (stream) => {
        await stream.whenAudioBytes(3 * 320);
        stream.fail(c.status, `scripted ${c.name}`);
      };
      const audio = new CallerAudio();
      const turn = recognizer.openSession({ callId: 'e1' }).startTurn(audio.subscription, turnOptions());
      const events = recordEvents(turn);
      audio.push(5);
      const outcome = await turn.outcome;
      assert.deepEqual(eventNames(events), ['error', 'end']);
      const error = events[0]!.payload as RecognitionErrorEvent;
      assert.equal(error.kind, c.kind);
      assert.equal(error.code, c.code);
      assert.equal(error.retryable, c.retryable);
      assert.match(error.message, new RegExp(`${c.name}: scripted ${c.name}`));
      assert.deepEqual(outcome, { reason: 'error', final: null, error, provider: 'google' });
      assert.deepEqual((events[1]!.payload as { reason: string }).reason, 'error');
    });
  }

  it('an error status after a partial still ends the turn with error, not with the partial', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send(speechResponses.interim('bonjour'));
      stream.fail(grpc.status.UNAVAILABLE, 'backend went away');
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'e2' }).startTurn(audio.subscription, turnOptions());
    const events = recordEvents(turn);
    audio.push(5);
    const outcome = await turn.outcome;
    assert.deepEqual(eventNames(events), ['speechStart', 'partial', 'error', 'end']);
    assert.equal(outcome.error?.kind, 'unavailable');
  });

  it('an error carried in a response body (google.rpc.Status) is an error too', async () => {
    const recognizer = await startRecognizer();
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send({ error: { code: grpc.status.RESOURCE_EXHAUSTED, message: 'in-band quota' } });
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'e3' }).startTurn(audio.subscription, turnOptions());
    audio.push(5);
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'error');
    assert.equal(outcome.error?.kind, 'quota');
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_QUOTA');
    await server.streams[0]!.whenCancelled();
  });

  it('a server nobody listens on → unavailable, retryable, with no error listener attached', async () => {
    const port = await freePort('tcp');
    const recognizer = createGoogleRecognizer(server.googleConfig({ port }), {
      applicationCredentials: null,
    });
    recognizers.push(recognizer);
    await recognizer.init(); // no connection is made at init
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'e4' }).startTurn(audio.subscription, turnOptions());
    audio.push(5);
    const started = performance.now();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'error');
    assert.equal(outcome.error?.kind, 'unavailable');
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_UNAVAILABLE');
    assert.equal(outcome.error?.retryable, true);
    assert.ok(performance.now() - started < 5000, 'a refused connection fails fast');
  });

  it('final timeout: Google silent after end of speech → error kind timeout after finalTimeoutMs', async () => {
    const finalTimeoutMs = 300;
    const recognizer = await startRecognizer({ finalTimeoutMs });
    server.script = async (stream) => {
      await stream.whenHalfClosed();
      await stream.whenCancelled(); // never answers
    };
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'e5' }).startTurn(audio.subscription, turnOptions());
    const events = recordEvents(turn);
    audio.push(5);
    await (await server.whenStream(0)).whenAudioBytes(5 * 320);
    const endOfSpeechAt = performance.now();
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    const waited = performance.now() - endOfSpeechAt;
    assert.deepEqual(eventNames(events), ['error', 'end']);
    assert.equal(outcome.reason, 'error');
    assert.equal(outcome.error?.kind, 'timeout');
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_TIMEOUT');
    assert.equal(outcome.error?.retryable, true);
    assert.ok(waited >= finalTimeoutMs - 5 && waited < finalTimeoutMs + 2000, `waited ${waited} ms`);
    await server.streams[0]!.whenCancelled();
  });

  it('final timeout in multi-utterance mode gives the finals already received', async () => {
    const recognizer = await startRecognizer({ finalTimeoutMs: 300 });
    server.script = async (stream) => {
      await stream.whenAudioBytes(320);
      stream.send(speechResponses.final(['première partie', 0.8]));
      await stream.whenCancelled();
    };
    const audio = new CallerAudio();
    const turn = recognizer
      .openSession({ callId: 'e6' })
      .startTurn(audio.subscription, turnOptions({ singleUtterance: false }));
    audio.push(5);
    await (await server.whenStream(0)).whenAudioBytes(5 * 320);
    turn.endOfSpeech();
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'final');
    assert.equal(outcome.final?.alternatives[0]?.transcript, 'première partie');
    assert.ok((outcome.final?.latencyMs ?? -1) >= 295);
  });

  it('a turn on a recognizer that was never initialised ends with AIG_ERR_ASR_NOT_CONFIGURED', async () => {
    const recognizer = createGoogleRecognizer(server.googleConfig(), { applicationCredentials: null });
    recognizers.push(recognizer);
    const audio = new CallerAudio();
    const turn = recognizer.openSession({ callId: 'e7' }).startTurn(audio.subscription, turnOptions());
    const events = recordEvents(turn);
    const outcome = await turn.outcome;
    assert.deepEqual(eventNames(events), ['error', 'end']);
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_NOT_CONFIGURED');
    assert.equal(outcome.error?.kind, 'unavailable');
    assert.equal(outcome.error?.retryable, true);
    assert.ok(audio.subscription.ended, 'the audio is released');
    assert.equal(server.streams.length, 0);
  });

  it('a failing audio source ends the turn with an internal error', async () => {
    const recognizer = await startRecognizer();
    async function* brokenAudio(): AsyncGenerator<Int16Array> {
      yield new Int16Array(160);
      await Promise.resolve();
      throw new Error('fork broke');
    }
    const turn = recognizer.openSession({ callId: 'e8' }).startTurn(brokenAudio(), turnOptions());
    turn.on('error', () => {});
    const outcome = await turn.outcome;
    assert.equal(outcome.reason, 'error');
    assert.equal(outcome.error?.kind, 'internal');
    assert.match(outcome.error?.message ?? '', /fork broke/);
  });

  it('closing the recognizer aborts running turns; later turns end with not-configured', async () => {
    const recognizer = await startRecognizer();
    const session = recognizer.openSession({ callId: 'e9' });
    const audio = new CallerAudio();
    const turn = session.startTurn(audio.subscription, turnOptions());
    audio.push(5);
    await (await server.whenStream(0)).whenAudioBytes(5 * 320);
    await recognizer.close();
    assert.equal((await turn.outcome).reason, 'aborted');
    const other = recognizer
      .openSession({ callId: 'e10' })
      .startTurn(new CallerAudio().subscription, turnOptions());
    const outcome = await other.outcome;
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_NOT_CONFIGURED');
    await recognizer.close();
    await assert.rejects(recognizer.init(), { code: 'AIG_ERR_ASR_NOT_CONFIGURED' });
  });
});
