/**
 * Media sessions in a worker thread (`media.workers`), seen through the main thread's `RemoteMediaSession`,
 * against a plain UDP peer: the same interface as in-process — playback events and `done`, RFC 4733 and SIP INFO
 * digits, caller audio to a subscriber, final stats on close.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerMediaEngine } from '../../../../src/media/worker/worker-media-engine.js';
import { parseRtp, serializeRtp } from '../../../../src/media/rtp/rtp-packet.js';
import { encodeMulaw } from '../../../../src/media/codec/g711.js';
import type { CallMediaSession, MediaSessionStats } from '../../../../src/media/media-session-types.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');

describe('WorkerMediaEngine', () => {
  let engine: WorkerMediaEngine;
  let peer: Socket;
  let fromIvr = 0;
  before(async () => {
    engine = new WorkerMediaEngine({
      bindAddress: '127.0.0.1',
      rtpPortMin: 47000,
      rtpPortMax: 47998,
      promptsDirectory: join(ROOT, 'prompts'),
      recordingDirectory: null,
      workers: 2,
      threadPriority: { nice: null, realtime: null },
    });
    peer = createSocket('udp4');
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    peer.on('message', (data) => {
      if (parseRtp(data) !== undefined) {
        fromIvr++;
      }
    });
  });
  after(() => {
    engine.close();
    peer.close();
  });

  async function open(callId: string): Promise<{ session: CallMediaSession; port: number }> {
    const lease = await engine.reservePort();
    assert.ok(lease.port >= 47000 && lease.port <= 47998 && lease.port % 2 === 0);
    const session = await engine.openSession(lease, {
      callId,
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      remote: { address: '127.0.0.1', port: peer.address().port },
      language: 'fr',
    });
    return { session, port: lease.port };
  }

  it('plays, hears digits and caller audio, and closes with the final figures', async () => {
    const { session, port } = await open('worker-call-1');
    assert.equal(engine.activeSessions, 1);

    const started = once(session, 'playback-started');
    const playback = session.play([{ kind: 'silence', ms: 100 }]);
    assert.equal(session.playing, true);
    await started;
    const result = await playback.done;
    assert.equal(result.status, 'finished');
    assert.equal(result.positionMs, 100);
    assert.equal(session.playing, false);

    const subscription = session.subscribeAudio({ name: 'asr' });
    // Caller audio: a 1 kHz tone, 10 packets from the peer.
    const tone = new Int16Array(160).map((_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
    );
    for (let seq = 0; seq < 10; seq++) {
      const packet = serializeRtp({
        marker: seq === 0,
        payloadType: 0,
        sequenceNumber: seq,
        timestamp: seq * 160,
        ssrc: 1234,
        payload: encodeMulaw(tone),
      });
      peer.send(packet, port, '127.0.0.1');
      await sleep(20);
    }
    let loud = 0;
    for await (const frame of subscription) {
      assert.equal(frame.length, 160);
      if (frame.some((sample) => Math.abs(sample) > 4000)) {
        loud++;
      }
      if (loud >= 3) {
        break;
      }
    }
    assert.ok(loud >= 3, 'the subscriber got the caller tone');

    const digit = once(session, 'dtmf') as Promise<[{ digit: string }]>;
    assert.equal(session.receiveSipInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), true);
    assert.equal((await digit)[0].digit, '5');
    assert.equal(session.receiveSipInfo('text/plain', 'hello'), false);
    assert.equal(session.sendDtmf('1#'), true);
    assert.throws(() => session.sendDtmf('x'), RangeError);

    const closed = once(session, 'closed') as Promise<[MediaSessionStats]>;
    session.close('test');
    const [stats] = await closed;
    assert.equal(stats.callId, 'worker-call-1');
    assert.ok(stats.rtp.packetsSent > 5, `sent ${stats.rtp.packetsSent}`);
    assert.equal(stats.rtp.packetsReceived, 10);
    assert.equal(stats.dtmf, 1);
    assert.ok(fromIvr > 5);
    assert.equal(engine.activeSessions, 0);
  });

  it('spreads calls over the workers, settles playbacks on close, releases unused ports', async () => {
    const a = await open('worker-call-2');
    const b = await open('worker-call-3');
    assert.deepEqual(
      engine.stats().workers.map((w) => w.sessions),
      [1, 1],
    );
    const long = a.session.play([{ kind: 'silence', ms: 5000 }], { bargeIn: true });
    const replacing = a.session.play([{ kind: 'silence', ms: 40 }], { mode: 'replace' });
    assert.equal((await long.done).reason, 'replaced');
    assert.equal((await replacing.done).status, 'finished');
    const pending = b.session.play([{ kind: 'silence', ms: 5000 }]);
    b.session.close('hangup');
    assert.equal((await pending.done).status, 'interrupted');
    a.session.close('hangup');

    const lease = await engine.reservePort();
    lease.release();
    lease.release();
    await sleep(50);
    assert.equal(engine.activeSessions, 0);
  });
});
