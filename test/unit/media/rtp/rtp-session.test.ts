import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeMulaw, encodeMulaw, encodeAlaw, decodeAlaw } from '../../../../src/media/codec/g711.js';
import type { DtmfEvent } from '../../../../src/media/media-types.js';
import { parseRtcp, type RtcpPacket } from '../../../../src/media/rtp/rtcp.js';
import { RtpPortPool } from '../../../../src/media/rtp/rtp-port-pool.js';
import { parseRtp, serializeRtp, type RtpPacket } from '../../../../src/media/rtp/rtp-packet.js';
import { RtpSession } from '../../../../src/media/rtp/rtp-session.js';
import type { RtpSessionOptions } from '../../../../src/media/rtp/rtp-session-types.js';
import { HOST, freeEvenRange, rawPeer, waitFor, type RawPeer } from './rtp-test-peers.js';

const open: RtpSession[] = [];
const peers: RawPeer[] = [];
after(() => {
  open.forEach((s) => s.close());
  peers.forEach((p) => p.close());
});

async function session(
  options: Partial<RtpSessionOptions> & Pick<RtpSessionOptions, 'remote'>,
): Promise<RtpSession> {
  const s = await RtpSession.open({ codec: 'PCMU', localAddress: HOST, ...options });
  open.push(s);
  return s;
}

async function peer(port = 0): Promise<RawPeer> {
  const p = await rawPeer(port);
  peers.push(p);
  return p;
}

/** A frame whose samples all equal `value`. */
const frameOf = (value: number): Int16Array => new Int16Array(160).fill(value);

/** Two sessions wired to each other through leases from one pool. */
async function pair(
  options: Partial<RtpSessionOptions> = {},
): Promise<{ a: RtpSession; b: RtpSession; pool: RtpPortPool }> {
  const base = await freeEvenRange(4);
  const pool = new RtpPortPool({ min: base, max: base + 3, address: HOST });
  const mux = options.rtcpMux ?? false;
  const [leaseA, leaseB] = [await pool.allocate({ rtcpMux: mux }), await pool.allocate({ rtcpMux: mux })];
  const a = await session({ ...options, lease: leaseA, remote: { address: HOST, port: leaseB.port } });
  const b = await session({ ...options, lease: leaseB, remote: { address: HOST, port: leaseA.port } });
  return { a, b, pool };
}

function rtpPackets(p: RawPeer): RtpPacket[] {
  return p.received.map((r) => parseRtp(r.data)).filter((x): x is RtpPacket => x !== undefined);
}

describe('RtpSession: audio both ways', () => {
  it('sends G.711 frames that the other session decodes in order after the jitter delay', async () => {
    const { a, b } = await pair();
    const values = [1000, -2000, 3000, -4000, 5000];
    values.forEach((v) => a.sendFrame(frameOf(v)));
    b.sendFrame(frameOf(77));
    await waitFor(() => b.stats().packetsReceived === 5 && a.stats().packetsReceived === 1, 'packets');
    const expected = values.map((v) => decodeMulaw(encodeMulaw(frameOf(v)))[0]);
    const out = new Int16Array(160);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) {
      assert.equal(b.pullFrame(out), out, 'fills the given frame');
      got.push(out[0]!);
      assert.ok(out.every((s) => s === out[0]));
    }
    assert.deepEqual(got, expected);
    assert.deepEqual([...b.pullFrame()].slice(0, 4), [0, 0, 0, 0], 'silence when nothing is left');
    const stats = b.stats();
    assert.equal(stats.lost, 0);
    assert.equal(stats.bytesReceived, 800);
    assert.equal(a.stats().packetsSent, 5);
    assert.equal(a.stats().bytesSent, 800);
    assert.equal(b.stats().latched, true);
    assert.equal(b.stats().sendingTo.port, a.localPort);
  });

  it('works with PCMA and a dynamic payload type', async () => {
    const { a, b } = await pair({ codec: 'PCMA', payloadType: 99 });
    a.sendFrame(frameOf(-1234));
    a.sendFrame(frameOf(1234));
    a.sendFrame(frameOf(0));
    await waitFor(() => b.stats().packetsReceived === 3, 'packets');
    const got = [b.pullFrame()[0], b.pullFrame()[0], b.pullFrame()[0]];
    assert.deepEqual(
      got,
      [-1234, 1234, 0].map((v) => decodeAlaw(encodeAlaw(frameOf(v)))[0]),
    );
  });
});

