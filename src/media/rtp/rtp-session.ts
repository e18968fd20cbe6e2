/**
 * One call's RTP stream: a UDP socket (plus one for RTCP unless rtcp-mux), G.711 in both directions, RFC 4733
 * DTMF, a jitter buffer on the way in, RTCP reports, statistics.
 *
 * The session has no timer of its own for audio: the shared 20 ms scheduler calls `sendFrame` (or
 * `sendSilence` / `skipFrame`) and `pullFrame` once per tick for every call. Outgoing DTMF rides on those ticks.
 *
 * Sending costs about one `send` syscall per packet: one of a few reused packet buffers is filled in place
 * (header + G.711 encoded from a table), and once the session has latched, the socket is connected, so
 * `send(buf)` skips address resolution. The socket is not connected before latching, on purpose: a connected
 * UDP socket only receives from its peer, so connecting to the SDP address would drop the packets of a caller
 * behind NAT, whose source differs from its SDP.
 *
 * Receiving, with `pollSockets`: once latched (socket connected), the session stops dgram's per-packet events and
 * reads its socket itself at the start of `pullFrame`, with non-blocking `recv(2)` until it is empty, and sends with
 * `send(2)` on the same descriptor (`socket-syscalls.ts`): one wake-up per tick for all calls instead of one per
 * packet. Packets then wait in the socket buffer for up to one tick (20 ms, under the jitter buffer's 60 ms); the
 * RFC 3550 interarrival jitter is measured at the time they are read, so it includes up to one tick of rounding.
 * Before latching, after a re-INVITE moved the peer, and where the fast path is unavailable, dgram events serve.
 *
 * Security note on latching (symmetric RTP): whoever sends the first valid packet (right version and payload
 * type) gets the stream. That is how SBCs handle NAT too; the port is random in a range and the window short.
 */
import { randomBytes } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../../shared/clock.js';
import { decoderFor } from '../codec/g711.js';
import { Rfc4733Receiver } from '../dtmf/rfc4733-receiver.js';
import type { DtmfSendOptions } from '../dtmf/rfc4733-sender.js';
import { FRAME_MS, SAMPLES_PER_FRAME, STATIC_PAYLOAD_TYPES } from '../media-types.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { emptyRtpHeader, isRtcpPacket, readRtpHeader } from './rtp-packet.js';
import { RtpPacketizer } from './rtp-packetizer.js';
import { RtpPlayout } from './rtp-playout.js';
import { RtpStats } from './rtp-stats.js';
import type {
  RtpSessionEvents,
  RtpSessionLogger,
  RtpSessionOptions,
  RtpSessionState,
  RtpSessionStats,
  TransportAddress,
} from './rtp-session-types.js';
import {
  localFamily,
  openSockets,
  resolveAddress,
  validateOptions,
  type SessionSockets,
} from './rtp-session-sockets.js';
import { closeQuietly } from './udp-binding.js';
import { EAGAIN, ECONNREFUSED, isEmptyRead, socketSyscalls, type SocketSyscalls } from './socket-syscalls.js';
import type { RtpIoRing, RtpIoSocket } from './rtp-io-ring.js';

