import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../../src/shared/clock.js';
import { parseRtp, type RtpPacket } from '../../../../src/media/rtp/rtp-packet.js';
import { RtpPacketizer } from '../../../../src/media/rtp/rtp-packetizer.js';
import { RtpStats } from '../../../../src/media/rtp/rtp-stats.js';
import { parseTelephoneEvent } from '../../../../src/media/dtmf/rfc4733.js';

function packetizer(telephoneEventPayloadType?: number): {
  p: RtpPacketizer;
  sent: RtpPacket[];
  buffers: Buffer[];
  stats: RtpStats;
  clock: ManualClock;
} {
  const sent: RtpPacket[] = [];
  const buffers: Buffer[] = [];
  const stats = new RtpStats();
  const clock = new ManualClock();
  const p = new RtpPacketizer({
    codec: 'PCMA',
    payloadType: 8,
    telephoneEventPayloadType,
    stats,
    clock,
    transmit: (packet) => {
      buffers.push(packet);
      // Copy: the packetizer reuses its buffers.
      sent.push(parseRtp(Buffer.from(packet))!);
    },
  });
  return { p, sent, buffers, stats, clock };
}

describe('RtpPacketizer', () => {
  it('keeps one sequence across audio and DTMF, with the event start timestamp on event packets', () => {
    const { p, sent } = packetizer(101);
    p.sendFrame(new Int16Array(160));
    p.sendDtmf('4', { durationMs: 40, pauseMs: 20 });
    for (let i = 0; i < 6; i++) {
      p.sendFrame(new Int16Array(160));
    }
    assert.deepEqual(
      sent.map((x) => x.payloadType),
      [8, 101, 101, 101, 101, 8, 8],
    );
    const seq0 = sent[0]!.sequenceNumber;
    sent.forEach((x, i) => assert.equal(x.sequenceNumber, (seq0 + i) & 0xffff));
    const ts0 = sent[0]!.timestamp;
    const rel = sent.map((x) => (x.timestamp - ts0) >>> 0);
    // Event packets (ticks 1-4) all carry the tick the event started on; audio follows the clock, during the
    // pause between digits too.
    assert.deepEqual(rel, [0, 160, 160, 160, 160, 800, 960]);
    assert.deepEqual(
      sent.map((x) => x.marker),
      [true, true, false, false, false, false, false],
    );
    assert.equal(parseTelephoneEvent(sent[4]!.payload)?.end, true);
  });

  it('reuses a ring of packet buffers for 20 ms frames and allocates for other sizes', () => {
    const { p, buffers } = packetizer();
    for (let i = 0; i < 5; i++) {
      p.sendFrame(new Int16Array(160));
    }
    assert.equal(new Set(buffers).size, 4);
    assert.equal(buffers[4], buffers[0]);
    p.sendFrame(new Int16Array(240));
    assert.equal(buffers[5]!.length, 12 + 240);
  });

  it('counts what it sends and remembers the last timestamp for the SR', () => {
    const { p, stats, clock, sent } = packetizer();
    assert.equal(p.lastSent(), undefined);
    clock.advance(40);
    p.sendSilence(160);
    assert.equal(stats.sentPacketCount, 1);
    assert.equal(stats.sentOctetCount, 160);
    assert.deepEqual(p.lastSent(), { timestamp: sent[0]!.timestamp, atMs: 40 });
    assert.ok(
      sent[0]!.payload.every((b) => b === 0xd5),
      'A-law silence',
    );
  });

  it('rejects frames it cannot packetise, and DTMF without telephone-event', () => {
    const { p } = packetizer();
    assert.throws(() => p.sendFrame(new Int16Array(481)), RangeError);
    assert.throws(() => p.skipFrame(0), RangeError);
    assert.equal(p.sendDtmf('1'), false);
  });
});
