import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALAW_SILENCE,
  MULAW_SILENCE,
  decodeAlaw,
  decodeMulaw,
  decoderFor,
  encodeAlaw,
  encodeMulaw,
  encoderFor,
  silenceCodeFor,
} from '../../../../src/media/codec/g711.js';

const ALL_CODES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

const mu = (...samples: number[]): number[] => [...encodeMulaw(Int16Array.from(samples))];
const a = (...samples: number[]): number[] => [...encodeAlaw(Int16Array.from(samples))];

describe('G.711 µ-law (ITU-T G.711 §3, Table 2)', () => {
  it('encodes the zero region: +0 → 0xFF, -1 → 0x7F (sign bit only differs)', () => {
    assert.deepEqual(mu(0, 1, 3, -1, -4), [0xff, 0xff, 0xff, 0x7f, 0x7f]);
  });

  it('encodes segment 0 in steps of 2 (14-bit) = 8 (16-bit) and starts segment 1 at 31 (14-bit)', () => {
    // 14-bit magnitude 1 → interval 1 of segment 0: codeword ~0x01.
    assert.deepEqual(mu(4, 8, 12), [0xfe, 0xfe, 0xfd]);
    // Biased magnitude 63 is the top of segment 0 (mantissa 15), 64 the bottom of segment 1.
    assert.deepEqual(mu(123, 124), [0xf0, 0xef]);
    // Negative samples take their one's complement first (G.191): -124 → 123, -125 → 124.
    assert.deepEqual(mu(-124, -125, -128), [0x70, 0x6f, 0x6f]);
  });

  it('saturates at full scale: 0x80 and 0x00', () => {
    assert.deepEqual(mu(32767, 32124, 32000, -32768, -32124), [0x80, 0x80, 0x80, 0x00, 0x00]);
  });

  it('decodes to the middle of each interval, ±32124 at the ends', () => {
    assert.deepEqual(
      [...decodeMulaw(Buffer.from([0xff, 0x7f, 0xfe, 0xf0, 0xef, 0x80, 0x00]))],
      [0, 0, 8, 120, 132, 32124, -32124],
    );
  });

  it('decode → encode gives back every codeword except negative zero (0x7F decodes to 0 = 0xFF)', () => {
    const back = encodeMulaw(decodeMulaw(ALL_CODES));
    for (let code = 0; code < 256; code++) {
      assert.equal(back[code], code === 0x7f ? 0xff : code, `code 0x${code.toString(16)}`);
    }
  });

  it('doubles the step size from segment to segment (8 segments × 16 intervals per sign)', () => {
    const positive = [...decodeMulaw(ALL_CODES)].filter((v, i) => i >= 0x80).sort((x, y) => x - y);
    for (let segment = 0; segment < 8; segment++) {
      const levels = positive.slice(segment * 16, segment * 16 + 16);
      const steps = new Set(levels.slice(1).map((v, i) => v - levels[i]!));
      assert.deepEqual([...steps], [8 << segment], `segment ${segment}`);
    }
  });
});

describe('G.711 A-law (ITU-T G.711 §2, Table 1)', () => {
  it('encodes 0 → 0xD5 and -1 → 0x55 (even bits inverted, sign bit set for positive)', () => {
    assert.deepEqual(a(0, 15, -1, -16), [0xd5, 0xd5, 0x55, 0x55]);
  });

  it('encodes segment and mantissa boundaries', () => {
    // 13-bit magnitude 2 is interval 1 of segment 0; 32 starts segment 1 (step 2, mantissa 0).
    assert.deepEqual(a(16, 255, 256, 511, 512), [0xd4, 0xda, 0xc5, 0xca, 0xf5]);
  });

  it('saturates at full scale: 0xAA and 0x2A', () => {
    assert.deepEqual(a(32767, 32256, -32768, -32256), [0xaa, 0xaa, 0x2a, 0x2a]);
  });

  it('decodes to interval middles: ±8 near zero, ±32256 at the ends', () => {
    assert.deepEqual(
      [...decodeAlaw(Buffer.from([0xd5, 0x55, 0xc5, 0xaa, 0x2a]))],
      [8, -8, 264, 32256, -32256],
    );
  });

  it('decode → encode gives back all 256 codewords', () => {
    assert.deepEqual(encodeAlaw(decodeAlaw(ALL_CODES)), ALL_CODES);
  });
});

