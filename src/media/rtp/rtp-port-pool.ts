/**
 * Hands out RTP ports from a configured range by binding them: a port is ours only once the socket is bound, so
 * ports held by other processes (or by a call of another IVR instance on the same host) are skipped instead of
 * failing later. The lease carries the bound sockets, which the `RtpSession` takes over: there is no window
 * between checking a port and using it.
 *
 * RFC 3550 §11: RTP takes an even port and RTCP the next odd one, so only even ports whose odd neighbour is in
 * the range are used; with rtcp-mux (RFC 5761) the odd port is left unbound. Ports are tried round-robin: a port
 * released by a call that just ended is the last to be reused, so late packets of that call do not land in a
 * new one.
 */
import type { Socket } from 'node:dgram';
import { AigError } from '../../errors/aig-error.js';
import { closeQuietly, openRtpSocket } from './udp-binding.js';

export interface RtpPortPoolOptions {
  /** Lowest port of the range (inclusive). */
  min: number;
  /** Highest port of the range (inclusive). */
  max: number;
  /** Local address to bind. @default '0.0.0.0' */
  address?: string;
}

export interface RtpPortLease {
  readonly port: number;
  readonly address: string;
  readonly rtpSocket: Socket;
  /** Bound to port + 1; undefined when RTCP is multiplexed on the RTP port. */
  readonly rtcpSocket: Socket | undefined;
  /** Closes the sockets (if still open) and gives the port back; further calls do nothing. */
  release(): void;
}

/** Bind errors that mean "this port is taken, try another". */
const PORT_TAKEN = new Set(['EADDRINUSE', 'EACCES']);

function isPortTaken(err: unknown): boolean {
  return err instanceof Error && PORT_TAKEN.has((err as NodeJS.ErrnoException).code ?? '');
}

export class RtpPortPool {
  readonly address: string;
  private readonly first: number;
  private readonly last: number;
  private readonly inUse = new Set<number>();
  private cursor: number;

  constructor(options: RtpPortPoolOptions) {
    const { min, max } = options;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535) {
      throw new AigError('AIG_ERR_CONFIG_INVALID', `RTP port range ${min}-${max} must lie within 1024-65535`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.last = max % 2 === 0 ? max - 2 : max - 1;
    if (this.last < this.first) {
      throw new AigError(
        'AIG_ERR_CONFIG_INVALID',
        `RTP port range ${min}-${max} holds no RTP/RTCP port pair`,
      );
    }
    this.address = options.address ?? '0.0.0.0';
    this.cursor = this.first;
  }

  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  get allocated(): number {
    return this.inUse.size;
  }

  get available(): number {
    return this.capacity - this.inUse.size;
  }

  isAllocated(port: number): boolean {
    return this.inUse.has(port);
  }

  /**
   * Binds the next free even port (and port + 1 unless `rtcpMux`). Throws AIG_ERR_RTP_PORTS_EXHAUSTED when every
   * port of the range is leased or taken by someone else; other bind errors (a bad address) are thrown as is.
   */
  async allocate(options: { rtcpMux?: boolean } = {}): Promise<RtpPortLease> {
    const rtcpMux = options.rtcpMux ?? false;
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.cursor;
      this.cursor = port >= this.last ? this.first : port + 2;
      if (this.inUse.has(port)) {
        continue;
      }
      // Reserved before the first await, so concurrent allocations never try the same port.
      this.inUse.add(port);
      let rtpSocket: Socket | undefined;
      try {
        rtpSocket = await openRtpSocket(this.address, port);
        const rtcpSocket = rtcpMux ? undefined : await openRtpSocket(this.address, port + 1);
        return this.lease(port, rtpSocket, rtcpSocket);
      } catch (err) {
        closeQuietly(rtpSocket);
        this.inUse.delete(port);
        if (!isPortTaken(err)) {
          throw err;
        }
      }
    }
    throw new AigError(
      'AIG_ERR_RTP_PORTS_EXHAUSTED',
      `${this.inUse.size} of ${this.capacity} ports leased, the others are in use on ${this.address}`,
    );
  }

  private lease(port: number, rtpSocket: Socket, rtcpSocket: Socket | undefined): RtpPortLease {
    let released = false;
    return {
      port,
      address: this.address,
      rtpSocket,
      rtcpSocket,
      release: () => {
        if (released) {
          return;
        }
        released = true;
        closeQuietly(rtpSocket);
        closeQuietly(rtcpSocket);
        this.inUse.delete(port);
      },
    };
  }
}
