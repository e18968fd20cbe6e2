/**
 * The media path end to end with a real softphone (Debian baresip) calling `aiguilleur serve`: the caller
 * hears the welcome prompt, speech interrupts it (barge-in), and a key press is answered with the right
 * spoken digit — checked on what baresip actually recorded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { readWav } from '../../src/media/codec/wav.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { runBaresipCall } from '../support/baresip.js';
import { bestMatch, levelsDb, loadWav8k, makeMicWav } from '../support/audio-analysis.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PROMPTS = join(ROOT, 'prompts');
/** A 100 ms window above this level carries prompt audio (µ-law silence decodes to about -90 dBFS). */
const ACTIVE_DB = -45;

describe('media with baresip', { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  const work = mkdtempSync(join(tmpdir(), 'aiguilleur-media-'));
  before(async () => {
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'prompts', 'render'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    serve = await startServe({
      sip: { port: 0, wire: { port: 0 } },
      http: { port: 0 },
      log: { level: 'info' },
      media: { recordingDirectory: join(work, 'recordings') },
      numbers: {
        // The media test line: the keypad demo (welcome, "you pressed N"), not the reference flow.
        '3646': { language: 'fr', label: 'Assurance Maladie', record: true, flow: 'keypad-echo' },
        '3647': { language: 'en', label: 'Health insurance (English)', flow: 'keypad-echo' },
      },
    });
  });
  after(async () => {
    await serve.stop();
  });

  it('plays the welcome prompt and stops it when the caller speaks (barge-in)', async (t) => {
    const speechAtMs = 2500;
    const mic = makeMicWav(work, 'barge', [
      { silenceMs: speechAtMs },
      { say: "bonjour, je voudrais parler à quelqu'un au sujet de ma carte vitale", voice: 'fr' },
      { silenceMs: 1500 },
    ]);
    const call = await runBaresipCall({ target: `sip:3646@127.0.0.1:${serve.sipPort}`, micWav: mic });
    assert.ok(call.established, call.log.slice(-2000));
    assert.ok(call.heardWav, 'baresip recorded what it heard');
    const heard = loadWav8k(call.heardWav);
    const levels = levelsDb(heard);
    const active = levels.map((db) => db > ACTIVE_DB);
    const firstActive = active.indexOf(true);
    const lastActive = active.lastIndexOf(true);
    const welcome = loadWav8k(join(PROMPTS, 'fr', 'welcome.wav'));
    // The welcome prompt is what was heard: its first second correlates with the recording.
    const match = bestMatch(heard, welcome.subarray(0, 8000), 0, 16000);
    t.diagnostic(
      `welcome match ${match.score.toFixed(2)} at ${(match.lag / 8).toFixed(0)} ms; audio heard ${firstActive * 100}–${(lastActive + 1) * 100} ms; speech at ${speechAtMs} ms; welcome lasts ${Math.round(welcome.length / 8)} ms`,
    );
    assert.ok(match.score > 0.8, `welcome prompt not recognised (score ${match.score})`);
    assert.ok(firstActive >= 0 && firstActive <= 10, 'prompt starts within 1 s');
    // Cut by the caller's voice: nothing after speech onset + VAD decision + network slack, long before its end.
    const stoppedAtMs = (lastActive + 1) * 100;
    assert.ok(stoppedAtMs <= speechAtMs + 700, `prompt went on until ${stoppedAtMs} ms`);
    assert.ok(stoppedAtMs >= speechAtMs - 300, `prompt stopped too early (${stoppedAtMs} ms)`);
    assert.ok(
      welcome.length / 8 > stoppedAtMs + 1500,
      'the welcome prompt is long enough for the check to mean something',
    );
    const closed = serve.logs.find((l) => l.msg === 'media closed' && (l.bargeIns as number) >= 1);
    assert.ok(closed, 'server counted the barge-in');

    // 3646 records calls: a stereo WAV with the caller on the left and the IVR on the right.
    await new Promise((r) => setTimeout(r, 300));
    const errors = serve.logs.filter((l) => (l.level as number) >= 40);
    assert.deepEqual(errors, []);
    const files = readdirSync(join(work, 'recordings'));
    assert.equal(files.length, 1, files.join(','));
    const recording = readWav(readFileSync(join(work, 'recordings', files[0]!)));
    assert.equal(recording.channels, 2);
    assert.equal(recording.sampleRate, 8000);
    t.diagnostic(`recording: ${Math.round(recording.durationMs)} ms`);
    assert.ok(recording.durationMs > 5000, 'the whole call is recorded');
  });

  it('answers a key press with the spoken digit', async (t) => {
    const mic = makeMicWav(work, 'keys', [{ silenceMs: 7000 }]);
    const call = await runBaresipCall({
      target: `sip:3647@127.0.0.1:${serve.sipPort}`,
      micWav: mic,
      keys: [{ atMs: 1500, key: '4' }],
    });
    assert.ok(call.established, call.log.slice(-2000));
    assert.ok(call.heardWav);
    const heard = loadWav8k(call.heardWav);
    const youPressed = loadWav8k(join(PROMPTS, 'en', 'you_pressed.wav'));
    const found = bestMatch(heard, youPressed.subarray(0, Math.min(youPressed.length, 4000)), 0);
    t.diagnostic(`"you pressed" at ${(found.lag / 8).toFixed(0)} ms (score ${found.score.toFixed(2)})`);
    assert.ok(found.score > 0.8, `"you pressed" not heard (score ${found.score})`);
    const digitFrom = found.lag + youPressed.length - 2400;
    const digitTo = found.lag + youPressed.length + 4000;
    const scores = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => {
      const template = loadWav8k(join(PROMPTS, 'en', `digit_${d}.wav`));
      return {
        d,
        score: bestMatch(heard, template.subarray(0, Math.min(template.length, 2400)), digitFrom, digitTo)
          .score,
      };
    });
    scores.sort((a, b) => b.score - a.score);
    t.diagnostic(`digit scores: ${scores.map((s) => `${s.d}:${s.score.toFixed(2)}`).join(' ')}`);
    assert.equal(scores[0]!.d, '4');
    assert.ok(scores[0]!.score > 0.8);
  });
});
