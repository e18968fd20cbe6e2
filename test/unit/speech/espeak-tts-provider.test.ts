// eSpeak NG TTS: the real Debian binary (installed by scripts/setup; its absence fails these tests, it does not
// skip them), and the WebAssembly fallback's glue against a stand-in for the npm package's module.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { writeWav } from '../../../src/media/codec/wav.js';
import { detectEspeakBinary } from '../../../src/speech/tts/espeak-binary.js';
import { EspeakTtsProvider, type EspeakWasmFactory } from '../../../src/speech/tts/espeak-tts-provider.js';

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) {
    sum += s * s;
  }
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

describe('EspeakTtsProvider with the Debian espeak-ng binary', () => {
  let provider: EspeakTtsProvider;

  before(async () => {
    const version = await detectEspeakBinary();
    assert.ok(
      version !== undefined,
      'espeak-ng is not installed: run scripts/setup (it installs the Debian package espeak-ng)',
    );
    provider = await EspeakTtsProvider.create({ engine: 'binary' });
  });

  it('identifies itself by engine, version and speed', () => {
    assert.equal(provider.engine, 'binary');
    assert.match(provider.id, /^espeak-ng\/\d+\.\d+(\.\d+)?\/binary\/s160$/);
    assert.equal(provider.voiceFor('fr'), 'fr');
    assert.equal(provider.voiceFor('fr-FR'), 'fr');
    assert.equal(provider.voiceFor('en'), 'en-us');
    assert.equal(provider.voiceFor('de'), 'de', 'other languages name their espeak voice');
  });

  it('speaks French and English as 8 kHz PCM of plausible length and level', async () => {
    const fr = await provider.synthesize('Vous avez tapé quatre.', { language: 'fr' });
    const en = await provider.synthesize('You pressed four.', { language: 'en' });
    for (const [label, pcm] of [
      ['fr', fr],
      ['en', en],
    ] as const) {
      const seconds = pcm.length / 8000;
      assert.ok(seconds > 0.6 && seconds < 3, `${label}: ${seconds} s`);
      assert.ok(rms(pcm) > 500, `${label}: rms ${rms(pcm)}`);
    }
  });

  it('reads longer text for longer', async () => {
    const short = await provider.synthesize('Bonjour.', { language: 'fr' });
    const long = await provider.synthesize('Bonjour, et bienvenue sur le service de démonstration.', {
      language: 'fr',
    });
    assert.ok(long.length > short.length * 2);
  });

  it('passes text on stdin, so text that looks like an option is spoken', async () => {
    const pcm = await provider.synthesize('--version -v xx', { language: 'en' });
    assert.ok(pcm.length / 8000 > 0.5, 'spoken, not taken for options');
  });

  it('returns no audio for blank text without running the engine', async () => {
    assert.equal((await provider.synthesize(' \n\t', { language: 'fr' })).length, 0);
  });

  it('rejects an unknown voice with AIG_ERR_TTS_FAILED and the engine message', async () => {
    await assert.rejects(provider.synthesize('test', { language: 'fr', voice: 'qq' }), (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
      assert.match(err.message, /voice "qq" exited with 1: .*voice does not exist/);
      return true;
    });
  });

  it('serves concurrent requests, at most maxConcurrent processes at a time', async () => {
    const limited = await EspeakTtsProvider.create({ engine: 'binary', maxConcurrent: 2 });
    const texts = ['un', 'deux', 'trois', 'quatre', 'cinq', 'six'];
    const results = await Promise.all(texts.map((text) => limited.synthesize(text, { language: 'fr' })));
    assert.ok(results.every((pcm) => pcm.length > 1000));
  });

  it('reports a binary that cannot be run as unavailable', async () => {
    await assert.rejects(
      EspeakTtsProvider.create({ engine: 'binary', binary: '/nonexistent/espeak-ng' }),
      (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_UNAVAILABLE'));
        assert.match(err.message, /install the Debian package espeak-ng/);
        return true;
      },
    );
  });

  it('kills a synthesis that exceeds its timeout', async () => {
    // A stand-in for a hung engine: answers --version, then never writes and only exits when killed.
    const dir = mkdtempSync(join(tmpdir(), 'aig-espeak-'));
    const script = join(dir, 'espeak-ng');
    writeFileSync(
      script,
      '#!/bin/sh\n[ "$1" = "--version" ] && { echo "eSpeak NG text-to-speech: 9.9"; exit 0; }\nexec sleep 30\n',
    );
    chmodSync(script, 0o755);
    try {
      const hung = await EspeakTtsProvider.create({ engine: 'binary', binary: script, timeoutMs: 200 });
      assert.equal(hung.version, '9.9');
      const started = performance.now();
      await assert.rejects(hung.synthesize('bonjour', { language: 'fr' }), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
        assert.match(err.message, /timed out after 200 ms/);
        return true;
      });
      assert.ok(performance.now() - started < 3000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EspeakTtsProvider with the WebAssembly build', () => {
  /** Stands in for the npm package's Emscripten module: records the arguments, "writes" a WAV into its FS. */
  function fakeWasm(behaviour: 'ok' | 'fail' | 'hang', calls: string[][]): EspeakWasmFactory {
    return (module) => {
      calls.push(module.arguments);
      if (behaviour === 'fail') {
        module.printErr?.('Error: voice does not exist');
        return Promise.reject(new Error('exit(1)'));
      }
      if (behaviour === 'hang') {
        return new Promise(() => undefined);
      }
      const wav = writeWav(new Int16Array(22050).fill(1000), 22050);
      return Promise.resolve({
        FS: {
          readFile: (path: string) => {
            assert.equal(path, module.arguments[module.arguments.indexOf('-w') + 1]);
            return new Uint8Array(wav);
          },
        },
      });
    };
  }

  it('runs the module with the text after "--" and resamples its 22.05 kHz output to 8 kHz', async () => {
    const calls: string[][] = [];
    const provider = await EspeakTtsProvider.create({
      engine: 'wasm',
      loadWasm: () => Promise.resolve(fakeWasm('ok', calls)),
    });
    assert.equal(provider.id, 'espeak-ng/wasm/s160');
    const pcm = await provider.synthesize('-x bonjour\nà tous', { language: 'en' });
    assert.equal(pcm.length, 8000);
    assert.ok(Math.abs(pcm[4000]! - 1000) <= 1);
    const args = calls[0]!;
    assert.deepEqual(args.slice(0, 6), ['-b', '1', '-v', 'en-us', '-s', '160']);
    assert.deepEqual(args.slice(-2), ['--', '-x bonjour à tous']);
  });

  it('turns module failures and hangs into AIG_ERR_TTS_FAILED', async () => {
    const failing = await EspeakTtsProvider.create({
      engine: 'wasm',
      loadWasm: () => Promise.resolve(fakeWasm('fail', [])),
    });
    await assert.rejects(failing.synthesize('x', { language: 'fr' }), (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
      assert.match(err.message, /voice does not exist/);
      return true;
    });
    const hanging = await EspeakTtsProvider.create({
      engine: 'wasm',
      timeoutMs: 50,
      loadWasm: () => Promise.resolve(fakeWasm('hang', [])),
    });
    await assert.rejects(hanging.synthesize('x', { language: 'fr' }), /timed out after 50 ms/);
  });

  it('falls back to the WebAssembly build when the binary is missing, and says what to install when both are', async () => {
    const fallback = await EspeakTtsProvider.create({
      binary: '/nonexistent/espeak-ng',
      loadWasm: () => Promise.resolve(fakeWasm('ok', [])),
    });
    assert.equal(fallback.engine, 'wasm');
    await assert.rejects(
      EspeakTtsProvider.create({
        binary: '/nonexistent/espeak-ng',
        loadWasm: () => Promise.reject(new Error('Cannot find package')),
      }),
      (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_UNAVAILABLE'));
        assert.match(err.message, /Debian package espeak-ng.*npm package espeak-ng/);
        return true;
      },
    );
  });
});