/** Most datagrams read per socket per tick: bounds a tick's work if a peer floods (the rest waits a tick). */
const MAX_READS_PER_TICK = 32;
/** Reads land here; the jitter buffer copies the payloads out, so it is free again after each packet. */
const readBuffer = Buffer.allocUnsafe(65536);

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  /** Binds (or takes over the lease's sockets) and starts receiving and reporting. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    validateOptions(options);
    const family = localFamily(options);
    const resolved: RtpSessionOptions = {
      ...options,
      remote: await resolveAddress(options.remote, family),
      remoteRtcp:
        options.remoteRtcp === undefined ? undefined : await resolveAddress(options.remoteRtcp, family),
    };
    const sockets = await openSockets(resolved);
    return new RtpSession(resolved, sockets);
  }

  readonly localPort: number;
  private stateValue: RtpSessionState = 'open';
  private readonly rtpSocket: Socket;
  private readonly rtcpSocket: Socket | undefined;
  private readonly options: RtpSessionOptions;
  private readonly clock: Clock;
  private readonly logger: RtpSessionLogger | undefined;
  private readonly payloadType: number;
  private readonly eventPayloadType: number | undefined;
  private readonly symmetric: boolean;
  private readonly statsValue = new RtpStats();
  private readonly playout: RtpPlayout;
  private readonly dtmfIn: Rfc4733Receiver | undefined;
  private readonly reporter: RtcpReporter;
  private readonly packetizer: RtpPacketizer;
  // Where we send.
  private sdpRemote: TransportAddress;
  private remoteRtcp: TransportAddress | undefined;
  private destination: TransportAddress;
  private latched = false;
  private connected = false;
  private rtcpSource: TransportAddress | undefined;
  // Incoming stream.
  private remoteSsrc: number | undefined;
  private candidateSsrc: number | undefined;
  private candidateNextSeq = -1;
  private socketErrors = 0;
  /** The packet being received, read in place (see `readRtpHeader`). */
  private readonly header = emptyRtpHeader();
  /** The fast path, when `pollSockets` asked for it and the platform has it. */
  private readonly syscalls: SocketSyscalls | undefined;
  /** Descriptor read and written directly while polling; -1 while dgram events serve. */
  private polledFd = -1;
  /** The thread's io_uring, when given: sends and reads go through its batch while polling. */
  private readonly ioRing: RtpIoRing | undefined;
  /** This session as the ring sees it; registered with the ring exactly while polling (`polledFd` ≥ 0). */
  private readonly ioSocket: RtpIoSocket;

  private constructor(options: RtpSessionOptions, sockets: SessionSockets) {
    super();
    this.options = options;
    this.rtpSocket = sockets.rtp;
    this.rtcpSocket = sockets.rtcp;
    this.localPort = sockets.rtp.address().port;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.payloadType = options.payloadType ?? STATIC_PAYLOAD_TYPES[options.codec];
    this.eventPayloadType = options.telephoneEventPayloadType;
    this.symmetric = options.symmetric ?? true;
    this.sdpRemote = options.remote;
    this.remoteRtcp = options.remoteRtcp;
    this.destination = options.remote;
    this.syscalls = options.pollSockets === true ? socketSyscalls() : undefined;
    this.ioRing = this.syscalls === undefined ? undefined : options.ioRing;
    const polledFd = (): number => this.polledFd;
    this.ioSocket = {
      get fd() {
        return polledFd();
      },
      onDatagram: (bytes, length, atMs) => this.receivePolled(bytes, length, atMs),
      onSocketError: (errno) => this.countSocketErrno(errno),
    };
    const depthMs = options.jitterDepthMs ?? 60;
    const depth = Math.max(1, Math.round(depthMs / FRAME_MS));
    this.playout = new RtpPlayout(decoderFor(options.codec), {
      depth,
      maxDepth: Math.max(depth, Math.round((options.jitterMaxDepthMs ?? depthMs * 3) / FRAME_MS)),
    });
    if (this.eventPayloadType !== undefined) {
      this.dtmfIn = new Rfc4733Receiver({
        onDigit: (event) => this.safeEmit('dtmf', event),
        onDigitStart: (digit) => this.safeEmit('dtmfStart', digit),
        endTimeoutMs: options.dtmfEndTimeoutMs ?? 300,
      });
    }
    this.packetizer = new RtpPacketizer({
      codec: options.codec,
      payloadType: this.payloadType,
      telephoneEventPayloadType: this.eventPayloadType,
      stats: this.statsValue,
      clock: this.clock,
      transmit: (packet) => this.transmit(packet),
    });
    // RFC 7022: a random CNAME, as it only has to tie our streams together.
    const cname = options.cname ?? `${randomBytes(8).toString('hex')}@aiguilleur`;
    this.reporter = new RtcpReporter({
      stats: this.statsValue,
      localSsrc: () => this.packetizer.ssrc,
      remoteSsrc: () => this.remoteSsrc,
      lastSent: () => this.packetizer.lastSent(),
      cname,
      send: (packet) => this.sendRtcp(packet),
      onBye: (reason) => this.safeEmit('bye', reason),
      onPackets: (packets) => this.safeEmit('rtcp', packets),
      onError: (err) => this.logger?.warn({ err: (err as Error).message }, 'RTCP report failed'),
      clock: this.clock,
      wallClock: options.wallClock ?? Date.now,
      minIntervalMs: options.rtcpIntervalMs ?? 5000,
    });
    this.rtpSocket.on('message', this.onRtpMessage);
    this.rtpSocket.on('error', this.onSocketError);
    this.rtcpSocket?.on('message', this.onRtcpMessage);
    this.rtcpSocket?.on('error', this.onSocketError);
    if (!this.symmetric) {
      // No latching: talk to the SDP address only, connected from the start.
      this.connectTo(this.sdpRemote);
    }
    this.reporter.start();
  }

  get state(): RtpSessionState {
    return this.stateValue;
  }

  /** Encodes and sends one frame of audio (normally 160 samples, 20 ms); a DTMF packet takes its place if due. */
  sendFrame(pcm: Int16Array): void {
    if (this.stateValue === 'open') {
      this.packetizer.sendFrame(pcm);
    }
  }

  /** Sends one frame of G.711 silence: keeps the stream (and NAT bindings, and the peer's RTP timeout) alive. */
  sendSilence(samples: number = SAMPLES_PER_FRAME): void {
    if (this.stateValue === 'open') {
      this.packetizer.sendSilence(samples);
    }
  }

  /**
   * Lets a tick pass without audio (silence suppression): the timestamp moves on, and the next audio packet
   * starts a talkspurt with the marker bit (RFC 3551 §4.1). Queued DTMF is still sent.
   */
  skipFrame(samples: number = SAMPLES_PER_FRAME): void {
    if (this.stateValue === 'open') {
      this.packetizer.skipFrame(samples);
    }
  }

  /**
   * Queues RFC 4733 DTMF digits, sent on the next ticks in place of audio. Returns false when telephone-event
   * was not negotiated (the caller may then play tones in-band). Throws RangeError on a non-DTMF character.
   */
  sendDtmf(digits: string, options?: DtmfSendOptions): boolean {
    return this.stateValue === 'open' && this.packetizer.sendDtmf(digits, options);
  }

  /**
   * The next 20 ms of received audio, decoded: 160 samples, silence where packets were lost or nothing came.
   * Call once per tick. With `out`, fills and returns it (no allocation).
   */
  pullFrame(out?: Int16Array): Int16Array {
    if (this.polledFd >= 0 && this.ioRing === undefined) {
      this.readSocket();
    }
    if (this.dtmfIn?.inProgress === true) {
      this.dtmfIn.poll(this.clock.now());
    }
    return this.playout.pullFrame(out ?? new Int16Array(SAMPLES_PER_FRAME));
  }

  /** A re-INVITE moved the peer: send there, and latch again on its next packet. */
  async updateRemote(remote: TransportAddress, remoteRtcp?: TransportAddress): Promise<void> {
    const family = localFamily(this.options);
    const resolvedRemote = await resolveAddress(remote, family);
    const resolvedRtcp = remoteRtcp === undefined ? undefined : await resolveAddress(remoteRtcp, family);
    if (this.stateValue !== 'open') {
      return;
    }
    this.sdpRemote = resolvedRemote;
    this.remoteRtcp = resolvedRtcp;
    this.rtcpSource = undefined;
    this.latched = false;
    this.disconnect();
    this.destination = resolvedRemote;
    if (!this.symmetric) {
      this.connectTo(resolvedRemote);
    }
  }

  stats(): RtpSessionStats {
    return {
      ...this.statsValue.snapshot(),
      ssrc: this.packetizer.ssrc,
      remoteSsrc: this.remoteSsrc,
      sendingTo: this.destination,
      latched: this.latched,
      socketErrors: this.socketErrors,
      jitterBuffer: this.playout.stats(),
    };
  }

  /** Sends a last RTCP report with BYE (RFC 3550 §6.6), closes the sockets and releases the port. Idempotent. */
  close(reason?: string): void {
    if (this.stateValue === 'closed') {
      return;
    }
    this.reporter.stop();
    // RFC 3550 §6.6: the reason is at most 255 octets; a longer one is left out rather than cut mid-character.
    const fits = reason !== undefined && Buffer.byteLength(reason) <= 255;
    try {
      this.reporter.sendReport(fits ? { reason } : {});
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'RTCP BYE failed');
    }
    this.stateValue = 'closed';
    this.stopPolling();
    this.rtpSocket.off('message', this.onRtpMessage);
    this.rtcpSocket?.off('message', this.onRtcpMessage);
    if (this.options.lease !== undefined) {
      this.options.lease.release();
    }
    closeQuietly(this.rtpSocket);
    closeQuietly(this.rtcpSocket);
    this.safeEmit('close');
  }

  // --- outgoing ---

  private transmit(packet: Buffer): void {
    if (this.polledFd >= 0) {
      if (this.ioRing?.send(this.ioSocket, packet) === true) {
        return;
      }
      if (this.syscalls!.send(this.polledFd, packet) < 0) {
        // A full socket buffer drops the packet (as a UDP send may); ECONNREFUSED is the peer's ICMP answer.
        this.countSocketErrno(this.syscalls!.errno());
      }
      return;
    }
    try {
      if (this.connected) {
        this.rtpSocket.send(packet);
      } else {
        this.rtpSocket.send(packet, this.destination.port, this.destination.address);
      }
    } catch (err) {
      this.onSocketError(err as Error);
    }
  }

  private sendRtcp(packet: Buffer): void {
    if (this.rtcpSocket === undefined) {
      // rtcp-mux (RFC 5761): RTCP goes where RTP goes.
      this.transmit(packet);
      return;
    }
    const to = this.rtcpSource ?? this.rtcpDestination();
    try {
      this.rtcpSocket.send(packet, to.port, to.address);
    } catch (err) {
      this.onSocketError(err as Error);
    }
  }

  /** RFC 3605 a=rtcp if given, else RTP port + 1 (RFC 3550 §11), at the address RTP goes to. */
  private rtcpDestination(): TransportAddress {
    const sdp = this.sdpRemote;
    const movedByLatching =
      this.latched && (this.destination.address !== sdp.address || this.destination.port !== sdp.port);
    if (movedByLatching) {
      // Behind NAT the SDP's RTCP address is as wrong as its RTP one; RTCP usually sits next to RTP.
      return { address: this.destination.address, port: this.destination.port + 1 };
    }
    return this.remoteRtcp ?? { address: sdp.address, port: sdp.port + 1 };
  }

  private connectTo(to: TransportAddress): void {
    this.disconnect();
    try {
      // The socket's lookup answers IP literals synchronously, so the socket is connected on return.
      this.rtpSocket.connect(to.port, to.address);
      this.rtpSocket.remoteAddress();
      this.connected = true;
      this.startPolling();
    } catch (err) {
      // A host name (resolved asynchronously) or a refused address: keep sending unconnected.
      this.connected = false;
      this.logger?.warn(
        { err: (err as Error).message, to },
        'RTP socket could not connect; sending unconnected',
      );
    }
  }

  private disconnect(): void {
    if (!this.connected) {
      return;
    }
    this.connected = false;
    this.stopPolling();
    try {
      this.rtpSocket.disconnect();
    } catch {
      // Not connected after all.
    }
  }

  /** Connected: from now on the kernel only delivers the peer's packets, and the session reads them itself. */
  private startPolling(): void {
    const fd = this.syscalls?.descriptor(this.rtpSocket);
    if (fd === undefined) {
      return;
    }
    this.syscalls!.setDgramReading(this.rtpSocket, false);
    this.polledFd = fd;
    this.ioRing?.register(this.ioSocket);
  }

  private stopPolling(): void {
    if (this.polledFd < 0) {
      return;
    }
    this.ioRing?.unregister(this.ioSocket);
    this.polledFd = -1;
    if (this.stateValue === 'open') {
      this.syscalls!.setDgramReading(this.rtpSocket, true);
    }
  }

  /** Everything the peer sent since the last tick, oldest first. */
  private readSocket(): void {
    const syscalls = this.syscalls!;
    for (let i = 0; i < MAX_READS_PER_TICK && this.polledFd >= 0; i++) {
      const length = syscalls.recv(this.polledFd, readBuffer);
      if (length < 0) {
        const errno = syscalls.errno();
        if (isEmptyRead(errno)) {
          return;
        }
        // A pending ICMP error is reported once by a read; the datagrams behind it are still there.
        this.countSocketErrno(errno);
        continue;
      }
      this.receivePolled(readBuffer, length);
    }
  }

  /**
   * A datagram read from the connected socket (by `readSocket` or the io_uring, which says when: `atMs`):
   * `length` octets of `bytes`.
   */
  private receivePolled(bytes: Buffer, length: number, atMs?: number): void {
    if (length > bytes.length) {
      // Truncated by a read slot (io_uring): longer than any RTP packet this session negotiated.
      this.statsValue.countDiscarded();
    } else if (isRtcpPacket(bytes, length)) {
      // rtcp-mux (RFC 5761): RTCP on the RTP port, parsed into objects anyway.
      this.receiveRtcpOnRtpPort(Buffer.from(bytes.subarray(0, length)), this.destination.address);
    } else if (this.readHeader(bytes, length)) {
      // The kernel only delivers the connected peer's datagrams: no source check (see `receiveRtp`).
      this.acceptPacket(bytes, atMs);
    }
  }

  private countSocketErrno(errno: number): void {
    this.socketErrors++;
    // ECONNREFUSED: see onSocketError; EAGAIN on send: the socket buffer is full, which a warning per packet
    // would only make worse (counted in socketErrors).
    if (errno !== ECONNREFUSED && errno !== EAGAIN) {
      this.logger?.warn({ errno }, 'RTP socket error');
    }
  }

  // --- incoming ---

  private readonly onRtpMessage = (datagram: Buffer, from: RemoteInfo): void => {
    this.receiveRtp(datagram, from.address, from.port);
  };

  /** One datagram on the RTP port (RTCP too, with rtcp-mux), from `address:port`, through dgram. */
  private receiveRtp(datagram: Buffer, address: string, port: number): void {
    if (isRtcpPacket(datagram)) {
      this.receiveRtcpOnRtpPort(datagram, address);
      return;
    }
    if (!this.readHeader(datagram, datagram.length)) {
      return;
    }
    if (!this.latched && this.symmetric) {
      this.latch(address, port);
    } else if (port !== this.destination.port || address !== this.destination.address) {
      // Only the latched (or, without latching, the SDP) source may talk to us.
      this.statsValue.countDiscarded();
      return;
    }
    this.acceptPacket(datagram);
  }

  private receiveRtcpOnRtpPort(datagram: Buffer, address: string): void {
    if (this.fromPeerHost(address)) {
      this.reporter.receive(datagram);
    } else {
      this.statsValue.countDiscarded();
    }
  }

  /**
   * Reads the RTP packet in the first `length` octets of `bytes` into `this.header`; false (and counted as
   * discarded) when it is not one, or not of a negotiated payload type.
   */
  private readHeader(bytes: Uint8Array, length: number): boolean {
    const header = this.header;
    if (
      !readRtpHeader(bytes, length, header) ||
      (header.payloadType !== this.payloadType && header.payloadType !== this.eventPayloadType)
    ) {
      this.statsValue.countDiscarded();
      return false;
    }
    return true;
  }

  /**
   * The packet in `this.header`, from the peer, its octets in `bytes` (which may be reused once this returns):
   * source following, statistics, DTMF, jitter buffer.
   */
  private acceptPacket(bytes: Uint8Array, atMs?: number): void {
    const header = this.header;
    const stats = this.statsValue;
    if (!this.followsSource(header.ssrc, header.sequenceNumber)) {
      stats.countDiscarded();
      return;
    }
    const isAudio = header.payloadType === this.payloadType;
    const nowMs = atMs ?? this.clock.now();
    stats.recordReceived(
      header.ssrc,
      header.sequenceNumber,
      header.timestamp,
      header.payloadLength,
      nowMs,
      isAudio,
    );
    if (!isAudio) {
      const start = header.payloadOffset;
      this.dtmfIn?.receive(
        Buffer.from(bytes.buffer, bytes.byteOffset + start, header.payloadLength),
        header.timestamp,
        nowMs,
      );
    }
    const result = this.playout.push(header, bytes, isAudio);
    if (result === 'late') {
      stats.countLate();
    } else if (result === 'duplicate') {
      stats.countDuplicate();
    }
  }

  private readonly onRtcpMessage = (datagram: Buffer, from: RemoteInfo): void => {
    if (!this.fromPeerHost(from.address)) {
      this.statsValue.countDiscarded();
      return;
    }
    if (this.reporter.receive(datagram)) {
      // Symmetric RTCP: answer where the peer's reports come from.
      this.rtcpSource = { address: from.address, port: from.port };
    }
  };

  /**
   * RTCP may come from another port than RTP, but once we know the peer (latched, or fixed by the SDP without
   * latching) it must come from the peer's host: a BYE or a redirected report from elsewhere is ignored.
   */
  private fromPeerHost(address: string): boolean {
    return (!this.latched && this.symmetric) || address === this.destination.address;
  }

  private readonly onSocketError = (err: Error): void => {
    this.socketErrors++;
    // ICMP port unreachable comes back as ECONNREFUSED on a connected socket: the peer is not listening (yet,
    // or any more). It is counted; the call's fate is decided by signalling, not by one ICMP message.
    if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') {
      this.logger?.warn({ err: err.message }, 'RTP socket error');
    }
  };

  private latch(address: string, port: number): void {
    this.latched = true;
    this.destination = { address, port };
    this.connectTo(this.destination);
    this.safeEmit('latched', this.destination);
  }

  /**
   * Which SSRC we follow: the first one heard, then a new one only after two of its packets in sequence
   * (RFC 3550 A.1 MIN_SEQUENTIAL), so that a stray packet cannot switch the stream.
   */
  private followsSource(ssrc: number, sequenceNumber: number): boolean {
    if (ssrc === this.remoteSsrc) {
      this.candidateSsrc = undefined;
      return true;
    }
    if (this.remoteSsrc !== undefined) {
      if (ssrc !== this.candidateSsrc || sequenceNumber !== this.candidateNextSeq) {
        this.candidateSsrc = ssrc;
        this.candidateNextSeq = (sequenceNumber + 1) & 0xffff;
        return false;
      }
      this.dtmfIn?.reset();
    }
    const changed = this.remoteSsrc !== undefined;
    this.remoteSsrc = ssrc;
    this.candidateSsrc = undefined;
    if (changed) {
      this.safeEmit('sourceChanged', ssrc);
    }
    return true;
  }

  /** A listener that throws must not break the media path (STYLE: "a listener error never kills a call"). */
  private safeEmit<K extends keyof RtpSessionEvents>(event: K, ...args: RtpSessionEvents[K]): void {
    try {
      (this.emit as (name: K, ...rest: RtpSessionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message, event }, 'RTP session listener threw');
    }
  }
}
