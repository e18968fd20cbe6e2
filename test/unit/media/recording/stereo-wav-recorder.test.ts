import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StereoWavRecorder } from '../../../../src/media/recording/stereo-wav-recorder.js';

let directory: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aig-recording-'));
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface ParsedWav {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  riffSize: number;
  dataSize: number;
  left: Int16Array;
  right: Int16Array;
}

function parseWav(bytes: Buffer): ParsedWav {
  assert.equal(bytes.toString('ascii', 0, 4), 'RIFF');
  assert.equal(bytes.toString('ascii', 8, 12), 'WAVE');
  assert.equal(bytes.toString('ascii', 12, 16), 'fmt ');
  assert.equal(bytes.readUInt16LE(20), 1, 'PCM');
  assert.equal(bytes.toString('ascii', 36, 40), 'data');
  const dataSize = bytes.readUInt32LE(40);
  const samples = dataSize / 4;
  const left = new Int16Array(samples);
  const right = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    left[i] = bytes.readInt16LE(44 + 4 * i);
    right[i] = bytes.readInt16LE(46 + 4 * i);
  }
  return {
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    bitsPerSample: bytes.readUInt16LE(34),
    riffSize: bytes.readUInt32LE(4),
    dataSize,
    left,
    right,
  };
}

function ramp(start: number): Int16Array {
  return Int16Array.from({ length: 160 }, (_, i) => start + i);
}

function frameAt(channel: Int16Array, index: number): Int16Array {
  return channel.subarray(index * 160, (index + 1) * 160);
}

describe('StereoWavRecorder', () => {
  it('writes caller left and IVR right, frame-aligned, silence for a missing side', async () => {
    const recorder = await StereoWavRecorder.open({ directory, fileName: 'aligned.wav' });
    for (let f = 0; f < 100; f++) {
      const caller = f % 10 === 9 ? undefined : ramp(f * 200);
      const ivr = f < 50 ? ramp(-f * 200 - 1000) : undefined;
      recorder.writeFrame(caller, ivr);
    }
    const summary = await recorder.close();
    assert.deepEqual(summary, {
      path: join(directory, 'aligned.wav'),
      frames: 100,
      durationMs: 2000,
      dataBytes: 64_000,
      callerSilenceFrames: 10,
      ivrSilenceFrames: 50,
      droppedFrames: 0,
    });
    const wav = parseWav(await readFile(summary.path));
    assert.equal(wav.channels, 2);
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.bitsPerSample, 16);
    assert.equal(wav.dataSize, 64_000);
    assert.equal(wav.riffSize, 36 + 64_000);
    for (let f = 0; f < 100; f++) {
      const expectedLeft = f % 10 === 9 ? new Int16Array(160) : ramp(f * 200);
      const expectedRight = f < 50 ? ramp(-f * 200 - 1000) : new Int16Array(160);
      assert.deepEqual(frameAt(wav.left, f), expectedLeft, `left frame ${f}`);
      assert.deepEqual(frameAt(wav.right, f), expectedRight, `right frame ${f}`);
    }
  });

  it('pairs sides pushed separately and pads a side that falls more than maxSkewFrames behind', async () => {
    const recorder = await StereoWavRecorder.open({ directory, fileName: 'paired.wav', maxSkewFrames: 3 });
    // The IVR is ahead by two frames, then the caller alone for ten frames (prompt over), then both again.
    recorder.pushIvr(ramp(1000));
    recorder.pushIvr(ramp(2000));
    recorder.pushCaller(ramp(1));
    recorder.pushCaller(ramp(2));
    for (let f = 0; f < 10; f++) {
      recorder.pushCaller(ramp(100 + f));
    }
    recorder.pushIvr(ramp(3000));
    const summary = await recorder.close();
    assert.equal(summary.frames, 12);
    const wav = parseWav(await readFile(summary.path));
    assert.deepEqual(frameAt(wav.left, 0), ramp(1));
    assert.deepEqual(frameAt(wav.right, 0), ramp(1000));
    assert.deepEqual(frameAt(wav.right, 1), ramp(2000));
    // Caller frames 100..106 went out against silence once more than 3 were waiting; 107 met the IVR's 3000.
    assert.deepEqual(frameAt(wav.left, 2), ramp(100));
    assert.deepEqual(frameAt(wav.right, 2), new Int16Array(160));
    assert.deepEqual(frameAt(wav.left, 9), ramp(107));
    assert.deepEqual(frameAt(wav.right, 9), ramp(3000));
    assert.deepEqual(frameAt(wav.left, 11), ramp(109));
    assert.equal(summary.ivrSilenceFrames, 9);
  });

  it('keeps the header valid while recording: sizes patched after each append', async () => {
    const recorder = await StereoWavRecorder.open({ directory, fileName: 'growing.wav', flushBytes: 6400 });
    for (let f = 0; f < 25; f++) {
      recorder.writeFrame(ramp(f), ramp(-f));
    }
    await recorder.flush();
    const midway = parseWav(await readFile(recorder.path));
    assert.equal(midway.dataSize, 25 * 640);
    assert.equal((await stat(recorder.path)).size, 44 + 25 * 640);
    recorder.writeFrame(ramp(7), undefined);
    const summary = await recorder.close();
    assert.equal(parseWav(await readFile(summary.path)).dataSize, 26 * 640);
    assert.equal(await recorder.close(), await recorder.close(), 'close is idempotent');
    recorder.writeFrame(ramp(1), ramp(1));
    assert.equal((await stat(recorder.path)).size, 44 + 26 * 640, 'frames after close are not written');
  });

  it(
    'is readable by sox as 8 kHz stereo 16-bit',
    { skip: spawnSync('sox', ['--version']).status !== 0 },
    async () => {
      const recorder = await StereoWavRecorder.open({ directory, fileName: 'sox.wav' });
      for (let f = 0; f < 150; f++) {
        recorder.writeFrame(ramp(f), undefined);
      }
      const { path } = await recorder.close();
      const info = spawnSync('sox', ['--i', path], { encoding: 'utf8' }).stdout;
      assert.match(info, /Channels\s*:\s*2/);
      assert.match(info, /Sample Rate\s*:\s*8000/);
      assert.match(info, /Precision\s*:\s*16-bit/);
      assert.match(info, /Duration\s*:\s*00:00:03\.00 = 24000 samples/);
    },
  );

  it('creates the directory, refuses path tricks and never overwrites a recording', async () => {
    const nested = join(directory, 'a', 'b');
    const recorder = await StereoWavRecorder.open({ directory: nested, fileName: 'call.wav' });
    await recorder.close();
    assert.equal((await stat(join(nested, 'call.wav'))).size, 44);
    await assert.rejects(StereoWavRecorder.open({ directory: nested, fileName: 'call.wav' }), {
      code: 'EEXIST',
    });
    await assert.rejects(StereoWavRecorder.open({ directory, fileName: '../escape.wav' }), RangeError);
    await assert.rejects(StereoWavRecorder.open({ directory, fileName: '..' }), RangeError);
    await writeFile(join(directory, 'taken.wav'), 'x');
    await assert.rejects(StereoWavRecorder.open({ directory, fileName: 'taken.wav' }), { code: 'EEXIST' });
  });

  it('creates recordings readable by owner and group only', async () => {
    const recorder = await StereoWavRecorder.open({ directory, fileName: 'private.wav' });
    await recorder.close();
    assert.equal((await stat(recorder.path)).mode & 0o777 & ~process.umask(), 0o640 & ~process.umask());
  });
});
