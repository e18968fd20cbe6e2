/**
 * Media thread priority: SCHED_RR or a nice value on the media threads only, read back from the kernel
 * (/proc/self/task/<tid>/stat: field 19 is nice, 40 rt_priority, 41 policy, proc(5)).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerMediaEngine } from '../../../src/media/worker/worker-media-engine.js';
import { validateMediaThreadPriority } from '../../../src/media/media-thread-priority.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const SCHED_RR = 2;
const privileged = process.platform === 'linux' && process.getuid?.() === 0;

interface ThreadScheduling {
  tid: number;
  nice: number;
  rtPriority: number;
  policy: number;
}

function threads(): ThreadScheduling[] {
  const out: ThreadScheduling[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // Fields after the command name, which may hold spaces: field 3 (state) is index 0.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({
      tid: Number(tid),
      nice: Number(fields[19 - 3]),
      rtPriority: Number(fields[40 - 3]),
      policy: Number(fields[41 - 3]),
    });
  }
  return out;
}

async function until<T>(what: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = what();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await sleep(20);
  }
}

describe('media thread priority', () => {
  it('rejects values the kernel would refuse, with the reason', () => {
    assert.throws(() => validateMediaThreadPriority({ nice: null, realtime: 0 }), /outside 1\.\.99/);
    assert.throws(() => validateMediaThreadPriority({ nice: null, realtime: 100 }), /outside 1\.\.99/);
    assert.throws(() => validateMediaThreadPriority({ nice: -21, realtime: null }), /outside -20\.\.19/);
    validateMediaThreadPriority({ nice: -10, realtime: null });
    validateMediaThreadPriority({ nice: null, realtime: 50 });
  });

  it(
    'two media workers at SCHED_RR 7: exactly those two threads change, the main thread stays normal',
    { skip: privileged ? false : 'needs root or CAP_SYS_NICE' },
    async () => {
      const before = new Set(threads().map((t) => t.tid));
      const engine = new WorkerMediaEngine({
        bindAddress: '127.0.0.1',
        rtpPortMin: 46000,
        rtpPortMax: 46998,
        promptsDirectory: join(ROOT, 'prompts'),
        recordingDirectory: null,
        workers: 2,
        threadPriority: { nice: null, realtime: 7 },
      });
      try {
        // One lease per worker: each answers once it has started (and set its priority).
        const leases = [await engine.reservePort(), await engine.reservePort()];
        const realtime = await until(() => {
          const rr = threads().filter((t) => t.policy === SCHED_RR);
          return rr.length >= 2 ? rr : undefined;
        });
        assert.equal(realtime.length, 2, JSON.stringify(threads()));
        for (const t of realtime) {
          assert.equal(t.rtPriority, 7);
          assert.ok(!before.has(t.tid), 'a thread that existed before the engine was changed');
        }
        const main = threads().find((t) => t.tid === process.pid);
        assert.equal(main?.policy, 0, 'the main thread keeps SCHED_OTHER');
        for (const lease of leases) {
          lease.release();
        }
      } finally {
        engine.close();
      }
    },
  );

  it(
    'one media worker at nice -5: that thread only',
    { skip: privileged ? false : 'needs root or CAP_SYS_NICE' },
    async () => {
      const mainNice = threads().find((t) => t.tid === process.pid)?.nice;
      const engine = new WorkerMediaEngine({
        bindAddress: '127.0.0.1',
        rtpPortMin: 45000,
        rtpPortMax: 45998,
        promptsDirectory: join(ROOT, 'prompts'),
        recordingDirectory: null,
        workers: 1,
        threadPriority: { nice: -5, realtime: null },
      });
      try {
        const lease = await engine.reservePort();
        const reniced = await until(() => {
          const found = threads().filter((t) => t.nice === -5);
          return found.length > 0 ? found : undefined;
        });
        assert.equal(reniced.length, 1);
        assert.equal(reniced[0]?.policy, 0);
        assert.equal(threads().find((t) => t.tid === process.pid)?.nice, mainNice);
        lease.release();
      } finally {
        engine.close();
      }
    },
  );
});
