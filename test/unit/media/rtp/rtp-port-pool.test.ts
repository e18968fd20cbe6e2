import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../../src/errors/aig-error.js';
import { RtpPortPool } from '../../../../src/media/rtp/rtp-port-pool.js';
import { HOST, freeEvenRange, rawPeer } from './rtp-test-peers.js';

describe('RtpPortPool', () => {
  it('leases even ports with RTCP bound on port + 1, round-robin, and takes them back on release', async () => {
    const base = await freeEvenRange(6);
    const pool = new RtpPortPool({ min: base, max: base + 5, address: HOST });
    assert.equal(pool.capacity, 3);
    const first = await pool.allocate();
    assert.equal(first.port, base);
    assert.equal(first.rtpSocket.address().port, base);
    assert.equal(first.rtcpSocket?.address().port, base + 1);
    const second = await pool.allocate();
    assert.equal(second.port, base + 2);
    assert.equal(pool.allocated, 2);
    first.release();
    first.release();
    assert.equal(pool.allocated, 1);
    assert.equal(pool.isAllocated(base), false);
    // Round-robin: the next port is base + 4, not the one just released.
    const third = await pool.allocate();
    assert.equal(third.port, base + 4);
    second.release();
    third.release();
    assert.equal(pool.available, 3);
  });

  it('skips ports another socket holds, RTP or RTCP', async () => {
    const base = await freeEvenRange(6);
    const squatterRtp = await rawPeer(base);
    const squatterRtcp = await rawPeer(base + 3);
    try {
      const pool = new RtpPortPool({ min: base, max: base + 5, address: HOST });
      const lease = await pool.allocate();
      assert.equal(lease.port, base + 4);
      await assert.rejects(pool.allocate(), (err) => isAigError(err, 'AIG_ERR_RTP_PORTS_EXHAUSTED'));
      lease.release();
    } finally {
      squatterRtp.close();
      squatterRtcp.close();
    }
  });

  it('binds only the RTP port for rtcp-mux', async () => {
    const base = await freeEvenRange(2);
    const pool = new RtpPortPool({ min: base, max: base + 1, address: HOST });
    const lease = await pool.allocate({ rtcpMux: true });
    assert.equal(lease.rtcpSocket, undefined);
    const neighbour = await rawPeer(base + 1);
    neighbour.close();
    lease.release();
  });

  it('gives distinct ports to concurrent allocations and reports exhaustion', async () => {
    const base = await freeEvenRange(8);
    const pool = new RtpPortPool({ min: base, max: base + 7, address: HOST });
    const leases = await Promise.all([pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()]);
    assert.deepEqual(
      leases.map((l) => l.port).sort((a, b) => a - b),
      [base, base + 2, base + 4, base + 6],
    );
    await assert.rejects(pool.allocate(), (err) => isAigError(err, 'AIG_ERR_RTP_PORTS_EXHAUSTED'));
    leases.forEach((l) => l.release());
    assert.equal(pool.allocated, 0);
  });

  it('rejects ranges without an RTP/RTCP pair', () => {
    assert.throws(
      () => new RtpPortPool({ min: 80, max: 90 }),
      (err) => isAigError(err, 'AIG_ERR_CONFIG_INVALID'),
    );
    assert.throws(
      () => new RtpPortPool({ min: 30001, max: 30002 }),
      (err) => isAigError(err, 'AIG_ERR_CONFIG_INVALID'),
    );
    assert.equal(new RtpPortPool({ min: 30001, max: 30004 }).capacity, 1);
  });

  it('throws other bind errors as they are (an address that is not local)', async () => {
    const base = await freeEvenRange(2);
    const pool = new RtpPortPool({ min: base, max: base + 1, address: '192.0.2.1' });
    await assert.rejects(pool.allocate(), (err: NodeJS.ErrnoException) => err.code === 'EADDRNOTAVAIL');
    assert.equal(pool.allocated, 0);
  });
});
