/**
 * Keeps `scripts/bench/turn-latency.ts` (issue 5's turn-latency benchmark) from rotting: a tiny run must complete
 * with every call as scripted and print its tables. The figures themselves are not asserted (they depend on the
 * machine); the benchmark exits non-zero when a call goes off script, which this test does check.
 *
 * The caller barges in (`--caller barge-in`) so that four calls fit in well under a minute.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { audioToolsAvailable } from '../support/media-audio.js';

const root = resolve(import.meta.dirname, '../..');
const skip = (await audioToolsAvailable()) ? false : 'espeak-ng or sox missing (scripts/setup installs them)';

function runBenchmark(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench/turn-latency.ts', ...args],
      { cwd: root, timeout: 85_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

describe('turn-latency benchmark (smoke)', { skip, timeout: 90_000 }, () => {
  it('runs 4 calls, 2 at a time, and prints the latency and memory tables', async () => {
    const run = await runBenchmark(['--calls', '4', '--concurrency', '2', '--caller', 'barge-in']);
    assert.equal(run.code, 0, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const out = run.stdout;
    assert.match(out, /4\/4 calls as scripted/);
    assert.match(out, /latency \(ms\)\s+n\s+p50\s+p95\s+p99\s+max/);
    // Every call's turns are measured: 1 + 2 + 3 + 1 turns (health card, confirmation, reimbursement + NIR).
    assert.match(out, /final → 1st audible RTP, all turns\s+7\s+\d+\.\d/);
    assert.match(out, /"transferring" prompt end → transfer\(\) \(REFER\)\s+4\s+\d+\.\d/);
    assert.match(out, /final → nirAsk, 1st audible RTP\s+\d+\.\d/);
    assert.match(out, /heap used, IVR side\s+-?\d+\.\d KiB per call/);
    assert.match(out, /CPU time, this process/);
    assert.match(out, /load average at start \/ end/);
  });
});
