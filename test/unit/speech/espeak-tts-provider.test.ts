// eSpeak NG TTS: the real Debian binary (installed by scripts/setup; its absence fails these tests, it does not
// skip them) run by the provider's helper process, and the WebAssembly fallback's glue against a stand-in for the
// npm package's module.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processExists } from '../../helpers/process-exists.js';
import { isAigError } from '../../../src/errors/aig-error.js';
import { toTelephonyPcm } from '../../../src/media/codec/resample.js';
import { readWav, writeWav } from '../../../src/media/codec/wav.js';
import { trimLeadingSilence } from '../../../src/speech/tts/espeak-audio.js';
import { detectEspeakBinary } from '../../../src/speech/tts/espeak-binary.js';
import { BACKSTOP_GRACE_MS, RESTART_BACKOFF_MS } from '../../../src/speech/tts/espeak-helper-process.js';
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

  it('kills a synthesis that exceeds its timeout, and serves the next request', async () => {
    // A stand-in for an engine that hangs on some texts: answers --version, never writes for a text with "hang"
    // in it (and only exits when killed), hands any other text to the real espeak-ng.
    const dir = mkdtempSync(join(tmpdir(), 'aig-espeak-'));
    const script = join(dir, 'espeak-ng');
    writeFileSync(
      script,
      '#!/bin/sh\n[ "$1" = "--version" ] && { echo "eSpeak NG text-to-speech: 9.9"; exit 0; }\n' +
        'text=$(cat)\ncase "$text" in *hang*) exec sleep 30;; esac\nprintf "%s\\n" "$text" | exec espeak-ng "$@"\n',
    );
    chmodSync(script, 0o755);
    const hung = await EspeakTtsProvider.create({ engine: 'binary', binary: script, timeoutMs: 200 });
    try {
      assert.equal(hung.version, '9.9');
      const started = performance.now();
      await assert.rejects(hung.synthesize('hang on', { language: 'fr' }), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
        assert.match(err.message, /timed out after 200 ms/);
        return true;
      });
      assert.ok(performance.now() - started < 3000);
      const pcm = await hung.synthesize('Bonjour.', { language: 'fr' });
      assert.ok(pcm.length > 2000, 'the next request is served');
    } finally {
      await hung.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The path before the helper process, rebuilt from its parts: espeak-ng run here, its WAV converted here. */
function referenceSynthesis(text: string, voice: string): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('espeak-ng', ['--stdout', '-b', '1', '-v', voice, '-s', '160'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`espeak-ng exited with ${code}`));
        return;
      }
      const wav = readWav(Buffer.concat(chunks));
      resolve(trimLeadingSilence(toTelephonyPcm(wav.samples, wav.sampleRate)));
    });
    child.stdin.end(`${text}\n`, 'utf8');
  });
}

interface LoopFigures {
  /** Longest lateness of a 5 ms interval timer: the longest time the event loop could not run a callback. */
  maxGapMs: number;
  /** Time the event loop spent running code rather than waiting (performance.eventLoopUtilization). */
  activeMs: number;
  results: Int16Array[];
}

/** Runs `synthesize` over the texts, two at a time, watching this thread's event loop. */
async function watchLoop(
  texts: readonly string[],
  synthesize: (text: string, index: number) => Promise<Int16Array>,
): Promise<LoopFigures> {
  let last = performance.now();
  let maxGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last - 5);
    last = now;
  }, 5);
  const idleBefore = performance.eventLoopUtilization();
  const results: Int16Array[] = [];
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < texts.length) {
        const index = next++;
        results[index] = await synthesize(texts[index]!, index);
      }
    }),
  );
  const activeMs = performance.eventLoopUtilization(idleBefore).active;
  clearInterval(ticker);
  return { maxGapMs, activeMs, results };
}