/** Half the quantisation step of a codeword's segment, 16-bit scale (G.711 Tables 1 and 2). */
const mulawHalfStep = (code: number): number => 4 << ((~code >> 4) & 7);
const alawHalfStep = (code: number): number => 8 << Math.max(0, (((code ^ 0x55) >> 4) & 7) - 1);

describe('G.711 quantiser properties over all 65536 inputs', () => {
  for (const [name, encode, decode, halfStep, dropBits, top] of [
    ['µ-law', encodeMulaw, decodeMulaw, mulawHalfStep, 2, 32124],
    ['A-law', encodeAlaw, decodeAlaw, alawHalfStep, 3, 32256],
  ] as const) {
    it(`${name}: every sample lies in the interval of its codeword, clipping only beyond full scale`, () => {
      const codes = encode(ALL_SAMPLES);
      const decoded = decode(codes);
      for (let i = 0; i < ALL_SAMPLES.length; i++) {
        const x = ALL_SAMPLES[i]!;
        const error = Math.abs(decoded[i]! - x);
        const limit = halfStep(codes[i]!) + (1 << dropBits);
        if (Math.abs(x) <= top + halfStep(codes[i]!)) {
          assert.ok(error <= limit, `${name} x=${x}: error ${error} > ${limit}`);
        } else {
          assert.equal(Math.abs(decoded[i]!), top, `${name} x=${x} clips to full scale`);
        }
      }
    });

    it(`${name}: encoding is monotonic in the decoded value`, () => {
      const decoded = decode(encode(ALL_SAMPLES));
      for (let i = 1; i < decoded.length; i++) {
        assert.ok(decoded[i]! >= decoded[i - 1]!, `${name} at ${ALL_SAMPLES[i]}`);
      }
    });
  }
});

describe('G.711 buffers and lookup', () => {
  it('writes into the given buffer and returns it when the sizes match', () => {
    const pcm = new Int16Array(160).fill(1000);
    const out = Buffer.alloc(160);
    assert.equal(encodeMulaw(pcm, out), out);
    const samples = new Int16Array(160);
    assert.equal(decodeMulaw(out, samples), samples);
    assert.equal(samples[0], decodeMulaw(Buffer.from([out[0]!]))[0]);
  });

  it('returns a view of a larger buffer, so a payload can be encoded behind an RTP header', () => {
    const packet = Buffer.alloc(12 + 160, 0xee);
    const view = encodeAlaw(new Int16Array(160), packet.subarray(12));
    assert.equal(view.length, 160);
    assert.equal(packet[11], 0xee);
    assert.equal(packet[12], 0xd5);
    const short = encodeAlaw(new Int16Array(10), Buffer.alloc(20));
    assert.equal(short.length, 10);
  });

  it('refuses an output that is too small', () => {
    assert.throws(() => encodeMulaw(new Int16Array(10), Buffer.alloc(9)), RangeError);
    assert.throws(() => decodeAlaw(Buffer.alloc(10), new Int16Array(9)), RangeError);
  });

  it('selects codecs by RTP name and knows their silence', () => {
    assert.equal(encoderFor('PCMU'), encodeMulaw);
    assert.equal(encoderFor('PCMA'), encodeAlaw);
    assert.equal(decoderFor('PCMU'), decodeMulaw);
    assert.equal(decoderFor('PCMA'), decodeAlaw);
    assert.equal(silenceCodeFor('PCMU'), MULAW_SILENCE);
    assert.equal(silenceCodeFor('PCMA'), ALAW_SILENCE);
    assert.equal(decodeMulaw(Buffer.from([MULAW_SILENCE]))[0], 0);
    assert.equal(Math.abs(decodeAlaw(Buffer.from([ALAW_SILENCE]))[0]!), 8);
  });
});
