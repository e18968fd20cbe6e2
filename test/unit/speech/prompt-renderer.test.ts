// Prompt rendering: incremental by manifest hash, hand-placed recordings kept, orphans removed, bad texts refused;
// then the real thing: the project's prompt texts rendered by the Debian espeak-ng binary and played back through
// the prompt cache, and `aiguilleur prompts render` as a process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { readWav, writeWav } from '../../../src/media/codec/wav.js';
import { PromptCache } from '../../../src/media/playback/prompt-cache.js';
import { MANIFEST_FILE, renderPrompts, trimSilence } from '../../../src/speech/prompts/prompt-renderer.js';
import { listPromptLanguages, loadPromptTexts } from '../../../src/speech/prompts/prompt-texts.js';
import { detectEspeakBinary } from '../../../src/speech/tts/espeak-binary.js';
import { EspeakTtsProvider } from '../../../src/speech/tts/espeak-tts-provider.js';
import type { SynthesizeOptions, TtsProvider } from '../../../src/speech/tts/tts-provider.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'aig-render-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Renders each text as 10 ms of silence, 100 ms of tone per character, 500 ms of silence; records calls. */
class ToneProvider implements TtsProvider {
  readonly texts: string[] = [];
  constructor(readonly id = 'tone/1') {}

  voiceFor(language: string): string {
    return `tone-${language}`;
  }

  synthesize(text: string, _options: SynthesizeOptions): Promise<Int16Array> {
    this.texts.push(text);
    const pcm = new Int16Array(80 + text.length * 800 + 4000);
    for (let i = 80; i < 80 + text.length * 800; i++) {
      pcm[i] = Math.round(5000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    }
    return Promise.resolve(pcm);
  }
}

let folders = 0;
function promptsFolder(texts: Record<string, unknown>, language = 'fr'): string {
  const dir = join(scratch, `prompts-${++folders}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${language}.json`), JSON.stringify(texts));
  return dir;
}

function manifest(
  dir: string,
  language = 'fr',
): { prompts: Record<string, { hash: string; bytes: number; engine: string }> } {
  return JSON.parse(readFileSync(join(dir, language, MANIFEST_FILE), 'utf8')) as never;
}

