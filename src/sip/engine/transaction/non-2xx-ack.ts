/**
 * The ACK an INVITE client transaction generates itself for a 300-699 final response (RFC 3261 §17.1.1.3).
 */
import {
  SipHeaders,
  type SipHeaderField,
  type SipRequest,
  type SipResponse,
} from '../message/sip-message.js';
import { topViaValue } from '../transport/via-routing.js';
import { readCSeq } from './transaction-keys.js';

/**
 * §17.1.1.3: same Request-URI, Call-ID and From as the INVITE; To from the response (it carries the UAS's tag); a
 * single Via equal to the INVITE's top Via (so the branch is the same); CSeq with the INVITE's number and method
 * ACK; the INVITE's Route header fields. Max-Forwards is mandatory in every request (§8.1.1.6) and is copied.
 */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const fields: SipHeaderField[] = [];
  const via = topViaValue(invite);
  if (via !== undefined) {
    fields.push({ name: 'Via', value: via });
  }
  for (const route of invite.headers.getFields('Route')) {
    fields.push({ name: 'Route', value: route });
  }
  fields.push({ name: 'Max-Forwards', value: invite.headers.get('Max-Forwards') ?? '70' });
  copy(fields, invite, 'From');
  copy(fields, response, 'To');
  copy(fields, invite, 'Call-ID');
  const seq = readCSeq(invite)?.seq ?? 1;
  fields.push({ name: 'CSeq', value: `${seq} ACK` });
  fields.push({ name: 'Content-Length', value: '0' });
  return {
    kind: 'request',
    method: 'ACK',
    uri: invite.uri,
    headers: new SipHeaders(fields),
    body: Buffer.alloc(0),
  };
}

function copy(fields: SipHeaderField[], from: SipRequest | SipResponse, name: string): void {
  const value = from.headers.get(name);
  if (value !== undefined) {
    fields.push({ name, value });
  }
}
