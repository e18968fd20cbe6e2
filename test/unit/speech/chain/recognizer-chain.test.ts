// The fallback chain with real providers: a vosk-protocol recognizer whose server goes down and a Google recognizer
// against the local gRPC server. A retryable failure puts a provider aside for the cooldown and the next turn goes to
// the next provider; with none left a turn ends at once with NO_RECOGNIZER; after the cooldown the provider is back.
process.env.METADATA_SERVER_DETECTION = 'none';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGoogleRecognizer } from '../../../../src/speech/recognition/google/google-recognizer.js';
import { RecognizerChain } from '../../../../src/speech/recognition/recognizer-chain.js';
import {
  DEFAULT_RECOGNITION_TURN_OPTIONS,
  type Recognizer,
} from '../../../../src/speech/recognition/recognizer-types.js';
import { createWebsocketRecognizer } from '../../../../src/speech/recognition/websocket/websocket-recognizer.js';
import { GoogleSpeechServer, speechResponses } from '../../../support/google-speech-server.js';
import { VoskProtocolServer } from '../../../support/vosk-protocol-server.js';

const OPTIONS = { ...DEFAULT_RECOGNITION_TURN_OPTIONS, language: 'fr' as const, singleUtterance: true };

/** 25 frames (500 ms) of a 440 Hz tone at the provider's rate; endOfSpeech() once they are all read. */
function speech(sampleRate: number, onDone: () => void): AsyncIterable<Int16Array> {
  return (async function* () {
    const samples = sampleRate / 50;
    for (let f = 0; f < 25; f++) {
      const frame = new Int16Array(samples);
      for (let i = 0; i < samples; i++) {
        frame[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * samples + i)) / sampleRate));
      }
      yield frame;
      await sleep(2);
    }
    onDone();
  })();
}

describe('RecognizerChain with real providers', () => {
  let vosk: VoskProtocolServer;
  let google: GoogleSpeechServer;
  let websocket: Recognizer;
  let googleRecognizer: Recognizer;

  before(async () => {
    vosk = await VoskProtocolServer.start({ script: { eofAnswer: { text: 'ma carte vitale' } } });
    google = await GoogleSpeechServer.start();
    websocket = createWebsocketRecognizer({
      url: vosk.url,
      sampleRate: 8000,
      connectTimeoutMs: 1000,
      finalTimeoutMs: 2000,
    });
    googleRecognizer = createGoogleRecognizer(google.googleConfig());
    await websocket.init();
    await googleRecognizer.init();
  });
  after(async () => {
    await websocket.close();
    await googleRecognizer.close();
    await vosk.close();
    await google.close();
  });

  async function turn(chain: RecognizerChain) {
    const session = chain.openSession({ callId: 'chain-test' });
    const holder: { turn?: { endOfSpeech(): void } } = {};
    const started = session.startTurn((rate) => speech(rate, () => holder.turn?.endOfSpeech()), OPTIONS);
    holder.turn = started;
    const outcome = await started.outcome;
    await session.close();
    return outcome;
  }

  it('serves from the first provider, falls back when it fails, and takes it back after the cooldown', async () => {
    google.script = async (stream) => {
      await stream.whenHalfClosed();
      stream.send(speechResponses.final(['mon arrêt de travail', 0.9]));
      stream.end();
    };
    const chain = new RecognizerChain('fr', [websocket, googleRecognizer], { cooldownMs: 1500 });

    const first = await turn(chain);
    assert.equal(first.provider, 'websocket');
    assert.equal(first.final?.alternatives[0]?.transcript, 'ma carte vitale');

    // The self-hosted server goes down: its turn fails (retryable), the next turn goes to Google.
    await vosk.close();
    const failed = await turn(chain);
    assert.equal(failed.provider, 'websocket');
    assert.equal(failed.error?.kind, 'unavailable');
    assert.equal(failed.error?.retryable, true);
    assert.equal(chain.pick()?.name, 'google');
    const fallback = await turn(chain);
    assert.equal(fallback.provider, 'google');
    assert.equal(fallback.final?.alternatives[0]?.transcript, 'mon arrêt de travail');
    const health = chain.healthReport();
    assert.deepEqual(
      health.map((h) => [h.name, h.turns, h.failures]),
      [
        ['websocket', 2, 1],
        ['google', 1, 0],
      ],
    );

    // After the cooldown the first provider is tried again.
    await sleep(1600);
    assert.equal(chain.pick()?.name, 'websocket');
  });

  it('ends a turn at once with NO_RECOGNIZER when every provider is cooling down or none is configured', async () => {
    const empty = new RecognizerChain('fr', []);
    assert.equal(empty.available, false);
    const outcome = await turn(empty);
    assert.equal(outcome.reason, 'error');
    assert.equal(outcome.error?.code, 'AIG_ERR_ASR_UNAVAILABLE');
    assert.equal(outcome.error?.kind, 'unavailable');
  });
});
