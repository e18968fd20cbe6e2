/**
 * Live calls through the whole chain of `aiguilleur serve` with the reference flow: sipp is the caller (speech from
 * espeak-ng as RTP, or keys as RFC 4733), the server answers, greets, listens, recognizes, classifies, and transfers
 * the caller with REFER (RFC 3515) to the agent group of the intent, the context embedded in Refer-To. The sipp
 * scenario fails unless the REFER names the expected group and intent; it then plays the transferee (202, NOTIFY
 * 100, NOTIFY 200) and expects the IVR's BYE.
 *
 *   - English on 3647 with the embedded recognizer (pocketsphinx from Debian, phone-band speech);
 *   - French on 3646 with the `google` provider against a local gRPC server implementing Google's Speech proto
 *     (scripted transcript), driven by the real client library inside the server process;
 *   - French on 3646 with no recognizer at all (the default configuration has none for French): the keypad menu
 *     from the start.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIPP_BINARY, describeSippRun, runSipp } from '../helpers/sipp.js';
import { GoogleSpeechServer, speechResponses } from '../support/google-speech-server.js';
import { audioToolsAvailable, renderCallerAudio } from '../support/media-audio.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const skip = !existsSync(SIPP_BINARY)
  ? `sipp not installed at ${SIPP_BINARY}`
  : !(await audioToolsAvailable())
    ? 'espeak-ng or sox missing (scripts/setup installs them)'
    : !existsSync('/usr/share/pocketsphinx/model/en-us/en-us/mdef')
      ? 'pocketsphinx-en-us missing (scripts/setup installs it)'
      : false;

/** sipp's play_dtmf key presses, one every `gapMs`. */
function keyPresses(keys: string, gapMs: number): string {
  return [...keys]
    .map(
      (key) => `  <nop><action><exec play_dtmf="${key}"/></action></nop>\n  <pause milliseconds="${gapMs}"/>`,
    )
    .join('\n');
}

interface ReferCall {
  number: string;
  text: string;
  voice?: string;
  speakAfterMs: number;
  keys?: string;
  group: string;
  /** Expected X-Aiguilleur-Intent (a POSIX regular expression); null when routed by a menu key (no intent qualified). */
  intent: string | null;
}

async function callExpectingRefer(serve: ServeProcess, dir: string, call: ReferCall): Promise<void> {
  const audio = await renderCallerAudio({
    text: call.text,
    directory: dir,
    name: `caller-${call.number}-${call.group}`,
    ...(call.voice === undefined ? {} : { voice: call.voice }),
    wordsPerMinute: 150,
    leadingSilenceMs: 300,
    trailingSilenceMs: 1500,
  });
  const result = await runSipp({
    scenario: 'uac-speak-refer',
    target: `127.0.0.1:${serve.sipPort}`,
    service: call.number,
    timeoutMs: 90_000,
    template: {
      codec: 'PCMU',
      payload_type: '0',
      audio_file: audio.path,
      speak_after_ms: String(call.speakAfterMs),
      // Keys only after the audio: two RTP sources interleaved would make the receiver flip between them.
      key_presses:
        call.keys === undefined || call.keys === ''
          ? ''
          : `  <pause milliseconds="${audio.durationMs + 200}"/>\n${keyPresses(call.keys, 400)}`,
      refer_timeout_ms: '60000',
      refer_to_regexp:
        call.intent === null
          ? `sip:${call.group}@[^>]*`
          : `sip:${call.group}@[^>]*X-Aiguilleur-Intent=${call.intent}`,
    },
  });
  const conversation = serve.logs
    .filter((l) =>
      ['listen result', 'conversation ended', 'transferring (REFER)', 'transfer finished'].includes(
        String(l.msg),
      ),
    )
    .map((l) => JSON.stringify(l))
    .join('\n');
  assert.equal(result.exitCode, 0, `${describeSippRun(result)}\nserver:\n${conversation}`);
}

