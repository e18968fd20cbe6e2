#!/usr/bin/env node
// RTP media micro-benchmark: N calls, each a pair of RtpSession on 127.0.0.1 (the IVR side and a simulated
// caller, both in this process), paced by one 20 ms scheduler as in production: every tick each session sends
// one G.711 frame and pulls one. Not a test: it measures.
//
//   node scripts/bench/rtp-session.mjs [--calls 50,200,500] [--seconds 10] [--codec PCMU] [--rtcp-mux]
//
// Per step it prints: packets/s sent (= received), process CPU (utime+stime over wall time; 100% = one core),
// CPU µs per packet (one send + one receive + jitter buffer + decode, all in this process), the scheduler's
// tick lateness p50/p99/max, and packets lost or concealed. A pure (socket-free) figure follows for comparison.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { RtpSession } = await import('../../src/media/rtp/rtp-session.ts');
const { RtpPortPool } = await import('../../src/media/rtp/rtp-port-pool.ts');
const { encoderFor, decoderFor } = await import('../../src/media/codec/g711.ts');
const { parseRtp, writeRtpHeader } = await import('../../src/media/rtp/rtp-packet.ts');
const { JitterBuffer } = await import('../../src/media/rtp/jitter-buffer.ts');

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '50,200,500' },
    seconds: { type: 'string', default: '10' },
    codec: { type: 'string', default: 'PCMU' },
    'rtcp-mux': { type: 'boolean', default: false },
  },
});
const steps = values.calls.split(',').map(Number);
const seconds = Number(values.seconds);
const codec = values.codec === 'PCMA' ? 'PCMA' : 'PCMU';
const rtcpMux = values['rtcp-mux'];
const HOST = '127.0.0.1';
const TICK_MS = 20;

async function udpFree(port) {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind({ port, address: HOST, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** An even base port with `size` free ports above it (checked sparsely; the pool skips taken ones anyway). */
async function findRange(size) {
  for (;;) {
    const base = 2 * randomInt(10000, 32767 - Math.ceil(size / 2));
    if ((await udpFree(base)) && (await udpFree(base + size - 1))) {
      return base;
    }
  }
}

/** A 20 ms frame of a 440 Hz tone. */
function tone() {
  const pcm = new Int16Array(160);
  for (let i = 0; i < pcm.length; i++) {
    pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  }
  return pcm;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runStep(calls) {
  const ports = calls * 4 + 16;
  const base = await findRange(ports);
  const pool = new RtpPortPool({ min: base, max: base + ports - 1, address: HOST });
  const sessions = [];
  for (let i = 0; i < calls; i++) {
    const leaseA = await pool.allocate({ rtcpMux });
    const leaseB = await pool.allocate({ rtcpMux });
    sessions.push(
      await RtpSession.open({ codec, rtcpMux, lease: leaseA, remote: { address: HOST, port: leaseB.port } }),
      await RtpSession.open({ codec, rtcpMux, lease: leaseB, remote: { address: HOST, port: leaseA.port } }),
    );
  }
  const pcm = tone();
  const out = new Int16Array(160);
  const lateness = [];
  const warmupTicks = 25;
  let ticks = 0;
  let cpuStart;
  let wallStart;
  let sentAtStart = 0;
  const totalTicks = warmupTicks + Math.round((seconds * 1000) / TICK_MS);
  await new Promise((resolve) => {
    let due = performance.now();
    const tick = () => {
      const now = performance.now();
      if (ticks >= warmupTicks) {
        lateness.push(now - due);
      }
      if (ticks === warmupTicks) {
        cpuStart = process.cpuUsage();
        wallStart = now;
        sentAtStart = sessions.reduce((n, s) => n + s.stats().packetsSent, 0);
      }
      for (const s of sessions) {
        s.sendFrame(pcm);
        s.pullFrame(out);
      }
      ticks++;
      if (ticks >= totalTicks) {
        resolve();
        return;
      }
      // Drift-corrected: the next tick is due 20 ms after the previous due time, not after this one ran.
      due += TICK_MS;
      setTimeout(tick, Math.max(0, due - performance.now()));
    };
    tick();
  });
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const stats = sessions.map((s) => s.stats());
  const sent = stats.reduce((n, s) => n + s.packetsSent, 0) - sentAtStart;
  const lost = stats.reduce((n, s) => n + Math.max(0, s.lost), 0);
  const concealed = stats.reduce((n, s) => n + s.jitterBuffer.concealed, 0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  sessions.forEach((s) => s.close());
  lateness.sort((a, b) => a - b);
  return {
    calls,
    sessions: sessions.length,
    packetsPerSecond: Math.round((sent / wallMs) * 1000),
    cpuPercent: (cpuMs / wallMs) * 100,
    usPerPacket: (cpuMs * 1000) / sent,
    lateP50: percentile(lateness, 50),
    lateP99: percentile(lateness, 99),
    lateMax: lateness.at(-1) ?? 0,
    lost,
    concealed,
  };
}

/** The same per-packet work without sockets: encode + header + parse + jitter buffer + decode. */
function pureCost() {
  const encode = encoderFor(codec);
  const decode = decoderFor(codec);
  const pcm = tone();
  const out = new Int16Array(160);
  const packet = Buffer.alloc(172);
  const payload = packet.subarray(12);
  const jb = new JitterBuffer();
  const header = { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 1234 };
  const n = 500_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    header.sequenceNumber = i & 0xffff;
    header.timestamp = (i * 160) >>> 0;
    writeRtpHeader(packet, header);
    encode(pcm, payload);
    // A received datagram is a fresh buffer in dgram; copy to keep the jitter buffer's views honest.
    const parsed = parseRtp(Buffer.from(packet));
    jb.push(parsed);
    const popped = jb.pop();
    if (!popped.lost) {
      decode(popped.payload, out);
    }
  }
  return ((performance.now() - start) * 1000) / n;
}

const pad = (v, n) => String(v).padStart(n);
console.log(
  `RTP ${codec}, 20 ms frames, ${seconds} s per step, rtcp-mux ${rtcpMux ? 'on' : 'off'}, node ${process.version}`,
);
console.log(
  `${pad('calls', 6)} ${pad('sessions', 8)} ${pad('pkt/s', 8)} ${pad('CPU %', 7)} ${pad('µs/pkt', 7)} ` +
    `${pad('late p50', 9)} ${pad('p99', 7)} ${pad('max', 7)} ${pad('lost', 6)} ${pad('concealed', 9)}`,
);
for (const calls of steps) {
  const r = await runStep(calls);
  console.log(
    `${pad(r.calls, 6)} ${pad(r.sessions, 8)} ${pad(r.packetsPerSecond, 8)} ${pad(r.cpuPercent.toFixed(1), 7)} ` +
      `${pad(r.usPerPacket.toFixed(1), 7)} ${pad(r.lateP50.toFixed(2), 9)} ${pad(r.lateP99.toFixed(2), 7)} ` +
      `${pad(r.lateMax.toFixed(2), 7)} ${pad(r.lost, 6)} ${pad(r.concealed, 9)}`,
  );
}
console.log(
  `pure per-packet cost without sockets (encode, header, parse, jitter buffer, decode): ${pureCost().toFixed(2)} µs`,
);
