// The VAD's quiet-frame sharing (`VadOptions.quietFrameSharing`) against the full analysis of every frame: the
// same espeak-ng corpus as `npm run bench:vad` (speech at -20 dBFS; its noise conditions, plus quiet lines: noise
// 40 and 45 dB under the speech, -60 and -65 dBFS, where sharing applies), scored both ways, with the frames whose
// speech state differs, and the endpointer's CPU time per frame (thread CPU, best of 5: a shared machine's load
// does not inflate it as it inflates wall time).
// Usage: node --import tsx scripts/bench/media-vad-gate.ts   (needs espeak-ng)
import { Endpointer } from '../../src/media/vad/endpointer.js';
import { buildCleanTrack, mixTrack, noiseConditions } from '../../test/unit/media/vad/vad-corpus.js';
import { formatScoreTable, runEndpointer, scoreRun } from '../../test/unit/media/vad/vad-evaluation.js';
import { HAVE_ESPEAK, toFrames } from '../../test/unit/media/vad/test-audio.js';

if (!HAVE_ESPEAK) {
  process.stderr.write('espeak-ng is required (scripts/setup installs it)\n');
  process.exit(1);
}

const track = buildCleanTrack();
const conditions = noiseConditions();
for (const kind of ['white', 'pink'] as const) {
  for (const snr of [40, 45]) {
    conditions.push([`${kind} ${snr}dB`, kind, snr]);
  }
}

/** Thread CPU µs per frame of Endpointer.push over `frames`, best of `runs`. */
function cpuPerFrame(frames: Int16Array[], quietFrameSharing: boolean, runs = 5): number {
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const endpointer = new Endpointer({ vad: { quietFrameSharing } });
    const start = process.cpuUsage();
    for (let i = 0; i < frames.length; i++) {
      endpointer.push(frames[i]!, i * 20);
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / frames.length);
  }
  return best;
}

const full = [];
const shared = [];
const costs: string[] = [];
let differing = 0;
let total = 0;
for (const [name, kind, snr] of conditions) {
  const signal = mixTrack(track, kind, snr);
  const runFull = runEndpointer(signal, { vad: { quietFrameSharing: false } });
  const runShared = runEndpointer(signal, { vad: { quietFrameSharing: true } });
  full.push({ condition: name, score: scoreRun(track.truth, track.truthFrames, runFull) });
  shared.push({ condition: name, score: scoreRun(track.truth, track.truthFrames, runShared) });
  let diff = 0;
  runFull.speechFrames.forEach((inSpeech, i) => {
    if (runShared.speechFrames[i] !== inSpeech) {
      diff++;
    }
  });
  differing += diff;
  total += runFull.speechFrames.length;
  const frames = toFrames(signal);
  costs.push(
    `${name.padEnd(14)} ${cpuPerFrame(frames, false).toFixed(2).padStart(6)} ${cpuPerFrame(frames, true)
      .toFixed(2)
      .padStart(6)}   ${String(diff).padStart(5)} / ${runFull.speechFrames.length}`,
  );
}

process.stdout.write(`Every frame analysed (quietFrameSharing: false)\n${formatScoreTable(full)}\n\n`);
process.stdout.write(`Quiet frames shared (quietFrameSharing: true)\n${formatScoreTable(shared)}\n\n`);
process.stdout.write(
  'condition      µs/frame full / shared   frames whose speech state differs\n' + costs.join('\n') + '\n',
);
process.stdout.write(`\nspeech state differs on ${differing} of ${total} frames\n`);
