/**
 * A call's media session on the shared scheduler, against a plain UDP peer: it sends 20 ms packets, and after
 * the event loop was blocked it neither bursts nor fails — the RTP timestamp jumps over the skipped ticks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaEngine } from '../../../../src/media/media-engine.js';
import type { MediaSession } from '../../../../src/media/media-session.js';
import { parseRtp, serializeRtp } from '../../../../src/media/rtp/rtp-packet.js';
import { existsSync, readFileSync } from 'node:fs';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');

/** An engine on 127.0.0.1 with ports from `rtpPortMin` (a range of its own per engine), no recordings. */
function localEngine(rtpPortMin: number, ioUring?: boolean): MediaEngine {
  return new MediaEngine({
    bindAddress: '127.0.0.1',
    rtpPortMin,
    rtpPortMax: rtpPortMin + 998,
    promptsDirectory: join(ROOT, 'prompts'),
    recordingDirectory: null,
    ...(ioUring === undefined ? {} : { ioUring }),
  });
}

describe('MediaSession on the shared scheduler', () => {
  let engine: MediaEngine;
  let peer: Socket;
  const received: { ts: number; at: number }[] = [];
  before(async () => {
    engine = localEngine(46000);
    peer = createSocket('udp4');
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    peer.on('message', (data) => {
      const packet = parseRtp(data);
      if (packet !== undefined) {
        received.push({ ts: packet.timestamp, at: performance.now() });
      }
    });
  });
  after(() => {
    engine.close();
    peer.close();
  });

  /** A PCMU session of `on` whose packets go to the test's peer. */
  async function callToPeer(on: MediaEngine, callId: string): Promise<MediaSession> {
    const lease = await on.reservePort();
    return on.openSession(lease, {
      callId,
      codec: 'PCMU',
      payloadType: 0,
      remote: { address: '127.0.0.1', port: peer.address().port },
      language: 'fr',
    });
  }

  it('keeps the RTP timeline across a blocked event loop without bursting or failing', async () => {
    const session = await callToPeer(engine, 'stall-test');
    await sleep(300);
    const before = received.length;
    const blockUntil = performance.now() + 150; // 7 ticks lost
    while (performance.now() < blockUntil) {
      // busy: the event loop is blocked
    }
    await sleep(300);
    const stats = session.close('test');
    // from the last packet read before the stall: the jump may sit between it and the first one after
    const after = received.slice(Math.max(0, before - 1));
    let maxJump = 0;
    for (let i = 1; i < after.length; i++) {
      maxJump = Math.max(maxJump, after[i]!.ts - after[i - 1]!.ts);
    }
    const { skippedTicks, handlerErrors } = engine.stats().scheduler;
    assert.equal(handlerErrors, 0, 'skipped ticks never make a tick handler fail');
    assert.ok(skippedTicks >= 5, `the stall was seen as skipped ticks (${skippedTicks})`);
    assert.ok(
      maxJump >= 160 * 5,
      `timestamp jumped over the stall (${maxJump}, ${skippedTicks} ticks skipped)`,
    );
    assert.ok(stats.rtp.packetsSent >= 25, `sent ${stats.rtp.packetsSent}`);
    // no burst: after the stall, packets keep ~20 ms spacing (at most 3 within 5 ms)
    let burst = 0;
    for (let i = 2; i < after.length; i++) {
      if (after[i]!.at - after[i - 2]!.at < 5) {
        burst++;
      }
    }
    assert.ok(burst <= 1, `burst of ${burst}`);
  });

  it('runs the send phase on time while the process phases of other calls overrun a tick', async () => {
    // An engine of its own: its scheduler's statistics then cover this test only.
    const own = localEngine(47000);
    const session = await callToPeer(own, 'overrun-test');
    await sleep(200);
    // Ten other "calls" whose caller side costs 6 ms each in one tick: a 60 ms process phase, three periods.
    let slowTick = -1;
    let slowRuns = 0;
    const slow = Array.from({ length: 10 }, (_, i) =>
      own.scheduler.register(
        (tick) => {
          if (slowTick < 0) {
            slowTick = tick.index;
          }
          if (slowRuns < 10 && tick.index >= slowTick) {
            slowRuns++;
            const until = performance.now() + 6;
            while (performance.now() < until) {
              // busy: this handler's share of the overrun
            }
          }
        },
        `slow-${i}`,
        'process',
      ),
    );
    await sleep(300);
    for (const registration of slow) {
      registration.unregister();
    }
    const stats = session.close('test');
    const scheduler = own.stats().scheduler;
    own.close();
    assert.equal(slowRuns, 10, 'the slow handlers all ran');
    assert.ok(
      scheduler.preemptedProcessPhases >= 1,
      'the process phase was cut short for the next send phase',
    );
    // Had each send phase waited for the 60 ms process phase, ticks would have been skipped and one fired up to
    // 20 ms late; here a send phase waits for one 6 ms handler at most (plus timer and machine noise).
    assert.ok(scheduler.lateness.max < 15, `tick lateness max ${scheduler.lateness.max.toFixed(1)} ms`);
    assert.ok(stats.rtp.packetsSent >= 20, `sent ${stats.rtp.packetsSent}`);
  });

  for (const ioUring of [true, false]) {
    it(`once latched, sends and reads through ${ioUring ? "the engine's io_uring" : 'one system call per packet'}`, async (t) => {
      const allowed =
        !existsSync('/proc/sys/kernel/io_uring_disabled') ||
        readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim() === '0';
      if (ioUring && (process.platform !== 'linux' || !allowed)) {
        t.skip('io_uring is refused here');
        return;
      }
      const own = localEngine(ioUring ? 48000 : 49000, ioUring);
      const caller = createSocket('udp4');
      caller.bind(0, '127.0.0.1');
      await once(caller, 'listening');
      let heard = 0;
      caller.on('message', () => heard++);
      const lease = await own.reservePort();
      const session = await own.openSession(lease, {
        callId: `ring-${ioUring}`,
        codec: 'PCMU',
        payloadType: 0,
        remote: { address: '127.0.0.1', port: caller.address().port },
        language: 'fr',
      });
      // The caller talks: the session latches to it and, connected, reads its socket itself from then on.
      const speech = Buffer.alloc(160, 0x20); // loud PCMU
      for (let seq = 0; seq < 25; seq++) {
        caller.send(
          serializeRtp({
            marker: seq === 0,
            payloadType: 0,
            sequenceNumber: seq,
            timestamp: seq * 160,
            ssrc: 0x1234,
            payload: speech,
          }),
          lease.port,
          '127.0.0.1',
        );
        await sleep(20);
      }
      await sleep(100);
      const ring = own.stats().ioRing;
      const stats = session.close('test');
      caller.close();
      own.close();
      assert.ok(stats.rtp.latched, 'latched to the caller');
      assert.ok(stats.rtp.packetsReceived >= 24, `received ${stats.rtp.packetsReceived}`);
      assert.ok(heard >= 20, `the caller heard ${heard} packets`);
      if (ioUring) {
        assert.ok(ring !== undefined, 'the engine has a ring');
        // All but the first packet (which latched the session through dgram) came through the ring.
        assert.ok(ring.datagrams >= 23, `ring datagrams ${ring.datagrams}`);
        assert.ok(ring.sends >= 20, `ring sends ${ring.sends}`);
        assert.equal(ring.sendErrors, 0);
        assert.equal(ring.incomplete, 0);
      } else {
        assert.equal(ring, undefined);
      }
    });
  }
});