async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    assert.ok(performance.now() < deadline, `${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('EspeakTtsProvider runs espeak-ng in a helper process', () => {
  let provider: EspeakTtsProvider;

  before(async () => {
    provider = await EspeakTtsProvider.create({ engine: 'binary', maxConcurrent: 2 });
  });

  after(async () => {
    await provider.close();
  });

  // Prompts of ~7 s: the old path blocked the loop for the spawn, then 30–50 ms for each one's resampling.
  const texts = Array.from({ length: 8 }, (_, i) =>
    i % 2 === 0
      ? `Bonjour et bienvenue sur le service de démonstration. Pour vos remboursements, dites remboursement ; pour votre carte, dites carte ; sinon, dites conseiller. Message ${i}.`
      : `Welcome to the demonstration service. To ask about a refund, say refund; to talk about your card, say card; otherwise, say agent. Message ${i}.`,
  );
  const voiceOf = (index: number): string => (index % 2 === 0 ? 'fr' : 'en-us');

  it('gives the same samples as espeak-ng run and resampled in this thread, without blocking it', async (t) => {
    await provider.synthesize('Bonjour.', { language: 'fr' }); // the helper has loaded
    // The helper first: the garbage the in-thread path leaves would be collected during the next measurement.
    const helper = await watchLoop(texts, (text, index) =>
      provider.synthesize(text, { language: index % 2 === 0 ? 'fr' : 'en' }),
    );
    const inThread = await watchLoop(texts, (text, index) => referenceSynthesis(text, voiceOf(index)));
    texts.forEach((_, i) => {
      const expected = inThread.results[i]!;
      const actual = helper.results[i]!;
      assert.ok(expected.length > 8000 * 5, `text ${i}: ${expected.length} samples`);
      assert.equal(actual.length, expected.length, `text ${i}: length`);
      assert.ok(
        Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(
          Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
        ),
        `text ${i}: samples differ`,
      );
    });
    // Measured on 2 cores (ms of longest gap / loop active time): in this thread 75–121 / 490–813 idle, 170–590 /
    // 840–1900 with both cores busy; through the helper 4–9 / 20–31 idle, 5–15 / 34–67 busy.
    const figures = `in thread ${inThread.maxGapMs.toFixed(1)} ms / ${inThread.activeMs.toFixed(0)} ms, helper ${helper.maxGapMs.toFixed(1)} ms / ${helper.activeMs.toFixed(0)} ms`;
    t.diagnostic(figures);
    // A loaded machine stretches both: the helper's gap stays under a quarter of the in-thread one.
    assert.ok(helper.maxGapMs < Math.max(40, inThread.maxGapMs / 4), `event loop gap: ${figures}`);
    assert.ok(helper.activeMs < inThread.activeMs / 3, `event loop active time: ${figures}`);
  });

  it('fails the requests of a killed helper with AIG_ERR_TTS_FAILED and starts a new one for the next', async () => {
    const first = provider.helperPid!;
    const pending = provider.synthesize(texts[0]!, { language: 'fr' });
    process.kill(first, 'SIGKILL');
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
      assert.match(err.message, /espeak helper exited with SIGKILL/);
      return true;
    });
    assert.equal(provider.helperPid, undefined);
    const pcm = await provider.synthesize('Bonjour.', { language: 'fr' });
    assert.ok(pcm.length > 2000);
    assert.notEqual(provider.helperPid, first);
    assert.ok(!processExists(first));
  });

  it('gives up on a helper that stops answering, kills it, and serves the next request', async () => {
    const stuck = await EspeakTtsProvider.create({ engine: 'binary', timeoutMs: 300 });
    const pid = stuck.helperPid!;
    try {
      await stuck.synthesize('Bonjour.', { language: 'fr' });
      process.kill(pid, 'SIGSTOP'); // alive, but answers nothing
      const started = performance.now();
      await assert.rejects(stuck.synthesize('Bonjour.', { language: 'fr' }), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
        assert.match(err.message, new RegExp(`did not answer within ${300 + BACKSTOP_GRACE_MS} ms`));
        return true;
      });
      const waited = performance.now() - started;
      assert.ok(
        waited >= 300 + BACKSTOP_GRACE_MS - 5 && waited < 300 + BACKSTOP_GRACE_MS + 2000,
        `${waited} ms`,
      );
      await waitUntil(() => !processExists(pid), 2000, 'the stuck helper is killed');
      assert.ok((await stuck.synthesize('Bonjour.', { language: 'fr' })).length > 2000);
    } finally {
      if (processExists(pid)) {
        process.kill(pid, 'SIGKILL');
      }
      await stuck.close();
    }
  });

  it('waits before starting again a helper that keeps dying before it answers, failing requests at once meanwhile', async () => {
    const flaky = await EspeakTtsProvider.create({ engine: 'binary' });
    const killed: number[] = [];
    /** A request whose helper is killed before it can answer: rejected with the helper's death. */
    const requestAndKill = async (): Promise<void> => {
      const pending = flaky.synthesize('Bonjour.', { language: 'fr' });
      const pid = flaky.helperPid!;
      killed.push(pid);
      process.kill(pid, 'SIGKILL');
      await assert.rejects(pending, /espeak helper exited with SIGKILL/);
    };
    try {
      await requestAndKill(); // the first death: the next request starts a helper at once
      await requestAndKill(); // a second death without an answer in between: back off
      await assert.rejects(flaky.synthesize('Bonjour.', { language: 'fr' }), (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_TTS_FAILED'));
        assert.match(err.message, /died 2 times without answering: next start in \d+ ms/);
        return true;
      });
      assert.equal(flaky.helperPid, undefined, 'no helper started during the wait');
      await sleep(RESTART_BACKOFF_MS + 50);
      assert.ok((await flaky.synthesize('Bonjour.', { language: 'fr' })).length > 2000);
      // An answer proves the new helper works: its death is a first one again, restarted at once.
      await requestAndKill();
      assert.ok((await flaky.synthesize('Bonjour.', { language: 'fr' })).length > 2000);
      assert.equal(new Set(killed).size, 3);
    } finally {
      await flaky.close();
    }
  });

  it('closes: the helper exits, what is in flight and what comes later fail with AIG_ERR_TTS_FAILED', async () => {
    const closing = await EspeakTtsProvider.create({ engine: 'binary' });
    const pid = closing.helperPid!;
    const inFlight = assert.rejects(closing.synthesize(texts[1]!, { language: 'en' }), (err: unknown) =>
      isAigError(err, 'AIG_ERR_TTS_FAILED'),
    );
    await closing.close();
    assert.ok(!processExists(pid), 'the helper has exited');
    await inFlight;
    await assert.rejects(closing.synthesize('Bonjour.', { language: 'fr' }), /closed/);
  });

  it('close() keeps the process alive until a helper slow to exit is gone (seen under load: exit 0 before the error)', async () => {
    // The helper is stopped (SIGSTOP), so it leaves only when close() kills it after its grace period. The program
    // sets exit code 3 once close() has resolved: if the event loop ran dry before the helper's exit was seen, the
    // process would end with 0 and close() would never resolve.
    const providerModule = new URL('../../../src/speech/tts/espeak-tts-provider.ts', import.meta.url).href;
    const program = [
      `const { EspeakTtsProvider } = await import(${JSON.stringify(providerModule)});`,
      "const tts = await EspeakTtsProvider.create({ engine: 'binary' });",
      "await tts.synthesize('Bonjour.', { language: 'fr' });",
      "process.kill(tts.helperPid, 'SIGSTOP');",
      'await tts.close();',
      'process.exitCode = 3;',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 3, 'close() resolved before the process ended');
  });

  for (const closes of [true, false]) {
    it(`lets its process exit ${closes ? 'after close()' : 'without close(): an idle helper holds nothing'}`, async () => {
      const providerModule = new URL('../../../src/speech/tts/espeak-tts-provider.ts', import.meta.url).href;
      const program = [
        `const { EspeakTtsProvider } = await import(${JSON.stringify(providerModule)});`,
        "const tts = await EspeakTtsProvider.create({ engine: 'binary' });",
        "const pcm = await tts.synthesize('Bonjour.', { language: 'fr' });",
        'process.stdout.write(JSON.stringify({ pid: tts.helperPid, samples: pcm.length }));',
        closes ? 'await tts.close();' : '',
      ].join('\n');
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, 'the process exits by itself, with nothing left on its event loop');
      const { pid, samples } = JSON.parse(output) as { pid: number; samples: number };
      assert.ok(samples > 2000);
      // Without close(), the helper goes when its IPC channel closes with the parent.
      await waitUntil(() => !processExists(pid), 2000, 'the helper exits with its parent');
    });
  }
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
