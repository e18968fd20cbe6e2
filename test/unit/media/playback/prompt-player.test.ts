// The per-call prompt player: sequences of prompt/silence/TTS/PCM items delivered one frame per tick, events,
// barge-in, stop, queue and replace, and every way an item can fail without stalling the call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AigError, isAigError } from '../../../../src/errors/aig-error.js';
import { decodeAlaw } from '../../../../src/media/codec/g711.js';
import { MediaScheduler } from '../../../../src/media/playback/media-scheduler.js';
import { PromptAudio } from '../../../../src/media/playback/prompt-audio.js';
import type { PromptSource } from '../../../../src/media/playback/prompt-cache.js';
import { PromptPlayer } from '../../../../src/media/playback/prompt-player.js';
import type {
  PromptPlayerEvents,
  SpeechSynthesizer,
} from '../../../../src/media/playback/prompt-player-types.js';
import { FakeSchedulerTime } from './scheduler-fake-time.js';

/** A prompt of `frames` frames whose samples all equal `level` (so each frame says where it came from). */
function flatPrompt(language: string, id: string, frames: number, level: number): PromptAudio {
  return new PromptAudio({ language, id, source: `memory:${id}` }, new Int16Array(frames * 160).fill(level));
}

class FakePrompts implements PromptSource {
  readonly loads: string[] = [];
  constructor(private readonly prompts: Record<string, PromptAudio>) {}

  load(language: string, id: string): Promise<PromptAudio> {
    this.loads.push(`${language}/${id}`);
    const audio = this.prompts[`${language}/${id}`];
    return audio === undefined
      ? Promise.reject(new AigError('AIG_ERR_PROMPT_NOT_FOUND', `${language}/${id}`))
      : Promise.resolve(audio);
  }
}

/** A synthesizer whose answers the test releases by hand. */
class ManualSynthesizer implements SpeechSynthesizer {
  readonly requests: {
    text: string;
    language: string;
    voice?: string;
    resolve: (pcm: Int16Array) => void;
    reject: (e: unknown) => void;
  }[] = [];

  synthesize(text: string, options: { language: string; voice?: string }): Promise<Int16Array> {
    return new Promise((resolve, reject) => this.requests.push({ text, ...options, resolve, reject }));
  }
}

const welcomeFr = flatPrompt('fr', 'welcome', 3, 100);
const prompts = new FakePrompts({
  'fr/welcome': welcomeFr,
  'fr/goodbye': flatPrompt('fr', 'goodbye', 2, 200),
  'en/welcome': flatPrompt('en', 'welcome', 1, 300),
});

/** Lets pending promise callbacks (prompt loads) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Pulls `count` frames and returns the level of each (first sample), `undefined` when idle. */
function pull(player: PromptPlayer, count: number): (number | undefined)[] {
  return Array.from({ length: count }, () => player.nextFrame()?.[0]);
}

function recordEvents(player: PromptPlayer): string[] {
  const log: string[] = [];
  player.on('started', (e) => log.push(`started ${e.playback.id} ${e.item.kind}`));
  player.on('finished', (e) => log.push(`finished ${e.playback.id} ${e.result.positionMs}`));
  player.on('interrupted', (e) =>
    log.push(
      `interrupted ${e.playback.id} ${e.result.reason} ${e.result.positionMs} item ${e.itemIndex}@${e.itemPositionMs}`,
    ),
  );
  player.on('itemError', (e) => log.push(`itemError ${e.playback.id} ${e.itemIndex} ${e.error.code}`));
  return log;
}

