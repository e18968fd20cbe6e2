/**
 * One app connection on the drachtio admin port (`drachtio-wire-protocol.md` §1.1): a TCP socket, its frame
 * decoder, and the state the server keeps for it (authenticated or not, tags, routed verbs). What the messages
 * mean is decided by `WireServer`; this class only moves frames and holds state.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { encodeFrame, WireFrameDecoder, type WireFrameResult } from './wire-framer.js';
import { formatResponseFrame } from './wire-messages.js';
import type { WireLogger, WireReplyStatus } from './wire-types.js';

/** How long a connection we ended may take to close its side before we destroy the socket. */
const CLOSE_GRACE_MS = 2000;
/** TCP keep-alive probe delay; drachtio-srf enables keep-alive on its side too (§1.1). */
const KEEPALIVE_DELAY_MS = 30_000;

export interface WireConnectionEvents {
  /** Frames and framing errors, in stream order. Not emitted once the connection is closing. */
  frame: [result: WireFrameResult];
  /** The socket is closed; emitted once. */
  close: [];
}

export class WireConnection extends EventEmitter<WireConnectionEvents> {
  /** Unique per connection; the engine keys dialog and transaction ownership on it. */
  readonly id: string = randomUUID();
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly socket: Socket;
  private readonly decoder: WireFrameDecoder;
  private readonly logger: WireLogger;
  private authenticatedFlag = false;
  private tagList: readonly string[] = [];
  private readonly routeSet = new Set<string>();
  private closing = false;
  private closedFlag = false;

  constructor(socket: Socket, options: { maxFrameSize: number; logger: WireLogger }) {
    super();
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.decoder = new WireFrameDecoder({ maxFrameSize: options.maxFrameSize });
    this.logger = options.logger;
    // Frames are small request/response exchanges: Nagle would only add latency (drachtio-srf does the same).
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.logger.warn({ connection: this.id, err: err.message }, 'wire connection error');
    });
    socket.on('close', () => this.onClose());
  }

  /** True once the app presented the right secret. */
  get authenticated(): boolean {
    return this.authenticatedFlag;
  }

  /** Tags from the app's `authenticate` (used by drachtio's HTTP routing only; kept for completeness). */
  get tags(): readonly string[] {
    return this.tagList;
  }

  /** Verbs (lowercase) this connection asked to receive. */
  get routes(): ReadonlySet<string> {
    return this.routeSet;
  }

  /** True once the connection is ending or ended: nothing more is read from it. */
  get closed(): boolean {
    return this.closing || this.closedFlag;
  }

  /** Sends one frame; returns false (and sends nothing) if the connection is already closed. */
  send(payload: string): boolean {
    if (this.closedFlag || this.socket.destroyed || !this.socket.writable) {
      this.logger.debug({ connection: this.id }, 'wire send on a closed connection dropped');
      return false;
    }
    // Frames written in the same tick leave in one TCP write (a response and its echo, bursts of calls).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(encodeFrame(payload));
    return true;
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  /** Sends the `response` frame answering the app message `appMsgId` (§1.4a). */
  reply(
    appMsgId: string,
    status: WireReplyStatus,
    fields: readonly string[] = [],
    sipText?: string,
  ): boolean {
    return this.send(formatResponseFrame(appMsgId, status, fields, sipText));
  }

  /**
   * Ends the connection after flushing what was already written (so a final `NO` reaches the app), and destroys
   * the socket if the peer does not close its side in time.
   */
  close(): void {
    if (this.closing || this.closedFlag) {
      return;
    }
    this.closing = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Closes at once, dropping unsent data (server shutdown). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** @internal Called by `WireServer` after a successful `authenticate`. */
  markAuthenticated(tags: readonly string[]): void {
    this.authenticatedFlag = true;
    this.tagList = Object.freeze([...tags]);
  }

  /** @internal Called by `WireServer` on `route`. */
  addRoute(verb: string): void {
    this.routeSet.add(verb);
  }

  /** @internal Called by `WireServer` on `remove_route`, which drops every verb (§1.3 quirk). */
  clearRoutes(): void {
    this.routeSet.clear();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) {
      return;
    }
    for (const result of this.decoder.push(chunk)) {
      // A handler may have closed the connection on an earlier frame of the same chunk.
      if (this.closed) {
        return;
      }
      this.emit('frame', result);
    }
  }

  private onClose(): void {
    if (this.closedFlag) {
      return;
    }
    this.closedFlag = true;
    this.closing = true;
    this.emit('close');
  }
}
