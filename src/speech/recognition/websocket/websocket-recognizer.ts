/**
 * The `websocket` recognizer: a self-hosted streaming ASR speaking the vosk-server WebSocket protocol
 * (alphacep/vosk-server `websocket/asr_server.py`), the sovereign option: audio never leaves the operator's
 * network. Protocol in `vosk-protocol.ts`, one turn in `websocket-recognition-turn.ts`.
 *
 * Languages: a vosk server runs one model, and a vosk model is one language. `config.url` serves both languages
 * unless `options.urls` names a server per language: the operator chooses a French or an English model server
 * (or one of each) and `languages` reports what is configured. Nothing can check which language a server's model
 * speaks; a French flow sent to an English model gets English words.
 *
 * What vosk does not do: hints and their boost (no phrase boosting in the protocol; a closed `grammar` is sent as
 * `phrase_list`, honoured by small and `-lgraph` models only), word-level stability of partials (`stability` is
 * always null).
 *
 * `init()` fails when no URL is set (AIG_ERR_ASR_NOT_CONFIGURED) and opens one connection to each server: it sends
 * the eof at once (the server answers an empty result and closes, as at the end of any turn, so the check costs the
 * server one empty recognizer and leaves no broken connection in its logs) and checks that the answer is a vosk
 * result, so a server that is down (AIG_ERR_ASR_UNAVAILABLE), slow (AIG_ERR_ASR_TIMEOUT) or speaking something
 * else (AIG_ERR_ASR_PROTOCOL) is known at start, not at the first caller.
 */
import WebSocket from 'ws';
import type { ConversationLanguage, WebsocketSpeechConfig } from '../../../config/config-types.js';
import { AigError } from '../../../errors/aig-error.js';
import { systemClock, type Clock } from '../../../shared/clock.js';
import type {
  RecognitionTurn,
  RecognitionTurnOptions,
  Recognizer,
  RecognizerSession,
  RecognizerSessionContext,
} from '../recognizer-types.js';
import { checkServerUrl, redactServerUrl } from './server-url.js';
import { parseVoskMessage, VOSK_EOF_MESSAGE } from './vosk-protocol.js';
import { WebsocketRecognitionTurn } from './websocket-recognition-turn.js';
import type {
  RecognizerLogger,
  WebsocketRecognizerOptions,
  WebsocketTurnSettings,
} from './websocket-recognizer-types.js';

const LANGUAGES: readonly ConversationLanguage[] = ['fr', 'en'];

/** Audio per binary message: 5 frames of 20 ms (1,600 bytes at 8 kHz, 3,200 at 16 kHz). */
const BATCH_MS = 100;

export function createWebsocketRecognizer(
  config: WebsocketSpeechConfig,
  options: WebsocketRecognizerOptions = {},
): Recognizer {
  return new WebsocketRecognizer(config, options);
}

class WebsocketRecognizer implements Recognizer {
  readonly name = 'websocket' as const;
  readonly languages: readonly ConversationLanguage[];
  readonly sampleRate: 8000 | 16000;
  private readonly config: WebsocketSpeechConfig;
  private readonly clock: Clock;
  private readonly logger: RecognizerLogger | null;
  private readonly urls: Readonly<Record<ConversationLanguage, string | null>>;
  private readonly sessions = new Set<WebsocketRecognizerSession>();

  constructor(config: WebsocketSpeechConfig, options: WebsocketRecognizerOptions) {
    this.config = config;
    this.sampleRate = config.sampleRate;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? null;
    this.urls = Object.freeze({
      fr: options.urls?.fr ?? config.url,
      en: options.urls?.en ?? config.url,
    });
    this.languages = Object.freeze(LANGUAGES.filter((language) => this.urls[language] !== null));
  }

  async init(): Promise<void> {
    const servers = [...new Set(this.languages.map((language) => this.urls[language]!))];
    if (servers.length === 0) {
      throw new AigError('AIG_ERR_ASR_NOT_CONFIGURED', 'speech.websocket.url is not set');
    }
    for (const url of servers) {
      checkServerUrl(url);
    }
    await Promise.all(servers.map((url) => this.checkServer(url)));
    this.logger?.info(
      {
        provider: this.name,
        servers: servers.map(redactServerUrl),
        languages: this.languages,
        sampleRate: this.sampleRate,
      },
      'websocket recognizer ready',
    );
  }

