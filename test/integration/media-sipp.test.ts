/**
 * The media path of `aiguilleur serve` against sipp as a real caller that sends audio: sipp streams a G.711 file
 * rendered from text (background, speech, background) with `rtp_stream`, then presses four keys as RFC 4733
 * events with `play_dtmf`, then hangs up. What the server made of it is read from its "media closed" log line;
 * what came back to sipp is read from sipp's media socket in /proc/net/udp, as sipp 3.6 does not count
 * incoming RTP.
 *
 * Two calls run side by side on one server: one talks over the welcome prompt (a barge-in is expected), the
 * other only has line noise until the prompt is over (no barge-in: the detector does not take noise for speech,
 * and the first call's barge-in came from its speech, not from a key).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { SIPP_BINARY, describeSippRun, startSipp, type SippResult } from '../helpers/sipp.js';
import { audioToolsAvailable, renderCallerAudio, type CallerAudio } from '../support/media-audio.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIGITS = ['1', '5', '9', '0'] as const;
/** Between two keys: longer than "you pressed" + a digit, so no key ever cuts a prompt (no DTMF barge-in). */
const DIGIT_GAP_MS = 1800;
/** sipp 3.6 play_dtmf: a 200 ms tone in 20 ms steps (10 packets) and the end packet three times. */
const PACKETS_PER_DIGIT = 13;

const skip = !existsSync(SIPP_BINARY)
  ? `sipp not installed at ${SIPP_BINARY}`
  : !(await audioToolsAvailable())
    ? 'espeak-ng or sox missing (scripts/setup installs them)'
    : false;

interface MediaClosed {
  callId: string;
  durationMs: number;
  bargeIns: number;
  dtmfCount: number;
  rtp: {
    packetsSent: number;
    packetsReceived: number;
    lost: number;
    late: number;
    jitterMs: number;
    latched: boolean;
  };
}

/** What the kernel holds for one UDP socket (/proc/net/udp): bytes waiting to be read, datagrams dropped. */
interface SocketCounters {
  queuedBytes: number;
  drops: number;
}

async function udpSocketCounters(port: number): Promise<SocketCounters | undefined> {
  const table = await readFile('/proc/net/udp', 'utf8');
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
    if (fields[1]?.endsWith(portHex) === true) {
      const rxQueue = fields[4]?.split(':')[1] ?? '0';
      return { queuedBytes: parseInt(rxQueue, 16), drops: Number(fields[12] ?? 0) };
    }
  }
  return undefined;
}

/** sipp's RTP port, from its command line (the sipp helper chooses it). */
async function sippMediaPort(pid: number): Promise<number> {
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  const port = Number(args[args.lastIndexOf('-mp') + 1]);
  assert.ok(Number.isInteger(port) && port > 0, `no -mp in sipp's command line: ${args.join(' ')}`);
  return port;
}

async function promptSeconds(language: string, id: string): Promise<number> {
  const { stdout } = await promisify(execFile)('soxi', ['-D', join(ROOT, 'prompts', language, `${id}.wav`)]);
  return Number(stdout.trim());
}

interface CallOutcome {
  sipp: SippResult;
  media: MediaClosed;
  /** The most the kernel ever held for sipp's RTP socket during the call. */
  sippSocket: SocketCounters;
}