describe('RtpSession: outgoing stream (RFC 3550 §5.1, RFC 3551 §4.1)', () => {
  it('numbers packets seq + 1 / ts + 160 from random starts, marks talkspurt starts, sends silence', async () => {
    const sink = await peer();
    const s = await session({ remote: { address: HOST, port: sink.port }, rtcpMux: true });
    s.sendFrame(frameOf(100));
    s.sendFrame(frameOf(100));
    s.skipFrame();
    s.sendSilence();
    s.sendFrame(frameOf(100));
    await waitFor(() => rtpPackets(sink).length === 4, 'four packets');
    const packets = rtpPackets(sink);
    assert.deepEqual(
      packets.map((p) => p.marker),
      [true, false, true, false],
    );
    for (let i = 1; i < 4; i++) {
      assert.equal(packets[i]!.sequenceNumber, (packets[0]!.sequenceNumber + i) & 0xffff);
      assert.equal(packets[i]!.ssrc, packets[0]!.ssrc);
      assert.equal(packets[i]!.payloadType, 0);
    }
    const ts = packets.map((p) => (p.timestamp - packets[0]!.timestamp) >>> 0);
    assert.deepEqual(ts, [0, 160, 480, 640], 'the skipped tick still moves the clock');
    assert.ok(
      packets[2]!.payload.every((b) => b === 0xff),
      'µ-law silence',
    );
    assert.equal(s.stats().ssrc, packets[0]!.ssrc);
  });
});

describe('RtpSession: symmetric RTP', () => {
  it('sends to the SDP address first, then latches to the source of the first valid packet', async () => {
    const sdpPort = await peer();
    const realSource = await peer();
    const intruder = await peer();
    const s = await session({ remote: { address: HOST, port: sdpPort.port } });
    const latched: { address: string; port: number }[] = [];
    s.on('latched', (source) => latched.push(source));

    s.sendFrame(frameOf(1));
    await waitFor(() => sdpPort.received.length === 1, 'pre-latch packet at the SDP port');

    // A packet with a payload type we did not negotiate does not latch.
    realSource.send(
      serializeRtp({
        marker: true,
        payloadType: 18,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 5,
        payload: Buffer.alloc(20),
      }),
      s.localPort,
    );
    await waitFor(() => s.stats().discarded === 1, 'unknown payload type discarded');
    assert.equal(latched.length, 0);

    realSource.send(
      serializeRtp({
        marker: true,
        payloadType: 0,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 5,
        payload: Buffer.alloc(160, 0xff),
      }),
      s.localPort,
    );
    await waitFor(() => latched.length === 1, 'latched event');
    assert.deepEqual(latched[0], { address: HOST, port: realSource.port });
    assert.notEqual(realSource.port, sdpPort.port);

    s.sendFrame(frameOf(2));
    await waitFor(() => rtpPackets(realSource).length === 1, 'post-latch packet at the real source');
    assert.equal(sdpPort.received.filter((r) => parseRtp(r.data) !== undefined).length, 1);

    // Once latched (and connected), another source is not heard.
    intruder.send(
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 2,
        timestamp: 160,
        ssrc: 5,
        payload: Buffer.alloc(160),
      }),
      s.localPort,
    );
    realSource.send(
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 3,
        timestamp: 320,
        ssrc: 5,
        payload: Buffer.alloc(160),
      }),
      s.localPort,
    );
    await waitFor(() => s.stats().packetsReceived === 2, 'second packet from the latched source');
    assert.equal(s.stats().packetsReceived, 2);
  });

  it('without latching, talks only to the SDP address', async () => {
    const sdpPeer = await peer();
    const other = await peer();
    const s = await session({ remote: { address: HOST, port: sdpPeer.port }, symmetric: false });
    other.send(
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 9,
        payload: Buffer.alloc(160),
      }),
      s.localPort,
    );
    sdpPeer.send(
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 9,
        payload: Buffer.alloc(160),
      }),
      s.localPort,
    );
    await waitFor(() => s.stats().packetsReceived === 1, 'the SDP peer packet');
    s.sendFrame(frameOf(3));
    await waitFor(() => rtpPackets(sdpPeer).length === 1, 'reply to the SDP peer');
    assert.equal(rtpPackets(other).length, 0);
    assert.equal(s.stats().latched, false);
  });

  it('latches again after updateRemote (re-INVITE), resolving a host name once', async () => {
    const first = await peer();
    const second = await peer();
    const s = await session({ remote: { address: HOST, port: first.port } });
    first.send(
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 9,
        payload: Buffer.alloc(160),
      }),
      s.localPort,
    );
    await waitFor(() => s.stats().latched, 'first latch');
    await s.updateRemote({ address: 'localhost', port: second.port });
    assert.equal(s.stats().latched, false);
    s.sendFrame(frameOf(4));
    await waitFor(() => rtpPackets(second).length === 1, 'packet to the new SDP address');
  });
});

