/**
 * Builds the SIP messages the engine sends on its own or on the app's behalf: responses (RFC 3261 §8.2.6),
 * in-dialog requests (§12.2.1.1), CANCEL (§9.1) and the ACK for a 2xx (§13.2.2.4).
 */
import { SipHeaders, type SipRequest, type SipResponse } from '../message/sip-message.js';
import { getTag, setTag } from '../message/name-addr.js';
import { parseUri } from '../message/uri.js';
import type { Dialog } from '../dialog/dialog.js';
import type { TransportProtocol } from '../transport/transport-types.js';
import { newBranch } from './identifiers.js';

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  487: 'Request Terminated',
  491: 'Request Pending',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  513: 'Message Too Large',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 300 ? 'OK' : 'Error');
}

/**
 * A response to `request` (§8.2.6.2): Via, From, Call-ID, CSeq copied; To copied with `toTag` added when the
 * request's To has none (never on 100, §8.2.6.2).
 */
export function buildResponse(
  request: SipRequest,
  status: number,
  reason: string = reasonPhrase(status),
  toTag?: string,
  extra: Readonly<Record<string, string>> = {},
): SipResponse {
  const headers = new SipHeaders();
  for (const via of request.headers.getFields('via')) {
    headers.append('Via', via);
  }
  headers.append('From', request.headers.get('from') ?? '');
  const to = request.headers.get('to') ?? '';
  headers.append(
    'To',
    status > 100 && toTag !== undefined && getTag(to) === undefined ? setTag(to, toTag) : to,
  );
  headers.append('Call-ID', request.headers.get('call-id') ?? '');
  headers.append('CSeq', request.headers.get('cseq') ?? '');
  for (const [name, value] of Object.entries(extra)) {
    headers.append(name, value);
  }
  return { kind: 'response', status, reason, headers, body: Buffer.alloc(0) };
}

export interface RequestSender {
  protocol: TransportProtocol;
  /** advertised host:port for the Via sent-by */
  hostport: string;
  userAgent: string;
}

/** A fresh top Via with rport (RFC 3581 §3) and a new branch. */
export function viaFor(sender: RequestSender, branch: string = newBranch()): string {
  return `SIP/2.0/${sender.protocol.toUpperCase()} ${sender.hostport};rport;branch=${branch}`;
}

/**
 * Request-URI and Route headers for a request inside `dialog` (§12.2.1.1): loose routing when the first route
 * has `lr`, strict routing otherwise. Returns the URI to resolve for sending.
 */
export function dialogRouting(dialog: Dialog): { requestUri: string; routes: string[]; nextHop: string } {
  const first = dialog.routeSet[0];
  if (first === undefined) {
    return { requestUri: dialog.remoteTarget, routes: [], nextHop: dialog.remoteTarget };
  }
  const firstUri = uriOf(first);
  if (parseUri(firstUri).params.has('lr')) {
    return { requestUri: dialog.remoteTarget, routes: [...dialog.routeSet], nextHop: firstUri };
  }
  return {
    requestUri: firstUri,
    routes: [...dialog.routeSet.slice(1), `<${dialog.remoteTarget}>`],
    nextHop: firstUri,
  };
}

/** The URI inside a name-addr (`<sip:x>;p`) or an addr-spec. */
export function uriOf(value: string): string {
  const open = value.indexOf('<');
  if (open >= 0) {
    const close = value.indexOf('>', open);
    return value.slice(open + 1, close < 0 ? undefined : close);
  }
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim();
}

/** Skeleton of a request inside a dialog: From/To/Call-ID/CSeq/Via/Max-Forwards/Route (§12.2.1.1). */
export function buildInDialogRequest(
  dialog: Dialog,
  method: string,
  cseq: number,
  sender: RequestSender,
  branch: string = newBranch(),
): SipRequest {
  const { requestUri, routes } = dialogRouting(dialog);
  const headers = new SipHeaders();
  headers.append('Via', viaFor(sender, branch));
  headers.append('Max-Forwards', '70');
  for (const r of routes) {
    headers.append('Route', r);
  }
  headers.append('From', dialog.localUri);
  headers.append('To', dialog.remoteUri);
  headers.append('Call-ID', dialog.callId);
  headers.append('CSeq', `${cseq} ${method}`);
  return { kind: 'request', method, uri: requestUri, headers, body: Buffer.alloc(0) };
}

/** CANCEL for a pending INVITE (§9.1): same Request-URI, Call-ID, To, From, CSeq number, top Via and Route. */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.getAll('via')[0];
  if (topVia !== undefined) {
    headers.append('Via', topVia);
  }
  headers.append('Max-Forwards', '70');
  for (const route of invite.headers.getFields('route')) {
    headers.append('Route', route);
  }
  headers.append('From', invite.headers.get('from') ?? '');
  headers.append('To', invite.headers.get('to') ?? '');
  headers.append('Call-ID', invite.headers.get('call-id') ?? '');
  const seq = (invite.headers.get('cseq') ?? '').trim().split(/\s+/)[0] ?? '1';
  headers.append('CSeq', `${seq} CANCEL`);
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: Buffer.alloc(0) };
}

/** Does a Supported or Require header list this option tag (RFC 3261 §20.37, §20.32)? */
export function hasOptionTag(message: SipRequest | SipResponse, tag: string): boolean {
  return [...message.headers.getAll('supported'), ...message.headers.getAll('require')].some(
    (v) => v.trim().toLowerCase() === tag,
  );
}
