/**
 * Hands out RTP ports from a configured range. RFC 3550 §11: RTP uses an even port and RTCP the next odd one,
 * so only even ports whose odd neighbour is also inside the range are given out.
 *
 * Ports are handed out round-robin rather than lowest-first: a port released by a call that just ended is the
 * last one to be reused, so late packets of the old call do not land in a new one.
 */
import { AigError } from '../../errors/aig-error.js';

export class RtpPortAllocator {
  private readonly first: number;
  private readonly last: number;
  private readonly inUse = new Set<number>();
  private cursor: number;

  constructor(min: number, max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535) {
      throw new AigError('AIG_ERR_CONFIG_INVALID', `RTP port range ${min}-${max} must lie within 1024-65535`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    // The last RTP port needs its RTCP port (port + 1) inside the range too.
    this.last = max % 2 === 0 ? max - 2 : max - 1;
    if (this.last < this.first) {
      throw new AigError(
        'AIG_ERR_CONFIG_INVALID',
        `RTP port range ${min}-${max} holds no RTP/RTCP port pair`,
      );
    }
    this.cursor = this.first;
  }

  /** How many ports the range holds in total. */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  get allocated(): number {
    return this.inUse.size;
  }

  get available(): number {
    return this.capacity - this.inUse.size;
  }

  /** Returns a free even port; throws AIG_ERR_RTP_PORTS_EXHAUSTED when every pair is taken. */
  allocate(): number {
    if (this.inUse.size >= this.capacity) {
      throw new AigError('AIG_ERR_RTP_PORTS_EXHAUSTED', `${this.capacity} ports in use`);
    }
    for (;;) {
      const port = this.cursor;
      this.cursor = port >= this.last ? this.first : port + 2;
      if (!this.inUse.has(port)) {
        this.inUse.add(port);
        return port;
      }
    }
  }

  /** Gives a port back. Releasing a port that is not allocated is a no-op, so cleanup paths may overlap. */
  release(port: number): void {
    this.inUse.delete(port);
  }

  isAllocated(port: number): boolean {
    return this.inUse.has(port);
  }
}
