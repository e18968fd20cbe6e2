import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RTP_HEADER_LENGTH,
  emptyRtpHeader,
  isRtcpPacket,
  parseRtp,
  readRtpHeader,
  serializeRtp,
  writeRtpHeader,
} from '../../../../src/media/rtp/rtp-packet.js';
import { extendSequence, sequenceDelta } from '../../../../src/media/rtp/rtp-sequence.js';

describe('RTP packet (RFC 3550 §5.1)', () => {
  it('parses a hand-written header: V=2, M, PT 8, seq, timestamp, SSRC', () => {
    const packet = Buffer.from('8088fffe0000a0001234abcd' + 'd5d5d5d5', 'hex');
    const parsed = parseRtp(packet)!;
    assert.equal(parsed.version, 2);
    assert.equal(parsed.marker, true);
    assert.equal(parsed.payloadType, 8);
    assert.equal(parsed.sequenceNumber, 0xfffe);
    assert.equal(parsed.timestamp, 0xa000);
    assert.equal(parsed.ssrc, 0x1234abcd);
    assert.equal(parsed.padding, false);
    assert.equal(parsed.extension, false);
    assert.deepEqual(parsed.csrcs, []);
    assert.deepEqual(parsed.payload, Buffer.from('d5d5d5d5', 'hex'));
  });

  it('returns the payload as a view, without copying', () => {
    const packet = Buffer.from('8000000100000000000000017f7f', 'hex');
    const parsed = parseRtp(packet)!;
    packet[12] = 0x01;
    assert.equal(parsed.payload[0], 0x01);
  });

  it('writes a header into a reused buffer, reducing seq and timestamp modulo 2^16 and 2^32', () => {
    const buf = Buffer.alloc(RTP_HEADER_LENGTH + 4, 0xaa);
    const end = writeRtpHeader(buf, {
      marker: false,
      payloadType: 0,
      sequenceNumber: 0x10001,
      timestamp: 0x1_0000_0005,
      ssrc: 0xdeadbeef,
    });
    assert.equal(end, RTP_HEADER_LENGTH);
    assert.equal(buf.subarray(0, 12).toString('hex'), '8000000100000005deadbeef');
    assert.equal(buf[12], 0xaa);
    const parsed = parseRtp(buf)!;
    assert.equal(parsed.sequenceNumber, 1);
    assert.equal(parsed.ssrc, 0xdeadbeef);
    assert.throws(() =>
      writeRtpHeader(buf, { marker: false, payloadType: 128, sequenceNumber: 0, timestamp: 0, ssrc: 0 }),
    );
  });

  it('round-trips CSRCs, a header extension and padding', () => {
    const payload = Buffer.from([1, 2, 3]);
    const packet = serializeRtp({
      marker: true,
      payloadType: 101,
      sequenceNumber: 7,
      timestamp: 160,
      ssrc: 42,
      csrcs: [1, 0xffffffff],
      headerExtension: { profile: 0xbede, data: Buffer.from([9, 9, 9, 9]) },
      paddingLength: 5,
      payload,
    });
    assert.equal(packet.length, 12 + 8 + 8 + 3 + 5);
    const parsed = parseRtp(packet)!;
    assert.equal(parsed.csrcCount, 2);
    assert.deepEqual(parsed.csrcs, [1, 0xffffffff]);
    assert.equal(parsed.headerExtension?.profile, 0xbede);
    assert.deepEqual(parsed.headerExtension?.data, Buffer.from([9, 9, 9, 9]));
    assert.equal(parsed.paddingLength, 5);
    assert.deepEqual(parsed.payload, payload);
    assert.equal(parsed.marker, true);
    assert.equal(parsed.payloadType, 101);
  });

  it('rejects invalid packets (RFC 3550 A.1 checks)', () => {
    const good = serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: 1,
      timestamp: 1,
      ssrc: 1,
      payload: Buffer.alloc(4),
    });
    assert.ok(parseRtp(good));
    assert.equal(parseRtp(good.subarray(0, 11)), undefined, 'shorter than the fixed header');
    const v1 = Buffer.from(good);
    v1[0] = 0x40;
    assert.equal(parseRtp(v1), undefined, 'version 1');
    const csrcOverflow = Buffer.from(good);
    csrcOverflow[0] = 0x80 | 0x0f;
    assert.equal(parseRtp(csrcOverflow), undefined, 'CSRC list past the end');
    const extOverflow = Buffer.from(good);
    extOverflow[0] = 0x90;
    extOverflow.writeUInt16BE(5, 14); // 5 words of extension, only 0 present
    assert.equal(parseRtp(extOverflow), undefined, 'extension header past the end');
    const zeroPadding = Buffer.from(good);
    zeroPadding[0] = 0xa0;
    zeroPadding[zeroPadding.length - 1] = 0;
    assert.equal(parseRtp(zeroPadding), undefined, 'padding count 0');
    const hugePadding = Buffer.from(good);
    hugePadding[0] = 0xa0;
    hugePadding[hugePadding.length - 1] = 5;
    assert.equal(parseRtp(hugePadding), undefined, 'padding longer than the payload');
  });

  it('reads a header in place from the first `length` octets of a larger read buffer', () => {
    const datagram = serializeRtp({
      marker: true,
      payloadType: 0,
      sequenceNumber: 0xfffe,
      timestamp: 0xfffffff0,
      ssrc: 0x80000001,
      payload: Buffer.from([1, 2, 3, 4, 5]),
      paddingLength: 3,
    });
    const readBuffer = Buffer.alloc(1500);
    datagram.copy(readBuffer);
    const header = emptyRtpHeader();
    assert.equal(readRtpHeader(readBuffer, datagram.length, header), true);
    assert.deepEqual(header, {
      marker: true,
      payloadType: 0,
      sequenceNumber: 0xfffe,
      timestamp: 0xfffffff0,
      ssrc: 0x80000001,
      csrcCount: 0,
      extensionOffset: -1,
      payloadOffset: 12,
      payloadLength: 5,
      paddingLength: 3,
    });
    // The padding count is the datagram's last octet, not the read buffer's (0 here: invalid).
    assert.equal(readRtpHeader(readBuffer, readBuffer.length, header), false);
    assert.equal(readRtpHeader(readBuffer, readBuffer.length + 1, header), false, 'length beyond the buffer');
  });

  it('tells RTCP from RTP on a muxed port by the second octet (RFC 5761 §4)', () => {
    assert.equal(isRtcpPacket(Buffer.from([0x80, 200, 0, 6])), true, 'SR');
    assert.equal(isRtcpPacket(Buffer.from([0x81, 201, 0, 7])), true, 'RR');
    assert.equal(isRtcpPacket(Buffer.from([0x80, 203, 0, 1])), true, 'BYE');
    assert.equal(isRtcpPacket(Buffer.from([0x80, 0x00, 0, 1])), false, 'PCMU');
    assert.equal(isRtcpPacket(Buffer.from([0x80, 0x80 | 101, 0, 1])), false, 'telephone-event with marker');
    assert.equal(isRtcpPacket(Buffer.from([0x80, 191])), false, 'marker + PT 63');
    assert.equal(isRtcpPacket(Buffer.from([0x80, 224])), false, 'marker + PT 96');
    assert.equal(isRtcpPacket(Buffer.from([0x00, 200])), false, 'not version 2');
  });
});

describe('RTP sequence arithmetic (RFC 3550 A.1)', () => {
  it('computes signed 16-bit differences across the wrap', () => {
    assert.equal(sequenceDelta(1, 0xffff), 2);
    assert.equal(sequenceDelta(0xffff, 1), -2);
    assert.equal(sequenceDelta(100, 100), 0);
    assert.equal(sequenceDelta(0x8000, 0), -0x8000);
  });

  it('extends sequence numbers near a reference', () => {
    assert.equal(extendSequence(2, 0x1fffe), 0x20002);
    assert.equal(extendSequence(0xfffe, 0x20001), 0x1fffe);
  });
});
