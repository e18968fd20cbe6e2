// VAD + endpointer accuracy table and CPU cost, on the same espeak-ng corpus as
// test/unit/media/vad/vad-accuracy.test.ts, plus the in-band DTMF detector's cost.
// Usage: node --import tsx scripts/bench/vad-accuracy.ts   (needs espeak-ng; sox optional)
import { InbandDtmfDetector } from '../../src/media/dtmf/inband-dtmf-detector.js';
import { buildCleanTrack, mixTrack, noiseConditions } from '../../test/unit/media/vad/vad-corpus.js';
import { formatScoreTable, runEndpointer, scoreRun } from '../../test/unit/media/vad/vad-evaluation.js';
import { HAVE_ESPEAK, toFrames } from '../../test/unit/media/vad/test-audio.js';

if (!HAVE_ESPEAK) {
  process.stderr.write('espeak-ng is required (scripts/setup installs it)\n');
  process.exit(1);
}

const track = buildCleanTrack();
const conditions = noiseConditions();

const rows = [];
let vadMs = 0;
let dtmfMs = 0;
let frames = 0;
for (const [name, kind, snr] of conditions) {
  const signal = mixTrack(track, kind, snr);
  let start = performance.now();
  const run = runEndpointer(signal);
  vadMs += performance.now() - start;
  const detector = new InbandDtmfDetector();
  const signalFrames = toFrames(signal);
  start = performance.now();
  for (const frame of signalFrames) {
    detector.process(frame);
  }
  dtmfMs += performance.now() - start;
  frames += signalFrames.length;
  rows.push({ condition: name, score: scoreRun(track.truth, track.truthFrames, run) });
}

process.stdout.write(`${formatScoreTable(rows)}\n`);
process.stdout.write(
  `\n${frames} frames (${((frames * 20) / 1000).toFixed(0)} s of audio): ` +
    `endpointer ${((vadMs * 1000) / frames).toFixed(1)} µs/frame, ` +
    `in-band DTMF ${((dtmfMs * 1000) / frames).toFixed(1)} µs/frame ` +
    `(one call = 50 frames/s: ${((vadMs + dtmfMs) / ((frames * 20) / 1000) / 10).toFixed(3)}% of a core)\n`,
);
