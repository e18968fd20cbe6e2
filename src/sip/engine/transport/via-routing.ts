/**
 * Via-based routing of responses: the server stamps where a request really came from (RFC 3261 §18.2.1, RFC 3581
 * §4) and sends responses back along that path (RFC 3261 §18.2.2, RFC 3581 §4). Pure functions, no I/O.
 */
import { isIP } from 'node:net';
import { canonicalHeaderName } from '../message/header-names.js';
import {
  splitHeaderValues,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/sip-message.js';
import { formatVia, parseVia } from '../message/via.js';
import type { Remote } from './transport-types.js';

/** §18.2.2, §19.1.2: the port a sent-by without a port stands for (udp and tcp). */
const DEFAULT_SIP_PORT = 5060;

/** The first value of the first Via field (a field may carry a comma-separated list, §7.3.1). */
export function topViaValue(message: SipMessage): string | undefined {
  const field = message.headers.get('Via');
  if (field === undefined) {
    return undefined;
  }
  return field.includes(',') ? splitHeaderValues(field)[0] : field.trim();
}

/** Host as a bare address: IPv6 references lose their brackets (§25.1 IPv6reference). */
function bareHost(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 0x5b && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Same address, ignoring case and the IPv4-mapped IPv6 form a dual-stack socket reports. */
function sameAddress(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x === `::ffff:${y}` || y === `::ffff:${x}`;
}

/**
 * Stamps the top Via of a received request:
 *  - RFC 3261 §18.2.1: `received=<source address>` when the sent-by host differs from the packet's source;
 *  - RFC 3581 §4: a valueless `rport` is given the source port, and `received` is then added even when the host
 *    matches ("the server MUST insert a received parameter ... if rport is present").
 * Idempotent. Throws the parser's `AIG_ERR_SIP_PARSE` error when the top Via is malformed.
 */
export function stampReceived(request: SipRequest, remote: Remote): void {
  const fields = request.headers.fields;
  for (const field of fields) {
    if (canonicalHeaderName(field.name) !== 'Via') {
      continue;
    }
    const values = field.value.includes(',') ? splitHeaderValues(field.value) : [field.value.trim()];
    const top = values[0];
    if (top === undefined) {
      return;
    }
    const via = parseVia(top);
    let changed = false;
    const fillRport = via.params.has('rport') && via.params.get('rport') === null;
    if (fillRport) {
      via.params.set('rport', String(remote.port));
      changed = true;
    }
    if (fillRport || !sameAddress(bareHost(via.host), remote.address)) {
      if (via.params.get('received') !== remote.address) {
        via.params.set('received', remote.address);
        changed = true;
      }
    }
    if (changed) {
      values[0] = formatVia(via);
      field.value = values.join(', ');
    }
    return;
  }
}

/**
 * Where a response goes, from its top Via and the remote its request came from:
 *  - reliable transport (§18.2.2): back on the request's connection (`connectionId`). Should that connection be
 *    gone, the transport opens a new one to `received` (or the source) and the sent-by port (default 5060);
 *  - `maddr` (§18.2.2): that address, the sent-by port (default 5060);
 *  - `received` + valued `rport` (RFC 3581 §4): that address and port;
 *  - `received` (§18.2.2): that address, the sent-by port (default 5060);
 *  - otherwise the sent-by host and port (default 5060). A sent-by name that is not an IP literal would need RFC
 *    3263 §5 resolution; the source address is used instead (stampReceived adds `received` in that case anyway).
 * A response without a usable top Via goes back to the source.
 */
export function responseDestination(response: SipResponse, remote: Remote): Remote {
  const value = topViaValue(response);
  let via;
  try {
    via = value === undefined ? undefined : parseVia(value);
  } catch {
    via = undefined;
  }
  if (via === undefined) {
    return { ...remote };
  }
  const sentByPort = via.port ?? DEFAULT_SIP_PORT;
  const received = via.params.get('received') ?? undefined;
  if (remote.protocol !== 'udp') {
    const destination: Remote = {
      protocol: remote.protocol,
      address: received ?? remote.address,
      port: sentByPort,
    };
    if (remote.connectionId !== undefined) {
      destination.connectionId = remote.connectionId;
    }
    return destination;
  }
  const maddr = via.params.get('maddr');
  if (maddr !== undefined && maddr !== null) {
    return { protocol: 'udp', address: bareHost(maddr), port: sentByPort };
  }
  const rport = parsePort(via.params.get('rport'));
  if (rport !== undefined) {
    return { protocol: 'udp', address: received ?? remote.address, port: rport };
  }
  if (received !== undefined) {
    return { protocol: 'udp', address: received, port: sentByPort };
  }
  const host = bareHost(via.host);
  return { protocol: 'udp', address: isIP(host) === 0 ? remote.address : host, port: sentByPort };
}

function parsePort(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || !/^\d{1,5}$/.test(value)) {
    return undefined;
  }
  const port = Number(value);
  return port > 0 && port <= 65535 ? port : undefined;
}
