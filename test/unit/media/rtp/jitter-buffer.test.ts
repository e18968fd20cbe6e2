import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JitterBuffer, type JitterBufferPop } from '../../../../src/media/rtp/jitter-buffer.js';
import {
  emptyRtpHeader,
  readRtpHeader,
  serializeRtp,
  type RtpPacketHeader,
} from '../../../../src/media/rtp/rtp-packet.js';

/** A datagram and its header, as `JitterBuffer.push` takes them. */
function packet(seq: number, ssrc = 1, payloadType = 0): [RtpPacketHeader, Buffer] {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(seq & 0xffff);
  const datagram = serializeRtp({
    marker: false,
    payloadType,
    sequenceNumber: seq & 0xffff,
    timestamp: seq * 160,
    ssrc,
    payload,
  });
  const header = emptyRtpHeader();
  assert.ok(readRtpHeader(datagram, datagram.length, header));
  return [header, datagram];
}

/** What a pop gave: the sequence number carried in the payload, or 'missing' / 'idle'. */
function label(pop: JitterBufferPop): number | string {
  return pop.lost ? pop.reason : pop.payload.readUInt16BE(0);
}

function pops(buffer: JitterBuffer, n: number): (number | string)[] {
  return Array.from({ length: n }, () => label(buffer.pop()));
}

