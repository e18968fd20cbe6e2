import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  cnameOf,
  parseRtcp,
  type RtcpReportBlock,
} from '../../../../src/media/rtp/rtcp.js';
import { RTCP_MIN_INTERVAL_MS, rtcpIntervalMs } from '../../../../src/media/rtp/rtcp-interval.js';
import {
  msToNtpShort,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpShortToMs,
} from '../../../../src/media/rtp/ntp-time.js';
import { isRtcpPacket } from '../../../../src/media/rtp/rtp-packet.js';

const block: RtcpReportBlock = {
  ssrc: 0x11223344,
  fractionLost: 64,
  cumulativeLost: -3,
  extendedHighestSequence: 0x0001ffff,
  jitter: 77,
  lastSenderReport: 0xaabbccdd,
  delaySinceLastSenderReport: 65536,
};

describe('RTCP build (RFC 3550 §6.4-6.6)', () => {
  it('builds an RR with the length in 32-bit words minus one', () => {
    const rr = buildReceiverReport(0x01020304, [block]);
    assert.equal(rr.length, 32);
    assert.equal(rr.toString('hex', 0, 8), '81c9000701020304');
    // fraction 64, cumulative lost -3 as 24-bit two's complement.
    assert.equal(rr.toString('hex', 12, 16), '40fffffd');
    assert.equal(buildReceiverReport(1).toString('hex'), '80c9000100000001');
  });

  it('builds an SR with sender info', () => {
    const sr = buildSenderReport(
      5,
      {
        ntpSeconds: 0xe0000000,
        ntpFraction: 0x80000000,
        rtpTimestamp: 160,
        packetCount: 10,
        octetCount: 1600,
      },
      [],
    );
    assert.equal(sr.length, 28);
    assert.equal(
      sr.toString('hex'),
      '80c80006' + '00000005' + 'e000000080000000' + '000000a0' + '0000000a' + '00000640',
    );
  });

  it('builds SDES CNAME with a null terminator padded to 32 bits', () => {
    const sdes = buildSdesCname(9, 'ab');
    // header 4 + ssrc 4 + type/len 2 + "ab" 2 = 12, plus the mandatory null item → 16.
    assert.equal(sdes.length, 16);
    assert.equal(sdes.toString('hex'), '81ca0003' + '00000009' + '0102' + '6162' + '00000000');
    assert.equal(buildSdesCname(9, 'abcd').length, 16);
  });

  it('builds BYE with and without a reason', () => {
    assert.equal(buildBye([7]).toString('hex'), '81cb000100000007');
    const bye = buildBye([7], 'bye');
    assert.equal(bye.length, 12);
    assert.equal(bye.toString('hex'), '81cb00020000000703627965');
  });

  it('clamps cumulative lost to 24 bits', () => {
    const parsed = parseRtcp(buildReceiverReport(1, [{ ...block, cumulativeLost: 1e9 }]))!;
    assert.equal(parsed[0]?.type === 'rr' && parsed[0].reports[0]?.cumulativeLost, 0x7fffff);
  });
});

describe('RTCP parse (RFC 3550 A.2)', () => {
  it('round-trips a compound SR + SDES + BYE', () => {
    const compound = buildCompound([
      buildSenderReport(
        42,
        { ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 },
        [block],
      ),
      buildSdesCname(42, 'caller@example.net'),
      buildBye([42], 'hang up'),
    ]);
    assert.equal(isRtcpPacket(compound), true);
    const packets = parseRtcp(compound)!;
    assert.equal(packets.length, 3);
    const [sr, sdes, bye] = packets;
    assert.equal(sr?.type, 'sr');
    if (sr?.type === 'sr') {
      assert.equal(sr.ssrc, 42);
      assert.deepEqual(sr.senderInfo, {
        ntpSeconds: 1,
        ntpFraction: 2,
        rtpTimestamp: 3,
        packetCount: 4,
        octetCount: 5,
      });
      assert.deepEqual(sr.reports, [block]);
    }
    assert.equal(sdes?.type, 'sdes');
    assert.equal(cnameOf(packets, 42), 'caller@example.net');
    assert.deepEqual(bye, { type: 'bye', ssrcs: [42], reason: 'hang up' });
  });

  it('keeps unknown packet types (APP, feedback) as opaque entries', () => {
    const app = Buffer.from('80cc000200000001' + '6e616d65', 'hex');
    const packets = parseRtcp(buildCompound([buildReceiverReport(1), app]))!;
    assert.equal(packets[1]?.type, 'other');
    assert.equal(packets[1]?.type === 'other' && packets[1].packetType, 204);
  });

  it('accepts padding on the last packet only', () => {
    const padded = Buffer.concat([buildReceiverReport(1), Buffer.from([0, 0, 0, 4])]);
    padded[0] = padded[0]! | 0x20;
    padded.writeUInt16BE(2, 2);
    assert.equal(parseRtcp(padded)?.length, 1);
    const paddedFirst = buildCompound([Buffer.from(padded), buildSdesCname(1, 'x')]);
    assert.equal(parseRtcp(paddedFirst), undefined);
  });

  it('rejects malformed datagrams', () => {
    const rr = buildReceiverReport(1, [block]);
    assert.equal(parseRtcp(Buffer.alloc(0)), undefined);
    assert.equal(parseRtcp(rr.subarray(0, rr.length - 4)), undefined, 'length beyond the datagram');
    const v1 = Buffer.from(rr);
    v1[0] = 0x41;
    assert.equal(parseRtcp(v1), undefined, 'version 1');
    const countTooBig = Buffer.from(rr);
    countTooBig[0] = 0x82;
    assert.equal(parseRtcp(countTooBig), undefined, 'two report blocks announced, one present');
    assert.equal(parseRtcp(Buffer.concat([rr, Buffer.from([0x80])])), undefined, 'trailing garbage');
  });
});

describe('NTP timestamps and the RTCP interval', () => {
  it('converts Unix time to NTP (1900 epoch) and takes the middle 32 bits', () => {
    const ntp = ntpFromUnixMs(1500);
    assert.equal(ntp.seconds, 2_208_988_801);
    assert.equal(ntp.fraction, 0x80000000);
    assert.equal(ntpMiddle32({ seconds: 0x12345678, fraction: 0x9abcdef0 }), 0x56789abc);
    assert.equal(msToNtpShort(1000), 65536);
    assert.equal(ntpShortToMs(32768), 500);
  });

  it('keeps two-party reports at the 5 s minimum, randomised in [0.5, 1.5] / (e - 3/2) (RFC 3550 §6.3.1)', () => {
    const input = {
      members: 2,
      senders: 2,
      weSent: true,
      sessionBandwidth: 10_000,
      averageRtcpSize: 100,
      initial: false,
    };
    const compensation = Math.E - 1.5;
    assert.equal(
      rtcpIntervalMs(input, () => 0),
      (RTCP_MIN_INTERVAL_MS * 0.5) / compensation,
    );
    assert.equal(
      rtcpIntervalMs(input, () => 0.5),
      RTCP_MIN_INTERVAL_MS / compensation,
    );
    assert.equal(
      rtcpIntervalMs({ ...input, initial: true }, () => 0.5),
      RTCP_MIN_INTERVAL_MS / 2 / compensation,
    );
    // With little bandwidth the computed interval exceeds the minimum: n × size / (5 % of bandwidth).
    assert.equal(
      rtcpIntervalMs({ ...input, sessionBandwidth: 500 }, () => 0.5),
      (2 * 100 * 1000) / 25 / compensation,
    );
  });
});
