/**
 * WAV (RIFF/WAVE) reading and writing. Prompts come from studios, TTS engines and sound editors, so the reader
 * accepts every common layout and reduces it to one mono signal; anything it cannot read fails with a stable code
 * (`AIG_ERR_WAV_INVALID` for broken files, `AIG_ERR_WAV_UNSUPPORTED` for valid ones in formats it does not decode).
 *
 * Accepted: integer PCM of 8 (unsigned), 16, 24 and 32 bits; IEEE float of 32 and 64 bits; G.711 µ-law (format
 * tag 7) and A-law (6); WAVE_FORMAT_EXTENSIBLE (0xFFFE) wrapping any of these; any channel count (mixed down to
 * mono by averaging) and any sample rate. Chunks other than `fmt ` and `data` (LIST, fact, cue, bext…) are skipped,
 * honouring the RIFF rule that a chunk of odd size is followed by one pad byte. A `data` chunk whose declared size
 * runs past the end of the file is read up to the end: streaming writers (`espeak-ng --stdout`, `sox -t wav -`)
 * cannot know the size and write a placeholder.
 */
import { AigError } from '../../errors/aig-error.js';
import { decodeAlaw, decodeMulaw } from './g711.js';

export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

export interface WavAudio {
  sampleRate: number;
  /** Channels in the file; `samples` is their average. */
  channels: number;
  encoding: WavEncoding;
  /** Bits per sample as stored (container size). */
  bitsPerSample: number;
  /** Mono samples, nominally in [-1, 1]. */
  samples: Float32Array;
  durationMs: number;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Bytes 2..15 shared by the KSDATAFORMAT_SUBTYPE_* GUIDs whose first two bytes are a format tag. */
const SUBFORMAT_GUID_TAIL = Buffer.from([
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
]);

const KNOWN_FORMAT_NAMES: Readonly<Record<number, string>> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
};

interface WavFormat {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

interface Chunk {
  id: string;
  offset: number;
  size: number;
}

/** Decodes a WAV file to mono float samples. */
export function readWav(bytes: Uint8Array): WavAudio {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12) {
    throw new AigError('AIG_ERR_WAV_INVALID', `${buf.length} bytes is too short for a RIFF header`);
  }
  const riff = buf.toString('latin1', 0, 4);
  if (riff === 'RF64' || riff === 'RIFX') {
    throw new AigError('AIG_ERR_WAV_UNSUPPORTED', `${riff} container`);
  }
  if (riff !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new AigError('AIG_ERR_WAV_INVALID', 'not a RIFF/WAVE file');
  }
  const { fmt, data } = findChunks(buf);
  const format = parseFormat(buf, fmt);
  const encoding = encodingOf(format);
  const frameCount = Math.floor(data.size / format.blockAlign);
  const samples = decodeSamples(buf, data.offset, frameCount, format, encoding);
  return {
    sampleRate: format.sampleRate,
    channels: format.channels,
    encoding,
    bitsPerSample: format.bitsPerSample,
    samples,
    durationMs: (frameCount * 1000) / format.sampleRate,
  };
}

/** Encodes interleaved 16-bit PCM as a canonical 44-byte-header WAV file. */
export function writeWav(pcm: Int16Array, sampleRate: number, channels = 1): Buffer {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a positive integer, got ${channels}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1) {
    throw new RangeError(`sampleRate must be a positive integer, got ${sampleRate}`);
  }
  if (pcm.length % channels !== 0) {
    throw new RangeError(`${pcm.length} samples do not divide into ${channels} channels`);
  }
  const dataBytes = pcm.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < pcm.length; i++) {
    out.writeInt16LE(pcm[i]!, 44 + i * 2);
  }
  return out;
}

function findChunks(buf: Buffer): { fmt: Chunk; data: Chunk } {
  let fmt: Chunk | undefined;
  let data: Chunk | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const declared = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    const available = buf.length - body;
    if (id === 'data') {
      data = { id, offset: body, size: Math.min(declared, available) };
      if (declared > available) {
        break; // Streaming writers leave a placeholder size: the audio runs to the end of the file.
      }
    } else if (declared > available) {
      if (fmt !== undefined && data !== undefined) {
        break; // Trailing junk after the audio: the audio itself is complete.
      }
      throw new AigError('AIG_ERR_WAV_INVALID', `chunk "${printable(id)}" at byte ${offset} is truncated`);
    } else if (id === 'fmt ') {
      fmt = { id, offset: body, size: declared };
    }
    // RIFF: chunks are word aligned; an odd-sized chunk is followed by a pad byte.
    offset = body + declared + (declared % 2);
  }
  if (fmt === undefined) {
    throw new AigError('AIG_ERR_WAV_INVALID', 'no "fmt " chunk');
  }
  if (data === undefined) {
    throw new AigError('AIG_ERR_WAV_INVALID', 'no "data" chunk');
  }
  return { fmt, data };
}

