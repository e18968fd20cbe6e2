/**
 * A bare TCP client for wire-server tests: writes raw bytes or frames, and reads decoded server frames one by one.
 * Deliberately independent of drachtio-srf so malformed and out-of-order traffic can be sent.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeFrame, WireFrameDecoder } from '../../../src/sip/engine/wire/wire-framer.js';

export class RawWireClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private readonly frames: string[] = [];
  private waiter: ((payload: string | undefined) => void) | undefined;
  private isClosed = false;
  private readonly decoder = new WireFrameDecoder({ maxFrameSize: 1 << 24 });

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.waiter?.(undefined);
        this.waiter = undefined;
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.decoder.push(chunk)) {
        if (r.kind !== 'frame') {
          throw new Error(`server sent a bad frame: ${r.reason}`);
        }
        if (this.waiter !== undefined) {
          const w = this.waiter;
          this.waiter = undefined;
          w(r.payload);
        } else {
          this.frames.push(r.payload);
        }
      }
    });
  }

  static connect(port: number): Promise<RawWireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new RawWireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends `id|leader` as one frame and returns the id used. */
  send(leader: string, body?: string): string {
    const id = randomUUID();
    this.sendPayload(`${id}|${leader}${body === undefined ? '' : `\r\n${body}`}`);
    return id;
  }

  sendPayload(payload: string): void {
    this.socket.write(encodeFrame(payload));
  }

  writeRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next server frame, or undefined if the connection closed first. Fails after `timeoutMs`. */
  next(timeoutMs = 2000): Promise<string | undefined> {
    const queued = this.frames.shift();
    if (queued !== undefined) {
      return Promise.resolve(queued);
    }
    if (this.isClosed) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error('no frame from the server in time'));
      }, timeoutMs);
      this.waiter = (p) => {
        clearTimeout(timer);
        resolve(p);
      };
    });
  }

  /** Resolves true if the server closed the connection within `timeoutMs`. */
  async closesWithin(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  end(): void {
    this.socket.destroy();
  }
}

/** Leader fields of a server payload (up to the first CRLF). */
export function leaderFields(payload: string): string[] {
  const crlf = payload.indexOf('\r\n');
  return (crlf === -1 ? payload : payload.slice(0, crlf)).split('|');
}
