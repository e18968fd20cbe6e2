/**
 * What `RtpSession.open` does before the session exists: check the options, resolve host names once, and bind
 * the sockets (or take them over from a port-pool lease).
 */
import type { Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { RtpSessionOptions, TransportAddress } from './rtp-session-types.js';
import { closeQuietly, openRtpSocket } from './udp-binding.js';

/** Ports tried when binding an RTP/RTCP pair on any free port. */
const PAIR_ATTEMPTS = 20;

export interface SessionSockets {
  rtp: Socket;
  rtcp: Socket | undefined;
}

/**
 * SDP may name the peer by host name (RFC 4566 §5.7); it is resolved once here, so that packets are sent to an IP
 * literal (no lookup per packet) and latching can compare addresses.
 */
export async function resolveAddress(
  to: TransportAddress,
  family: 4 | 6 | undefined,
): Promise<TransportAddress> {
  if (isIP(to.address) !== 0) {
    return to;
  }
  const { address } = await lookup(to.address, family === undefined ? {} : { family });
  return { address, port: to.port };
}

/** The IP family of the local socket, when the options fix it. */
export function localFamily(options: RtpSessionOptions): 4 | 6 | undefined {
  const local = options.lease?.address ?? options.localAddress;
  if (local === undefined) {
    return undefined;
  }
  return isIP(local) === 6 ? 6 : 4;
}

/** Checks what would otherwise fail later, before any socket is bound. */
export function validateOptions(options: RtpSessionOptions): void {
  for (const pt of [options.payloadType, options.telephoneEventPayloadType]) {
    if (pt !== undefined && (!Number.isInteger(pt) || pt < 0 || pt > 127)) {
      throw new RangeError(`RTP payload type ${pt} is outside 0-127 (RFC 3550 §5.1)`);
    }
  }
  if (options.payloadType !== undefined && options.payloadType === options.telephoneEventPayloadType) {
    throw new RangeError('audio and telephone-event need distinct payload types');
  }
  if (options.cname !== undefined && (options.cname === '' || Buffer.byteLength(options.cname) > 255)) {
    throw new RangeError('an RTCP CNAME holds 1-255 octets (RFC 3550 §6.5)');
  }
  const { port } = options.remote;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`remote RTP port ${port} is invalid`);
  }
}

/**
 * The kernel picks a free port (bind to 0), then the pair is bound on it explicitly: Linux releases a port that
 * was bound as "any" when a connected UDP socket is disconnected (`udp_disconnect` without SOCK_BINDPORT_LOCK),
 * and a session disconnects when a re-INVITE moves the peer.
 */
async function bindAnyPair(address: string): Promise<SessionSockets> {
  for (let attempt = 0; attempt < PAIR_ATTEMPTS; attempt++) {
    const probe = await openRtpSocket(address, 0);
    const port = probe.address().port;
    closeQuietly(probe);
    if (port % 2 !== 0 || port >= 65535) {
      continue;
    }
    let rtp: Socket;
    try {
      rtp = await openRtpSocket(address, port);
    } catch {
      continue; // taken meanwhile
    }
    try {
      return { rtp, rtcp: await openRtpSocket(address, port + 1) };
    } catch {
      // Odd neighbour taken: try another pair.
    }
    closeQuietly(rtp);
  }
  throw new Error(`no free RTP/RTCP port pair on ${address} after ${PAIR_ATTEMPTS} attempts`);
}

/** One socket on a free port, bound explicitly (see `bindAnyPair`). */
async function bindAnyPort(address: string): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    const probe = await openRtpSocket(address, 0);
    const port = probe.address().port;
    closeQuietly(probe);
    try {
      return await openRtpSocket(address, port);
    } catch (err) {
      if (attempt + 1 >= PAIR_ATTEMPTS) {
        throw err;
      }
    }
  }
}

export async function openSockets(options: RtpSessionOptions): Promise<SessionSockets> {
  const rtcpMux = options.rtcpMux ?? false;
  const lease = options.lease;
  if (lease !== undefined) {
    if (rtcpMux || lease.rtcpSocket !== undefined) {
      return { rtp: lease.rtpSocket, rtcp: rtcpMux ? undefined : lease.rtcpSocket };
    }
    // Leased for rtcp-mux but the negotiation ended without it: RTCP needs port + 1 after all.
    return { rtp: lease.rtpSocket, rtcp: await openRtpSocket(lease.address, lease.port + 1) };
  }
  // Without an explicit local address, bind the family the peer speaks.
  const address = options.localAddress ?? (isIP(options.remote.address) === 6 ? '::' : '0.0.0.0');
  const port = options.localPort ?? 0;
  if (rtcpMux) {
    return {
      rtp: port === 0 ? await bindAnyPort(address) : await openRtpSocket(address, port),
      rtcp: undefined,
    };
  }
  if (port === 0) {
    return bindAnyPair(address);
  }
  const rtp = await openRtpSocket(address, port);
  try {
    return { rtp, rtcp: await openRtpSocket(address, port + 1) };
  } catch (err) {
    closeQuietly(rtp);
    throw err;
  }
}