function parseFormat(buf: Buffer, chunk: Chunk): WavFormat {
  if (chunk.size < 16) {
    throw new AigError('AIG_ERR_WAV_INVALID', `"fmt " chunk of ${chunk.size} bytes, at least 16 expected`);
  }
  const at = chunk.offset;
  let formatTag = buf.readUInt16LE(at);
  const channels = buf.readUInt16LE(at + 2);
  const sampleRate = buf.readUInt32LE(at + 4);
  const blockAlign = buf.readUInt16LE(at + 12);
  const bitsPerSample = buf.readUInt16LE(at + 14);
  if (formatTag === FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) SubFormat GUID(16) after the 16 basic bytes.
    if (chunk.size < 40 || buf.readUInt16LE(at + 16) < 22) {
      throw new AigError('AIG_ERR_WAV_INVALID', 'WAVE_FORMAT_EXTENSIBLE without its extension');
    }
    const guid = buf.subarray(at + 24, at + 40);
    if (!guid.subarray(2).equals(SUBFORMAT_GUID_TAIL)) {
      throw new AigError('AIG_ERR_WAV_UNSUPPORTED', `extensible sub-format ${guid.toString('hex')}`);
    }
    formatTag = guid.readUInt16LE(0);
  }
  if (channels === 0) {
    throw new AigError('AIG_ERR_WAV_INVALID', 'zero channels');
  }
  if (sampleRate === 0) {
    throw new AigError('AIG_ERR_WAV_INVALID', 'zero sample rate');
  }
  return { formatTag, channels, sampleRate, blockAlign, bitsPerSample };
}

function encodingOf(format: WavFormat): WavEncoding {
  const { formatTag, bitsPerSample: bits } = format;
  let encoding: WavEncoding;
  let supported: boolean;
  switch (formatTag) {
    case FORMAT_PCM:
      encoding = 'pcm';
      supported = bits === 8 || bits === 16 || bits === 24 || bits === 32;
      break;
    case FORMAT_FLOAT:
      encoding = 'float';
      supported = bits === 32 || bits === 64;
      break;
    case FORMAT_MULAW:
      encoding = 'mulaw';
      supported = bits === 8;
      break;
    case FORMAT_ALAW:
      encoding = 'alaw';
      supported = bits === 8;
      break;
    default: {
      const name = KNOWN_FORMAT_NAMES[formatTag] ?? 'unknown';
      throw new AigError(
        'AIG_ERR_WAV_UNSUPPORTED',
        `format tag 0x${formatTag.toString(16).padStart(4, '0')} (${name})`,
      );
    }
  }
  if (!supported) {
    throw new AigError('AIG_ERR_WAV_UNSUPPORTED', `${bits}-bit ${encoding}`);
  }
  if (format.blockAlign !== format.channels * (bits / 8)) {
    throw new AigError(
      'AIG_ERR_WAV_INVALID',
      `block align ${format.blockAlign} does not match ${format.channels} channel(s) of ${bits} bits`,
    );
  }
  return encoding;
}

/** Reads one sample at `offset` as a value in [-1, 1). */
type SampleReader = (buf: Buffer, offset: number) => number;

function readerFor(encoding: 'pcm' | 'float', bits: number): SampleReader {
  if (encoding === 'float') {
    return bits === 32 ? (b, o) => b.readFloatLE(o) : (b, o) => b.readDoubleLE(o);
  }
  switch (bits) {
    case 8:
      return (b, o) => (b[o]! - 128) / 128; // 8-bit WAV is unsigned, centred on 128.
    case 16:
      return (b, o) => b.readInt16LE(o) / 32768;
    case 24:
      return (b, o) => b.readIntLE(o, 3) / 8388608;
    default:
      return (b, o) => b.readInt32LE(o) / 2147483648;
  }
}

function decodeSamples(
  buf: Buffer,
  offset: number,
  frameCount: number,
  format: WavFormat,
  encoding: WavEncoding,
): Float32Array {
  const { channels, blockAlign } = format;
  const out = new Float32Array(frameCount);
  const scale = 1 / channels;
  if (encoding === 'mulaw' || encoding === 'alaw') {
    const linear = (encoding === 'mulaw' ? decodeMulaw : decodeAlaw)(
      buf.subarray(offset, offset + frameCount * channels),
    );
    for (let frame = 0; frame < frameCount; frame++) {
      let sum = 0;
      for (let ch = 0; ch < channels; ch++) {
        sum += linear[frame * channels + ch]!;
      }
      out[frame] = (sum * scale) / 32768;
    }
    return out;
  }
  const read = readerFor(encoding, format.bitsPerSample);
  const bytesPerSample = format.bitsPerSample / 8;
  for (let frame = 0; frame < frameCount; frame++) {
    const base = offset + frame * blockAlign;
    let sum = 0;
    for (let ch = 0; ch < channels; ch++) {
      sum += read(buf, base + ch * bytesPerSample);
    }
    out[frame] = sum * scale;
  }
  return out;
}

function printable(id: string): string {
  return id.replace(/[^\x20-\x7e]/g, '?');
}