describe(
  'media with sipp as the caller (rtp_stream speech + RFC 4733 digits)',
  { skip, timeout: 60_000 },
  () => {
    let serve: ServeProcess;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'aig-media-sipp-'));
      serve = await startServe({
        sip: { port: 0, wire: { port: 0 } },
        http: { port: 0 },
        log: { level: 'debug' },
        // The media test line: the keypad demo (welcome, "you pressed N"), not the reference flow.
        flows: { default: 'keypad-echo' },
      });
    });
    after(async () => {
      await serve?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    /** Places one call with `audio`, waits for it and for the server's "media closed" line about it. */
    async function call(number: string, audio: CallerAudio, payloadType: 0 | 8): Promise<CallOutcome> {
      const sipp = await startSipp({
        scenario: 'uac-rtp-speech-dtmf',
        target: `127.0.0.1:${serve.sipPort}`,
        service: number,
        template: {
          audio_file: audio.path,
          audio_ms: String(Math.ceil(audio.durationMs) + 300),
          digit_gap_ms: String(DIGIT_GAP_MS),
          payload_type: String(payloadType),
          codec: payloadType === 0 ? 'PCMU' : 'PCMA',
        },
        keys: Object.fromEntries(DIGITS.map((digit, i) => [`dtmf_${i + 1}`, digit])),
        traceMessages: true,
        timeoutMs: 45_000,
      });
      let mediaPort: number;
      try {
        mediaPort = await sippMediaPort(sipp.pid ?? -1);
      } catch (err) {
        // sipp already gone (a scenario error): its own words say more than /proc.
        assert.fail(`${String(err)}\n${describeSippRun(await sipp.done)}`);
      }
      const sippSocket: SocketCounters = { queuedBytes: 0, drops: 0 };
      let running = true;
      const watching = (async () => {
        while (running) {
          const now = await udpSocketCounters(mediaPort);
          if (now !== undefined) {
            sippSocket.queuedBytes = Math.max(sippSocket.queuedBytes, now.queuedBytes);
            sippSocket.drops = Math.max(sippSocket.drops, now.drops);
          }
          await sleep(100);
        }
      })();
      const result = await sipp.done;
      running = false;
      await watching;
      assert.equal(result.ok, true, describeSippRun(result));
      const callId = /^Call-ID:\s*(\S+)/im.exec(result.messageLog ?? '')?.[1];
      assert.ok(callId !== undefined, 'Call-ID found in sipp messages');

      const deadline = Date.now() + 5000;
      let closed: Record<string, unknown> | undefined;
      while (closed === undefined && Date.now() < deadline) {
        closed = serve.logs.find((l) => l.msg === 'media closed' && l.callId === callId);
        if (closed === undefined) {
          await sleep(50);
        }
      }
      assert.ok(closed !== undefined, `"media closed" logged for ${callId}`);
      return { sipp: result, media: closed as unknown as MediaClosed, sippSocket };
    }

    it('hears speech over the welcome prompt, four digits, and sends RTP back; noise alone barges in nothing', async (t) => {
      const welcomeFrSeconds = await promptSeconds('fr', 'welcome');
      const [speech, noise] = await Promise.all([
        renderCallerAudio({
          text: 'Hello, I would like to speak to an advisor about my health card.',
          directory: dir,
          name: 'speech',
          leadingSilenceMs: 1000,
          trailingSilenceMs: 500,
          encoding: 'mu-law',
        }),
        // Line noise only, until well after the welcome prompt has ended: the keys then never cut a prompt.
        renderCallerAudio({
          text: '',
          directory: dir,
          name: 'noise',
          leadingSilenceMs: Math.ceil(welcomeFrSeconds * 1000) + 1500,
          trailingSilenceMs: 0,
          encoding: 'a-law',
        }),
      ]);
      assert.ok(
        speech.speechStartMs < (await promptSeconds('en', 'welcome')) * 1000,
        'speech starts in the prompt',
      );

      const [talker, quiet] = await Promise.all([call('3647', speech, 0), call('3646', noise, 8)]);
      for (const [name, outcome, audio] of [
        ['talker', talker, speech],
        ['quiet', quiet, noise],
      ] as const) {
        t.diagnostic(
          `${name}: ${audio.packets} audio packets sent by sipp; server ${JSON.stringify(outcome.media)}; ` +
            `sipp RTP socket ${JSON.stringify(outcome.sippSocket)}`,
        );
      }

      for (const [name, outcome, audio] of [
        ['talker', talker, speech],
        ['quiet', quiet, noise],
      ] as const) {
        const { media, sippSocket } = outcome;
        const context = `${name}: ${JSON.stringify(media)}`;
        assert.equal(media.dtmfCount, DIGITS.length, `every digit heard once, ${context}`);
        assert.equal(media.rtp.latched, true, context);
        assert.equal(media.rtp.lost, 0, `no loss on loopback, ${context}`);
        // Every audio packet counts; each play_dtmf starts a new SSRC whose first packet the session holds back
        // until a second one confirms the source (RFC 3550 A.1), and sipp's no-op packets (PT 97) never count.
        const least = audio.packets + DIGITS.length * (PACKETS_PER_DIGIT - 1);
        const most = audio.packets + DIGITS.length * PACKETS_PER_DIGIT;
        assert.ok(
          media.rtp.packetsReceived >= least && media.rtp.packetsReceived <= most,
          `packetsReceived ${media.rtp.packetsReceived} in [${least}, ${most}], ${context}`,
        );
        // The IVR sends a packet every 20 ms for the whole call, prompt or silence (a stalled loop skips a few).
        const expectedSent = media.durationMs / 20;
        assert.ok(
          Math.abs(media.rtp.packetsSent - expectedSent) <= expectedSent * 0.1 + 5,
          `packetsSent ${media.rtp.packetsSent} ≈ ${Math.round(expectedSent)}, ${context}`,
        );
        // sipp never reads its RTP socket, so what we sent piles up there, then overflows into drops.
        assert.ok(
          sippSocket.queuedBytes > 0 || sippSocket.drops > 0,
          `our RTP reached sipp's socket: ${JSON.stringify(sippSocket)}`,
        );
      }
      assert.equal(
        talker.media.bargeIns,
        1,
        `speech cut the welcome prompt once: ${JSON.stringify(talker.media)}`,
      );
      assert.equal(quiet.media.bargeIns, 0, `noise cut nothing: ${JSON.stringify(quiet.media)}`);
      assert.ok(
        serve.logs.some((l) => l.msg === 'caller speech detected' && l.callId === talker.media.callId),
        'the talker was heard as speech',
      );
      assert.ok(
        !serve.logs.some((l) => l.msg === 'caller speech detected' && l.callId === quiet.media.callId),
        'noise was not heard as speech',
      );
    });
  },
);
