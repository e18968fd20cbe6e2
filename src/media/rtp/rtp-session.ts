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
 * Security note on latching (symmetric RTP): whoever sends the first valid packet (right version and payload
 * type) gets the stream. That is how SBCs handle NAT too; the port is random in a range and the window short.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { systemClock, type Clock } from '../../shared/clock.js';
import { decoderFor, encoderFor, silenceCodeFor, type G711Decoder, type G711Encoder } from '../codec/g711.js';
import { Rfc4733Receiver } from '../dtmf/rfc4733-receiver.js';
import { Rfc4733Sender, type DtmfSendOptions } from '../dtmf/rfc4733-sender.js';
import { FRAME_MS, SAMPLES_PER_FRAME, STATIC_PAYLOAD_TYPES } from '../media-types.js';
import { JitterBuffer, type JitterBufferPop } from './jitter-buffer.js';
import { RtcpReporter } from './rtcp-reporter.js';
import {
  RTP_HEADER_LENGTH,
  isRtcpPacket,
  parseRtp,
  writeRtpHeader,
  type RtpHeaderFields,
} from './rtp-packet.js';
import { RtpStats } from './rtp-stats.js';
import type {
  RtpSessionEvents,
  RtpSessionLogger,
  RtpSessionOptions,
  RtpSessionState,
  RtpSessionStats,
  TransportAddress,
} from './rtp-session-types.js';
import { closeQuietly, openRtpSocket } from './udp-binding.js';

/** Packet buffers reused in turn: a send that could not complete at once still holds its buffer a while. */
const PACKET_RING = 4;
/** Largest frame `sendFrame` takes: 60 ms. */
const MAX_FRAME_SAMPLES = 480;
/** Decoded samples waiting to be pulled when the peer packetises at another ptime than 20 ms. */
const FIFO_SAMPLES = 2048;
/** Ports tried when binding an RTP/RTCP pair on any free port. */
const PAIR_ATTEMPTS = 20;

interface SessionSockets {
  rtp: Socket;
  rtcp: Socket | undefined;
}

/**
 * SDP may name the peer by host name (RFC 4566 §5.7); it is resolved once here, so that packets are sent to an IP
 * literal (no lookup per packet) and latching can compare addresses.
 */
async function resolveAddress(to: TransportAddress): Promise<TransportAddress> {
  if (isIP(to.address) !== 0) {
    return to;
  }
  const { address } = await lookup(to.address);
  return { address, port: to.port };
}

/** Checks what would otherwise fail later, before any socket is bound. */
function validateOptions(options: RtpSessionOptions): void {
  for (const pt of [options.payloadType, options.telephoneEventPayloadType]) {
    if (pt !== undefined && (!Number.isInteger(pt) || pt < 0 || pt > 127)) {
      throw new RangeError(`RTP payload type ${pt} is outside 0-127 (RFC 3550 §5.1)`);
    }
  }
  if (options.payloadType !== undefined && options.payloadType === options.telephoneEventPayloadType) {
    throw new RangeError('audio and telephone-event need distinct payload types');
  }
  if (options.cname !== undefined && (options.cname === '' || Buffer.byteLength(options.cname) > 255)) {
    throw new RangeError('an RTCP CNAME holds 1-255 octets (RFC 3550 §6.5)');
  }
  const { port } = options.remote;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`remote RTP port ${port} is invalid`);
  }
}

async function bindAnyPair(address: string): Promise<SessionSockets> {
  for (let attempt = 0; attempt < PAIR_ATTEMPTS; attempt++) {
    const rtp = await openRtpSocket(address, 0);
    const port = rtp.address().port;
    if (port % 2 === 0 && port < 65535) {
      try {
        return { rtp, rtcp: await openRtpSocket(address, port + 1) };
      } catch {
        // Odd neighbour taken: try another pair.
      }
    }
    closeQuietly(rtp);
  }
  throw new Error(`no free RTP/RTCP port pair on ${address} after ${PAIR_ATTEMPTS} attempts`);
}