describe('renderPrompts', () => {
  it('renders every prompt to 8 kHz mono 16-bit WAV, trimmed, and records it in the manifest', async () => {
    const dir = promptsFolder({ hello: 'abc', bye: 'de' });
    const provider = new ToneProvider();
    const report = await renderPrompts({ directory: dir, language: 'fr', synthesizer: provider });
    assert.deepEqual(
      report.rendered.map((p) => p.id),
      ['bye', 'hello'],
    );
    assert.deepEqual(report.unchanged, []);
    assert.equal(report.engine, 'tone/1');
    const wav = readWav(readFileSync(join(dir, 'fr', 'hello.wav')));
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 1);
    assert.equal(wav.bitsPerSample, 16);
    // 10 ms lead kept (under the 20 ms margin), 300 ms of tone, trailing silence cut to 120 ms.
    assert.ok(Math.abs(wav.durationMs - (10 + 300 + 120)) <= 1, `duration ${wav.durationMs}`);
    const entries = manifest(dir).prompts;
    assert.deepEqual(Object.keys(entries), ['bye', 'hello']);
    assert.equal(entries.hello!.engine, 'tone/1');
    assert.equal(entries.hello!.bytes, statSync(join(dir, 'fr', 'hello.wav')).size);
  });

  it('renders again only what changed: text, engine, or a deleted file', async () => {
    const dir = promptsFolder({ a: 'one', b: 'two', c: 'three' });
    await renderPrompts({ directory: dir, language: 'fr', synthesizer: new ToneProvider() });

    const again = new ToneProvider();
    const unchanged = await renderPrompts({ directory: dir, language: 'fr', synthesizer: again });
    assert.deepEqual(unchanged.rendered, []);
    assert.deepEqual(unchanged.unchanged, ['a', 'b', 'c']);
    assert.equal(again.texts.length, 0);

    writeFileSync(join(dir, 'fr.json'), JSON.stringify({ a: 'one', b: 'TWO', c: 'three' }));
    rmSync(join(dir, 'fr', 'c.wav'));
    const partial = await renderPrompts({ directory: dir, language: 'fr', synthesizer: again });
    assert.deepEqual(
      partial.rendered.map((p) => p.id),
      ['b', 'c'],
    );
    assert.deepEqual(partial.unchanged, ['a']);

    const upgraded = await renderPrompts({
      directory: dir,
      language: 'fr',
      synthesizer: new ToneProvider('tone/2'),
    });
    assert.equal(upgraded.rendered.length, 3, 'a new engine version re-renders everything');
  });

  it('keeps a recording placed by hand unless forced, and removes only its own orphans', async () => {
    const dir = promptsFolder({ studio: 'abc', synthetic: 'de', old: 'f' });
    await renderPrompts({ directory: dir, language: 'fr', synthesizer: new ToneProvider() });
    const studioFile = join(dir, 'fr', 'studio.wav');
    const recording = writeWav(new Int16Array(12345).fill(77), 8000);
    writeFileSync(studioFile, recording);
    const handPlaced = join(dir, 'fr', 'custom.wav');
    writeFileSync(handPlaced, recording);
    writeFileSync(join(dir, 'fr.json'), JSON.stringify({ studio: 'abc!', synthetic: 'de', custom: 'x' }));

    const report = await renderPrompts({ directory: dir, language: 'fr', synthesizer: new ToneProvider() });
    assert.deepEqual(report.kept, ['custom', 'studio']);
    assert.deepEqual(report.removed, ['old']);
    assert.deepEqual(report.unchanged, ['synthetic']);
    assert.deepEqual(readFileSync(studioFile), recording);
    assert.equal(existsSync(join(dir, 'fr', 'old.wav')), false);

    const forced = await renderPrompts({
      directory: dir,
      language: 'fr',
      synthesizer: new ToneProvider(),
      force: true,
    });
    assert.deepEqual(
      forced.rendered.map((p) => p.id),
      ['custom', 'studio', 'synthetic'],
    );
    assert.notDeepEqual(readFileSync(studioFile), recording);
  });

  it('refuses invalid texts with AIG_ERR_PROMPT_TEXTS naming every problem', async () => {
    const dir = promptsFolder({ 'bad id': 'x', empty: ' ', number: 4, fine: 'ok' });
    await assert.rejects(
      renderPrompts({ directory: dir, language: 'fr', synthesizer: new ToneProvider() }),
      (err: unknown) => {
        assert.ok(isAigError(err, 'AIG_ERR_PROMPT_TEXTS'));
        assert.match(
          err.message,
          /"bad id": ids use letters.*"empty": the text must be a non-empty string.*"number"/,
        );
        return true;
      },
    );
    await assert.rejects(loadPromptTexts(dir, 'de'), (err: unknown) =>
      isAigError(err, 'AIG_ERR_PROMPT_TEXTS'),
    );
    const broken = promptsFolder({});
    writeFileSync(join(broken, 'fr.json'), '{ "welcome": ');
    await assert.rejects(loadPromptTexts(broken, 'fr'), /Prompt texts are invalid: .*fr\.json/);
    const list = promptsFolder({});
    writeFileSync(join(list, 'fr.json'), '["welcome"]');
    await assert.rejects(loadPromptTexts(list, 'fr'), /expected an object/);
  });

  it('rejects a synthesis failure but keeps what did render', async () => {
    const dir = promptsFolder({ good: 'ab', bad: 'cd' });
    const provider = new ToneProvider();
    const failing: TtsProvider = {
      id: provider.id,
      voiceFor: (language) => provider.voiceFor(language),
      synthesize: (text, options) =>
        text === 'cd' ? Promise.reject(new Error('engine crashed')) : provider.synthesize(text, options),
    };
    await assert.rejects(
      renderPrompts({ directory: dir, language: 'fr', synthesizer: failing }),
      /engine crashed/,
    );
    assert.deepEqual(Object.keys(manifest(dir).prompts), ['good']);
    const retry = await renderPrompts({ directory: dir, language: 'fr', synthesizer: provider });
    assert.deepEqual(
      retry.rendered.map((p) => p.id),
      ['bad'],
    );
  });

  it('trims leading and trailing silence to short margins, and leaves all-silent audio alone', () => {
    const pcm = new Int16Array(8000);
    pcm.fill(3000, 2000, 4000);
    const trimmed = trimSilence(pcm);
    assert.equal(trimmed.length, 160 + 2000 + 960);
    const silent = new Int16Array(100);
    assert.equal(trimSilence(silent), silent);
  });
});

