/**
 * A WebSocket server on 127.0.0.1 (free port) speaking the vosk-server protocol as alphacep/vosk-server
 * `websocket/asr_server.py` does, with the recognition scripted per test instead of decoded:
 *   - a text frame containing `config` is parsed (`JSON.parse(message).config`) and not answered;
 *   - every binary frame is answered with one JSON text frame: `{"partial": ...}`, or the scripted mid-stream
 *     result for the frame that crosses its byte count;
 *   - the exact text `{"eof" : 1}` (string comparison, as the real server does) is answered with the scripted eof
 *     answer, then the server closes (1000);
 *   - any other text frame: the real server would hand it to the recognizer and its handler would crash, so the
 *     connection is closed with 1011.
 * It records per connection the config, every text frame, each audio frame's byte count and the audio itself, and
 * can delay, drop the TCP connection, answer garbage, never answer the eof, answer the upgrade with HTTP 503, or
 * never answer the upgrade at all (connect timeout).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort } from '../helpers/free-port.js';

/** The exact end-of-audio text the real server compares against. */
export const VOSK_SERVER_EOF = '{"eof" : 1}';

export type VoskAnswer = Readonly<Record<string, unknown>>;

export interface VoskServerScript {
  /** Partial text by audio received: an answer carries the last entry whose `afterBytes` was reached. */
  partials?: readonly { readonly afterBytes: number; readonly text: string }[];
  /** A mid-stream result (vosk's endpointer closed an utterance), answered once to the frame crossing `afterBytes`. */
  result?: { readonly afterBytes: number; readonly answer: VoskAnswer };
  /** Answer to the eof. @default { text: '' } */
  eofAnswer?: VoskAnswer;
  /** Answer to the eof sent as this raw text instead (e.g. not JSON). */
  eofRawAnswer?: string;
  /** Delay before every answer, ms. @default 0 */
  answerDelayMs?: number;
  /** Extra delay before the eof answer, ms. @default 0 */
  eofDelayMs?: number;
  /** Never answer the eof (and do not close). @default false */
  ignoreEof?: boolean;
  /** Close after the eof answer, as asr_server.py does. @default true */
  closeAfterEof?: boolean;
  /** Destroy the TCP connection (no close frame) once this many audio bytes arrived. */
  dropAfterBytes?: number;
  /** Answer the frame that reaches this many audio bytes, and every later one, with text that is not JSON. */
  garbageAfterBytes?: number;
}

/** `accept`: a WebSocket server; `reject`: HTTP 503 to the upgrade; `hang`: TCP accepted, upgrade never answered. */
export type VoskHandshake = 'accept' | 'reject' | 'hang';

export interface VoskConnectionRecord {
  /** The `config` object of the config frame; null until one came. */
  config: Record<string, unknown> | null;
  /** Every text frame, in order. */
  readonly textMessages: string[];
  /** Byte count of each binary frame, in order. */
  readonly audioMessageBytes: number[];
  audioBytes: number;
  readonly audio: Buffer[];
  /** `performance.now()` when the eof arrived. */
  eofAtMs: number | null;
  /** Every answer sent, in order. */
  readonly answers: string[];
  /** Close code (1006 when the TCP connection ended without a close frame); null while open. */
  closeCode: number | null;
  /** Resolves when the connection is closed. */
  readonly closed: Promise<void>;
}

export class VoskProtocolServer {
  /** Applies to connections accepted after it is set. */
  script: VoskServerScript;
  handshake: VoskHandshake;
  readonly connections: VoskConnectionRecord[] = [];
  /** Upgrade requests received, whatever the handshake mode. */
  upgradeRequests = 0;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly rawSockets = new Set<Duplex>();
  private readonly clients = new Set<WebSocket>();
  private port = 0;

