/**
 * Where a request goes: RFC 3263 reduced to what a trunk-facing IVR needs — a numeric host or a name resolved
 * with the system resolver (A/AAAA), the port from the URI (5060 default, 5061 for sips) and the transport
 * from `;transport=` (udp by default). NAPTR/SRV selection is not performed.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseUri } from '../message/uri.js';
import type { Remote, TransportProtocol } from '../transport/transport-types.js';

export async function resolveTarget(uriText: string): Promise<Remote> {
  const text = /^[a-z][a-z0-9+.-]*:/i.test(uriText) ? uriText : `sip:${uriText}`;
  const uri = parseUri(text);
  const transportParam = (uri.params.get('transport') ?? 'udp')?.toLowerCase() ?? 'udp';
  const protocol: TransportProtocol = transportParam === 'tcp' ? 'tcp' : 'udp';
  if (transportParam !== 'udp' && transportParam !== 'tcp') {
    throw new Error(`transport ${transportParam} not available`);
  }
  const maddr = uri.params.get('maddr');
  let host = maddr ?? uri.host;
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
  }
  const port = uri.port ?? (uri.scheme.toLowerCase() === 'sips' ? 5061 : 5060);
  if (isIP(host) === 0) {
    const found = await lookup(host);
    host = found.address;
  }
  return { protocol, address: host, port };
}
