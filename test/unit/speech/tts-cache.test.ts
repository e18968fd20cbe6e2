// The TTS cache in front of a counting provider: memory hits, one synthesis shared by concurrent requests,
// a disk cache that survives a restart, damaged entries, failures not cached, and byte-bounded eviction.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CachingTtsProvider } from '../../../src/speech/tts/tts-cache.js';
import type { SynthesizeOptions, TtsProvider } from '../../../src/speech/tts/tts-provider.js';

/** Says each text as samples equal to its length, after a short delay; counts its calls. */
class CountingProvider implements TtsProvider {
  calls = 0;
  failNext = false;
  constructor(readonly id = 'fake/1') {}

  voiceFor(language: string): string {
    return `voice-${language}`;
  }

  async synthesize(text: string, _options: SynthesizeOptions): Promise<Int16Array> {
    this.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('engine down');
    }
    return new Int16Array(800).fill(text.length);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'aig-tts-cache-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('CachingTtsProvider', () => {
  it('answers a repeated request from memory', async () => {
    const inner = new CountingProvider();
    const cache = new CachingTtsProvider(inner);
    const first = await cache.synthesize('vous avez tapé quatre', { language: 'fr' });
    const second = await cache.synthesize('vous avez tapé quatre', { language: 'fr' });
    assert.equal(second, first);
    assert.equal(inner.calls, 1);
    assert.equal(cache.stats().memoryHits, 1);
    assert.equal(cache.id, 'fake/1');
    assert.equal(cache.voiceFor('en'), 'voice-en');
  });

  it('shares one synthesis between concurrent requests for the same text', async () => {
    const inner = new CountingProvider();
    const cache = new CachingTtsProvider(inner);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => cache.synthesize('même texte', { language: 'fr' })),
    );
    assert.equal(inner.calls, 1);
    assert.ok(results.every((pcm) => pcm === results[0]));
    assert.equal(cache.stats().shared, 49);
  });

  it('keys by provider id, voice and text', async () => {
    const inner = new CountingProvider();
    const cache = new CachingTtsProvider(inner);
    await cache.synthesize('texte', { language: 'fr' });
    await cache.synthesize('texte', { language: 'fr', voice: 'voice-fr' }); // the same voice, named
    await cache.synthesize('texte', { language: 'fr', voice: 'other' });
    await cache.synthesize('texte', { language: 'en' });
    await cache.synthesize('Texte', { language: 'fr' });
    assert.equal(inner.calls, 4);
    const other = new CachingTtsProvider(new CountingProvider('fake/2'));
    assert.notEqual(other.keyOf('texte', { language: 'fr' }), cache.keyOf('texte', { language: 'fr' }));
    assert.match(cache.keyOf('secret text', { language: 'fr' }), /^[0-9a-f]{64}$/);
  });

  it('does not cache failures: the next request tries again', async () => {
    const inner = new CountingProvider();
    inner.failNext = true;
    const cache = new CachingTtsProvider(inner);
    await assert.rejects(cache.synthesize('x', { language: 'fr' }), /engine down/);
    assert.equal((await cache.synthesize('x', { language: 'fr' })).length, 800);
    assert.equal(inner.calls, 2);
  });

  it('evicts the least recently used audio beyond maxBytes', async () => {
    const inner = new CountingProvider();
    const cache = new CachingTtsProvider(inner, { maxBytes: 4000 }); // 1600 bytes per entry: two fit
    await cache.synthesize('a', { language: 'fr' });
    await cache.synthesize('b', { language: 'fr' });
    await cache.synthesize('a', { language: 'fr' }); // a is more recent than b
    await cache.synthesize('c', { language: 'fr' }); // b goes
    assert.equal(cache.stats().evictions, 1);
    assert.equal(cache.stats().bytes, 3200);
    await cache.synthesize('a', { language: 'fr' });
    assert.equal(inner.calls, 3);
    await cache.synthesize('b', { language: 'fr' });
    assert.equal(inner.calls, 4);
  });

  it('keeps audio on disk across instances (a restart)', async () => {
    const directory = join(scratch, 'disk');
    const firstInner = new CountingProvider();
    const first = new CachingTtsProvider(firstInner, { directory });
    const original = await first.synthesize('persisted', { language: 'fr' });
    assert.deepEqual(readdirSync(directory), [`${first.keyOf('persisted', { language: 'fr' })}.wav`]);

    const secondInner = new CountingProvider();
    const second = new CachingTtsProvider(secondInner, { directory });
    const restored = await second.synthesize('persisted', { language: 'fr' });
    assert.equal(secondInner.calls, 0);
    assert.deepEqual(restored, original);
    assert.equal(second.stats().diskHits, 1);
  });

  it('synthesises again over a damaged disk entry and reports it', async () => {
    const directory = join(scratch, 'damaged');
    const errors: unknown[] = [];
    const inner = new CountingProvider();
    const cache = new CachingTtsProvider(inner, { directory, onDiskError: (e) => errors.push(e) });
    await cache.synthesize('abc', { language: 'fr' });
    writeFileSync(join(directory, `${cache.keyOf('abc', { language: 'fr' })}.wav`), 'garbage');
    const fresh = new CachingTtsProvider(inner, { directory, onDiskError: (e) => errors.push(e) });
    assert.equal((await fresh.synthesize('abc', { language: 'fr' })).length, 800);
    assert.equal(inner.calls, 2);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /WAV audio is malformed/);
  });

  it('still answers when the disk cache cannot be written', async () => {
    const errors: unknown[] = [];
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    const cache = new CachingTtsProvider(new CountingProvider(), {
      directory: join(file, 'sub'), // a folder inside a file: cannot be created
      onDiskError: (e) => errors.push(e),
    });
    assert.equal((await cache.synthesize('x', { language: 'fr' })).length, 800);
    assert.ok(errors.length >= 1);
  });
});