describe('RtpSession: polled sockets (pollSockets)', () => {
  const pcmu = (seq: number, code: number, ssrc = 0x5eed): Buffer =>
    serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: seq,
      timestamp: seq * 160,
      ssrc,
      payload: Buffer.alloc(160, code),
    });

  it('once latched, reads its socket in pullFrame and sends on the descriptor, the same packets as before', async () => {
    const caller = await peer();
    const s = await session({ remote: { address: HOST, port: caller.port }, pollSockets: true });
    caller.send(pcmu(1, 0x80), s.localPort);
    await waitFor(() => s.stats().latched, 'latched by the first packet (a dgram event)');
    for (let seq = 2; seq <= 4; seq++) {
      caller.send(pcmu(seq, 0x80 + seq), s.localPort);
    }
    // Nothing reads the socket between ticks now: the three packets wait in the kernel.
    await sleep(30);
    assert.equal(s.stats().packetsReceived, 1);
    const out = new Int16Array(160);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.pullFrame(out);
      got.push(out[0]!);
    }
    assert.equal(s.stats().packetsReceived, 4, 'read by the first pullFrame');
    assert.deepEqual(
      got,
      [1, 2, 3, 4].map((seq) => decodeMulaw(Buffer.alloc(160, 0x80 + (seq === 1 ? -0 : seq)))[0]),
    );
    assert.equal(s.stats().lost, 0);

    s.sendFrame(frameOf(1234));
    s.sendFrame(frameOf(-1234));
    await waitFor(() => rtpPackets(caller).length === 2, 'two packets at the caller');
    const [first, second] = rtpPackets(caller);
    assert.equal(caller.received[0]!.from.port, s.localPort, 'sent from the session port (symmetric RTP)');
    assert.equal(second!.sequenceNumber, (first!.sequenceNumber + 1) & 0xffff);
    assert.deepEqual(
      [...decodeMulaw(first!.payload)].slice(0, 2),
      [...decodeMulaw(encodeMulaw(frameOf(1234)))].slice(0, 2),
    );
    assert.equal(s.stats().packetsSent, 2);
  });

  it('counts the ICMP refusal of a departed peer, and after a re-INVITE goes back to dgram events', async () => {
    const caller = await peer();
    const next = await peer();
    const s = await session({ remote: { address: HOST, port: caller.port }, pollSockets: true });
    caller.send(pcmu(1, 0x80), s.localPort);
    await waitFor(() => s.stats().latched, 'latched');
    caller.close();
    peers.splice(peers.indexOf(caller), 1);
    s.sendFrame(frameOf(1));
    await sleep(20);
    s.pullFrame();
    s.sendFrame(frameOf(2));
    assert.ok(s.stats().socketErrors >= 1, 'ECONNREFUSED counted, nothing thrown');

    await s.updateRemote({ address: HOST, port: next.port });
    next.send(pcmu(100, 0x90, 0x7777), s.localPort);
    // Not latched (socket not connected): dgram events read it without any pullFrame.
    await waitFor(() => s.stats().latched && s.stats().sendingTo.port === next.port, 'latched again');
    // Latched again: polled again. The new SSRC is followed from its second packet in sequence (RFC 3550 A.1).
    next.send(pcmu(101, 0x90, 0x7777), s.localPort);
    await sleep(30);
    assert.equal(s.stats().packetsReceived, 1);
    s.pullFrame();
    assert.equal(s.stats().packetsReceived, 2);
  });
});

