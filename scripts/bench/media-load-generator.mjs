// Load generator of the media benchmark (scripts/bench/media.mjs): N callers in one Node process. Each caller
// is a minimal SIP UAC over one shared UDP socket (INVITE with SDP, ACK, BYE, RFC 3261 §17.1 retransmissions on
// timers A/E) and a full-duplex G.711 µ-law RTP stream on its own connected socket pair (RTP even port, RTCP the
// next one, RFC 3550 §11). Every 20 ms each caller sends one packet of looped caller audio and, every few
// seconds, presses a key (RFC 4733: 10 tone packets and 3 end packets in place of audio).
//
// Built to stay cheap next to the server it loads, on the same two cores: one shared timer for every caller
// (callers are spread over `phases` slots of the 20 ms period so sends come in small bursts rather than one big
// one), connected sockets, and per-caller header buffers reused in turn (two of each: a send has left the
// process long before the buffer comes round again). The audio payload is a view into one shared buffer.
//
// What it measures: for every packet received from the IVR, the interval since the previous one of that call
// (a histogram, 0.05 ms buckets), RFC 3550 A.8 interarrival jitter per call, sequence gaps (loss towards us),
// and how late its own timer fires (its own event loop lag, which inflates the intervals it sees).
//
// With `native` (the path of the compiled rtp-load.c), the RTP streams run in that C process instead (same
// packets, same measurements, kernel arrival timestamps) and this class keeps only SIP: at 500-1000 calls the JS
// streams cost the two shared cores as much as the server under test.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';

const FRAME_MS = 20;
const SAMPLES = 160;
const PT_PCMU = 0;
const PT_EVENT = 101;
const HIST_BUCKET_MS = 0.05;
const HIST_BUCKETS = 20_000; // up to 1 s
const T1 = 500;
const T2 = 4000;
const TIMER_B = 64 * T1;

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(HIST_BUCKETS);
    this.total = 0;
    this.max = 0;
  }
  record(ms) {
    const bucket = Math.min(HIST_BUCKETS - 1, Math.floor(ms / HIST_BUCKET_MS));
    this.counts[bucket]++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }
  summary() {
    return { p50: this.percentile(50), p99: this.percentile(99), max: this.max, total: this.total };
  }
  percentile(p) {
    if (this.total === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < HIST_BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return (i + 0.5) * HIST_BUCKET_MS;
    }
    return this.max;
  }
}

function bindUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function header(head, name) {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return match === null ? undefined : match[1].trim();
}

export class MediaLoadGenerator {
  /**
   * @param {object} o
   * @param {number} o.sipPort the server's SIP port on 127.0.0.1
   * @param {string} o.number dialled number
   * @param {Buffer} o.audio looped caller audio, µ-law, a multiple of 160 bytes
   * @param {number} [o.phases] slots per 20 ms period
   * @param {number} [o.realtimePriority] native generator: run it under SCHED_RR at this priority (chrt -r)
   * @param {'shared' | 'percall' | 'epoll'} [o.socketMode] native generator's sockets (rtp-load.c header)
   * @param {number} [o.dtmfEverySeconds] one key press per call this often (0: never)
   * @param {number} [o.rtpPortBase] first local RTP port tried (pairs upwards, 30000-32767: below Linux's
   *   ephemeral range, so no other socket of this machine sits there by chance)
   */
  constructor(o) {
    this.sipPort = o.sipPort;
    this.number = o.number;
    this.audio = o.audio;
    this.phases = o.phases ?? 4;
    this.socketMode = o.socketMode ?? 'shared';
    this.realtimePriority = o.realtimePriority;
    this.dtmfEveryTicks = Math.round(((o.dtmfEverySeconds ?? 0) * 1000) / FRAME_MS);
    this.nextRtpPort = o.rtpPortBase ?? 30000;
    this.nativeBinary = o.native;
    this.audioFile = o.audioFile;
    this.dtmfEverySeconds = o.dtmfEverySeconds ?? 0;
    this.runId = randomBytes(4).toString('hex');
    this.calls = [];
    this.byCallId = new Map();
    this.phaseLists = Array.from({ length: this.phases }, () => []);
    this.intervals = new Histogram();
    this.deviations = new Histogram();
    this.tickLateness = new Histogram();
    this.measuring = false;
    this.pendingInvites = [];
    this.pendingByes = [];
    this.inviteCredit = 0;
    this.byeCredit = 0;
    this.cps = 100;
    this.tickIndex = 0;
    this.timer = undefined;
    this.responses = {
      provisional: 0,
      rejected: new Map(),
      serverByes: 0,
      retransmissions: 0,
      sipSocketErrors: 0,
    };
  }

