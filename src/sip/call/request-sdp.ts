/**
 * Finds the session description in an INVITE body. Carriers often send `multipart/mixed` bodies (SDP next to
 * an ISUP part, SIP-I); drachtio-srf splits those into `payload` parts. Anything without SDP is refused with
 * 415 (RFC 3261 §21.4.13) unless the body is empty, which is a late offer (RFC 3261 §13.2.1).
 */

export interface BodyPart {
  readonly type: string | null | undefined;
  readonly content?: string;
}

export type RequestSdp =
  | { readonly kind: 'none' }
  | { readonly kind: 'sdp'; readonly sdp: string }
  | { readonly kind: 'unsupported'; readonly contentType: string };

const SDP_TYPE = 'application/sdp';

function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Drops a closing multipart delimiter (`--boundary--`) left at the end of the last part. */
function withoutClosingDelimiter(text: string): string {
  return text.replace(/\r?\n--[^\r\n]*--\s*$/, '\r\n');
}

export function sdpFromRequest(
  contentType: string | undefined,
  body: string | undefined,
  parts: readonly BodyPart[] | undefined,
): RequestSdp {
  const text = body ?? '';
  if (text.trim() === '') {
    return { kind: 'none' };
  }
  const type = mediaType(contentType);
  if (type === SDP_TYPE || (type === '' && text.trimStart().startsWith('v='))) {
    return { kind: 'sdp', sdp: text };
  }
  if (type.startsWith('multipart/')) {
    const part = (parts ?? []).find((candidate) => mediaType(candidate.type) === SDP_TYPE);
    if (part?.content !== undefined && part.content.trim() !== '') {
      return { kind: 'sdp', sdp: withoutClosingDelimiter(part.content) };
    }
  }
  return { kind: 'unsupported', contentType: type === '' ? 'unknown' : type };
}
