// WAV reading for every common layout (built byte by byte here, and written by sox, a real peer), the
// chunk-walking corner cases, the error codes of bad files, and writing.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAigError } from '../../../../src/errors/aig-error.js';
import type { ErrorCode } from '../../../../src/errors/error-codes.js';
import { encodeAlaw, encodeMulaw } from '../../../../src/media/codec/g711.js';
import { readWav, writeWav } from '../../../../src/media/codec/wav.js';

interface WavSpec {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign?: number;
  /** Wraps the format in WAVE_FORMAT_EXTENSIBLE with this sub-format tag. */
  extensible?: boolean;
  data: Buffer;
  /** Chunks before `fmt `, between `fmt ` and `data`, after `data`. */
  before?: [string, Buffer][];
  between?: [string, Buffer][];
  after?: [string, Buffer][];
  dataSize?: number;
}

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(declaredSize, 4);
  // RIFF pads odd-sized chunks to even length.
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function buildWav(spec: WavSpec): Buffer {
  const blockAlign = spec.blockAlign ?? spec.channels * (spec.bitsPerSample / 8);
  const fmt = Buffer.alloc(spec.extensible === true ? 40 : 16);
  fmt.writeUInt16LE(spec.extensible === true ? 0xfffe : spec.formatTag, 0);
  fmt.writeUInt16LE(spec.channels, 2);
  fmt.writeUInt32LE(spec.sampleRate, 4);
  fmt.writeUInt32LE(spec.sampleRate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(spec.bitsPerSample, 14);
  if (spec.extensible === true) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(spec.bitsPerSample, 18);
    fmt.writeUInt32LE(spec.channels === 2 ? 3 : 4, 20);
    fmt.writeUInt16LE(spec.formatTag, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(fmt, 26);
  }
  const chunks = [
    ...(spec.before ?? []).map(([id, body]) => chunk(id, body)),
    chunk('fmt ', fmt),
    ...(spec.between ?? []).map(([id, body]) => chunk(id, body)),
    chunk('data', spec.data, spec.dataSize),
    ...(spec.after ?? []).map(([id, body]) => chunk(id, body)),
  ];
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WAVE', 8, 'latin1');
  return Buffer.concat([header, body]);
}

function int16Data(values: number[]): Buffer {
  const data = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => data.writeInt16LE(v, i * 2));
  return data;
}

function assertCode(fn: () => unknown, code: ErrorCode, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAigError(err, code), `expected ${code}, got ${String(err)}`);
    if (pattern !== undefined) {
      assert.match(err.message, pattern);
    }
    return true;
  });
}

function close(actual: Float32Array, expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((value, i) =>
    assert.ok(Math.abs(actual[i]! - value) <= tolerance, `sample ${i}: ${actual[i]} vs ${value}`),
  );
}

