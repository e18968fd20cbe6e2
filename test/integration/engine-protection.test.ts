/**
 * The engine's front-door protection against real UDP traffic: the trunk ACL, known scanners, the per-source
 * rate limit (503 + Retry-After, then silence for a sustained flood) and the maximum message size (513).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawSipPeer, isStatus } from '../support/raw-sip-peer.js';
import { invite, startEngine, type EngineUnderTest } from '../support/engine-harness.js';

describe('ACL', () => {
  let h: EngineUnderTest;
  let peer: RawSipPeer;
  before(async () => {
    h = await startEngine({ acl: ['10.0.0.0/8'] });
    peer = await new RawSipPeer(h.sip).start();
  });
  after(async () => {
    peer.close();
    await h.stop();
  });

  it('drops requests from sources outside the allow list without answering', async () => {
    peer.send(invite(peer.port, h.sip).text);
    assert.ok(await peer.silence(() => true, 500));
    assert.equal(h.engine.stats().droppedByAcl, 1);
  });
});

describe('scanners, rate limit and size', () => {
  let h: EngineUnderTest;
  let peer: RawSipPeer;
  before(async () => {
    h = await startEngine({ rateLimit: { perSecond: 5, burst: 5, floodSeconds: 1 }, maxMessageSize: 8000 });
    peer = await new RawSipPeer(h.sip).start();
  });
  after(async () => {
    peer.close();
    await h.stop();
  });

  it('drops requests from known scanner User-Agents', async () => {
    peer.send(invite(peer.port, h.sip, { extra: 'User-Agent: friendly-scanner' }).text);
    assert.ok(await peer.silence(() => true, 500));
    assert.equal(h.engine.stats().droppedScanners, 1);
  });

  it('answers 513 to an oversized datagram', async () => {
    const big = invite(peer.port, h.sip, { extra: `X-Padding: ${'a'.repeat(10_000)}` }).text;
    peer.send(big);
    await peer.next(isStatus(513, 'INVITE'));
  });

  it('answers 503 + Retry-After over the rate, then goes silent during a sustained flood', async () => {
    await sleep(1200); // let the bucket refill
    for (let i = 0; i < 20; i++) {
      peer.send(invite(peer.port, h.sip).text);
    }
    const limited = await peer.next(isStatus(503, 'INVITE'));
    assert.ok(limited.headers.has('retry-after'));
    assert.ok(h.engine.stats().rateLimited > 0);
    // keep flooding for longer than floodSeconds: the engine stops answering the excess
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      for (let i = 0; i < 20; i++) {
        peer.send(invite(peer.port, h.sip).text);
      }
      await sleep(50);
    }
    assert.ok(h.engine.stats().floodDropped > 0, JSON.stringify(h.engine.stats()));
  });
});
