/**
 * Cuts a byte stream (TCP) into SIP messages, RFC 3261 §18.3: the header block ends at the blank line and
 * Content-Length, mandatory on streams, gives the body size. Segments may split or coalesce messages anywhere.
 * Between messages, RFC 5626 §3.5.1 keep-alive pings (CRLFCRLF) are reported so the connection can answer its pong
 * (CRLF), and other CRLFs are skipped (§7.5). Pure: bytes in, sink calls out.
 *
 * A message without Content-Length, an unreadable head or one larger than the limit leaves the stream impossible
 * to resynchronise: the framer reports it once and stops; the connection must be closed.
 */
import { AigError } from '../../../errors/aig-error.js';
import { parseMessageHead } from '../message/parser.js';
import { SipParseError } from '../message/sip-parse-error.js';
import { isLineBreak, isPingAt } from './keep-alive.js';

export interface StreamFramerSink {
  /** One complete message (start line to end of body), in a buffer of its own. */
  onFrame(raw: Buffer): void;
  /** A CRLFCRLF keep-alive ping arrived (RFC 5626 §3.5.1): answer CRLF. */
  onPing(): void;
  /** The stream cannot be framed any more: report `raw` as garbage and close the connection. */
  onFramingError(raw: Buffer, error: Error): void;
}

const EMPTY = Buffer.alloc(0);

export class StreamFramer {
  private readonly sink: StreamFramerSink;
  private readonly maxMessageSize: number;
  /** Unconsumed bytes; always starts at a message (or keep-alive) boundary. */
  private pending: Buffer = EMPTY;
  /** Size of the message at the start of `pending`, once its head has been read. */
  private expected: number | undefined;
  private failed = false;

  constructor(sink: StreamFramerSink, maxMessageSize: number) {
    this.sink = sink;
    this.maxMessageSize = maxMessageSize;
  }

  /** Bytes buffered while waiting for the rest of a message. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) {
      return;
    }
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    while (pos < data.length) {
      if (this.expected === undefined) {
        if (isLineBreak(data[pos])) {
          if (isPingAt(data, pos)) {
            pos += 4;
            this.sink.onPing();
            continue;
          }
          if (data.length - pos < 4 && onlyLineBreaks(data, pos)) {
            // Possibly the first half of a ping split across segments: wait for more.
            break;
          }
          pos++;
          continue;
        }
        const available = pos === 0 ? data : data.subarray(pos);
        let head;
        try {
          head = parseMessageHead(available);
        } catch (err) {
          this.fail(available, err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (head === undefined) {
          if (available.length > this.maxMessageSize) {
            this.fail(available, tooLarge(`header block over ${this.maxMessageSize} bytes`));
            return;
          }
          break;
        }
        if (head.contentLength === undefined) {
          // §18.3: "the Content-Length header field MUST be used with stream oriented transports".
          this.fail(available.subarray(0, head.headerEnd), new SipParseError('Missing Content-Length'));
          return;
        }
        const size = head.headerEnd + head.contentLength;
        if (size > this.maxMessageSize) {
          this.fail(available, tooLarge(`${size} bytes > ${this.maxMessageSize}`));
          return;
        }
        this.expected = size;
      }
      const size = this.expected;
      if (data.length - pos < size) {
        break;
      }
      this.expected = undefined;
      // A copy: the frame must not pin the socket's read buffer for as long as the message lives.
      const frame = Buffer.from(data.subarray(pos, pos + size));
      pos += size;
      this.sink.onFrame(frame);
      if (this.failed) {
        return;
      }
    }
    this.pending = pos >= data.length ? EMPTY : data.subarray(pos);
  }

  /** Stops framing for good (the connection is closing). */
  stop(): void {
    this.failed = true;
    this.pending = EMPTY;
    this.expected = undefined;
  }

  private fail(raw: Buffer, error: Error): void {
    this.stop();
    this.sink.onFramingError(raw, error);
  }
}

function onlyLineBreaks(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) {
    if (!isLineBreak(data[i])) {
      return false;
    }
  }
  return true;
}

function tooLarge(detail: string): AigError {
  return new AigError('AIG_ERR_SIP_TOO_LARGE', detail);
}
