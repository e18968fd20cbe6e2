/**
 * The `o=` line of a session description (RFC 4566 §5.2) when a B2BUA hands one party's SDP to the other. Each
 * party has seen one origin from us for its session: a new offer or answer we send it MUST keep that line,
 * with the version one higher than in our previous description (RFC 3264 §8), whoever produced the media part.
 */

export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  /** `sess-version`: digits, possibly beyond 2^53, hence a bigint. */
  readonly version: bigint;
  /** `nettype addrtype unicast-address`, kept as written. */
  readonly address: string;
}

const ORIGIN_LINE = /^o=(\S+) (\d+) (\d+) (\S+ \S+ \S+)[ \t]*$/m;

/** The `o=` line of `sdp`; null when it has none or it is malformed. */
export function parseOrigin(sdp: string): SdpOrigin | null {
  const match = ORIGIN_LINE.exec(sdp);
  if (match === null) {
    return null;
  }
  return { username: match[1]!, sessionId: match[2]!, version: BigInt(match[3]!), address: match[4]! };
}

export function formatOrigin(origin: SdpOrigin): string {
  return `o=${origin.username} ${origin.sessionId} ${origin.version.toString()} ${origin.address}`;
}

/** `sdp` with its `o=` line replaced by `origin` (line endings kept); unchanged when it has no `o=` line. */
export function withOrigin(sdp: string, origin: SdpOrigin): string {
  return sdp.replace(/^o=[^\r\n]*/m, formatOrigin(origin));
}

/**
 * The versions of one origin we send to one party: each new description gets the next one, failed offers
 * included, so a version is never reused (a receiver only needs it to grow, RFC 3264 §8).
 */
export class SdpOriginSequence {
  private current: SdpOrigin;

  constructor(start: SdpOrigin) {
    this.current = start;
  }

  /** The origin for our next description: same session, version + 1. */
  next(): SdpOrigin {
    this.current = { ...this.current, version: this.current.version + 1n };
    return this.current;
  }
}
