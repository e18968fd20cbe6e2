/**
 * Google Cloud Text-to-Speech (v1 `SynthesizeSpeech`) as a TTS provider. The client library,
 * `@google-cloud/text-to-speech`, is optional and not a dependency of the project: `create()` loads it when it is
 * installed (credentials from the environment, as the library does: GOOGLE_APPLICATION_CREDENTIALS or the
 * metadata server), and tests hand in any object with the same `synthesizeSpeech` method.
 *
 * Audio is asked for as LINEAR16 at 8 kHz; for LINEAR16 the response's `audioContent` is a whole WAV file
 * (header included), read here like any prompt and resampled if the service chose another rate.
 */
import { AigError } from '../../errors/aig-error.js';
import { toTelephonyPcm } from '../../media/codec/resample.js';
import { readWav } from '../../media/codec/wav.js';
import { SAMPLE_RATE } from '../../media/media-types.js';
import { primaryLanguage, type SynthesizeOptions, type TtsProvider } from './tts-provider.js';

export interface GoogleSynthesizeRequest {
  input: { text: string };
  voice: { languageCode: string; name?: string };
  audioConfig: { audioEncoding: 'LINEAR16'; sampleRateHertz: number; speakingRate?: number };
}

/** The part of the library's `TextToSpeechClient` used here. */
export interface GoogleTtsClient {
  synthesizeSpeech(
    request: GoogleSynthesizeRequest,
    callOptions?: { timeout?: number },
  ): Promise<[{ audioContent?: Uint8Array | string | null }, ...unknown[]]>;
}

export interface GoogleTtsOptions {
  /** @default a `TextToSpeechClient` from `@google-cloud/text-to-speech` */
  client?: GoogleTtsClient;
  /** Language code per primary language subtag. @default { fr: 'fr-FR', en: 'en-US' } */
  languageCodes?: Readonly<Record<string, string>>;
  /** Voice name per primary language subtag (e.g. `fr-FR-Neural2-A`); the service's default voice otherwise. */
  voices?: Readonly<Record<string, string>>;
  /** 0.25–4. @default 1 */
  speakingRate?: number;
  /** Per request, ms. @default 10000 */
  timeoutMs?: number;
}

const DEFAULT_LANGUAGE_CODES: Readonly<Record<string, string>> = Object.freeze({ fr: 'fr-FR', en: 'en-US' });

async function defaultClient(): Promise<GoogleTtsClient> {
  // A variable specifier: the package is optional and not a dependency of the project.
  const specifier = '@google-cloud/text-to-speech';
  const module = (await import(specifier)) as { TextToSpeechClient: new () => GoogleTtsClient };
  return new module.TextToSpeechClient();
}

export class GoogleTtsProvider implements TtsProvider {
  readonly id: string;
  private readonly client: GoogleTtsClient;
  private readonly languageCodes: Readonly<Record<string, string>>;
  private readonly voices: Readonly<Record<string, string>>;
  private readonly speakingRate: number;
  private readonly timeoutMs: number;

  /** Rejects with `AIG_ERR_TTS_UNAVAILABLE` when no client is given and the library is not installed. */
  static async create(options: GoogleTtsOptions = {}): Promise<GoogleTtsProvider> {
    if (options.client !== undefined) {
      return new GoogleTtsProvider(options.client, options);
    }
    try {
      return new GoogleTtsProvider(await defaultClient(), options);
    } catch (err) {
      throw new AigError(
        'AIG_ERR_TTS_UNAVAILABLE',
        `Google TTS needs the npm package @google-cloud/text-to-speech and credentials (${(err as Error).message})`,
        { cause: err },
      );
    }
  }

  private constructor(client: GoogleTtsClient, options: GoogleTtsOptions) {
    this.client = client;
    this.languageCodes = options.languageCodes ?? DEFAULT_LANGUAGE_CODES;
    this.voices = options.voices ?? {};
    this.speakingRate = options.speakingRate ?? 1;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.id = `google-tts/v1/r${this.speakingRate}`;
  }

  /** The voice name configured for the language, else its language code (the service picks the voice). */
  voiceFor(language: string): string {
    const primary = primaryLanguage(language);
    return this.voices[primary] ?? this.languageCodeOf(language);
  }

  async synthesize(text: string, options: SynthesizeOptions): Promise<Int16Array> {
    const request = this.requestFor(text, options);
    let response;
    try {
      [response] = await this.client.synthesizeSpeech(request, { timeout: this.timeoutMs });
    } catch (err) {
      throw new AigError(
        'AIG_ERR_TTS_FAILED',
        `Google TTS (${request.voice.languageCode}): ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const content = response.audioContent;
    if (content === undefined || content === null || content.length === 0) {
      throw new AigError('AIG_ERR_TTS_FAILED', 'Google TTS returned no audio');
    }
    // The gRPC client gives bytes; the REST fallback gives base64 text.
    const bytes = typeof content === 'string' ? Buffer.from(content, 'base64') : content;
    try {
      const wav = readWav(bytes);
      return toTelephonyPcm(wav.samples, wav.sampleRate);
    } catch (err) {
      throw new AigError('AIG_ERR_TTS_FAILED', `Google TTS audio unreadable (${(err as Error).message})`, {
        cause: err,
      });
    }
  }

  private requestFor(text: string, options: SynthesizeOptions): GoogleSynthesizeRequest {
    const voiceName = options.voice ?? this.voices[primaryLanguage(options.language)];
    // A voice name starts with its language code: `fr-FR-Neural2-A`.
    const languageCode =
      voiceName === undefined || !/^[a-z]{2,3}-[A-Z]{2}-/.test(voiceName)
        ? this.languageCodeOf(options.language)
        : voiceName.split('-').slice(0, 2).join('-');
    return {
      input: { text },
      voice: voiceName === undefined ? { languageCode } : { languageCode, name: voiceName },
      audioConfig: {
        audioEncoding: 'LINEAR16',
        sampleRateHertz: SAMPLE_RATE,
        speakingRate: this.speakingRate,
      },
    };
  }

  private languageCodeOf(language: string): string {
    return language.includes('-') ? language : (this.languageCodes[primaryLanguage(language)] ?? language);
  }
}