describe('readWav: formats', () => {
  it('reads 16-bit PCM mono', () => {
    const wav = readWav(
      buildWav({
        formatTag: 1,
        channels: 1,
        sampleRate: 8000,
        bitsPerSample: 16,
        data: int16Data([0, 16384, -32768, 32767]),
      }),
    );
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 1);
    assert.equal(wav.encoding, 'pcm');
    assert.equal(wav.bitsPerSample, 16);
    assert.equal(wav.durationMs, 0.5);
    close(wav.samples, [0, 0.5, -1, 32767 / 32768]);
  });

  it('reads unsigned 8-bit PCM', () => {
    const wav = readWav(
      buildWav({
        formatTag: 1,
        channels: 1,
        sampleRate: 11025,
        bitsPerSample: 8,
        data: Buffer.from([128, 192, 0, 255]),
      }),
    );
    close(wav.samples, [0, 0.5, -1, 127 / 128]);
  });

  it('reads 24-bit and 32-bit PCM', () => {
    const d24 = Buffer.alloc(6);
    d24.writeIntLE(4194304, 0, 3);
    d24.writeIntLE(-8388608, 3, 3);
    close(
      readWav(buildWav({ formatTag: 1, channels: 1, sampleRate: 48000, bitsPerSample: 24, data: d24 }))
        .samples,
      [0.5, -1],
    );
    const d32 = Buffer.alloc(8);
    d32.writeInt32LE(-1073741824, 0);
    d32.writeInt32LE(536870912, 4);
    close(
      readWav(buildWav({ formatTag: 1, channels: 1, sampleRate: 48000, bitsPerSample: 32, data: d32 }))
        .samples,
      [-0.5, 0.25],
    );
  });

  it('reads IEEE float 32 and 64', () => {
    const f32 = Buffer.alloc(8);
    f32.writeFloatLE(0.25, 0);
    f32.writeFloatLE(-0.75, 4);
    const wav32 = readWav(
      buildWav({ formatTag: 3, channels: 1, sampleRate: 44100, bitsPerSample: 32, data: f32 }),
    );
    assert.equal(wav32.encoding, 'float');
    close(wav32.samples, [0.25, -0.75]);
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(0.125, 0);
    f64.writeDoubleLE(-1, 8);
    close(
      readWav(buildWav({ formatTag: 3, channels: 1, sampleRate: 44100, bitsPerSample: 64, data: f64 }))
        .samples,
      [0.125, -1],
    );
  });

  it('reads G.711 µ-law (tag 7) and A-law (tag 6)', () => {
    const pcm = Int16Array.from([0, 1000, -1000, 30000, -30000]);
    const mu = readWav(
      buildWav({ formatTag: 7, channels: 1, sampleRate: 8000, bitsPerSample: 8, data: encodeMulaw(pcm) }),
    );
    assert.equal(mu.encoding, 'mulaw');
    const a = readWav(
      buildWav({ formatTag: 6, channels: 1, sampleRate: 8000, bitsPerSample: 8, data: encodeAlaw(pcm) }),
    );
    assert.equal(a.encoding, 'alaw');
    for (const wav of [mu, a]) {
      // G.711 quantisation: within 1/16 of the value (the segment step) plus one small step.
      pcm.forEach((value, i) => {
        const decoded = wav.samples[i]! * 32768;
        assert.ok(Math.abs(decoded - value) <= Math.abs(value) / 16 + 64, `${value} decoded as ${decoded}`);
      });
    }
  });

  it('reads WAVE_FORMAT_EXTENSIBLE wrapping PCM and float', () => {
    const pcm = readWav(
      buildWav({
        formatTag: 1,
        extensible: true,
        channels: 1,
        sampleRate: 16000,
        bitsPerSample: 16,
        data: int16Data([8192]),
      }),
    );
    assert.equal(pcm.encoding, 'pcm');
    close(pcm.samples, [0.25]);
    const f = Buffer.alloc(4);
    f.writeFloatLE(-0.5, 0);
    const float = readWav(
      buildWav({
        formatTag: 3,
        extensible: true,
        channels: 1,
        sampleRate: 16000,
        bitsPerSample: 32,
        data: f,
      }),
    );
    assert.equal(float.encoding, 'float');
    close(float.samples, [-0.5]);
  });

  it('mixes several channels to mono by averaging', () => {
    // Frames: (L, R) = (0.5, -0.5), (0.5, 0.25); 4 channels: (1/4 each of 0.5, 0.5, 0, -0.5).
    const stereo = readWav(
      buildWav({
        formatTag: 1,
        channels: 2,
        sampleRate: 22050,
        bitsPerSample: 16,
        data: int16Data([16384, -16384, 16384, 8192]),
      }),
    );
    assert.equal(stereo.channels, 2);
    close(stereo.samples, [0, 0.375]);
    const quad = readWav(
      buildWav({
        formatTag: 1,
        extensible: true,
        channels: 4,
        sampleRate: 22050,
        bitsPerSample: 16,
        data: int16Data([16384, 16384, 0, -16384]),
      }),
    );
    close(quad.samples, [0.125]);
  });
});