describe('RtpSession: loss, reorder and sources', () => {
  /** A raw sender of PCMU packets whose payload is filled with `code`. */
  const rtp = (seq: number, code: number, ssrc = 0xabc): Buffer =>
    serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: seq & 0xffff,
      timestamp: (seq * 160) >>> 0,
      ssrc,
      payload: Buffer.alloc(160, code),
    });

  it('reorders, conceals a lost packet as silence, and counts loss, lateness and duplicates', async () => {
    const sender = await peer();
    const s = await session({ remote: { address: HOST, port: sender.port } });
    // Codes 0x80 + n decode to distinct levels; packet 4 is lost, 6 and 7 swapped, 2 duplicated.
    for (const seq of [1, 2, 2, 3, 5, 7, 6, 8]) {
      sender.send(rtp(seq, 0x80 + seq), s.localPort);
    }
    await waitFor(() => s.stats().packetsReceived === 8, 'all datagrams');
    const level = (seq: number): number => decodeMulaw(Buffer.from([0x80 + seq]))[0]!;
    const got = Array.from({ length: 8 }, () => s.pullFrame()[0]);
    assert.deepEqual(got, [level(1), level(2), level(3), 0, level(5), level(6), level(7), level(8)]);
    sender.send(rtp(4, 0x84), s.localPort);
    await waitFor(() => s.stats().late === 1, 'late packet 4');
    const stats = s.stats();
    assert.equal(stats.expected, 8);
    // A.3 counts every packet received, the duplicate and the late one too: 8 expected − 9 received.
    assert.equal(stats.lost, -1);
    assert.equal(stats.packetsReceived, 9);
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.jitterBuffer.concealed, 1);
  });

  it('follows a new SSRC after two packets in sequence, and decodes 30 ms packets at the right pace', async () => {
    const sender = await peer();
    const s = await session({ remote: { address: HOST, port: sender.port } });
    const changes: number[] = [];
    s.on('sourceChanged', (ssrc) => changes.push(ssrc));
    sender.send(rtp(10, 0x90, 1), s.localPort);
    await waitFor(() => s.stats().packetsReceived === 1, 'first source');
    sender.send(rtp(500, 0xa0, 2), s.localPort);
    await waitFor(() => s.stats().discarded === 1, 'stray packet of a new SSRC');
    assert.deepEqual(changes, []);
    // 30 ms packets (240 samples) from the new source, in sequence.
    for (const seq of [501, 502, 503]) {
      const payload = Buffer.alloc(240, 0xa0 + seq - 500);
      sender.send(
        serializeRtp({
          marker: false,
          payloadType: 0,
          sequenceNumber: seq,
          timestamp: seq * 240,
          ssrc: 2,
          payload,
        }),
        s.localPort,
      );
    }
    await waitFor(() => changes.length === 1, 'source change');
    assert.deepEqual(changes, [2]);
    assert.equal(s.stats().remoteSsrc, 2);
    await waitFor(() => s.stats().packetsReceived === 4, 'new source packets');
    const frames = Array.from({ length: 5 }, () => s.pullFrame());
    const level = (code: number): number => decodeMulaw(Buffer.from([code]))[0]!;
    // 3 × 240 samples = 720 = 4.5 frames: 160 of 501, 80 of 501 + 80 of 502, 160 of 502, 160 of 503, 80 of 503 + silence.
    assert.deepEqual(
      frames.map((f) => [f[0], f[159]]),
      [
        [level(0xa1), level(0xa1)],
        [level(0xa1), level(0xa2)],
        [level(0xa2), level(0xa2)],
        [level(0xa3), level(0xa3)],
        [level(0xa3), 0],
      ],
    );
  });
});

