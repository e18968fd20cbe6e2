/**
 * RFC 5626 §3.5.1 keep-alives: a ping is CRLFCRLF, its pong a single CRLF. RFC 3261 §7.5 also lets CRLFs precede a
 * start line; both are skipped before framing or parsing.
 */

export const CRLF = Buffer.from('\r\n');

const CR = 0x0d;
const LF = 0x0a;

export function isLineBreak(byte: number | undefined): boolean {
  return byte === CR || byte === LF;
}

/** True when the datagram holds only CR/LF bytes (a keep-alive, or an empty datagram). */
export function isKeepAliveOnly(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) {
    if (!isLineBreak(data[i])) {
      return false;
    }
  }
  return true;
}

/** Index of the first byte at or after `from` that is not CR or LF. */
export function skipLineBreaks(data: Buffer, from: number): number {
  let i = from;
  while (i < data.length && isLineBreak(data[i])) {
    i++;
  }
  return i;
}

/** True when the four bytes at `at` are CRLFCRLF (an RFC 5626 ping on a stream). */
export function isPingAt(data: Buffer, at: number): boolean {
  return data[at] === CR && data[at + 1] === LF && data[at + 2] === CR && data[at + 3] === LF;
}
