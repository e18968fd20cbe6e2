import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { RtpPortAllocator } from '../../../src/sip/call/rtp-port-allocator.js';

void describe('RtpPortAllocator', () => {
  void it('hands out even ports whose RTCP neighbour is in the range', () => {
    const ports = new RtpPortAllocator(40001, 40010);
    // Even ports 40002..40008: 40010 is excluded because its RTCP port 40011 is outside the range.
    assert.equal(ports.capacity, 4);
    const got = [ports.allocate(), ports.allocate(), ports.allocate(), ports.allocate()];
    assert.deepEqual(got, [40002, 40004, 40006, 40008]);
    assert.ok(got.every((p) => p % 2 === 0));
    assert.equal(ports.available, 0);
  });

  void it('throws AIG_ERR_RTP_PORTS_EXHAUSTED (SIP 503) when every port is taken', () => {
    const ports = new RtpPortAllocator(40000, 40003);
    assert.equal(ports.capacity, 2);
    ports.allocate();
    ports.allocate();
    assert.throws(
      () => ports.allocate(),
      (err: unknown) => isAigError(err, 'AIG_ERR_RTP_PORTS_EXHAUSTED') && err.sipStatus === 503,
    );
  });

  void it('reuses a released port only after the others (round robin)', () => {
    const ports = new RtpPortAllocator(40000, 40007);
    const a = ports.allocate();
    const b = ports.allocate();
    ports.release(a);
    assert.equal(ports.allocate(), 40004);
    assert.equal(ports.allocate(), 40006);
    // Wraps around to the freed port, skipping the one still in use.
    assert.equal(ports.allocate(), a);
    assert.ok(ports.isAllocated(b));
    assert.throws(() => ports.allocate());
  });

  void it('treats releasing an unknown or already released port as a no-op', () => {
    const ports = new RtpPortAllocator(40000, 40010);
    const p = ports.allocate();
    ports.release(p);
    ports.release(p);
    ports.release(12345);
    assert.equal(ports.allocated, 0);
    assert.equal(ports.available, ports.capacity);
  });

  void it('rejects ranges that hold no port pair or leave 1024..65535', () => {
    for (const [min, max] of [
      [40000, 40000],
      [40001, 40002],
      [50000, 40000],
      [80, 2000],
      [60000, 70000],
      [1.5, 2000],
    ] as const) {
      assert.throws(
        () => new RtpPortAllocator(min, max),
        (err: unknown) => isAigError(err, 'AIG_ERR_CONFIG_INVALID'),
      );
    }
    assert.equal(new RtpPortAllocator(40000, 40001).capacity, 1);
  });
});