async function openSockets(options: RtpSessionOptions): Promise<SessionSockets> {
  const rtcpMux = options.rtcpMux ?? false;
  const lease = options.lease;
  if (lease !== undefined) {
    if (rtcpMux || lease.rtcpSocket !== undefined) {
      return { rtp: lease.rtpSocket, rtcp: rtcpMux ? undefined : lease.rtcpSocket };
    }
    // Leased for rtcp-mux but the negotiation ended without it: RTCP needs port + 1 after all.
    return { rtp: lease.rtpSocket, rtcp: await openRtpSocket(lease.address, lease.port + 1) };
  }
  // Without an explicit local address, bind the family the peer speaks.
  const address = options.localAddress ?? (isIP(options.remote.address) === 6 ? '::' : '0.0.0.0');
  const port = options.localPort ?? 0;
  if (rtcpMux) {
    return { rtp: await openRtpSocket(address, port), rtcp: undefined };
  }
  if (port === 0) {
    return bindAnyPair(address);
  }
  const rtp = await openRtpSocket(address, port);
  try {
    return { rtp, rtcp: await openRtpSocket(address, port + 1) };
  } catch (err) {
    closeQuietly(rtp);
    throw err;
  }
}

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  /** Binds (or takes over the lease's sockets) and starts receiving and reporting. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    validateOptions(options);
    const resolved: RtpSessionOptions = {
      ...options,
      remote: await resolveAddress(options.remote),
      remoteRtcp: options.remoteRtcp === undefined ? undefined : await resolveAddress(options.remoteRtcp),
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
  private readonly encode: G711Encoder;
  private readonly decode: G711Decoder;
  private readonly silenceCode: number;
  private readonly symmetric: boolean;
  private readonly rtcpMux: boolean;
  private readonly statsValue = new RtpStats();
  private readonly jitter: JitterBuffer;
  private readonly dtmfIn: Rfc4733Receiver | undefined;
  private readonly dtmfOut = new Rfc4733Sender({ unitsPerTick: SAMPLES_PER_FRAME, tickMs: FRAME_MS });
  private readonly reporter: RtcpReporter;
  // Where we send.
  private sdpRemote: TransportAddress;
  private remoteRtcp: TransportAddress | undefined;
  private destination: TransportAddress;
  private latched = false;
  private connected = false;
  private rtcpSource: TransportAddress | undefined;
  // Outgoing stream (RFC 3550 §5.1: random initial sequence number and timestamp, §8: random SSRC).
  private ssrc = randomBytes(4).readUInt32BE(0);
  private sequence = randomInt(0, 0x10000);
  private timestamp = randomBytes(4).readUInt32BE(0);
  private talkspurtStart = true;
  private hasSent = false;
  private lastSentTimestamp = 0;
  private lastSentAtMs = 0;
  private readonly packets: Buffer[] = [];
  private readonly payloadViews: Buffer[] = [];
  private ring = 0;
  private readonly header: RtpHeaderFields = {
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
  };
  // Incoming stream.
  private remoteSsrc: number | undefined;
  private candidateSsrc: number | undefined;
  private candidateNextSeq = -1;
  private readonly fifo = new Int16Array(FIFO_SAMPLES);
  private fifoRead = 0;
  private fifoWrite = 0;
  private lastPacketSamples = SAMPLES_PER_FRAME;
  private socketErrors = 0;

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
    this.encode = encoderFor(options.codec);
    this.decode = decoderFor(options.codec);
    this.silenceCode = silenceCodeFor(options.codec);
    this.symmetric = options.symmetric ?? true;
    this.rtcpMux = options.rtcpMux ?? false;
    this.sdpRemote = options.remote;
    this.remoteRtcp = options.remoteRtcp;
    this.destination = options.remote;
    const depthMs = options.jitterDepthMs ?? 60;
    const depth = Math.max(1, Math.round(depthMs / FRAME_MS));
    this.jitter = new JitterBuffer({
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
    for (let i = 0; i < PACKET_RING; i++) {
      const packet = Buffer.alloc(RTP_HEADER_LENGTH + SAMPLES_PER_FRAME);
      this.packets.push(packet);
      this.payloadViews.push(packet.subarray(RTP_HEADER_LENGTH));
    }
    // RFC 7022: a random CNAME, as it only has to tie our streams together.
    const cname = options.cname ?? `${randomBytes(8).toString('hex')}@aiguilleur`;
    this.reporter = new RtcpReporter({
      stats: this.statsValue,
      localSsrc: () => this.ssrc,
      remoteSsrc: () => this.remoteSsrc,
      lastSent: () =>
        this.hasSent ? { timestamp: this.lastSentTimestamp, atMs: this.lastSentAtMs } : undefined,
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
    const samples = pcm.length;
    if (samples === 0 || samples > MAX_FRAME_SAMPLES) {
      throw new RangeError(`an RTP frame holds 1-${MAX_FRAME_SAMPLES} samples, not ${samples}`);
    }
    if (this.stateValue !== 'open') {
      return;
    }
    if (!this.sendDtmfTick()) {
      const packet = this.packetFor(samples);
      this.encode(
        pcm,
        samples === SAMPLES_PER_FRAME ? this.payloadViews[this.ring]! : packet.subarray(RTP_HEADER_LENGTH),
      );
      this.sendAudio(packet, samples);
    }
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  /** Sends one frame of G.711 silence: keeps the stream (and NAT bindings, and the peer's RTP timeout) alive. */
  sendSilence(samples: number = SAMPLES_PER_FRAME): void {
    if (samples <= 0 || samples > MAX_FRAME_SAMPLES) {
      throw new RangeError(`an RTP frame holds 1-${MAX_FRAME_SAMPLES} samples, not ${samples}`);
    }
    if (this.stateValue !== 'open') {
      return;
    }
    if (!this.sendDtmfTick()) {
      const packet = this.packetFor(samples);
      packet.fill(this.silenceCode, RTP_HEADER_LENGTH);
      this.sendAudio(packet, samples);
    }
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  /**
   * Lets a tick pass without audio (silence suppression): the timestamp moves on, and the next audio packet
   * starts a talkspurt with the marker bit (RFC 3551 §4.1). Queued DTMF is still sent.
   */
  skipFrame(samples: number = SAMPLES_PER_FRAME): void {
    if (this.stateValue !== 'open') {
      return;
    }
    if (!this.sendDtmfTick()) {
      this.talkspurtStart = true;
    }
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  /**
   * Queues RFC 4733 DTMF digits, sent on the next ticks in place of audio. Returns false when telephone-event
   * was not negotiated (the caller may then play tones in-band). Throws RangeError on a non-DTMF character.
   */
  sendDtmf(digits: string, options?: DtmfSendOptions): boolean {
    if (this.eventPayloadType === undefined || this.stateValue !== 'open') {
      return false;
    }
    this.dtmfOut.enqueue(digits, options);
    return true;
  }

  /**
   * The next 20 ms of received audio, decoded: 160 samples, silence where packets were lost or nothing came.
   * Call once per tick. With `out`, fills and returns it (no allocation).
   */
  pullFrame(out?: Int16Array): Int16Array {
    const frame = out ?? new Int16Array(SAMPLES_PER_FRAME);
    if (frame.length < SAMPLES_PER_FRAME) {
      throw new RangeError(`pullFrame needs room for ${SAMPLES_PER_FRAME} samples`);
    }
    this.dtmfIn?.poll(this.clock.now());
    if (this.fifoWrite === this.fifoRead) {
      const popped = this.jitter.pop();
      if (!popped.lost && popped.payload.length === SAMPLES_PER_FRAME) {
        // The usual case: one 20 ms packet per tick, decoded straight into the frame.
        this.decode(popped.payload, frame);
        this.lastPacketSamples = SAMPLES_PER_FRAME;
        return frame;
      }
      this.bufferPopped(popped);
    }
    while (this.fifoWrite - this.fifoRead < SAMPLES_PER_FRAME && this.bufferPopped(this.jitter.pop())) {
      // Another ptime than 20 ms: pop until a frame is complete or the buffer runs dry.
    }
    const available = Math.min(SAMPLES_PER_FRAME, this.fifoWrite - this.fifoRead);
    frame.set(this.fifo.subarray(this.fifoRead, this.fifoRead + available));
    frame.fill(0, available, SAMPLES_PER_FRAME);
    this.fifoRead += available;
    if (this.fifoRead === this.fifoWrite) {
      this.fifoRead = 0;
      this.fifoWrite = 0;
    }
    return frame;
  }

  /** A re-INVITE moved the peer: send there, and latch again on its next packet. */
  async updateRemote(remote: TransportAddress, remoteRtcp?: TransportAddress): Promise<void> {
    const resolvedRemote = await resolveAddress(remote);
    const resolvedRtcp = remoteRtcp === undefined ? undefined : await resolveAddress(remoteRtcp);
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
      ssrc: this.ssrc,
      remoteSsrc: this.remoteSsrc,
      sendingTo: this.destination,
      latched: this.latched,
      socketErrors: this.socketErrors,
      jitterBuffer: this.jitter.stats(),
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

  private packetFor(samples: number): Buffer {
    if (samples !== SAMPLES_PER_FRAME) {
      return Buffer.allocUnsafe(RTP_HEADER_LENGTH + samples);
    }
    this.ring = (this.ring + 1) % PACKET_RING;
    return this.packets[this.ring]!;
  }

  private sendAudio(packet: Buffer, samples: number): void {
    this.writeHeader(packet, this.talkspurtStart, this.payloadType, this.timestamp);
    this.talkspurtStart = false;
    this.transmit(packet);
    this.afterSend(samples);
  }

  /** Sends this tick's telephone-event packet if one is due; true when it took the tick. */
  private sendDtmfTick(): boolean {
    if (this.eventPayloadType === undefined || !this.dtmfOut.busy) {
      return false;
    }
    const event = this.dtmfOut.next(this.timestamp);
    if (event === undefined) {
      return false;
    }
    const packet = Buffer.allocUnsafe(RTP_HEADER_LENGTH + event.payload.length);
    this.writeHeader(packet, event.marker, this.eventPayloadType, event.timestamp);
    event.payload.copy(packet, RTP_HEADER_LENGTH);
    this.transmit(packet);
    this.afterSend(event.payload.length);
    return true;
  }

  private writeHeader(packet: Buffer, marker: boolean, payloadType: number, timestamp: number): void {
    const header = this.header;
    header.marker = marker;
    header.payloadType = payloadType;
    header.sequenceNumber = this.sequence;
    header.timestamp = timestamp;
    header.ssrc = this.ssrc;
    writeRtpHeader(packet, header);
  }

  private afterSend(payloadBytes: number): void {
    this.sequence = (this.sequence + 1) & 0xffff;
    this.statsValue.recordSent(payloadBytes);
    this.hasSent = true;
    this.lastSentTimestamp = this.timestamp;
    this.lastSentAtMs = this.clock.now();
  }

  private transmit(packet: Buffer): void {
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
    try {
      this.rtpSocket.disconnect();
    } catch {
      // Not connected after all.
    }
  }

  // --- incoming ---

  private readonly onRtpMessage = (datagram: Buffer, from: RemoteInfo): void => {
    if (isRtcpPacket(datagram)) {
      if (this.fromPeerHost(from)) {
        this.reporter.receive(datagram);
      } else {
        this.statsValue.countDiscarded();
      }
      return;
    }
    const packet = parseRtp(datagram);
    const stats = this.statsValue;
    if (packet === undefined) {
      stats.countDiscarded();
      return;
    }
    const isAudio = packet.payloadType === this.payloadType;
    const isEvent = packet.payloadType === this.eventPayloadType;
    if (!isAudio && !isEvent) {
      stats.countDiscarded();
      return;
    }
    if (!this.latched && this.symmetric) {
      this.latch(from);
    } else if (from.port !== this.destination.port || from.address !== this.destination.address) {
      // Only the latched (or, without latching, the SDP) source may talk to us.
      stats.countDiscarded();
      return;
    }
    if (!this.followsSource(packet.ssrc, packet.sequenceNumber)) {
      stats.countDiscarded();
      return;
    }
    const nowMs = this.clock.now();
    stats.recordReceived(
      packet.ssrc,
      packet.sequenceNumber,
      packet.timestamp,
      packet.payload.length,
      nowMs,
      isAudio,
    );
    if (isEvent) {
      this.dtmfIn?.receive(packet.payload, packet.timestamp, nowMs);
    }
    const result = this.jitter.push(packet, isAudio);
    if (result === 'late') {
      stats.countLate();
    } else if (result === 'duplicate') {
      stats.countDuplicate();
    }
  };

  private readonly onRtcpMessage = (datagram: Buffer, from: RemoteInfo): void => {
    if (!this.fromPeerHost(from)) {
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
  private fromPeerHost(from: RemoteInfo): boolean {
    return (!this.latched && this.symmetric) || from.address === this.destination.address;
  }

  private readonly onSocketError = (err: Error): void => {
    this.socketErrors++;
    // ICMP port unreachable comes back as ECONNREFUSED on a connected socket: the peer is not listening (yet,
    // or any more). It is counted; the call's fate is decided by signalling, not by one ICMP message.
    if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') {
      this.logger?.warn({ err: err.message }, 'RTP socket error');
    }
  };

  private latch(from: RemoteInfo): void {
    this.latched = true;
    this.destination = { address: from.address, port: from.port };
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

  /** Decodes a popped packet (or conceals a missing one) into the FIFO; false when the buffer is dry. */
  private bufferPopped(popped: JitterBufferPop): boolean {
    if (popped.lost && popped.reason === 'idle') {
      return false;
    }
    const samples = popped.lost ? this.lastPacketSamples : popped.payload.length;
    if (this.fifoWrite + samples > FIFO_SAMPLES) {
      this.fifo.copyWithin(0, this.fifoRead, this.fifoWrite);
      this.fifoWrite -= this.fifoRead;
      this.fifoRead = 0;
    }
    const room = Math.min(samples, FIFO_SAMPLES - this.fifoWrite);
    const target = this.fifo.subarray(this.fifoWrite, this.fifoWrite + room);
    if (popped.lost) {
      target.fill(0);
    } else {
      this.decode(popped.payload.subarray(0, room), target);
      this.lastPacketSamples = popped.payload.length;
    }
    this.fifoWrite += room;
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
