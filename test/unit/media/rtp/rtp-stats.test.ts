import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpStats } from '../../../../src/media/rtp/rtp-stats.js';

/** Feeds packets of SSRC 7 arriving every 20 ms with timestamps 160 apart, optionally delayed. */
function feed(stats: RtpStats, seqs: number[], delayMs: (i: number) => number = () => 0): void {
  seqs.forEach((seq, i) => {
    stats.recordReceived(7, seq & 0xffff, (seq * 160) >>> 0, 160, seq * 20 + delayMs(i));
  });
}

describe('RtpStats', () => {
  it('counts sent packets and payload octets for the SR (RFC 3550 §6.4.1)', () => {
    const stats = new RtpStats();
    stats.recordSent(160);
    stats.recordSent(4);
    assert.equal(stats.sentPacketCount, 2);
    assert.equal(stats.sentOctetCount, 164);
    const snap = stats.snapshot();
    assert.equal(snap.packetsSent, 2);
    assert.equal(snap.bytesSent, 164);
  });

  it('computes expected and lost from the extended sequence numbers (A.3)', () => {
    const stats = new RtpStats();
    feed(stats, [100, 101, 103, 104, 107]);
    const snap = stats.snapshot();
    assert.equal(snap.packetsReceived, 5);
    assert.equal(snap.bytesReceived, 800);
    assert.equal(snap.expected, 8);
    assert.equal(snap.lost, 3);
  });

  it('extends the sequence across the 16-bit wrap (A.1 cycles)', () => {
    const stats = new RtpStats();
    feed(stats, [65533, 65534, 65535, 65536, 65537]);
    const block = stats.takeReportBlock(0)!;
    assert.equal(block.extendedHighestSequence, 0x10001);
    assert.equal(block.cumulativeLost, 0);
    assert.equal(stats.snapshot().expected, 5);
  });

  it('reports the fraction lost per interval, as 8-bit fixed point (A.3)', () => {
    const stats = new RtpStats();
    feed(stats, [1, 2, 3, 4]);
    assert.equal(stats.takeReportBlock(0)!.fractionLost, 0);
    // Next interval: 5..8 expected, 6 and 7 lost → 2/4 = 128/256.
    feed(stats, [5, 8]);
    const block = stats.takeReportBlock(0)!;
    assert.equal(block.fractionLost, 128);
    assert.equal(block.cumulativeLost, 2);
    assert.equal(stats.snapshot().fractionLost, 0.5);
  });

  it('lets duplicates make the loss negative, as A.3 says', () => {
    const stats = new RtpStats();
    feed(stats, [1, 2, 2, 3]);
    assert.equal(stats.snapshot().lost, -1);
  });

  it('restarts the statistics after a confirmed sequence jump (A.1 bad_seq)', () => {
    const stats = new RtpStats();
    feed(stats, [10, 11, 12]);
    assert.equal(stats.recordReceived(7, 40000, 0, 160, 1000), false);
    assert.equal(stats.recordReceived(7, 40001, 160, 160, 1020), true);
    const snap = stats.snapshot();
    assert.equal(snap.expected, 1);
    assert.equal(snap.lost, 0);
  });

  it('estimates zero jitter for a perfectly paced stream and converges to the delay variation (A.8)', () => {
    const steady = new RtpStats();
    feed(
      steady,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(steady.snapshot().jitterMs, 0);
    // Alternating 0 / 10 ms extra delay: |D| = 10 ms every packet, so J → 10 ms (80 timestamp units).
    const jittery = new RtpStats();
    feed(
      jittery,
      Array.from({ length: 400 }, (_, i) => i),
      (i) => (i % 2) * 10,
    );
    assert.ok(Math.abs(jittery.snapshot().jitterMs - 10) < 0.01, `jitter ${jittery.snapshot().jitterMs}`);
    assert.equal(jittery.takeReportBlock(0)!.jitter, 79);
  });

  it('ignores the RTP timestamp wrap when measuring jitter', () => {
    const stats = new RtpStats();
    const base = 0xffffff00;
    for (let i = 0; i < 10; i++) {
      stats.recordReceived(7, i, (base + i * 160) >>> 0, 160, i * 20);
    }
    assert.equal(stats.snapshot().jitterMs, 0);
  });

  it('fills LSR/DLSR from the last SR and computes the round trip from a block about us (§6.4.1)', () => {
    const stats = new RtpStats();
    feed(stats, [1]);
    stats.recordSenderReport(0x12345678, 1000);
    const block = stats.takeReportBlock(1500)!;
    assert.equal(block.lastSenderReport, 0x12345678);
    assert.equal(block.delaySinceLastSenderReport, 32768);
    // We sent an SR at middle-NTP 0x10000 (1 s); the peer held it 0.25 s; its RR reaches us at 1.5 s → RTT 250 ms.
    stats.recordRemoteReport(
      {
        ssrc: 9,
        fractionLost: 64,
        cumulativeLost: 3,
        extendedHighestSequence: 0,
        jitter: 160,
        lastSenderReport: 0x10000,
        delaySinceLastSenderReport: 0x4000,
      },
      0x18000,
    );
    const snap = stats.snapshot();
    assert.equal(snap.roundTripMs, 250);
    assert.deepEqual(snap.remote, { fractionLost: 0.25, cumulativeLost: 3, jitterMs: 20 });
  });

  it('has no report block before receiving anything', () => {
    const stats = new RtpStats();
    assert.equal(stats.takeReportBlock(0), undefined);
    assert.equal(stats.hasReceived, false);
    assert.equal(stats.snapshot().expected, 0);
  });

  it('counts what the jitter buffer and the socket layer report', () => {
    const stats = new RtpStats();
    stats.countLate();
    stats.countDuplicate();
    stats.countDiscarded();
    stats.countRtcpSent();
    stats.countRtcpReceived();
    const snap = stats.snapshot();
    assert.deepEqual(
      [snap.late, snap.duplicates, snap.discarded, snap.rtcpSent, snap.rtcpReceived],
      [1, 1, 1, 1, 1],
    );
  });
});
