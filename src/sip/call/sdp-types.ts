/**
 * Public types of the SDP offer/answer module (RFC 3264): what the app knows about its own media endpoint, and
 * what a negotiation settles for one call's audio stream.
 */

/** Audio codecs the media engine implements (G.711, ITU-T; RTP profile RFC 3551 §4.5.14). */
export type AudioCodecName = 'PCMU' | 'PCMA';

/** RFC 4566 §6 / RFC 3264 §5.1 media direction, always seen from our side. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/**
 * RFC 3261 §20.43 warning codes that explain a rejected session description:
 * 301 incompatible network address formats, 302 incompatible transport protocol, 304 media type not
 * available, 305 incompatible media format, 399 miscellaneous (malformed SDP).
 */
export type SdpWarningCode = 301 | 302 | 304 | 305 | 399;

/** Our side of the session: how we describe the media endpoint of one call. */
export interface LocalMediaOptions {
  /** Codecs we accept, in our order of preference. Must not be empty. */
  readonly codecs: readonly AudioCodecName[];
  /** Our packetisation time in ms (used unless the offer asks for another valid one). */
  readonly ptime: number;
  /** Whether to accept / offer RFC 4733 telephone-event. */
  readonly telephoneEvent: boolean;
  /** Advertised media IP address (IPv4 or IPv6 literal) for `c=` and `o=`. */
  readonly address: string;
  /** Our RTP port (even, RFC 3550 §11). */
  readonly port: number;
  /** `o=` session id (RFC 4566 §5.2); a random one is chosen when absent. */
  readonly sessionId?: string;
  /** `o=` session version; it must grow with each new description of the same session. @default 1 */
  readonly sessionVersion?: number;
}

export interface LocalOfferOptions extends LocalMediaOptions {
  /** Dynamic payload type offered for telephone-event (RFC 3551 §6: 96-127). @default 101 */
  readonly telephoneEventPayloadType?: number;
}

export interface NegotiatedCodec {
  readonly name: AudioCodecName;
  readonly payloadType: number;
  readonly clockRate: number;
}

export interface NegotiatedTelephoneEvent {
  readonly payloadType: number;
  /** RFC 4733 §2.4.1 event list both sides use, e.g. `0-15`. */
  readonly events: string;
}

/** What the media engine needs to run one audio stream. */
export interface NegotiatedMedia {
  readonly codec: NegotiatedCodec;
  readonly telephoneEvent?: NegotiatedTelephoneEvent;
  readonly ptime: number;
  /** Where to send RTP (the peer's `c=` address and `m=` port). */
  readonly remote: { readonly address: string; readonly port: number };
  /** Our direction: `sendonly` means we send and do not expect media. */
  readonly direction: MediaDirection;
}

export interface SdpRejection {
  readonly ok: false;
  /** 488 Not Acceptable Here (RFC 3261 §21.4.26) or 400 for an unreadable description. */
  readonly status: 488 | 400;
  readonly warning: SdpWarningCode;
  /** Human-readable cause, safe to log and to put in a Warning header. */
  readonly reason: string;
}

export type AnswerResult = ({ readonly ok: true; readonly sdp: string } & NegotiatedMedia) | SdpRejection;

export type AnswerCheckResult = ({ readonly ok: true } & NegotiatedMedia) | SdpRejection;