  async open() {
    if (this.nativeBinary !== undefined) this.startNative();
    this.sip = await bindUdp(0);
    this.sip.on('error', () => this.responses.sipSocketErrors++);
    this.sipLocalPort = this.sip.address().port;
    this.sip.on('message', (msg) => this.onSip(msg.toString('latin1')));
    this.periodMs = FRAME_MS / this.phases;
    this.t0 = performance.now();
    this.scheduleTick();
  }

  close() {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const call of this.calls) this.closeMedia(call);
    this.sip?.close();
    if (this.native !== undefined) {
      this.native.child.stdin.end('quit\n');
      this.native = undefined;
    }
  }

  /** The pid of the native RTP process (its CPU counts as the generator's), if any. */
  get nativePid() {
    return this.native?.child.pid;
  }

  // --- native RTP process ---

  startNative() {
    const args = [this.audioFile, String(this.phases), String(this.dtmfEverySeconds), this.socketMode];
    const child = spawn(
      this.realtimePriority === undefined ? this.nativeBinary : 'chrt',
      this.realtimePriority === undefined
        ? args
        : ['-r', String(this.realtimePriority), this.nativeBinary, ...args],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const waiters = new Map();
    const report = [];
    this.native = { child, waiters, report };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, ...rest] = line.split(' ');
      if (kind === 'port' || kind === 'error') {
        const key = `port ${rest[0]}`;
        waiters.get(key)?.(kind === 'port' ? Number(rest[1]) : undefined);
        waiters.delete(key);
      } else if (kind === 'window') {
        waiters.get('window')?.(rest.map(Number));
        waiters.delete('window');
      } else if (kind === 'call') {
        report.push(rest.map(Number));
      } else if (kind === 'end') {
        waiters.get('report')?.(report.splice(0));
        waiters.delete('report');
      }
    });
  }

  nativeRequest(command, key) {
    return new Promise((resolve) => {
      this.native.waiters.set(key, resolve);
      this.native.child.stdin.write(`${command}\n`);
    });
  }

  /** Native mode: fetches each caller's counters (sent, received, loss, jitter, key presses) from the C side. */
  async collect() {
    if (this.native === undefined) return;
    for (const [index, sent, received, expected, jitter, dtmfSent, strays] of await this.nativeRequest(
      'report',
      'report',
    )) {
      const call = this.calls[index];
      if (call === undefined) continue;
      Object.assign(call, { sent, received, expected, jitter, dtmfSent, strays });
    }
  }

  /** Binds the media sockets of `n` new callers and queues their INVITEs, sent at `cps` per second. */
  async placeCalls(n, cps) {
    this.cps = cps;
    const created = [];
    for (let i = 0; i < n; i++) {
      const call = await this.newCall();
      created.push(call);
      this.pendingInvites.push(call);
    }
    return created;
  }

  /** Queues a BYE for every established call, sent at `cps` per second. */
  hangupAll(cps) {
    this.cps = cps;
    for (const call of this.calls) {
      if (call.state === 'up') {
        call.state = 'hanging-up';
        this.pendingByes.push(call);
      }
    }
  }

  counts() {
    const c = { inviting: 0, up: 0, 'hanging-up': 0, done: 0, failed: 0 };
    for (const call of this.calls) c[call.state]++;
    return c;
  }

  startMeasuring() {
    this.intervals = new Histogram();
    this.deviations = new Histogram();
    this.tickLateness = new Histogram();
    for (const call of this.calls) call.lastArrival = -1;
    this.measuring = true;
    this.native?.child.stdin.write('measure 1\n');
  }

  /**
   * Ends the window: send-interval p50/p99/max and count, p99 of |interval − 20 ms| (the jitter the target is
   * about), and the p99 lateness of the generator's own timer.
   */
  async stopMeasuring() {
    this.measuring = false;
    if (this.native !== undefined) {
      const [p50, p99, max, total, deviationP99, lagP99] = await this.nativeRequest('measure 0', 'window');
      return { p50, p99, max, total, deviationP99, lagP99 };
    }
    return {
      ...this.intervals.summary(),
      deviationP99: this.deviations.percentile(99),
      lagP99: this.tickLateness.percentile(99),
    };
  }

  async newCall() {
    const index = this.calls.length;
    let rtp;
    let rtcp;
    let nativePort;
    if (this.native !== undefined) {
      nativePort = await this.nativeRequest(`open ${index}`, `port ${index}`);
      if (nativePort === undefined) throw new Error('no free RTP port pair in 30000-32767');
    }
    for (let attempt = 0; rtp === undefined && nativePort === undefined; attempt++) {
      if (attempt > 1400) throw new Error('no free RTP port pair in 30000-32767');
      const port = this.nextRtpPort;
      this.nextRtpPort = port >= 32766 ? 30000 : port + 2;
      try {
        rtp = await bindUdp(port);
        rtcp = await bindUdp(port + 1);
      } catch {
        rtp?.close();
        rtp = undefined;
      }
    }
    const call = {
      index,
      callId: `${this.runId}-${index}@127.0.0.1`,
      fromTag: `${this.runId}${index}`,
      toTag: undefined,
      contact: undefined,
      state: 'inviting',
      invite: undefined,
      inviteAt: 0,
      retransmitAt: 0,
      retransmitInterval: T1,
      provisional: false,
      bye: undefined,
      rtp,
      rtcp,
      localPort: nativePort ?? rtp.address().port,
      connected: false,
      ssrc: randomBytes(4).readUInt32BE(0),
      seq: randomBytes(2).readUInt16BE(0),
      ts: randomBytes(4).readUInt32BE(0),
      audioOffset: ((index * 37) % (this.audio.length / SAMPLES)) * SAMPLES,
      headers: [Buffer.alloc(12), Buffer.alloc(12)],
      events: [Buffer.alloc(4), Buffer.alloc(4)],
      turn: 0,
      marker: true,
      dtmfDueTick: this.dtmfEveryTicks > 0 ? 50 + (index % this.dtmfEveryTicks) : Infinity,
      dtmfPacket: -1,
      dtmfDigit: 0,
      dtmfTs: 0,
      sent: 0,
      socketErrors: 0,
      dtmfSent: 0,
      received: 0,
      strays: 0,
      remoteSsrc: undefined,
      rtcpReceived: 0,
      firstSeq: -1,
      maxSeq: 0,
      cycles: 0,
      lastArrival: -1,
      transit: undefined,
      jitter: 0,
      ownTick: 0,
    };
    if (rtp !== undefined) {
      rtp.on('message', (msg) => this.onRtp(call, msg));
      rtcp.on('message', () => call.rtcpReceived++);
      // ICMP port unreachable surfaces as ECONNREFUSED on a connected socket: the server closed the call's port
      // (normal between its BYE handling and our last packets). Counted, never fatal.
      const onError = () => call.socketErrors++;
      rtp.on('error', onError);
      rtcp.on('error', onError);
    }
    this.calls.push(call);
    this.byCallId.set(call.callId, call);
    this.phaseLists[index % this.phases].push(call);
    return call;
  }

  // --- timer ---

  scheduleTick() {
    const deadline = this.t0 + (this.tickIndex + 1) * this.periodMs;
    this.timer = setTimeout(() => this.onTick(deadline), Math.max(0, deadline - performance.now()));
  }

  onTick(deadline) {
    const now = performance.now();
    if (this.measuring) this.tickLateness.record(Math.max(0, now - deadline));
    // After a stall, move on to the current slot rather than firing the missed ones back to back.
    const behind = Math.floor((now - deadline) / this.periodMs);
    this.tickIndex += 1 + Math.max(0, behind);
    const phase = this.tickIndex % this.phases;
    for (const call of this.native === undefined ? this.phaseLists[phase] : []) {
      if (call.connected && (call.state === 'up' || call.state === 'hanging-up')) this.sendMedia(call);
    }
    this.signalling(now);
    this.scheduleTick();
  }

  signalling(now) {
    const credit = (this.cps * this.periodMs) / 1000;
    this.inviteCredit = this.pendingInvites.length > 0 ? this.inviteCredit + credit : 0;
    while (this.inviteCredit >= 1 && this.pendingInvites.length > 0) {
      this.inviteCredit--;
      this.sendInvite(this.pendingInvites.shift(), now);
    }
    this.byeCredit = this.pendingByes.length > 0 ? this.byeCredit + credit : 0;
    while (this.byeCredit >= 1 && this.pendingByes.length > 0) {
      this.byeCredit--;
      this.sendBye(this.pendingByes.shift(), now);
    }
    // Retransmissions (RFC 3261 §17.1.1.2 timer A, §17.1.2.2 timer E), checked every 100 ms.
    if (this.tickIndex % Math.round(100 / this.periodMs) !== 0) return;
    for (const call of this.calls) {
      if (call.state === 'inviting' && call.invite !== undefined && !call.provisional) {
        this.retransmit(call, call.invite, now);
      } else if (call.state === 'hanging-up' && call.bye !== undefined) {
        this.retransmit(call, call.bye, now);
      }
    }
  }

  retransmit(call, text, now) {
    if (now - call.inviteAt > TIMER_B) {
      call.state = call.state === 'inviting' ? 'failed' : 'done';
      this.closeMedia(call);
      return;
    }
    if (now >= call.retransmitAt) {
      this.responses.retransmissions++;
      this.sendSip(text);
      call.retransmitInterval = Math.min(
        call.retransmitInterval * 2,
        call.state === 'inviting' ? Infinity : T2,
      );
      call.retransmitAt = now + call.retransmitInterval;
    }
  }

  // --- RTP out ---

  sendMedia(call) {
    const turn = call.turn;
    call.turn = turn ^ 1;
    const h = call.headers[turn];
    call.ownTick++;
    if (call.dtmfPacket < 0 && call.ownTick >= call.dtmfDueTick) {
      call.dtmfPacket = 0;
      call.dtmfDigit = (call.index + call.dtmfSent) % 10;
      call.dtmfTs = call.ts;
      call.dtmfDueTick = call.ownTick + this.dtmfEveryTicks;
    }
    let payload;
    if (call.dtmfPacket >= 0) {
      // RFC 4733 §2.5.1: one event, all packets with its start timestamp, growing duration; E bit on the
      // last three (§2.5.1.4), marker on the first (§2.5.1.1).
      const k = call.dtmfPacket;
      const end = k >= 10;
      payload = call.events[turn];
      payload[0] = call.dtmfDigit;
      payload[1] = (end ? 0x80 : 0) | 10;
      payload.writeUInt16BE(Math.min(k + 1, 10) * SAMPLES, 2);
      h[0] = 0x80;
      h[1] = (k === 0 ? 0x80 : 0) | PT_EVENT;
      h.writeUInt32BE(call.dtmfTs, 4);
      call.dtmfPacket = k === 12 ? -1 : k + 1;
      if (k === 0) call.dtmfSent++;
    } else {
      payload = this.audio.subarray(call.audioOffset, call.audioOffset + SAMPLES);
      h[0] = 0x80;
      h[1] = (call.marker ? 0x80 : 0) | PT_PCMU;
      call.marker = false;
      h.writeUInt32BE(call.ts >>> 0, 4);
    }
    h.writeUInt16BE(call.seq, 2);
    h.writeUInt32BE(call.ssrc, 8);
    call.seq = (call.seq + 1) & 0xffff;
    call.ts = (call.ts + SAMPLES) >>> 0;
    call.audioOffset += SAMPLES;
    if (call.audioOffset >= this.audio.length) call.audioOffset = 0;
    // No callback: Node then sends synchronously when it can and reports failures as 'error' events.
    call.rtp.send([h, payload]);
    call.sent++;
  }

  // --- RTP in ---

  onRtp(call, msg) {
    const now = performance.now();
    if (msg.length < 12 || (msg[1] & 0x7f) >= 72) return; // RTCP on the RTP port (none expected)
    // Datagrams queued before the socket was connected may come from anyone (a previous run's server still
    // sending to this port): only the server's stream, one SSRC, counts.
    const ssrc = msg.readUInt32BE(8);
    if (!call.connected || (call.remoteSsrc !== undefined && ssrc !== call.remoteSsrc)) {
      call.strays++;
      return;
    }
    call.remoteSsrc = ssrc;
    const seq = msg.readUInt16BE(2);
    const ts = msg.readUInt32BE(4);
    call.received++;
    if (call.firstSeq < 0) {
      call.firstSeq = seq;
      call.maxSeq = seq;
    } else {
      const delta = (seq - call.maxSeq) & 0xffff;
      if (delta > 0 && delta < 3000) {
        if (seq < call.maxSeq) call.cycles += 0x10000;
        call.maxSeq = seq;
      }
    }
    if (this.measuring) {
      if (call.lastArrival >= 0) {
        this.intervals.record(now - call.lastArrival);
        this.deviations.record(Math.abs(now - call.lastArrival - FRAME_MS));
      }
      call.lastArrival = now;
    }
    // RFC 3550 A.8 with arrival in timestamp units (8 per ms).
    const transit = (Math.floor(now * 8) - ts) | 0;
    if (call.transit !== undefined) {
      const d = Math.abs((transit - call.transit) | 0);
      call.jitter += (d - call.jitter) / 16;
    }
    call.transit = transit;
  }

  lossTowardsUs(call) {
    if (call.expected !== undefined) return { expected: call.expected, lost: call.expected - call.received };
    if (call.firstSeq < 0) return { expected: 0, lost: 0 };
    const expected = call.cycles + call.maxSeq - call.firstSeq + 1;
    return { expected, lost: expected - call.received };
  }

  closeMedia(call) {
    if (call.closed) return;
    call.closed = true;
    call.connected = false;
    if (call.rtp === undefined) {
      this.native?.child.stdin.write(`close ${call.index}\n`);
      return;
    }
    call.rtp.close();
    call.rtcp.close();
  }

  // --- SIP ---

  sendSip(text) {
    this.sip.send(text, this.sipPort, '127.0.0.1');
  }

  via(method, call) {
    return `Via: SIP/2.0/UDP 127.0.0.1:${this.sipLocalPort};branch=z9hG4bK-${this.runId}-${method}-${call.index}-${Math.floor(performance.now())};rport`;
  }

  sendInvite(call, now) {
    const sdp = [
      'v=0',
      `o=bench ${call.index} 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${call.localPort} RTP/AVP ${PT_PCMU} ${PT_EVENT}`,
      `a=rtpmap:${PT_PCMU} PCMU/8000`,
      `a=rtpmap:${PT_EVENT} telephone-event/8000`,
      `a=fmtp:${PT_EVENT} 0-15`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
    call.requestUri = `sip:${this.number}@127.0.0.1:${this.sipPort}`;
    call.inviteVia = this.via('invite', call);
    call.invite = [
      `INVITE ${call.requestUri} SIP/2.0`,
      call.inviteVia,
      'Max-Forwards: 70',
      `From: <sip:0600000000@127.0.0.1:${this.sipLocalPort}>;tag=${call.fromTag}`,
      `To: <sip:${this.number}@127.0.0.1:${this.sipPort}>`,
      `Call-ID: ${call.callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:bench@127.0.0.1:${this.sipLocalPort}>`,
      'User-Agent: aiguilleur-media-bench',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    call.inviteAt = now;
    call.retransmitInterval = T1;
    call.retransmitAt = now + T1;
    this.sendSip(call.invite);
  }

  sendAck(call) {
    this.sendSip(
      [
        `ACK ${call.contact} SIP/2.0`,
        this.via('ack', call),
        'Max-Forwards: 70',
        `From: <sip:0600000000@127.0.0.1:${this.sipLocalPort}>;tag=${call.fromTag}`,
        `To: <sip:${this.number}@127.0.0.1:${this.sipPort}>;tag=${call.toTag}`,
        `Call-ID: ${call.callId}`,
        'CSeq: 1 ACK',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }

  sendBye(call, now) {
    call.bye = [
      `BYE ${call.contact} SIP/2.0`,
      this.via('bye', call),
      'Max-Forwards: 70',
      `From: <sip:0600000000@127.0.0.1:${this.sipLocalPort}>;tag=${call.fromTag}`,
      `To: <sip:${this.number}@127.0.0.1:${this.sipPort}>;tag=${call.toTag}`,
      `Call-ID: ${call.callId}`,
      'CSeq: 2 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    call.inviteAt = now; // timer F runs from here
    call.retransmitInterval = T1;
    call.retransmitAt = now + T1;
    this.sendSip(call.bye);
  }

  onSip(text) {
    const split = text.indexOf('\r\n\r\n');
    const head = split < 0 ? text : text.slice(0, split);
    const body = split < 0 ? '' : text.slice(split + 4);
    const firstLine = head.slice(0, head.indexOf('\r\n'));
    const call = this.byCallId.get(header(head, '(?:Call-ID|i)') ?? '');
    if (!firstLine.startsWith('SIP/2.0 ')) {
      this.answerRequest(head, firstLine, call);
      return;
    }
    if (call === undefined) return;
    const status = Number(firstLine.slice(8, 11));
    const method = (header(head, 'CSeq') ?? '').split(/\s+/)[1];
    if (method === 'INVITE') {
      if (status < 200) {
        call.provisional = true;
        this.responses.provisional++;
      } else if (status < 300) {
        if (call.state === 'inviting') this.established(call, head, body);
        if (call.contact !== undefined) this.sendAck(call); // every 2xx, retransmissions included (§13.2.2.4)
      } else {
        this.rejected(call, head, status);
      }
    } else if (method === 'BYE' && status >= 200 && call.state === 'hanging-up') {
      call.state = 'done';
      this.closeMedia(call);
    }
  }

  established(call, head, body) {
    call.toTag = /;\s*tag=([^;>\s]+)/i.exec(header(head, '(?:To|t)') ?? '')?.[1];
    call.contact = /<([^>]+)>/.exec(header(head, '(?:Contact|m)') ?? '')?.[1];
    const port = Number(/^m=audio (\d+)/m.exec(body)?.[1]);
    const address = /^c=IN IP4 (\S+)/m.exec(body)?.[1] ?? '127.0.0.1';
    if (call.toTag === undefined || call.contact === undefined || !(port > 0)) {
      call.state = 'failed';
      this.closeMedia(call);
      return;
    }
    call.state = 'up';
    if (call.rtp === undefined) {
      this.native?.child.stdin.write(`connect ${call.index} ${port}\n`);
      call.connected = true;
      return;
    }
    call.rtp.connect(port, address, () => {
      call.connected = !call.closed;
    });
  }

  rejected(call, head, status) {
    this.responses.rejected.set(status, (this.responses.rejected.get(status) ?? 0) + 1);
    if (call.state === 'inviting') {
      call.state = 'failed';
      this.closeMedia(call);
    }
    // RFC 3261 §17.1.1.3: the ACK of a non-2xx final response reuses the INVITE's branch.
    const toHeader = header(head, '(?:To|t)') ?? '';
    this.sendSip(
      [
        `ACK ${call.requestUri} SIP/2.0`,
        call.inviteVia,
        'Max-Forwards: 70',
        `From: <sip:0600000000@127.0.0.1:${this.sipLocalPort}>;tag=${call.fromTag}`,
        `To: ${toHeader}`,
        `Call-ID: ${call.callId}`,
        'CSeq: 1 ACK',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }

  /** A request from the server (BYE, OPTIONS, INFO…): 200 OK, and a BYE ends the call. */
  answerRequest(head, firstLine, call) {
    const method = firstLine.split(' ')[0];
    if (method === 'ACK') return;
    const lines = head.split('\r\n');
    const copy = lines.filter((l) => /^(Via|v|From|f|To|t|Call-ID|i|CSeq):/i.test(l));
    this.sendSip(['SIP/2.0 200 OK', ...copy, 'Content-Length: 0', '', ''].join('\r\n'));
    if (method === 'BYE' && call !== undefined && call.state !== 'done') {
      this.responses.serverByes++;
      call.state = 'done';
      this.closeMedia(call);
    }
  }
}
