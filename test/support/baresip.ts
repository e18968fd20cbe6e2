/**
 * Drives Debian's baresip as a real softphone: it dials a SIP URI with a WAV file as its microphone, can press
 * keys (RFC 4733) through its ctrl_tcp interface once the call is up, and records what it hears (sndfile
 * module: `dump-*-dec.wav`). The call ends when the microphone file ends.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';

export interface BaresipCallOptions {
  /** e.g. sip:3646@127.0.0.1:5060 */
  target: string;
  /** 8 kHz mono 16-bit WAV used as the microphone; its length sets the call's length. */
  micWav: string;
  /** Keys to press, in ms after the call is established. */
  keys?: { atMs: number; key: string }[];
  timeoutMs?: number;
}

export interface BaresipCallResult {
  exitCode: number | null;
  /** What baresip heard (decoded audio), 8 kHz mono WAV. */
  heardWav: string | undefined;
  log: string;
  established: boolean;
}

export const BARESIP_BINARY = '/usr/bin/baresip';

/** A netstring-framed JSON line (baresip ctrl_tcp protocol). */
function netstring(obj: unknown): string {
  const text = JSON.stringify(obj);
  return `${Buffer.byteLength(text)}:${text},`;
}

export async function runBaresipCall(options: BaresipCallOptions): Promise<BaresipCallResult> {
  const dir = mkdtempSync(join(tmpdir(), 'aiguilleur-baresip-'));
  const sipPort = await freePort('both');
  const ctrlPort = await freePort('tcp');
  const recDir = join(dir, 'rec');
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'module_path /usr/lib/baresip/modules',
      'module account.so',
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      'module menu.so',
      'module ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      'audio_player aubridge,nil',
      `audio_source aufile,${options.micWav}`,
      'ausrc_srate 8000',
      'ausrc_channels 1',
      'auplay_srate 8000',
      'auplay_channels 1',
      `snd_path ${recDir}`,
      'audio_txmode poll',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), '<sip:tester@127.0.0.1>;regint=0;answermode=manual\n');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(recDir);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(
    BARESIP_BINARY,
    ['-4', '-n', '127.0.0.1', '-f', dir, '-t', String(Math.ceil(timeoutMs / 1000))],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (log += d.toString('utf8')));
  let established = false;
  const timers: NodeJS.Timeout[] = [];
  let ctrl: Socket | undefined;
  const keys = options.keys ?? [];
  // Connect to ctrl_tcp (retry while baresip starts), dial, and press the keys once the call is established.
  const ctrlReady = (async () => {
    for (let attempt = 0; attempt < 50 && child.exitCode === null; attempt++) {
      try {
        ctrl = await new Promise<Socket>((resolve, reject) => {
          const s = connect(ctrlPort, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    ctrl?.on('error', () => undefined);
    // Dial through the control socket, so no call event can happen before we listen.
    ctrl?.write(netstring({ command: 'dial', params: options.target, token: 'dial' }));
    ctrl?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      if (text.includes('CALL_CLOSED')) {
        ctrl?.write(netstring({ command: 'quit', token: 'quit' }));
      }
      if (!established && text.includes('CALL_ESTABLISHED')) {
        established = true;
        for (const { atMs, key } of keys) {
          timers.push(
            setTimeout(
              () => ctrl?.write(netstring({ command: 'sndcode', params: key, token: `k${atMs}` })),
              atMs,
            ),
          );
        }
      }
    });
  })();
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearTimeout(killer);
  await ctrlReady;
  for (const t of timers) {
    clearTimeout(t);
  }
  ctrl?.destroy();
  if (!established && /Call established/.test(log)) {
    established = true;
  }
  const heard = readdirSync(recDir).find((f) => f.endsWith('-dec.wav'));
  return { exitCode, heardWav: heard === undefined ? undefined : join(recDir, heard), log, established };
}