describe('readWav: chunk walking', () => {
  const data = int16Data([1000, -1000, 2000]);
  const base = { formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 };

  it('skips LIST, fact and odd-sized chunks anywhere, honouring the pad byte', () => {
    const wav = readWav(
      buildWav({
        ...base,
        data,
        before: [['JUNK', Buffer.alloc(3, 0x41)]],
        between: [
          ['fact', Buffer.from([3, 0, 0, 0])],
          ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00\x00', 'latin1')],
          ['odd ', Buffer.alloc(5, 0xff)],
        ],
        after: [['id3 ', Buffer.alloc(7)]],
      }),
    );
    close(wav.samples, [1000 / 32768, -1000 / 32768, 2000 / 32768]);
  });

  it('reads to the end of the file when the data size is a streaming placeholder', () => {
    for (const placeholder of [0xffffffff, 0x7ffff000]) {
      const wav = readWav(buildWav({ ...base, data, dataSize: placeholder }));
      assert.equal(wav.samples.length, 3);
    }
  });

  it('drops a trailing partial frame', () => {
    const wav = readWav(buildWav({ ...base, channels: 2, data: int16Data([1, 2, 3]) }));
    assert.equal(wav.samples.length, 1);
  });

  it('ignores junk after the audio that claims more bytes than the file has', () => {
    const file = buildWav({ ...base, data });
    const junk = Buffer.alloc(8);
    junk.write('junk', 0, 'latin1');
    junk.writeUInt32LE(1000, 4);
    assert.equal(readWav(Buffer.concat([file, junk])).samples.length, 3);
  });

  it('reads from a view into a larger buffer', () => {
    const file = buildWav({ ...base, data });
    const big = Buffer.concat([Buffer.alloc(7), file, Buffer.alloc(9)]);
    assert.equal(readWav(new Uint8Array(big.buffer, big.byteOffset + 7, file.length)).samples.length, 3);
  });
});

describe('readWav: bad files', () => {
  const base = { formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, data: int16Data([1, 2]) };

  it('rejects what is not RIFF/WAVE', () => {
    assertCode(() => readWav(Buffer.from('RIFF')), 'AIG_ERR_WAV_INVALID', /too short/);
    assertCode(
      () => readWav(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1')),
      'AIG_ERR_WAV_INVALID',
      /not a RIFF\/WAVE/,
    );
    const avi = buildWav(base);
    avi.write('AVI ', 8, 'latin1');
    assertCode(() => readWav(avi), 'AIG_ERR_WAV_INVALID', /not a RIFF\/WAVE/);
  });

  it('names the missing chunk', () => {
    const noData = buildWav(base).subarray(0, 12 + 8 + 16);
    assertCode(() => readWav(noData), 'AIG_ERR_WAV_INVALID', /no "data" chunk/);
    const header = Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1');
    assertCode(
      () => readWav(Buffer.concat([header, chunk('data', int16Data([1]))])),
      'AIG_ERR_WAV_INVALID',
      /no "fmt " chunk/,
    );
  });

  it('reports a truncated chunk before the audio', () => {
    const file = buildWav(base);
    file.writeUInt32LE(4000, 16); // the fmt chunk now claims 4000 bytes
    assertCode(() => readWav(file), 'AIG_ERR_WAV_INVALID', /chunk "fmt " at byte 12 is truncated/);
  });

  it('rejects inconsistent format fields', () => {
    assertCode(
      () => readWav(buildWav({ ...base, channels: 0, blockAlign: 2 })),
      'AIG_ERR_WAV_INVALID',
      /zero channels/,
    );
    assertCode(
      () => readWav(buildWav({ ...base, sampleRate: 0 })),
      'AIG_ERR_WAV_INVALID',
      /zero sample rate/,
    );
    assertCode(() => readWav(buildWav({ ...base, blockAlign: 3 })), 'AIG_ERR_WAV_INVALID', /block align 3/);
    const shortFmt = Buffer.concat([
      Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1'),
      chunk('fmt ', Buffer.alloc(14)),
      chunk('data', int16Data([1])),
    ]);
    assertCode(() => readWav(shortFmt), 'AIG_ERR_WAV_INVALID', /"fmt " chunk of 14 bytes/);
  });

  it('says which formats it does not decode', () => {
    assertCode(
      () => readWav(buildWav({ ...base, formatTag: 0x11, bitsPerSample: 4, blockAlign: 256 })),
      'AIG_ERR_WAV_UNSUPPORTED',
      /0x0011 \(IMA ADPCM\)/,
    );
    assertCode(() => readWav(buildWav({ ...base, formatTag: 0x55 })), 'AIG_ERR_WAV_UNSUPPORTED', /MP3/);
    assertCode(
      () => readWav(buildWav({ ...base, formatTag: 3, bitsPerSample: 16 })),
      'AIG_ERR_WAV_UNSUPPORTED',
      /16-bit float/,
    );
    assertCode(
      () => readWav(buildWav({ ...base, formatTag: 1, bitsPerSample: 12, blockAlign: 2 })),
      'AIG_ERR_WAV_UNSUPPORTED',
      /12-bit pcm/,
    );
    const rf64 = buildWav(base);
    rf64.write('RF64', 0, 'latin1');
    assertCode(() => readWav(rf64), 'AIG_ERR_WAV_UNSUPPORTED', /RF64/);
    const odd = buildWav({ ...base, extensible: true });
    odd[12 + 8 + 24 + 5] = 0x42; // corrupt the GUID tail
    assertCode(() => readWav(odd), 'AIG_ERR_WAV_UNSUPPORTED', /sub-format/);
  });
});

describe('writeWav', () => {
  it('writes a canonical 44-byte header and round-trips through readWav', () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const file = writeWav(pcm, 8000, 2);
    assert.equal(file.length, 44 + 12);
    assert.equal(file.toString('latin1', 0, 4), 'RIFF');
    assert.equal(file.readUInt32LE(4), 36 + 12);
    assert.equal(file.readUInt16LE(22), 2);
    assert.equal(file.readUInt32LE(28), 32000);
    const wav = readWav(file);
    assert.equal(wav.channels, 2);
    close(wav.samples, [0.5 / 32768, 16383 / 32768, -15767 / 32768]); // (0, 1), (-1, 32767), (-32768, 1234)
    assert.deepEqual(
      Array.from(readWav(writeWav(pcm, 16000)).samples, (s) => Math.round(s * 32768)),
      Array.from(pcm),
    );
  });

  it('refuses inconsistent arguments', () => {
    assert.throws(() => writeWav(new Int16Array(3), 8000, 2), RangeError);
    assert.throws(() => writeWav(new Int16Array(2), 0), RangeError);
    assert.throws(() => writeWav(new Int16Array(2), 8000, 0), RangeError);
  });
});

