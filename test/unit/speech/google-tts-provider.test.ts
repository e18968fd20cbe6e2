// Google Cloud TTS provider against a stand-in client with the library's `synthesizeSpeech` shape: the request it
// sends, the WAV it reads back (bytes or base64, any rate), and its errors. No request leaves the machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { writeWav } from '../../../src/media/codec/wav.js';
import {
  GoogleTtsProvider,
  type GoogleSynthesizeRequest,
  type GoogleTtsClient,
} from '../../../src/speech/tts/google-tts-provider.js';

class FakeClient implements GoogleTtsClient {
  readonly requests: { request: GoogleSynthesizeRequest; timeout: number | undefined }[] = [];
  constructor(private readonly answer: () => Promise<{ audioContent?: Uint8Array | string | null }>) {}

  async synthesizeSpeech(
    request: GoogleSynthesizeRequest,
    callOptions?: { timeout?: number },
  ): Promise<[{ audioContent?: Uint8Array | string | null }, ...unknown[]]> {
    this.requests.push({ request, timeout: callOptions?.timeout });
    return [await this.answer(), undefined, undefined];
  }
}

const wav8k = writeWav(new Int16Array(1600).fill(1234), 8000);

describe('GoogleTtsProvider', () => {
  it('asks for LINEAR16 at 8 kHz in the language of the call and returns the PCM', async () => {
    const client = new FakeClient(() => Promise.resolve({ audioContent: new Uint8Array(wav8k) }));
    const provider = await GoogleTtsProvider.create({ client, speakingRate: 0.9, timeoutMs: 3000 });
    const pcm = await provider.synthesize('Vous avez tapé 4', { language: 'fr' });
    assert.equal(pcm.length, 1600);
    assert.equal(pcm[100], 1234);
    assert.deepEqual(client.requests[0], {
      request: {
        input: { text: 'Vous avez tapé 4' },
        voice: { languageCode: 'fr-FR' },
        audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: 8000, speakingRate: 0.9 },
      },
      timeout: 3000,
    });
    assert.equal(provider.id, 'google-tts/v1/r0.9');
  });

  it('uses configured and requested voice names, deriving their language code', async () => {
    const client = new FakeClient(() => Promise.resolve({ audioContent: new Uint8Array(wav8k) }));
    const provider = await GoogleTtsProvider.create({ client, voices: { en: 'en-GB-Neural2-A' } });
    assert.equal(provider.voiceFor('en'), 'en-GB-Neural2-A');
    assert.equal(provider.voiceFor('fr'), 'fr-FR');
    await provider.synthesize('hello', { language: 'en' });
    await provider.synthesize('bonjour', { language: 'fr', voice: 'fr-CA-Standard-B' });
    await provider.synthesize('hallo', { language: 'de-DE' });
    assert.deepEqual(
      client.requests.map((r) => r.request.voice),
      [
        { languageCode: 'en-GB', name: 'en-GB-Neural2-A' },
        { languageCode: 'fr-CA', name: 'fr-CA-Standard-B' },
        { languageCode: 'de-DE' },
      ],
    );
  });

  it('reads base64 audio (REST transport) at another rate and resamples it to 8 kHz', async () => {
    const wav24k = writeWav(new Int16Array(2400).fill(-500), 24000);
    const client = new FakeClient(() => Promise.resolve({ audioContent: wav24k.toString('base64') }));
    const provider = await GoogleTtsProvider.create({ client });
    const pcm = await provider.synthesize('x', { language: 'en' });
    assert.equal(pcm.length, 800);
    assert.ok(Math.abs(pcm[400]! + 500) <= 1);
  });

  it('maps service errors, empty and unreadable audio to AIG_ERR_TTS_FAILED', async () => {
    const cases: [() => Promise<{ audioContent?: Uint8Array | string | null }>, RegExp][] = [
      [() => Promise.reject(new Error('7 PERMISSION_DENIED: credentials')), /fr-FR.*PERMISSION_DENIED/],
      [() => Promise.resolve({ audioContent: null }), /no audio/],
      [() => Promise.resolve({ audioContent: new Uint8Array(0) }), /no audio/],
      [
        () => Promise.resolve({ audioContent: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }),
        /unreadable/,
      ],
    ];
    for (const [answer, pattern] of cases) {
      const provider = await GoogleTtsProvider.create({ client: new FakeClient(answer) });
      await assert.rejects(provider.synthesize('x', { language: 'fr' }), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'), String(err));
        assert.match(err.message, pattern);
        return true;
      });
    }
  });

  it('without a client, needs the optional @google-cloud/text-to-speech package', async () => {
    let installed = true;
    try {
      const specifier = '@google-cloud/text-to-speech';
      await import(specifier);
    } catch {
      installed = false;
    }
    if (installed) {
      // The library builds a client without contacting the service.
      assert.ok((await GoogleTtsProvider.create()) instanceof GoogleTtsProvider);
    } else {
      await assert.rejects(GoogleTtsProvider.create(), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_UNAVAILABLE'));
        assert.match(err.message, /@google-cloud\/text-to-speech/);
        return true;
      });
    }
  });
});
