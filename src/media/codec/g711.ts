/**
 * G.711 companding (ITU-T G.711 §2 and §3, RTP names PCMU/PCMA per RFC 3551 §4.5.14), table driven.
 *
 * Encoding looks up a 64 Ki-entry table indexed by the 16-bit sample (one array read per sample); decoding looks
 * up a 256-entry table. Both tables are computed once at module load from the segment rules below, so the hot
 * path is a plain loop without branches, and nothing is allocated when the caller passes `out`.
 *
 * Linear input is 16-bit PCM. G.711 itself works on 14-bit (µ-law) and 13-bit (A-law) magnitudes, so the low
 * 2 (µ-law) or 3 (A-law) bits are dropped first. Negative samples take their one's complement before that
 * (as the ITU-T G.191 reference software does): it maps -1…-32768 onto 0…32767 exactly, so the two halves of
 * the scale are symmetric and -32768 needs no clipping.
 */
import type { G711CodecName } from '../media-types.js';

/** Encodes 16-bit PCM to one G.711 byte per sample. */
export type G711Encoder = (pcm: Int16Array, out?: Buffer) => Buffer;
/** Decodes G.711 bytes to 16-bit PCM, one sample per byte. */
export type G711Decoder = (data: Buffer, out?: Int16Array) => Int16Array;

/** µ-law bias in the 14-bit domain (G.711 Table 2: the segment end points are 2^(s+5) - 33). */
const MULAW_BIAS = 33;
/** Largest biased 14-bit magnitude µ-law can represent (8159 + 33 - 1). */
const MULAW_MAX_BIASED = 0x1fff;

/** The G.711 µ-law codeword for one linear sample (G.711 §3, Table 2). */
function mulawCodeOf(sample: number): number {
  const negative = sample < 0;
  const magnitude14 = (negative ? ~sample : sample) >> 2;
  const biased = Math.min(magnitude14 + MULAW_BIAS, MULAW_MAX_BIASED);
  // Segment s holds biased values in [2^(s+5), 2^(s+6)): 8 segments of 16 intervals of width 2^(s+1).
  const segment = 31 - Math.clz32(biased) - 5;
  const mantissa = (biased >> (segment + 1)) & 0x0f;
  // µ-law transmits every bit inverted (G.711 §3.2): the sign bit is 1 for positive values after inversion.
  return ~((negative ? 0x80 : 0) | (segment << 4) | mantissa) & 0xff;
}

/** The linear value (16-bit scale) a µ-law codeword decodes to: the middle of its interval (G.711 Table 2). */
function mulawValueOf(code: number): number {
  const inverted = ~code & 0xff;
  const segment = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const magnitude14 = ((2 * mantissa + MULAW_BIAS) << segment) - MULAW_BIAS;
  const value = magnitude14 << 2;
  return inverted & 0x80 ? -value : value;
}

/** A-law toggles the even bits of every codeword on the line (G.711 §2.2). */
const ALAW_EVEN_BITS = 0x55;

/** The G.711 A-law codeword for one linear sample (G.711 §2, Table 1). */
function alawCodeOf(sample: number): number {
  const negative = sample < 0;
  const magnitude13 = (negative ? ~sample : sample) >> 3;
  let code: number;
  if (magnitude13 < 32) {
    // Segment 0 (and 1) have steps of 2; segment 0 has no implicit leading bit.
    code = magnitude13 >> 1;
  } else {
    // Segment s ≥ 1 holds [2^(s+4), 2^(s+5)) in steps of 2^s.
    const segment = 31 - Math.clz32(magnitude13) - 4;
    code = (segment << 4) | ((magnitude13 >> segment) & 0x0f);
  }
  // The sign bit is 1 for positive values (G.711 Table 1, note 1).
  return (code | (negative ? 0 : 0x80)) ^ ALAW_EVEN_BITS;
}