describe('JitterBuffer', () => {
  it('is idle before any packet, then waits for the playout depth (3 × 20 ms) before playing in order', () => {
    const jb = new JitterBuffer();
    assert.deepEqual(pops(jb, 2), ['idle', 'idle']);
    jb.push(...packet(10));
    assert.equal(label(jb.pop()), 'idle');
    jb.push(...packet(11));
    assert.equal(label(jb.pop()), 'idle');
    jb.push(...packet(12));
    assert.deepEqual(pops(jb, 3), [10, 11, 12]);
    assert.equal(jb.stats().playing, true);
  });

  it('starts after `depth` ticks even if packets are missing', () => {
    const jb = new JitterBuffer({ depth: 3 });
    jb.push(...packet(1));
    assert.deepEqual(pops(jb, 3), ['idle', 'idle', 1]);
  });

  it('puts reordered packets back in sequence', () => {
    const jb = new JitterBuffer();
    for (const seq of [1, 3, 2, 5, 4, 6]) {
      assert.equal(jb.push(...packet(seq)), 'accepted');
    }
    assert.deepEqual(pops(jb, 6), [1, 2, 3, 4, 5, 6]);
  });

  it('accepts a packet reordered ahead of the very first one while prefilling', () => {
    const jb = new JitterBuffer();
    jb.push(...packet(5));
    assert.equal(jb.push(...packet(4)), 'accepted');
    jb.push(...packet(6));
    assert.deepEqual(pops(jb, 3), [4, 5, 6]);
  });

  it('drops duplicates, pending or already played', () => {
    const jb = new JitterBuffer({ depth: 1 });
    jb.push(...packet(1));
    assert.equal(jb.push(...packet(1)), 'duplicate');
    assert.equal(label(jb.pop()), 1);
    assert.equal(jb.push(...packet(1)), 'duplicate');
    assert.equal(jb.stats().duplicates, 2);
  });

  it('reports a missing packet while later ones wait, and counts it late if it comes after its turn', () => {
    const jb = new JitterBuffer();
    for (const seq of [1, 2, 4, 5]) {
      jb.push(...packet(seq));
    }
    assert.deepEqual(pops(jb, 3), [1, 2, 'missing']);
    assert.equal(jb.push(...packet(3)), 'late');
    assert.deepEqual(pops(jb, 2), [4, 5]);
    const stats = jb.stats();
    assert.equal(stats.concealed, 1);
    assert.equal(stats.late, 1);
  });

  it('follows the 16-bit wrap, with reordering across it', () => {
    const jb = new JitterBuffer();
    for (const seq of [65534, 0, 65535, 1, 2]) {
      assert.equal(jb.push(...packet(seq)), 'accepted');
    }
    assert.deepEqual(pops(jb, 5), [65534, 65535, 0, 1, 2]);
    assert.equal(jb.push(...packet(65535)), 'duplicate');
  });

  it('goes back to prefill when it runs dry, and skips what was lost meanwhile', () => {
    const jb = new JitterBuffer();
    for (const seq of [1, 2, 3]) {
      jb.push(...packet(seq));
    }
    assert.deepEqual(pops(jb, 4), [1, 2, 3, 'idle']);
    assert.equal(jb.stats().underruns, 1);
    // Packets 4-5 never came; 6 onwards rebuilds the delay, then plays from 6.
    jb.push(...packet(6));
    assert.equal(label(jb.pop()), 'idle');
    jb.push(...packet(7));
    assert.equal(label(jb.pop()), 'idle');
    jb.push(...packet(8));
    assert.deepEqual(pops(jb, 3), [6, 7, 8]);
    assert.equal(jb.stats().concealed, 0);
  });

  it('bounds the delay: a burst beyond maxDepth drops the oldest back to depth', () => {
    const jb = new JitterBuffer({ depth: 3, maxDepth: 6 });
    for (let seq = 1; seq <= 12; seq++) {
      jb.push(...packet(seq));
    }
    assert.deepEqual(pops(jb, 3), [10, 11, 12]);
    assert.equal(jb.stats().overflowDrops, 9);
  });

  it('steps over non-audio packets (telephone-event) without using a tick or counting a loss', () => {
    const jb = new JitterBuffer();
    jb.push(...packet(1));
    jb.push(...packet(2, 1, 101), false);
    jb.push(...packet(3, 1, 101), false);
    jb.push(...packet(4));
    jb.push(...packet(5));
    assert.deepEqual(pops(jb, 3), [1, 4, 5]);
    assert.equal(jb.stats().concealed, 0);
  });

  it('starts over when the SSRC changes', () => {
    const jb = new JitterBuffer({ depth: 1 });
    jb.push(...packet(100, 1));
    jb.push(...packet(101, 1));
    assert.equal(label(jb.pop()), 100);
    assert.equal(jb.push(...packet(40000, 2)), 'restarted');
    jb.push(...packet(40001, 2));
    assert.deepEqual(pops(jb, 2), [40000, 40001]);
    assert.equal(jb.stats().restarts, 1);
  });

  it('believes a sequence restart of the same SSRC only when a second packet follows (A.1)', () => {
    const jb = new JitterBuffer({ depth: 1 });
    jb.push(...packet(1000));
    assert.equal(label(jb.pop()), 1000);
    assert.equal(jb.push(...packet(30000)), 'probation', 'a stray jump is dropped');
    assert.equal(jb.push(...packet(1001)), 'accepted');
    assert.equal(jb.push(...packet(20000)), 'probation');
    assert.equal(jb.push(...packet(20001)), 'restarted');
    assert.deepEqual(pops(jb, 2), [20001, 'idle']);
    assert.equal(jb.stats().probationDrops, 2);
  });

  it('jumps forward over a gap longer than its ring (burst loss) without replaying the gap', () => {
    const jb = new JitterBuffer({ depth: 1 });
    jb.push(...packet(1));
    jb.push(...packet(2));
    assert.equal(label(jb.pop()), 1);
    assert.equal(jb.push(...packet(500)), 'accepted');
    jb.push(...packet(501));
    assert.deepEqual(pops(jb, 2), [500, 501]);
    assert.equal(jb.stats().overflowDrops, 1, 'packet 2 could not be played in order');
  });

  it('validates its options', () => {
    assert.throws(() => new JitterBuffer({ depth: 0 }), RangeError);
    assert.throws(() => new JitterBuffer({ depth: 4, maxDepth: 2 }), RangeError);
    assert.throws(() => new JitterBuffer({ depth: 3, maxDepth: 100 }), RangeError);
  });

  it('forgets everything on reset', () => {
    const jb = new JitterBuffer({ depth: 1 });
    jb.push(...packet(1));
    jb.reset();
    assert.equal(label(jb.pop()), 'idle');
    assert.equal(jb.push(...packet(9)), 'accepted');
  });

  it('keeps its own copy of each payload, so that the datagram buffer can be reused at once', () => {
    const jb = new JitterBuffer({ depth: 1 });
    const [header, datagram] = packet(40);
    jb.push(header, datagram);
    datagram.fill(0); // the next read lands in the same buffer
    assert.equal(label(jb.pop()), 40);
    // A payload longer than a slot (60 ms of G.711) is kept too.
    const long = serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: 41,
      timestamp: 41 * 160,
      ssrc: 1,
      payload: Buffer.alloc(480, 7),
    });
    const longHeader = emptyRtpHeader();
    assert.ok(readRtpHeader(long, long.length, longHeader));
    jb.push(longHeader, long);
    long.fill(0);
    const popped = jb.pop();
    assert.ok(!popped.lost);
    assert.equal(popped.payload.length, 480);
    assert.ok(popped.payload.every((b) => b === 7));
  });
});
