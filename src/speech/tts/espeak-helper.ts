/**
 * Entry point of the espeak helper process, started by `EspeakHelperProcess`: runs the espeak-ng binary and turns
 * its WAV into 8 kHz PCM for the server, which only posts text and receives audio.
 *
 * Why a process of its own: the server holds ~300 MB, so each `spawn()` from it forks that much page table and
 * blocks its event loop 22–35 ms, and the resampling of a long sentence blocks it 33–55 ms more. This process holds
 * a few tens of MB: its forks are cheap, and its CPU work runs beside the server's event loop instead of inside it.
 *
 * It exits when the server goes (IPC channel closed), killing the espeak-ng processes it still runs.
 */
import { espeakWavToTelephony } from './espeak-audio.js';
import { runEspeakBinary } from './espeak-binary.js';
import type { EspeakHelperReply, EspeakHelperRequest } from './espeak-helper-protocol.js';

const send = process.send?.bind(process);
if (send === undefined) {
  throw new Error('espeak-helper.ts runs as a child process with an IPC channel (child_process.fork)');
}
const stopAll = new AbortController();

function reply(message: EspeakHelperReply): void {
  // A reply the server can no longer take (it is going) is dropped: 'disconnect' below ends this process.
  if (process.connected) {
    send!(message, undefined, {}, () => undefined);
  }
}

async function synthesize(request: EspeakHelperRequest): Promise<void> {
  try {
    const wav = await runEspeakBinary({
      binary: request.binary,
      text: request.text,
      voice: request.voice,
      speed: request.speed,
      timeoutMs: request.timeoutMs,
      signal: stopAll.signal,
    });
    reply({ type: 'audio', requestId: request.requestId, pcm: espeakWavToTelephony(wav) });
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    reply({
      type: 'failed',
      requestId: request.requestId,
      error: {
        code: typeof e.code === 'string' ? e.code : undefined,
        message: typeof e.message === 'string' ? e.message : String(err),
      },
    });
  }
}

process.on('message', (message: EspeakHelperRequest) => {
  if (message.type === 'synthesize') {
    void synthesize(message);
  }
});

process.on('disconnect', () => {
  stopAll.abort();
  // Lets the aborted children's 'error' handlers run, then goes even if something still holds the loop.
  setImmediate(() => process.exit(0));
});
