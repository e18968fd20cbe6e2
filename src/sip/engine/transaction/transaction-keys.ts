/**
 * Transaction matching keys (RFC 3261 §17.1.3 and §17.2.3), computed once per message and used as Map keys so that
 * matching is a hash look-up.
 *
 *  - client: branch of the top Via + CSeq method (§17.1.3);
 *  - server: branch + sent-by + method, ACK mapped to INVITE (§17.2.3);
 *  - server, branch without the `z9hG4bK` magic cookie (RFC 2543 peers, §17.2.3): Request-URI, To tag, From tag,
 *    Call-ID, CSeq and top Via. The ACK of a non-2xx carries the To tag of the response instead of the INVITE's, so
 *    it gets its own key without the To tag; the layer checks the tag after the look-up.
 */
import { parseCSeq } from '../message/cseq.js';
import { getTag } from '../message/name-addr.js';
import type { SipMessage, SipRequest } from '../message/sip-message.js';
import { parseVia, viaBranch, type Via } from '../message/via.js';
import { topViaValue } from '../transport/via-routing.js';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with this cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

export interface TopVia {
  via: Via;
  branch: string | undefined;
}

/** The parsed top Via, or undefined when it is missing or malformed (the message cannot be matched). */
export function readTopVia(message: SipMessage): TopVia | undefined {
  const value = topViaValue(message);
  if (value === undefined || value.length === 0) {
    return undefined;
  }
  try {
    const via = parseVia(value);
    return { via, branch: viaBranch(via) };
  } catch {
    return undefined;
  }
}

export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}

/** sent-by as host:port, lower-cased, with the transport's default port made explicit (§18.2.2, §19.1.2). */
export function sentBy(via: Via): string {
  const port = via.port ?? (via.transport.toUpperCase() === 'TLS' ? 5061 : 5060);
  return `${via.host.toLowerCase()}:${port}`;
}

/** §17.1.3: the key of a client transaction. */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/** §17.1.3: the client key a response matches, or undefined when it has no branch or CSeq. */
export function clientKeyOfResponse(message: SipMessage): string | undefined {
  const top = readTopVia(message);
  const cseq = readCSeq(message);
  if (top?.branch === undefined || cseq === undefined) {
    return undefined;
  }
  return clientKey(top.branch, cseq.method);
}

export function readCSeq(message: SipMessage): { seq: number; method: string } | undefined {
  const value = message.headers.get('CSeq');
  if (value === undefined) {
    return undefined;
  }
  try {
    return parseCSeq(value);
  } catch {
    return undefined;
  }
}

/** The keys a request is matched with on the server side. */
export interface ServerKeys {
  /** Key of the transaction this request creates or retransmits (ACK: the INVITE's key, RFC 3261 branch only). */
  key: string;
  /** RFC 2543 fallback only: the key an ACK is looked up with (no To tag, see the file comment). */
  legacyAckKey: string | undefined;
  /** RFC 2543 fallback only: the To tag of the request (for an ACK, compared with the final response's tag). */
  legacyToTag: string | undefined;
}

/**
 * §17.2.3: the server keys of a request, with `method` the method to match (the request's own, or INVITE for an ACK
 * or for a CANCEL looking for its INVITE, §9.2). Undefined when the request lacks what matching needs.
 */
export function serverKeys(request: SipRequest, top: TopVia, method: string): ServerKeys | undefined {
  if (isRfc3261Branch(top.branch)) {
    return {
      key: `${top.branch}|${sentBy(top.via)}|${method}`,
      legacyAckKey: undefined,
      legacyToTag: undefined,
    };
  }
  const cseq = readCSeq(request);
  const callId = request.headers.get('Call-ID');
  const from = request.headers.get('From');
  const to = request.headers.get('To');
  if (cseq === undefined || callId === undefined || from === undefined || to === undefined) {
    return undefined;
  }
  // "Top Via matches" is read as: same transport, sent-by and branch (if any). received/rport are left out on
  // purpose: the engine may stamp them (§18.2.1) on the first copy and not yet on a retransmission.
  const via = `${top.via.transport.toUpperCase()}|${sentBy(top.via)}|${top.branch ?? ''}`;
  const common = `${request.uri}|${getTag(from) ?? ''}|${callId}|${cseq.seq}|${via}`;
  const toTag = getTag(to);
  return {
    key: `2543|${method}|${toTag ?? ''}|${common}`,
    legacyAckKey: `2543-ack|${common}`,
    legacyToTag: toTag,
  };
}