describe('PromptPlayer', () => {
  it('plays prompt, silence and PCM items in order, one frame per call, then reports finished', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const log = recordEvents(player);
    const playback = player.play([
      { kind: 'prompt', id: 'welcome' },
      { kind: 'silence', ms: 30 }, // rounds up to 2 frames
      { kind: 'pcm', pcm: new Int16Array(170).fill(7), label: 'beep' }, // 2 frames, the second padded
      { kind: 'prompt', id: 'welcome', language: 'en' },
    ]);
    await settle();
    assert.deepEqual(pull(player, 9), [100, 100, 100, 0, 0, 7, 7, 300, undefined]);
    const result = await playback.done;
    assert.deepEqual(result, { status: 'finished', positionMs: 160, errors: [] });
    assert.deepEqual(log, [`started ${playback.id} prompt`, `finished ${playback.id} 160`]);
    assert.equal(player.playing, false);
  });

  it('returns silence while an item loads, then its audio', async () => {
    const tts = new ManualSynthesizer();
    const player = new PromptPlayer({ prompts, synthesizer: tts, language: 'fr' });
    const playback = player.play({ kind: 'tts', text: 'Vous avez tapé quatre', voice: 'fr+f3' });
    assert.deepEqual(pull(player, 2), [0, 0]);
    assert.deepEqual(
      tts.requests.map(({ text, language, voice }) => ({ text, language, voice })),
      [{ text: 'Vous avez tapé quatre', language: 'fr', voice: 'fr+f3' }],
    );
    tts.requests[0]!.resolve(new Int16Array(320).fill(42));
    await settle();
    assert.deepEqual(pull(player, 3), [42, 42, undefined]);
    assert.equal((await playback.done).positionMs, 40, 'waiting frames are not part of the playback');
  });

  it('skips a missing prompt with an itemError event and plays the rest', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const log = recordEvents(player);
    const playback = player.play([
      { kind: 'prompt', id: 'missing' },
      { kind: 'prompt', id: 'goodbye' },
    ]);
    await settle();
    assert.deepEqual(pull(player, 3), [200, 200, undefined]);
    const result = await playback.done;
    assert.equal(result.status, 'finished');
    assert.equal(result.errors.length, 1);
    assert.ok(isAigError(result.errors[0], 'AIG_ERR_PROMPT_NOT_FOUND'));
    assert.deepEqual(log, [
      `itemError ${playback.id} 0 AIG_ERR_PROMPT_NOT_FOUND`,
      `started ${playback.id} prompt`,
      `finished ${playback.id} 40`,
    ]);
  });

  it('gives up on audio that is not ready within loadTimeoutMs instead of playing silence forever', async () => {
    const tts = new ManualSynthesizer();
    const player = new PromptPlayer({ prompts, synthesizer: tts, language: 'fr', loadTimeoutMs: 100 });
    const log = recordEvents(player);
    const playback = player.play([
      { kind: 'tts', text: 'never answered' },
      { kind: 'silence', ms: 20 },
    ]);
    assert.deepEqual(pull(player, 5), [0, 0, 0, 0, 0]); // 100 ms of waiting
    assert.equal(log.length, 0);
    pull(player, 1); // the sixth wait exceeds 100 ms: skipped, the silence item plays this frame
    assert.equal(player.nextFrame(), undefined);
    const result = await playback.done;
    assert.ok(isAigError(result.errors[0], 'AIG_ERR_PLAYBACK_TIMEOUT'));
    assert.match(result.errors[0].message, /TTS text of 14 characters after 100 ms/);
    assert.ok(!result.errors[0].message.includes('never answered'), 'TTS text is not logged');
    tts.requests[0]!.resolve(new Int16Array(160)); // too late: ignored
    await settle();
    assert.equal(player.nextFrame(), undefined);
  });

  it('reports TTS failures and a missing synthesizer as item errors', async () => {
    const tts = new ManualSynthesizer();
    const player = new PromptPlayer({ prompts, synthesizer: tts, language: 'en' });
    const failing = player.play({ kind: 'tts', text: 'x' });
    tts.requests[0]!.reject(new Error('engine crashed'));
    await settle();
    player.nextFrame();
    const failed = await failing.done;
    assert.ok(isAigError(failed.errors[0], 'AIG_ERR_TTS_FAILED'));
    assert.equal(tts.requests[0]!.language, 'en');

    const mute = new PromptPlayer({ prompts, language: 'en' });
    const none = mute.play({ kind: 'tts', text: 'hello' });
    assert.equal(mute.nextFrame(), undefined);
    assert.ok(isAigError((await none.done).errors[0], 'AIG_ERR_TTS_UNAVAILABLE'));
  });

  it('barge-in interrupts a playback that allows it, with the item and position', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const log = recordEvents(player);
    const playback = player.play(
      [
        { kind: 'silence', ms: 40 },
        { kind: 'prompt', id: 'welcome' },
      ],
      { bargeIn: true },
    );
    await settle();
    pull(player, 3);
    assert.equal(player.bargeIn(), true);
    assert.equal(player.nextFrame(), undefined);
    assert.deepEqual(await playback.done, {
      status: 'interrupted',
      reason: 'barge-in',
      positionMs: 60,
      errors: [],
    });
    assert.equal(log.at(-1), `interrupted ${playback.id} barge-in 60 item 1@20`);
  });

  it('barge-in also stops a playback queued but not yet started (speech before the first tick)', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const log = recordEvents(player);
    const playback = player.play({ kind: 'prompt', id: 'welcome' }, { bargeIn: true });
    assert.equal(player.bargeIn(), true);
    await settle();
    assert.equal(player.nextFrame(), undefined);
    assert.deepEqual(await playback.done, {
      status: 'interrupted',
      reason: 'barge-in',
      positionMs: 0,
      errors: [],
    });
    assert.deepEqual(log, [`interrupted ${playback.id} barge-in 0 item 0@0`]);
  });

  it('plays an hour of silence without allocating it', () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    player.play({ kind: 'silence', ms: 3_600_000 });
    const first = player.nextFrame();
    assert.equal(first?.length, 160);
    assert.equal(player.nextFrame(), first, 'the same silent frame every time');
    player.stop();
  });

  it('ignores barge-in on a playback that does not allow it', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const playback = player.play({ kind: 'prompt', id: 'goodbye' });
    await settle();
    pull(player, 1);
    assert.equal(player.bargeIn(), false);
    assert.deepEqual(pull(player, 2), [200, undefined]);
    assert.equal((await playback.done).status, 'finished');
  });

  it('queues by default and replaces on request', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const log = recordEvents(player);
    const first = player.play({ kind: 'prompt', id: 'goodbye' });
    const second = player.play({ kind: 'prompt', id: 'welcome', language: 'en' });
    await settle();
    assert.deepEqual(pull(player, 4), [200, 200, 300, undefined]);
    assert.equal((await first.done).status, 'finished');
    assert.equal((await second.done).status, 'finished');

    log.length = 0;
    const long = player.play({ kind: 'prompt', id: 'welcome' });
    const queued = player.play({ kind: 'silence', ms: 100 });
    await settle();
    pull(player, 1);
    const replacement = player.play({ kind: 'prompt', id: 'goodbye' }, { mode: 'replace' });
    await settle();
    assert.deepEqual(pull(player, 3), [200, 200, undefined]);
    assert.deepEqual(await long.done, {
      status: 'interrupted',
      reason: 'replaced',
      positionMs: 20,
      errors: [],
    });
    assert.deepEqual(await queued.done, {
      status: 'interrupted',
      reason: 'replaced',
      positionMs: 0,
      errors: [],
    });
    assert.equal((await replacement.done).status, 'finished');
    assert.deepEqual(log, [
      `started ${long.id} prompt`,
      `interrupted ${long.id} replaced 20 item 0@20`,
      `interrupted ${queued.id} replaced 0 item 0@0`,
      `started ${replacement.id} prompt`,
      `finished ${replacement.id} 40`,
    ]);
  });

  it('stop() ends the current and queued playbacks with the given reason; close() refuses new ones', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const a = player.play({ kind: 'prompt', id: 'welcome' });
    const b = player.play({ kind: 'prompt', id: 'goodbye' });
    await settle();
    pull(player, 1);
    player.stop('caller hung up');
    assert.equal(player.nextFrame(), undefined);
    assert.equal((await a.done).reason, 'caller hung up');
    assert.equal((await b.done).reason, 'caller hung up');
    player.close();
    const late = player.play({ kind: 'silence', ms: 20 });
    assert.deepEqual(await late.done, { status: 'interrupted', reason: 'closed', positionMs: 0, errors: [] });
    assert.equal(player.nextFrame(), undefined);
  });

  it('lets a finished listener chain the next playback without a gap', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    player.once('finished', () => player.play({ kind: 'prompt', id: 'goodbye' }));
    player.play({ kind: 'pcm', pcm: new Int16Array(160).fill(5) });
    await settle();
    assert.equal(player.nextFrame()?.[0], 5);
    assert.equal(player.nextFrame()?.[0], 0, 'goodbye is loading: one silent frame');
    await settle();
    assert.deepEqual(pull(player, 3), [200, 200, undefined]);
  });

  it('survives listeners that throw and reports them', async () => {
    const reported: string[] = [];
    const player = new PromptPlayer({
      prompts,
      language: 'fr',
      onListenerError: (error, event) => reported.push(`${event}: ${(error as Error).message}`),
    });
    const thrower = (): never => {
      throw new Error('listener bug');
    };
    player.on('started', thrower);
    player.on('finished', thrower);
    const playback = player.play({ kind: 'prompt', id: 'goodbye' });
    await settle();
    assert.deepEqual(pull(player, 3), [200, 200, undefined]);
    assert.equal((await playback.done).status, 'finished');
    assert.deepEqual(reported, ['started: listener bug', 'finished: listener bug']);
  });

  it('hands out cached G.711 payloads for prompt frames and fresh ones for other audio', async () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    assert.equal(player.lastPayload('PCMU'), undefined);
    player.play([
      { kind: 'prompt', id: 'welcome' },
      { kind: 'pcm', pcm: new Int16Array(160).fill(-1000) },
    ]);
    await settle();
    player.nextFrame();
    const payload = player.lastPayload('PCMA')!;
    assert.equal(payload, welcomeFr.encodedFrames('PCMA')[0], "the prompt's cached encoding");
    assert.equal(player.lastPayload('PCMA'), payload);
    assert.ok(decodeAlaw(payload).every((s) => Math.abs(s - 100) < 16));
    assert.deepEqual(pull(player, 3), [100, 100, -1000]);
    const pcmPayload = player.lastPayload('PCMA')!;
    assert.equal(pcmPayload.length, 160);
    assert.ok(decodeAlaw(pcmPayload).every((s) => Math.abs(s + 1000) < 64));
  });

  it('validates items', () => {
    const player = new PromptPlayer({ prompts, language: 'fr' });
    assert.throws(() => player.play({ kind: 'silence', ms: -1 }), RangeError);
    assert.throws(() => player.play({ kind: 'silence', ms: Number.NaN }), RangeError);
    assert.throws(() => player.play({ kind: 'pcm', pcm: [1, 2] as unknown as Int16Array }), TypeError);
  });

  it('plays through the shared scheduler: one frame per tick, words delayed (not lost) after a blocked loop', async () => {
    const time = new FakeSchedulerTime();
    const scheduler = new MediaScheduler({ timeSource: time, spinMs: 0 });
    const player = new PromptPlayer({ prompts, language: 'fr' });
    const sent: { index: number; elapsed: number; level: number | undefined }[] = [];
    scheduler.register(
      (tick) => sent.push({ index: tick.index, elapsed: tick.elapsedTicks, level: player.nextFrame()?.[0] }),
      'call-1',
    );
    const events: (keyof PromptPlayerEvents)[] = [];
    player.on('finished', () => events.push('finished'));
    const playback = player.play([
      { kind: 'prompt', id: 'welcome' },
      { kind: 'prompt', id: 'goodbye' },
    ]);
    await settle();
    time.advance(40);
    time.block(50); // ticks 3 and 4 missed
    time.runDue();
    time.advance(60);
    assert.deepEqual(sent, [
      { index: 1, elapsed: 1, level: 100 },
      { index: 2, elapsed: 1, level: 100 },
      { index: 4, elapsed: 2, level: 100 }, // the third welcome frame, not skipped
      { index: 5, elapsed: 1, level: 200 },
      { index: 6, elapsed: 1, level: 200 },
      { index: 7, elapsed: 1, level: undefined },
    ]);
    assert.deepEqual(events, ['finished']);
    assert.equal((await playback.done).positionMs, 100);
    scheduler.close();
  });
});