describe('RtpSession: DTMF (RFC 4733)', () => {
  it('sends queued digits in place of audio and the other side emits one event per digit', async () => {
    const { a, b } = await pair({ telephoneEventPayloadType: 101 });
    const digits: DtmfEvent[] = [];
    const starts: string[] = [];
    b.on('dtmf', (d) => digits.push(d));
    b.on('dtmfStart', (d) => starts.push(d));
    assert.equal(a.sendDtmf('12#', { durationMs: 60, pauseMs: 40 }), true);
    for (let tick = 0; tick < 30; tick++) {
      a.sendFrame(frameOf(500));
    }
    await waitFor(() => digits.length === 3, 'three digits');
    assert.deepEqual(
      digits,
      ['1', '2', '#'].map((digit) => ({ digit, source: 'rfc4733', durationMs: 60 })),
    );
    assert.deepEqual(starts, ['1', '2', '#']);
    // 3 digits × (3 ticks + 2 extra end packets) = 15 event packets and 15 audio packets, all with one sequence.
    await waitFor(() => b.stats().packetsReceived === 30, 'all packets');
    assert.equal(b.stats().lost, 0);
    assert.equal(b.stats().jitterBuffer.concealed, 0);
  });

  it('refuses DTMF when telephone-event was not negotiated, and ignores a listener that throws', async () => {
    const { a, b } = await pair({ telephoneEventPayloadType: 101 });
    const plain = await session({ remote: { address: HOST, port: a.localPort } });
    assert.equal(plain.sendDtmf('1'), false);
    let calls = 0;
    b.on('dtmf', () => {
      calls++;
      throw new Error('listener bug');
    });
    a.sendDtmf('55', { durationMs: 40, pauseMs: 20 });
    for (let tick = 0; tick < 12; tick++) {
      a.sendFrame(frameOf(0));
    }
    await waitFor(() => calls === 2, 'both digits despite the throwing listener');
  });
});