/** The linear value (16-bit scale) an A-law codeword decodes to: the middle of its interval (G.711 Table 1). */
function alawValueOf(code: number): number {
  const plain = code ^ ALAW_EVEN_BITS;
  const segment = (plain >> 4) & 0x07;
  const mantissa = plain & 0x0f;
  const magnitude13 = segment === 0 ? (mantissa << 1) + 1 : (((mantissa + 16) << 1) + 1) << (segment - 1);
  const value = magnitude13 << 3;
  return plain & 0x80 ? value : -value;
}

function buildEncodeTable(codeOf: (sample: number) => number): Uint8Array {
  // Indexed by the sample's 16-bit two's complement pattern (`sample & 0xffff`).
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) {
    table[i] = codeOf((i << 16) >> 16);
  }
  return table;
}

function buildDecodeTable(valueOf: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    table[code] = valueOf(code);
  }
  return table;
}

const MULAW_ENCODE = buildEncodeTable(mulawCodeOf);
const MULAW_DECODE = buildDecodeTable(mulawValueOf);
const ALAW_ENCODE = buildEncodeTable(alawCodeOf);
const ALAW_DECODE = buildDecodeTable(alawValueOf);

/** µ-law codeword of digital silence (positive zero). */
export const MULAW_SILENCE = 0xff;
/** A-law codeword of digital silence (the smallest positive level). */
export const ALAW_SILENCE = 0xd5;

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Buffer | undefined): Buffer {
  const n = pcm.length;
  let target: Buffer;
  if (out === undefined) {
    target = Buffer.allocUnsafe(n);
  } else if (out.length < n) {
    throw new RangeError(`G.711 output buffer holds ${out.length} bytes, ${n} needed`);
  } else {
    target = out;
  }
  for (let i = 0; i < n; i++) {
    target[i] = table[pcm[i]! & 0xffff]!;
  }
  return target.length === n ? target : target.subarray(0, n);
}

function decodeWith(table: Int16Array, data: Buffer, out: Int16Array | undefined): Int16Array {
  const n = data.length;
  let target: Int16Array;
  if (out === undefined) {
    target = new Int16Array(n);
  } else if (out.length < n) {
    throw new RangeError(`G.711 output array holds ${out.length} samples, ${n} needed`);
  } else {
    target = out;
  }
  for (let i = 0; i < n; i++) {
    target[i] = table[data[i]!]!;
  }
  return target.length === n ? target : target.subarray(0, n);
}

/**
 * µ-law encodes `pcm`. With `out`, writes into it (it must hold `pcm.length` bytes) and returns `out` itself when
 * the lengths match, else a view of its first `pcm.length` bytes. Pass a view into a packet buffer to encode in
 * place behind an RTP header.
 */
export function encodeMulaw(pcm: Int16Array, out?: Buffer): Buffer {
  return encodeWith(MULAW_ENCODE, pcm, out);
}

/** µ-law decodes `data`; `out` as in `encodeMulaw`. */
export function decodeMulaw(data: Buffer, out?: Int16Array): Int16Array {
  return decodeWith(MULAW_DECODE, data, out);
}

/** A-law encodes `pcm`; `out` as in `encodeMulaw`. */
export function encodeAlaw(pcm: Int16Array, out?: Buffer): Buffer {
  return encodeWith(ALAW_ENCODE, pcm, out);
}

/** A-law decodes `data`; `out` as in `encodeMulaw`. */
export function decodeAlaw(data: Buffer, out?: Int16Array): Int16Array {
  return decodeWith(ALAW_DECODE, data, out);
}

export function encoderFor(name: G711CodecName): G711Encoder {
  return name === 'PCMU' ? encodeMulaw : encodeAlaw;
}

export function decoderFor(name: G711CodecName): G711Decoder {
  return name === 'PCMU' ? decodeMulaw : decodeAlaw;
}

/** The codeword that decodes to silence, to fill a silent payload without encoding. */
export function silenceCodeFor(name: G711CodecName): number {
  return name === 'PCMU' ? MULAW_SILENCE : ALAW_SILENCE;
}
