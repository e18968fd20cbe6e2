// The prompt cache on real files: conversion to 8 kHz frames, sharing, invalidation when a file changes on disk,
// byte-bounded LRU eviction (including lazily encoded G.711), and the errors of missing or bad prompts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAigError } from '../../../../src/errors/aig-error.js';
import { decodeMulaw } from '../../../../src/media/codec/g711.js';
import { writeWav } from '../../../../src/media/codec/wav.js';
import { PromptCache } from '../../../../src/media/playback/prompt-cache.js';

let root = '';

/** Writes `prompts/<language>/<id>.wav`: a tone of `ms` at `rate` with `channels` channels. */
function writePrompt(
  language: string,
  id: string,
  ms: number,
  rate = 8000,
  channels = 1,
  amplitude = 8000,
): string {
  const frames = Math.round((rate * ms) / 1000);
  const pcm = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    for (let ch = 0; ch < channels; ch++) {
      pcm[i * channels + ch] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
    }
  }
  mkdirSync(join(root, language), { recursive: true });
  const file = join(root, language, `${id}.wav`);
  writeFileSync(file, writeWav(pcm, rate, channels));
  return file;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'aig-prompts-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('PromptCache', () => {
  it('converts any WAV to 8 kHz mono 20 ms frames, the last one zero-padded', async () => {
    writePrompt('fr', 'welcome', 1010, 44100, 2);
    const cache = new PromptCache({ directory: root });
    const audio = await cache.load('fr', 'welcome');
    assert.equal(audio.language, 'fr');
    assert.equal(audio.id, 'welcome');
    assert.equal(audio.durationMs, 1010);
    assert.equal(audio.frameCount, 51);
    assert.equal(audio.paddedDurationMs, 1020);
    for (const frame of audio.frames) {
      assert.equal(frame.length, 160);
    }
    assert.ok(
      audio.frames[50]!.subarray(80).every((s) => s === 0),
      'padding is silence',
    );
    const peak = audio.pcm.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    assert.ok(Math.abs(peak - 8000) < 200, `level kept: peak ${peak}`);
  });

  it('serves the same audio from memory while the file is unchanged', async () => {
    writePrompt('fr', 'goodbye', 200);
    const cache = new PromptCache({ directory: root });
    const first = await cache.load('fr', 'goodbye');
    const second = await cache.load('fr', 'goodbye');
    assert.equal(second, first);
    const stats = cache.stats();
    assert.equal(stats.misses, 1);
    assert.equal(stats.hits, 1);
    assert.equal(stats.entries, 1);
    assert.equal(stats.bytes, first.byteSize);
  });

  it('shares one read between concurrent loads of the same prompt', async () => {
    writePrompt('en', 'shared', 300);
    const cache = new PromptCache({ directory: root });
    const loads = await Promise.all(Array.from({ length: 20 }, () => cache.load('en', 'shared')));
    assert.ok(loads.every((audio) => audio === loads[0]));
    assert.equal(cache.stats().misses, 1);
  });

  it('reloads a prompt whose file changed size or modification time', async () => {
    const file = writePrompt('fr', 'changing', 200);
    const cache = new PromptCache({ directory: root });
    const original = await cache.load('fr', 'changing');
    writePrompt('fr', 'changing', 400);
    const longer = await cache.load('fr', 'changing');
    assert.notEqual(longer, original);
    assert.equal(longer.durationMs, 400);
    // Same size, new content and time (a re-render of the same length).
    writePrompt('fr', 'changing', 400, 8000, 1, 2000);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const quieter = await cache.load('fr', 'changing');
    assert.notEqual(quieter, longer);
    assert.ok(quieter.pcm.reduce((m, s) => Math.max(m, Math.abs(s)), 0) < 2100);
    assert.equal(cache.stats().reloads, 2);
    assert.equal(cache.stats().entries, 1);
    assert.equal(cache.stats().bytes, quieter.byteSize);
  });

  it('encodes G.711 frames once per codec, on demand, and counts them in its size', async () => {
    writePrompt('fr', 'encoded', 100);
    const cache = new PromptCache({ directory: root });
    const audio = await cache.load('fr', 'encoded');
    const pcmBytes = cache.stats().bytes;
    const pcmu = audio.encodedFrames('PCMU');
    assert.equal(pcmu.length, 5);
    assert.equal(pcmu[0]!.length, 160);
    assert.equal(audio.encodedFrames('PCMU'), pcmu, 'cached');
    assert.equal(cache.stats().bytes, pcmBytes + 800);
    audio.encodedFrames('PCMA');
    assert.equal(cache.stats().bytes, pcmBytes + 1600);
    // The payload decodes back to the frame (within G.711 quantisation).
    const decoded = decodeMulaw(pcmu[1]!);
    audio.frames[1]!.forEach((s, i) => assert.ok(Math.abs(decoded[i]! - s) <= Math.abs(s) / 16 + 64));
  });

  it('evicts the least recently used prompts to stay within its byte bound', async () => {
    for (const id of ['a', 'b', 'c']) {
      writePrompt('en', id, 1000); // 8000 samples = 16 000 bytes each
    }
    const cache = new PromptCache({ directory: root, maxBytes: 40_000 });
    const a = await cache.load('en', 'a');
    await cache.load('en', 'b');
    assert.equal(await cache.load('en', 'a'), a); // a is now more recent than b
    await cache.load('en', 'c'); // 48 000 bytes: b goes
    assert.equal(cache.stats().evictions, 1);
    assert.equal(cache.stats().bytes, 32_000);
    assert.equal(await cache.load('en', 'a'), a, 'a survived');
    const misses = cache.stats().misses;
    await cache.load('en', 'b');
    assert.equal(cache.stats().misses, misses + 1, 'b was read again');
    // Encoding grows an entry past the bound: another one goes.
    a.encodedFrames('PCMU');
    assert.ok(cache.stats().bytes <= 40_000);
  });

  it('serves but does not keep a prompt larger than the whole cache', async () => {
    writePrompt('en', 'huge', 2000);
    const cache = new PromptCache({ directory: root, maxBytes: 10_000 });
    const audio = await cache.load('en', 'huge');
    assert.equal(audio.frameCount, 100);
    assert.equal(cache.stats().entries, 0);
    assert.equal(cache.stats().bytes, 0);
  });

  it('rejects a missing prompt with AIG_ERR_PROMPT_NOT_FOUND naming it', async () => {
    const cache = new PromptCache({ directory: root });
    await assert.rejects(cache.load('fr', 'nope'), (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_PROMPT_NOT_FOUND'));
      assert.match(err.message, /fr\/nope/);
      return true;
    });
  });

  it('refuses ids and languages that could leave the prompts folder', async () => {
    const cache = new PromptCache({ directory: root });
    for (const [language, id] of [
      ['fr', '../../etc/passwd'],
      ['..', 'welcome'],
      ['fr', 'a/b'],
      ['fr', ''],
    ] as const) {
      await assert.rejects(cache.load(language, id), (err: unknown) =>
        isAigError(err, 'AIG_ERR_PROMPT_NOT_FOUND'),
      );
    }
  });

  it('rejects a damaged file with the WAV error code and the file path, and forgets it', async () => {
    mkdirSync(join(root, 'fr'), { recursive: true });
    const file = join(root, 'fr', 'broken.wav');
    writeFileSync(file, 'this is not audio at all');
    const cache = new PromptCache({ directory: root });
    await assert.rejects(cache.load('fr', 'broken'), (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_WAV_INVALID'));
      assert.equal(err.message, `WAV audio is malformed: ${file}: not a RIFF/WAVE file`);
      return true;
    });
    assert.equal(cache.stats().entries, 0);
    writePrompt('fr', 'broken', 100); // fixed on disk: loads now
    assert.equal((await cache.load('fr', 'broken')).frameCount, 5);
  });

  it('drops a prompt deleted from disk', async () => {
    const file = writePrompt('en', 'deleted', 100);
    const cache = new PromptCache({ directory: root });
    await cache.load('en', 'deleted');
    rmSync(file);
    await assert.rejects(cache.load('en', 'deleted'), (err: unknown) =>
      isAigError(err, 'AIG_ERR_PROMPT_NOT_FOUND'),
    );
    assert.equal(cache.stats().entries, 0);
    assert.equal(cache.stats().bytes, 0);
  });
});