  private constructor(script: VoskServerScript, handshake: VoskHandshake) {
    this.script = script;
    this.handshake = handshake;
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    this.http = createServer((_req, res) => {
      res.writeHead(426).end();
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  static async start(
    options: { script?: VoskServerScript; handshake?: VoskHandshake } = {},
  ): Promise<VoskProtocolServer> {
    const server = new VoskProtocolServer(options.script ?? {}, options.handshake ?? 'accept');
    server.http.listen(0, '127.0.0.1');
    await once(server.http, 'listening');
    server.port = (server.http.address() as AddressInfo).port;
    return server;
  }

  /** A URL where nothing listens: connecting is refused (ECONNREFUSED). */
  static async refusedUrl(): Promise<string> {
    return `ws://127.0.0.1:${await freePort('tcp')}`;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The connection numbered `index` (0-based), once accepted. */
  async connection(index: number, timeoutMs = 5000): Promise<VoskConnectionRecord> {
    const deadline = performance.now() + timeoutMs;
    while (this.connections.length <= index) {
      if (performance.now() > deadline) {
        throw new Error(`no connection #${index} within ${timeoutMs} ms (${this.connections.length} so far)`);
      }
      await sleep(5);
    }
    return this.connections[index]!;
  }

  async close(): Promise<void> {
    for (const client of this.clients) {
      client.terminate();
    }
    for (const socket of this.rawSockets) {
      socket.destroy();
    }
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgradeRequests++;
    this.rawSockets.add(socket);
    socket.on('close', () => this.rawSockets.delete(socket));
    socket.on('error', () => undefined);
    switch (this.handshake) {
      case 'hang':
        return;
      case 'reject':
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      case 'accept':
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket as Socket));
        return;
    }
  }

  private onConnection(ws: WebSocket, socket: Socket): void {
    const script = this.script;
    let markClosed: () => void = () => undefined;
    const record: VoskConnectionRecord = {
      config: null,
      textMessages: [],
      audioMessageBytes: [],
      audioBytes: 0,
      audio: [],
      eofAtMs: null,
      answers: [],
      closeCode: null,
      closed: new Promise((resolve) => {
        markClosed = resolve;
      }),
    };
    this.connections.push(record);
    this.clients.add(ws);
    // Answers go out in order, each after its delay (the real server answers chunk by chunk too).
    let queue = Promise.resolve();
    const answer = (text: string, delayMs: number, then?: () => void): void => {
      queue = queue.then(async () => {
        if (delayMs > 0) {
          await sleep(delayMs);
        }
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(text);
          record.answers.push(text);
          then?.();
        }
      });
    };
    const delay = script.answerDelayMs ?? 0;
    let resultGiven = false;

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const text = data.toString('utf8');
        record.textMessages.push(text);
        if (text.includes('config')) {
          try {
            record.config = (JSON.parse(text) as { config: Record<string, unknown> }).config;
          } catch {
            ws.close(1011);
          }
          return;
        }
        if (text === VOSK_SERVER_EOF) {
          record.eofAtMs = performance.now();
          if (script.ignoreEof === true) {
            return;
          }
          const reply = script.eofRawAnswer ?? JSON.stringify(script.eofAnswer ?? { text: '' });
          answer(reply, delay + (script.eofDelayMs ?? 0), () => {
            if (script.closeAfterEof !== false) {
              ws.close(1000);
            }
          });
          return;
        }
        ws.close(1011);
        return;
      }
      const before = record.audioBytes;
      record.audio.push(Buffer.from(data));
      record.audioMessageBytes.push(data.length);
      record.audioBytes += data.length;
      if (script.dropAfterBytes !== undefined && record.audioBytes >= script.dropAfterBytes) {
        socket.destroy();
        return;
      }
      if (script.garbageAfterBytes !== undefined && record.audioBytes >= script.garbageAfterBytes) {
        answer('<html>502 Bad Gateway</html>', delay);
        return;
      }
      const result = script.result;
      if (
        result !== undefined &&
        !resultGiven &&
        before < result.afterBytes &&
        record.audioBytes >= result.afterBytes
      ) {
        resultGiven = true;
        answer(JSON.stringify(result.answer), delay);
        return;
      }
      let partial = '';
      for (const entry of script.partials ?? []) {
        if (record.audioBytes >= entry.afterBytes) {
          partial = entry.text;
        }
      }
      answer(JSON.stringify({ partial }), delay);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      record.closeCode = code;
      this.clients.delete(ws);
      markClosed();
    });
  }
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`${what} not met within ${timeoutMs} ms`);
    }
    await sleep(5);
  }
}
