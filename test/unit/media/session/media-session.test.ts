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
import { parseRtp } from '../../../../src/media/rtp/rtp-packet.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');

describe('MediaSession on the shared scheduler', () => {
  let engine: MediaEngine;
  let peer: Socket;
  const received: { ts: number; at: number }[] = [];
  before(async () => {
    engine = new MediaEngine({
      bindAddress: '127.0.0.1',
      rtpPortMin: 46000,
      rtpPortMax: 46998,
      promptsDirectory: join(ROOT, 'prompts'),
      recordingDirectory: null,
    });
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

  it('keeps the RTP timeline across a blocked event loop without bursting or failing', async () => {
    const lease = await engine.reservePort();
    const session = await engine.openSession(lease, {
      callId: 'stall-test',
      codec: 'PCMU',
      payloadType: 0,
      remote: { address: '127.0.0.1', port: peer.address().port },
      language: 'fr',
    });
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
});
