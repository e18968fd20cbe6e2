/**
 * drachtio wire framing (`drachtio-wire-protocol.md` §1.2): a frame is `LEN "#" PAYLOAD`, where LEN is the decimal
 * UTF-8 byte length of PAYLOAD and the next frame's LEN follows the payload directly. TCP delivers arbitrary
 * slices of that stream, so the decoder works on bytes and may hold partial frames between chunks.
 */

/**
 * Default largest payload accepted from an app: 64 KiB. That is above anything the real server takes in (it
 * stalls on frames above about 12 KB, §1.10) and above the largest UDP SIP datagram, so every frame a working
 * drachtio-srf app sends fits, while a hostile or broken peer cannot make us buffer without bound.
 */
export const DEFAULT_MAX_FRAME_SIZE = 65_536;

/** More digits than this cannot be a sane length; the real server accepts at most 5 (§1.2). */
export const MAX_LENGTH_DIGITS = 9;

const HASH = 0x23; // '#'
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const PIPE = 0x7c; // '|'
/** How far into the payload of an oversized frame we look for its message id (UUIDs are 36 characters). */
const ID_PEEK_BYTES = 64;

export type WireFrameErrorCode = 'bad-length' | 'too-large';

export type WireFrameResult =
  | { kind: 'frame'; payload: string }
  | {
      kind: 'error';
      code: WireFrameErrorCode;
      reason: string;
      /** The announced payload length, for `too-large`. */
      announced?: number;
      /** The app message id, when the start of an oversized frame's payload was already received. */
      messageId?: string;
    };

export interface WireFrameDecoderOptions {
  /** @default DEFAULT_MAX_FRAME_SIZE */
  maxFrameSize?: number;
}

const isDigit = (b: number): boolean => b >= DIGIT_0 && b <= DIGIT_9;

/**
 * Incremental `LEN#PAYLOAD` parser. `push` returns the frames completed by a chunk, in order. After the first
 * error the stream cannot be resynchronised (the length is the only delimiter), so the decoder stops: further
 * pushes return nothing and the caller is expected to answer `NO` and close the connection.
 */
export class WireFrameDecoder {
  readonly maxFrameSize: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length announced by the current frame's header, once the `#` has been read. */
  private expected: number | undefined;
  private failed = false;

  constructor(options: WireFrameDecoderOptions = {}) {
    const max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxFrameSize must be a positive integer, got ${String(max)}`);
    }
    this.maxFrameSize = max;
  }

  /** True once a framing error was reported. */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): WireFrameResult[] {
    if (this.failed) {
      return [];
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const results: WireFrameResult[] = [];
    for (;;) {
      if (this.expected === undefined) {
        const header = this.readHeader();
        if (header === undefined) {
          break;
        }
        if (header.kind === 'error') {
          results.push(header);
          this.fail();
          break;
        }
        this.expected = header.length;
      }
      if (this.buffered < this.expected) {
        break;
      }
      const payload = this.take(this.expected);
      this.expected = undefined;
      results.push({ kind: 'frame', payload: payload.toString('utf8') });
    }
    return results;
  }

  /**
   * Reads `LEN#` from the front of the buffer. Returns undefined when more bytes are needed. Errors are reported
   * as soon as they are certain, without waiting for a `#` that a garbage stream may never send.
   */
  private readHeader():
    { kind: 'length'; length: number } | Extract<WireFrameResult, { kind: 'error' }> | undefined {
    if (this.buffered === 0) {
      return undefined;
    }
    const head = this.peek(MAX_LENGTH_DIGITS + 1);
    let hashAt = -1;
    for (let i = 0; i < head.length; i++) {
      const b = head[i]!;
      if (b === HASH) {
        hashAt = i;
        break;
      }
      if (!isDigit(b)) {
        return { kind: 'error', code: 'bad-length', reason: 'invalid frame: non-digit in length' };
      }
    }
    if (hashAt === -1) {
      if (head.length > MAX_LENGTH_DIGITS) {
        return {
          kind: 'error',
          code: 'bad-length',
          reason: `invalid frame: length over ${MAX_LENGTH_DIGITS} digits`,
        };
      }
      return undefined;
    }
    if (hashAt === 0) {
      return { kind: 'error', code: 'bad-length', reason: 'invalid frame: missing length' };
    }
    const length = Number(head.toString('latin1', 0, hashAt));
    if (length === 0) {
      return { kind: 'error', code: 'bad-length', reason: 'invalid frame: zero length' };
    }
    if (length > this.maxFrameSize) {
      const messageId = this.peekMessageId(hashAt + 1);
      return {
        kind: 'error',
        code: 'too-large',
        reason: `frame too large: ${length} bytes, limit ${this.maxFrameSize}`,
        announced: length,
        ...(messageId === undefined ? {} : { messageId }),
      };
    }
    this.take(hashAt + 1);
    return { kind: 'length', length };
  }

  /** The app id (field 0) of a frame whose payload starts at `offset`, if its first `|` is already buffered. */
  private peekMessageId(offset: number): string | undefined {
    const start = this.peek(offset + ID_PEEK_BYTES).subarray(offset);
    const pipeAt = start.indexOf(PIPE);
    if (pipeAt <= 0) {
      return undefined;
    }
    const id = start.toString('utf8', 0, pipeAt);
    return /^[\w.:@+-]+$/.test(id) ? id : undefined;
  }

  /** Up to `n` bytes from the front, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let have = 0;
    for (const c of this.chunks) {
      if (have >= n) {
        break;
      }
      const part = c.length <= n - have ? c : c.subarray(0, n - have);
      parts.push(part);
      have += part.length;
    }
    return Buffer.concat(parts, have);
  }

  /** Removes and returns exactly `n` bytes (caller checked they are buffered). Copies only across chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) {
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
      }
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let have = 0;
    while (have < n) {
      const c = this.chunks[0]!;
      const need = n - have;
      if (c.length <= need) {
        c.copy(out, have);
        have += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, have, 0, need);
        have += need;
        this.chunks[0] = c.subarray(need);
      }
    }
    return out;
  }

  private fail(): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.expected = undefined;
  }
}

/** `LEN#PAYLOAD` with LEN the UTF-8 byte length, as both drachtio peers compute it (§1.2). */
export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}#`, 'latin1'), body]);
}