describe("the project's prompts", () => {
  const required = [
    'welcome',
    'you_pressed',
    ...'0123456789'.split('').map((d) => `digit_${d}`),
    'digit_star',
    'digit_hash',
    'goodbye',
    'barge_in_test',
  ];

  it('has French and English texts for every prompt the demo plays', async () => {
    const promptsDir = join(repoRoot, 'prompts');
    assert.deepEqual(await listPromptLanguages(promptsDir), ['en', 'fr']);
    const fr = await loadPromptTexts(promptsDir, 'fr');
    const en = await loadPromptTexts(promptsDir, 'en');
    for (const id of required) {
      assert.ok(fr[id], `fr.json lacks ${id}`);
      assert.ok(en[id], `en.json lacks ${id}`);
    }
    assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort(), 'same ids in both languages');
    assert.equal(
      fr.welcome,
      "Bienvenue sur le service de démonstration Aiguilleur de l'Assurance Maladie. Tapez un chiffre sur votre clavier.",
    );
    assert.equal(fr.digit_star, 'étoile');
    assert.equal(en.digit_hash, 'hash');
  });

  it('renders with the Debian espeak-ng and plays through the prompt cache', async () => {
    assert.ok(
      (await detectEspeakBinary()) !== undefined,
      'espeak-ng is not installed: run scripts/setup (it installs the Debian package espeak-ng)',
    );
    const dir = join(scratch, 'real');
    mkdirSync(dir);
    cpSync(join(repoRoot, 'prompts', 'fr.json'), join(dir, 'fr.json'));
    cpSync(join(repoRoot, 'prompts', 'en.json'), join(dir, 'en.json'));
    const espeak = await EspeakTtsProvider.create({ engine: 'binary' });
    const cache = new PromptCache({ directory: dir });
    for (const language of ['fr', 'en']) {
      const report = await renderPrompts({ directory: dir, language, synthesizer: espeak });
      assert.equal(report.rendered.length, required.length);
      for (const id of required) {
        const audio = await cache.load(language, id);
        assert.ok(audio.durationMs > 200, `${language}/${id}: ${audio.durationMs} ms`);
      }
      const bargeIn = await cache.load(language, 'barge_in_test');
      assert.ok(
        bargeIn.durationMs > 5000 && bargeIn.durationMs < 8000,
        `${language} barge_in_test: ${bargeIn.durationMs} ms`,
      );
      const welcome = await cache.load(language, 'welcome');
      assert.ok(welcome.durationMs > 4000, `${language} welcome: ${welcome.durationMs} ms`);
    }
  });

  it('`aiguilleur prompts render` renders a language, then finds it up to date', () => {
    const dir = join(scratch, 'cli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'fr.json'), JSON.stringify({ hello: 'Bonjour.', bye: 'Au revoir.' }));
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'prompts', 'render', '--prompts', dir, ...args],
        {
          cwd: repoRoot,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    const first = run(['--lang', 'fr']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(
      first.stdout,
      /^fr: 2 rendered, 0 up to date in \d+ ms with espeak-ng\/[\d.]+\/binary\/s160$/m,
    );
    assert.match(first.stdout, /fr\/hello\.wav\s+\d\.\d\d s/);
    const second = run([]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /^fr: 0 rendered, 2 up to date/m);
    const forced = run(['--force']);
    assert.match(forced.stdout, /^fr: 2 rendered/m);
    writeFileSync(join(dir, 'fr.json'), '{ "bad id": "x" }');
    const bad = run(['--lang', 'fr']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /AIG_ERR_PROMPT_TEXTS: Prompt texts are invalid: .*"bad id"/);
  });
});
