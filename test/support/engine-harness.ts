/**
 * Starts the embedded engine on free loopback ports with short timers and connects a real drachtio-srf
 * client to it: the same app-side code that would run against a real drachtio-server.
 */
import Srf from 'drachtio-srf';
import { SipEngine, type SipEngineOptions } from '../../src/sip/engine/sip-engine.js';
import { connectSrf } from '../../src/sip/call/srf-connection.js';

export interface EngineUnderTest {
  engine: SipEngine;
  srf: Srf;
  sip: { address: string; port: number };
  stop(): Promise<void>;
}

export interface HarnessOverrides {
  t1?: number;
  appResponseTimeoutMs?: number;
  rateLimit?: SipEngineOptions['protection']['rateLimit'];
  acl?: string[];
  transports?: ('udp' | 'tcp')[];
  maxMessageSize?: number;
}

export async function startEngine(o: HarnessOverrides = {}): Promise<EngineUnderTest> {
  const secret = 'test-secret';
  const engine = new SipEngine({
    sip: {
      host: '127.0.0.1',
      port: 0,
      transports: o.transports ?? ['udp', 'tcp'],
      externalAddress: null,
      timers: { t1: o.t1 ?? 500, t2: 4000, t4: 5000 },
      maxMessageSize: o.maxMessageSize ?? 65535,
      udpReceiveBufferBytes: 1 << 20,
      tcpIdleTimeoutMs: 60_000,
      userAgent: 'Aiguilleur-test',
    },
    wire: { host: '127.0.0.1', port: 0, secret, maxFrameBytes: 65536 },
    protection: {
      acl: o.acl ?? ['127.0.0.0/8', '::1/128'],
      rateLimit: o.rateLimit ?? { perSecond: 10_000, burst: 10_000, floodSeconds: 60 },
      scannerUserAgents: ['friendly-scanner', 'sipvicious'],
    },
    ...(o.appResponseTimeoutMs === undefined ? {} : { appResponseTimeoutMs: o.appResponseTimeoutMs }),
  });
  const bound = await engine.start();
  const srf = await connectSrf({ host: bound.wire.address, port: bound.wire.port, secret });
  const udp = bound.sip.find((s) => s.protocol === 'udp') ?? bound.sip[0]!;
  return {
    engine,
    srf,
    sip: { address: udp.address, port: udp.port },
    async stop() {
      srf.disconnect();
      await engine.stop();
    },
  };
}

export const SDP_OFFER = [
  'v=0',
  'o=peer 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 30000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  '',
].join('\r\n');

let seq = 0;
/** An INVITE from the raw peer at `peerPort` to the engine, with SDP. */
export function invite(
  peerPort: number,
  target: { port: number },
  opts: { callId?: string; branch?: string; cseq?: number; user?: string; extra?: string } = {},
): { text: string; callId: string; fromTag: string; branch: string } {
  seq++;
  const callId = opts.callId ?? `call-${seq}-${Date.now()}@127.0.0.1`;
  const fromTag = `ft${seq}`;
  const branch = opts.branch ?? `z9hG4bK-inv-${seq}-${Date.now()}`;
  const text = [
    `INVITE sip:${opts.user ?? '3646'}@127.0.0.1:${target.port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:0612345678@127.0.0.1:${peerPort}>;tag=${fromTag}`,
    `To: <sip:${opts.user ?? '3646'}@127.0.0.1:${target.port}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${opts.cseq ?? 1} INVITE`,
    `Contact: <sip:peer@127.0.0.1:${peerPort}>`,
    ...(opts.extra === undefined ? [] : [opts.extra]),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(SDP_OFFER)}`,
    '',
    SDP_OFFER,
  ].join('\r\n');
  return { text, callId, fromTag, branch };
}

/** A request inside the dialog the raw peer (UAC) has with the engine. */
export function inDialog(
  method: string,
  peerPort: number,
  target: { port: number },
  d: { callId: string; fromTag: string; toTag: string },
  cseq: number,
  extra: string[] = [],
): string {
  return [
    `${method} sip:127.0.0.1:${target.port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bK-${method.toLowerCase()}-${cseq}-${Date.now()};rport`,
    'Max-Forwards: 70',
    `From: <sip:0612345678@127.0.0.1:${peerPort}>;tag=${d.fromTag}`,
    `To: <sip:3646@127.0.0.1:${target.port}>;tag=${d.toTag}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:peer@127.0.0.1:${peerPort}>`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