  openSession(context: RecognizerSessionContext): RecognizerSession {
    const session = new WebsocketRecognizerSession(
      (language) => this.turnSettings(language, context.callId),
      (closed) => this.sessions.delete(closed),
    );
    this.sessions.add(session);
    return session;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.close()));
  }

  private turnSettings(language: ConversationLanguage, callId: string): WebsocketTurnSettings {
    return {
      url: this.urls[language],
      sampleRate: this.sampleRate,
      connectTimeoutMs: this.config.connectTimeoutMs,
      finalTimeoutMs: this.config.finalTimeoutMs,
      batchMs: BATCH_MS,
      clock: this.clock,
      logger: this.logger,
      callId,
    };
  }

  /** Connects, sends the eof, expects a vosk result and closes. Rejects with an `AigError` saying why. */
  private checkServer(url: string): Promise<void> {
    const name = redactServerUrl(url);
    const { connectTimeoutMs, finalTimeoutMs } = this.config;
    return new Promise((resolve, reject) => {
      let settled = false;
      let socket: WebSocket;
      try {
        socket = new WebSocket(url, { perMessageDeflate: false });
      } catch (err) {
        reject(new AigError('AIG_ERR_ASR_UNAVAILABLE', `${name}: ${(err as Error).message}`, { cause: err }));
        return;
      }
      const settle = (error: AigError | null): void => {
        if (settled) {
          return;
        }
        settled = true;
        timer.cancel();
        if (socket.readyState === WebSocket.OPEN) {
          socket.close(1000);
        } else if (socket.readyState === WebSocket.CONNECTING) {
          socket.terminate();
        }
        if (error === null) {
          resolve();
        } else {
          reject(error);
        }
      };
      let timer = this.clock.setTimeout(
        () =>
          settle(
            new AigError('AIG_ERR_ASR_UNAVAILABLE', `no connection to ${name} within ${connectTimeoutMs} ms`),
          ),
        connectTimeoutMs,
      );
      socket.on('open', () => {
        timer.cancel();
        timer = this.clock.setTimeout(
          () =>
            settle(new AigError('AIG_ERR_ASR_TIMEOUT', `${name} did not answer within ${finalTimeoutMs} ms`)),
          finalTimeoutMs,
        );
        socket.send(VOSK_EOF_MESSAGE);
      });
      socket.on('message', (data, isBinary) => {
        const text = isBinary ? null : Buffer.isBuffer(data) ? data.toString('utf8') : null;
        const message = text === null ? null : parseVoskMessage(text);
        if (message === null || message.kind !== 'result') {
          settle(
            new AigError(
              'AIG_ERR_ASR_PROTOCOL',
              `${name} does not speak the vosk-server protocol (${message?.kind === 'invalid' ? message.reason : 'unexpected answer to the end of audio'})`,
            ),
          );
          return;
        }
        settle(null);
      });
      socket.on('error', (err) =>
        settle(new AigError('AIG_ERR_ASR_UNAVAILABLE', `${name}: ${err.message}`, { cause: err })),
      );
      socket.on('close', (code) =>
        settle(
          new AigError(
            'AIG_ERR_ASR_UNAVAILABLE',
            `${name} closed the connection before answering (code ${code})`,
          ),
        ),
      );
    });
  }
}

class WebsocketRecognizerSession implements RecognizerSession {
  private current: WebsocketRecognitionTurn | null = null;
  private closed = false;

  constructor(
    private readonly settingsFor: (language: ConversationLanguage) => WebsocketTurnSettings,
    private readonly onClosed: (session: WebsocketRecognizerSession) => void,
  ) {}

  startTurn(audio: AsyncIterable<Int16Array>, options: RecognitionTurnOptions): RecognitionTurn {
    this.current?.abort();
    const turn = new WebsocketRecognitionTurn(this.settingsFor(options.language), audio, options);
    if (this.closed) {
      // The call is gone: the turn ends `aborted` (on the next macrotask, so its listeners see it).
      turn.abort();
      return turn;
    }
    this.current = turn;
    void turn.outcome.then(() => {
      if (this.current === turn) {
        this.current = null;
      }
    });
    return turn;
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const turn = this.current;
    this.current = null;
    turn?.abort();
    this.onClosed(this);
    await turn?.outcome;
  }
}