describe('WAV files from sox (a real writer) and back', () => {
  let dir = '';
  before(() => {
    const probe = spawnSync('sox', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      assert.fail('sox is not installed: run scripts/setup (it installs the Debian package sox)');
    }
    dir = mkdtempSync(join(tmpdir(), 'aig-wav-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, string[], string][] = [
    ['16-bit 44.1 kHz stereo', ['-r', '44100', '-c', '2', '-b', '16', '-e', 'signed-integer'], 'pcm'],
    [
      '24-bit 48 kHz mono (extensible)',
      ['-r', '48000', '-c', '1', '-b', '24', '-e', 'signed-integer'],
      'pcm',
    ],
    ['32-bit float 22.05 kHz', ['-r', '22050', '-c', '1', '-b', '32', '-e', 'floating-point'], 'float'],
    ['8-bit unsigned 11.025 kHz', ['-r', '11025', '-c', '1', '-b', '8', '-e', 'unsigned-integer'], 'pcm'],
    ['µ-law 8 kHz', ['-r', '8000', '-c', '1', '-e', 'u-law'], 'mulaw'],
    ['A-law 8 kHz', ['-r', '8000', '-c', '1', '-e', 'a-law'], 'alaw'],
  ];
  for (const [label, args, encoding] of cases) {
    it(`reads ${label}`, () => {
      const file = join(dir, `${label.replace(/\W+/g, '-')}.wav`);
      execFileSync('sox', ['-n', ...args, file, 'synth', '0.25', 'sine', '440', 'vol', '0.5']);
      const wav = readWav(readFileSync(file));
      assert.equal(wav.encoding, encoding);
      assert.equal(wav.sampleRate, Number(args[1]));
      assert.ok(Math.abs(wav.durationMs - 250) < 1, `duration ${wav.durationMs}`);
      const peak = wav.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
      assert.ok(Math.abs(peak - 0.5) < 0.03, `peak ${peak}`);
    });
  }

  it('writes files sox reads with the right header', () => {
    const file = join(dir, 'ours.wav');
    const pcm = new Int16Array(8000).map((_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
    );
    writeFileSync(file, writeWav(pcm, 8000));
    const info = execFileSync('sox', ['--i', file], { encoding: 'utf8' });
    assert.match(info, /Channels\s*:\s*1/);
    assert.match(info, /Sample Rate\s*:\s*8000/);
    assert.match(info, /Precision\s*:\s*16-bit/);
    assert.match(info, /Duration\s*:\s*00:00:01\.00 = 8000 samples/);
  });
});