describe('RtpSession: RTCP', () => {
  it('sends SR + SDES CNAME to port + 1 about every interval, and measures the round trip', async () => {
    const { a, b } = await pair({ rtcpIntervalMs: 60, cname: 'ivr@test' });
    const seen: RtcpPacket[][] = [];
    b.on('rtcp', (packets) => seen.push(packets));
    const timer = setInterval(() => {
      a.sendFrame(frameOf(10));
      b.sendFrame(frameOf(20));
      a.pullFrame();
      b.pullFrame();
    }, 20);
    try {
      await waitFor(
        () => a.stats().roundTripMs !== undefined && b.stats().roundTripMs !== undefined,
        'RTT both ways',
        4000,
      );
    } finally {
      clearInterval(timer);
    }
    const report = seen.find((packets) => packets[0]?.type === 'sr');
    assert.ok(report, 'an SR reached b');
    const sr = report[0];
    assert.equal(sr?.type === 'sr' && sr.ssrc, a.stats().ssrc);
    assert.equal(sr?.type === 'sr' && sr.reports[0]?.ssrc, b.stats().ssrc, 'with a block about b');
    assert.ok(report.some((p) => p.type === 'sdes' && p.chunks[0]?.items[0]?.value === 'ivr@test'));
    const stats = a.stats();
    // Below the 5 s minimum, the interval follows the bandwidth rule (≈ 0.5 s for two G.711 members, §6.2).
    assert.ok(stats.rtcpSent >= 1 && stats.rtcpReceived >= 1);
    assert.ok(stats.roundTripMs! >= 0 && stats.roundTripMs! < 100, `rtt ${stats.roundTripMs}`);
    assert.equal(stats.remote?.cumulativeLost, 0);
  });

  it('sends RR while only listening, to the SDP port + 1 (RFC 3550 §11)', async () => {
    const base = await freeEvenRange(2);
    const farRtp = await peer(base);
    const farRtcp = await peer(base + 1);
    await session({ remote: { address: HOST, port: farRtp.port }, rtcpIntervalMs: 40 });
    await waitFor(() => farRtcp.received.length >= 1, 'a report on port + 1');
    const report = parseRtcp(farRtcp.received[0]!.data)!;
    assert.deepEqual(
      report.map((p) => p.type),
      ['rr', 'sdes'],
    );
    assert.equal(report[0]?.type === 'rr' && report[0].reports.length, 0, 'no block: nothing received yet');
    assert.equal(farRtp.received.length, 0);
  });

  it('with rtcp-mux, reports on the RTP port, and sends BYE on close (RFC 3550 §6.6)', async () => {
    const far = await peer();
    const s = await session({ remote: { address: HOST, port: far.port }, rtcpMux: true, rtcpIntervalMs: 40 });
    await waitFor(() => far.received.length >= 1, 'a report on the muxed port');
    assert.equal(parseRtcp(far.received[0]!.data)?.[0]?.type, 'rr');
    const ssrc = s.stats().ssrc;
    s.close('done');
    s.close();
    assert.equal(s.state, 'closed');
    const byes = (): RtcpPacket[] =>
      far.received.flatMap((r) => parseRtcp(r.data) ?? []).filter((p) => p.type === 'bye');
    await waitFor(() => byes().length === 1, 'BYE');
    assert.deepEqual(byes()[0], { type: 'bye', ssrcs: [ssrc], reason: 'done' });
  });

  it('emits bye when the peer leaves, and releases the leased port on close', async () => {
    const { a, b, pool } = await pair();
    const byes: (string | undefined)[] = [];
    b.on('bye', (reason) => byes.push(reason));
    a.sendFrame(frameOf(1));
    await waitFor(() => b.stats().packetsReceived === 1, 'b hears a');
    const closed: boolean[] = [];
    a.on('close', () => closed.push(true));
    a.close('hangup');
    await waitFor(() => byes.length === 1, 'bye');
    assert.deepEqual(byes, ['hangup']);
    assert.deepEqual(closed, [true]);
    assert.equal(pool.allocated, 1);
    a.sendFrame(frameOf(1));
    assert.equal(a.stats().packetsSent, 1, 'nothing sent after close');
  });
});

describe('RtpSession: options', () => {
  it('rejects invalid options before binding anything', async () => {
    await assert.rejects(RtpSession.open({ codec: 'PCMU', remote: { address: HOST, port: 0 } }), RangeError);
    await assert.rejects(
      RtpSession.open({
        codec: 'PCMU',
        payloadType: 101,
        telephoneEventPayloadType: 101,
        remote: { address: HOST, port: 4000 },
      }),
      RangeError,
    );
    await assert.rejects(
      RtpSession.open({ codec: 'PCMU', cname: 'x'.repeat(256), remote: { address: HOST, port: 4000 } }),
      RangeError,
    );
  });

  it('binds its own RTP/RTCP pair when given no lease', async () => {
    const far = await peer();
    const s = await session({ remote: { address: HOST, port: far.port } });
    assert.equal(s.localPort % 2, 0);
    assert.throws(() => s.sendFrame(new Int16Array(0)), RangeError);
    assert.throws(() => s.pullFrame(new Int16Array(10)), RangeError);
  });
});
