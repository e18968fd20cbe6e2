/**
 * The process's recognizers, built from `speech` config at start: each provider named anywhere (the per-language
 * orders, or a number's own order) is created once and initialised; one that fails to start is left out with a
 * warning saying why (bad credentials, missing library, server down, not configured), so a misconfiguration is
 * known at start and not by the first caller. Chains are then built per language and per number.
 *
 * A language that no provider serves is announced at start: its calls fall back to the keypad (DTMF menus).
 */
import type { Logger } from 'pino';
import type {
  AiguilleurConfig,
  ConversationLanguage,
  RecognizerProviderName,
} from '../../config/config-types.js';
import { isAigError } from '../../errors/aig-error.js';
import type { Clock } from '../../shared/clock.js';
import { createGoogleRecognizer } from './google/google-recognizer.js';
import { createPocketsphinxRecognizer } from './pocketsphinx/pocketsphinx-recognizer.js';
import { RecognizerChain } from './recognizer-chain.js';
import type { Recognizer } from './recognizer-types.js';
import { createWebsocketRecognizer } from './websocket/websocket-recognizer.js';

export interface SpeechRecognizersOptions {
  /** Writable folder for provider files (the pocketsphinx overlay model). @default the OS temp folder */
  workDirectory?: string;
  /** Skip after a retryable failure, ms (see `RecognizerChain`). @default 30000 */
  cooldownMs?: number;
  clock?: Clock;
}

export interface SpeechRecognizers {
  /** Providers that started, by name. */
  readonly started: ReadonlyMap<RecognizerProviderName, Recognizer>;
  /** Why each provider that was asked for did not start. */
  readonly failed: ReadonlyMap<RecognizerProviderName, string>;
  /** The chain for a dialled number (its own order, else its language's). */
  chainForNumber(number: string): RecognizerChain | undefined;
  /** The chain for a language with the configured order. */
  chainForLanguage(language: ConversationLanguage): RecognizerChain;
  close(): Promise<void>;
}

const LANGUAGE_NAMES: Record<ConversationLanguage, string> = { fr: 'French', en: 'English' };

export async function startSpeechRecognizers(
  config: AiguilleurConfig,
  logger: Logger,
  options: SpeechRecognizersOptions = {},
): Promise<SpeechRecognizers> {
  const log = logger.child({ component: 'speech' });
  const wanted = new Set<RecognizerProviderName>();
  for (const language of ['fr', 'en'] as const) {
    config.speech.recognizers[language].forEach((name) => wanted.add(name));
  }
  for (const settings of Object.values(config.numbers)) {
    settings.recognizers?.forEach((name) => wanted.add(name));
  }

  const started = new Map<RecognizerProviderName, Recognizer>();
  const failed = new Map<RecognizerProviderName, string>();
  const providerOptions = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    logger: log,
  };
  await Promise.all(
    [...wanted].map(async (name) => {
      let recognizer: Recognizer;
      switch (name) {
        case 'google':
          recognizer = createGoogleRecognizer(config.speech.google, providerOptions);
          break;
        case 'websocket':
          recognizer = createWebsocketRecognizer(config.speech.websocket, providerOptions);
          break;
        case 'pocketsphinx':
          recognizer = createPocketsphinxRecognizer(config.speech.pocketsphinx, {
            ...providerOptions,
            ...(options.workDirectory === undefined ? {} : { workDirectory: options.workDirectory }),
          });
          break;
      }
      try {
        await recognizer.init();
        started.set(name, recognizer);
        log.info({ provider: name, languages: recognizer.languages }, 'speech recognizer ready');
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        failed.set(name, reason);
        const notConfigured = isAigError(err, 'AIG_ERR_ASR_NOT_CONFIGURED');
        log[notConfigured ? 'info' : 'warn'](
          { provider: name, code: isAigError(err) ? err.code : undefined, reason },
          notConfigured ? 'speech recognizer not configured' : 'speech recognizer failed to start',
        );
        await recognizer.close().catch(() => undefined);
      }
    }),
  );

  const chains = new Map<string, RecognizerChain>();
  const chainFor = (
    language: ConversationLanguage,
    order: readonly RecognizerProviderName[],
  ): RecognizerChain => {
    const key = `${language}:${order.join(',')}`;
    let chain = chains.get(key);
    if (chain === undefined) {
      const providers = order
        .map((name) => started.get(name))
        .filter((r): r is Recognizer => r !== undefined && r.languages.includes(language));
      chain = new RecognizerChain(language, providers, {
        ...(options.cooldownMs === undefined ? {} : { cooldownMs: options.cooldownMs }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      chains.set(key, chain);
    }
    return chain;
  };

  for (const language of ['fr', 'en'] as const) {
    const chain = chainFor(language, config.speech.recognizers[language]);
    if (chain.providers.length === 0) {
      log.warn(
        { language, asked: config.speech.recognizers[language] },
        `no speech recognizer serves ${LANGUAGE_NAMES[language]}: its calls use the keypad (DTMF menus)`,
      );
    } else {
      log.info({ language, providers: chain.providers.map((p) => p.name) }, 'speech recognition order');
    }
  }

  return {
    started,
    failed,
    chainForNumber(number) {
      const settings = config.numbers[number];
      if (settings === undefined) {
        return undefined;
      }
      return chainFor(
        settings.language,
        settings.recognizers ?? config.speech.recognizers[settings.language],
      );
    },
    chainForLanguage(language) {
      return chainFor(language, config.speech.recognizers[language]);
    },
    async close() {
      await Promise.all([...started.values()].map((r) => r.close().catch(() => undefined)));
    },
  };
}