describe(
  'live conversations over SIP (reference flow, REFER to the intent group)',
  { skip, timeout: 240_000 },
  () => {
    let dir: string;
    let google: GoogleSpeechServer;
    let serve: ServeProcess;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'aig-conversation-'));
      google = await GoogleSpeechServer.start();
      serve = await startServe(
        {
          sip: { port: 0, wire: { port: 0 } },
          http: { port: 0 },
          log: { level: 'info' },
          numbers: {
            '3646': { language: 'fr', label: 'Assurance Maladie' },
            '3647': { language: 'en', label: 'Health insurance (English)' },
            // French through Google (the local gRPC server) on its own number.
            '3648': { language: 'fr', label: 'Assurance Maladie (Google)', recognizers: ['google'] },
          },
          speech: {
            recognizers: { fr: [], en: ['pocketsphinx'] },
            google: { apiEndpoint: '127.0.0.1', port: google.port, insecure: true },
          },
          routing: { groupsFile: resolve(import.meta.dirname, '../fixtures/routing/always-open.yaml') },
        },
        { METADATA_SERVER_DETECTION: 'none' },
      );
    });
    after(async () => {
      await serve?.stop();
      await google?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('English with pocketsphinx: a caller who lost their health insurance card reaches the cards group', async () => {
      await callExpectingRefer(serve, dir, {
        number: '3647',
        text: "I've lost my health insurance card",
        voice: 'en-us',
        speakAfterMs: 7000,
        group: 'cards',
        intent: 'health_card',
      });
      const ended = await serve.waitForLog(
        (line) =>
          line.msg === 'conversation ended' && line.number === '3647' && line.intent === 'health_card',
      );
      assert.equal(ended.outcome, 'transfer');
      assert.equal(ended.target, 'cards');
      const heard = await serve.waitForLog(
        (line) => line.msg === 'listen result' && line.provider === 'pocketsphinx',
      );
      assert.equal(heard.kind, 'speech');
      assert.equal(typeof heard.latencyMs, 'number');
    });

    it('French with Google (local gRPC server): a scripted transcript reaches the rights group', async () => {
      google.script = async (stream) => {
        await stream.whenAudioBytes(320 * 10);
        stream.send(speechResponses.interim('je voudrais changer', 0.4));
        await stream.whenHalfClosed();
        stream.send(speechResponses.final(['je voudrais changer mon adresse postale', 0.92]));
        stream.end();
      };
      await callExpectingRefer(serve, dir, {
        number: '3648',
        text: 'je voudrais changer mon adresse',
        voice: 'fr',
        speakAfterMs: 7000,
        group: 'rights',
        intent: 'change_of_details',
      });
      const ended = await serve.waitForLog(
        (line) => line.msg === 'conversation ended' && line.intent === 'change_of_details',
      );
      assert.equal(ended.target, 'rights');
      const config = google.streams[0]?.config;
      assert.equal(config?.config?.languageCode, 'fr-FR');
      assert.equal(config?.config?.sampleRateHertz, 8000);
    });

    it('French with Google down mid-call (UNAVAILABLE): the keypad menu takes over, key 1 reaches cards', async () => {
      google.reset();
      google.script = (stream) => {
        stream.fail(14 /* UNAVAILABLE */, 'service unavailable (test)');
      };
      await callExpectingRefer(serve, dir, {
        number: '3648',
        text: 'je voudrais changer mon adresse',
        voice: 'fr',
        speakAfterMs: 7000,
        keys: '1',
        group: 'cards',
        intent: null,
      });
      const failed = await serve.waitForLog(
        (line) => line.msg === 'listen result' && line.kind === 'error' && line.number === '3648',
      );
      assert.equal(failed.errorKind, 'unavailable');
    });

    it('French with no recognizer: the keypad menu from the start, key 1 reaches the cards group', async () => {
      await callExpectingRefer(serve, dir, {
        number: '3646',
        text: '',
        speakAfterMs: 1000,
        keys: '1',
        group: 'cards',
        intent: null,
      });
    });
  },
);
