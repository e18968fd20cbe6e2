/**
 * The SIP application end to end: sipp calls the embedded engine, drachtio-srf delivers to `createSipApp`, and
 * every answer the caller gets (200 + SDP, 404, 488, 503 + Retry-After, 487 after CANCEL, BYE at the duration
 * limit or when nobody ACKs) is checked on the wire by sipp and in the app's call bookkeeping.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createSipApp } from '../../src/sip/call/sip-app.js';
import type { CallSnapshot, CallSummary, SipApp, SipAppOptions } from '../../src/sip/call/sip-app-types.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import {
  SIPP_BINARY,
  SIPP_EXIT,
  describeSippRun,
  runSipp,
  startSipp,
  type SippOptions,
} from '../helpers/sipp.js';
import { startEngine, type EngineUnderTest, type HarnessOverrides } from '../support/engine-harness.js';

const skip = existsSync(SIPP_BINARY) ? false : `sipp not installed at ${SIPP_BINARY}`;

const baseOptions: SipAppOptions = {
  numbers: {
    '3646': { language: 'fr', label: 'Assurance Maladie' },
    '3647': { language: 'en', label: 'Health' },
  },
  codecs: ['PCMU', 'PCMA'],
  ptime: 20,
  telephoneEvent: true,
  mediaAddress: '127.0.0.1',
  rtpPortMin: 41000,
  rtpPortMax: 41999,
  maxConcurrent: 50,
  maxDurationSeconds: 3600,
  retryAfterSeconds: 30,
  userAgent: 'Aiguilleur/integration',
};

interface AppUnderTest {
  h: EngineUnderTest;
  app: SipApp;
  answered: CallSnapshot[];
  ended: CallSummary[];
  logger: RecordingLogger;
  call(options: Omit<SippOptions, 'target'>): ReturnType<typeof runSipp>;
  stop(): Promise<void>;
}

async function startApp(
  overrides: Partial<SipAppOptions> = {},
  engine: HarnessOverrides = {},
): Promise<AppUnderTest> {
  const h = await startEngine(engine);
  const answered: CallSnapshot[] = [];
  const ended: CallSummary[] = [];
  const logger = new RecordingLogger();
  const app = createSipApp(h.srf, { ...baseOptions, ...overrides }, logger, {
    onCallAnswered: (call) => answered.push(call),
    onCallEnded: (summary) => ended.push(summary),
  });
  // drachtio-srf sends `route|invite` / `route|options` asynchronously: let them reach the engine.
  await sleep(50);
  return {
    h,
    app,
    answered,
    ended,
    logger,
    call: (options) =>
      runSipp({ service: '3646', timeoutMs: 20_000, ...options, target: `${h.sip.address}:${h.sip.port}` }),
    async stop() {
      await h.stop();
    },
  };
}

/** Waits until `predicate` holds (the app's bookkeeping trails the last SIP message by a few ms). */
async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for: ${what}`);
    }
    await sleep(10);
  }
}

void describe('SIP app on the embedded engine, called by sipp', { skip, timeout: 90_000 }, () => {
  let t: AppUnderTest;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.stop();
  });

  void it('answers an early-offer call with PCMU and ends it on the caller BYE', async () => {
    const before = t.ended.length;
    const result = await t.call({ scenario: 'uac-basic', pauseMs: 300 });
    assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
    assert.match(result.logs, /answer m=audio 41\d\d\d RTP\/AVP 0 payload type 0/);
    await eventually(() => t.ended.length > before, 'call end');
    assert.equal(t.ended.at(-1)?.reason, 'remote-hangup');
    const answered = t.answered.at(-1);
    assert.equal(answered?.media?.codec.name, 'PCMU');
    assert.deepEqual(answered?.media?.telephoneEvent, { payloadType: 101, events: '0-15' });
    assert.equal(answered?.media?.remote.address, '127.0.0.1');
    assert.equal(t.app.activeCalls().length, 0);
  });

  void it('answers over TCP too', async () => {
    const result = await t.call({ scenario: 'uac-basic', transport: 't1', pauseMs: 50 });
    assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
  });

  void it('answers a late-offer call: offer in the 200, answer taken from the ACK', async () => {
    const before = t.answered.length;
    const result = await t.call({ scenario: 'uac-late-offer', pauseMs: 300 });
    assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
    assert.match(result.logs, /offer in the 200: m=audio 41\d\d\d RTP\/AVP 0 8 101/);
    await eventually(() => t.answered.length > before, 'media known after the ACK');
    assert.equal(t.answered.at(-1)?.media?.codec.name, 'PCMU');
    assert.equal(t.answered.at(-1)?.state, 'confirmed');
  });

  void it('answers 404 to an unknown number', async () => {
    const result = await t.call({
      scenario: 'uac-expect-status',
      service: '0800123456',
      variables: { expected_status: '404' },
    });
    assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
  });

  void it('answers 488 with Warning 305 to an offer without a common codec', async () => {
    const result = await t.call({ scenario: 'uac-offer-g729' });
    assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
    assert.match(result.logs, /488 Warning: ?305 aiguilleur "no common codec/);
  });

  void it('answers OPTIONS with 200 and its capabilities', async () => {
    const result = await t.call({ scenario: 'uac-options', service: 'ping' });
    assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
  });

  void it('carries 20 calls at 50 calls per second', async () => {
    const result = await t.call({
      scenario: 'uac-basic',
      calls: 20,
      rate: 50,
      pauseMs: 200,
      timeoutMs: 30_000,
    });
    assert.equal(result.stats?.successful, 20, describeSippRun(result));
    await eventually(() => t.app.activeCalls().length === 0, 'every call ended');
  });
});

void describe('SIP app refusals and hang-ups', { skip, timeout: 90_000 }, () => {
  void it('answers 503 with Retry-After while draining', async () => {
    const t = await startApp();
    try {
      t.app.drain();
      const result = await t.call({
        scenario: 'uac-expect-status',
        variables: { expected_status: '503' },
        traceMessages: true,
      });
      assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
      assert.match(result.messageLog ?? '', /SIP\/2\.0 503 Service Unavailable[\s\S]*Retry-After: 30/);
    } finally {
      await t.stop();
    }
  });

  void it('answers 503 above maxConcurrent; hangupAll then ends the live call with a BYE', async () => {
    const t = await startApp({ maxConcurrent: 1 });
    try {
      const holder = await startSipp({
        scenario: 'uac-wait-bye',
        service: '3646',
        target: `${t.h.sip.address}:${t.h.sip.port}`,
        timeoutMs: 20_000,
      });
      await eventually(() => t.app.activeCalls()[0]?.state === 'confirmed', 'first call up');
      const refused = await t.call({ scenario: 'uac-expect-status', variables: { expected_status: '503' } });
      assert.equal(refused.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(refused));
      await t.app.hangupAll();
      const held = await holder.done;
      assert.equal(held.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(held));
      assert.match(held.logs, /BYE Reason: ?Q\.850;cause=16;text="Service shutting down"/);
      assert.deepEqual(
        t.ended.map((e) => e.reason),
        ['shutdown'],
      );
    } finally {
      await t.stop();
    }
  });

  void it('hangs up with BYE and a Reason after maxDurationSeconds', async () => {
    const t = await startApp({ maxDurationSeconds: 1 });
    try {
      const started = Date.now();
      const result = await t.call({ scenario: 'uac-wait-bye' });
      assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
      assert.ok(Date.now() - started >= 900);
      assert.match(result.logs, /Maximum call duration reached/);
      await eventually(() => t.ended.length === 1, 'call end');
      assert.equal(t.ended[0]?.reason, 'max-duration');
    } finally {
      await t.stop();
    }
  });

  void it('rings, and a CANCEL before the answer gets 200 + 487 and frees the call', async () => {
    const t = await startApp({ answerAfterMs: 3000 });
    try {
      const result = await t.call({ scenario: 'uac-cancel' });
      assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
      await eventually(() => t.ended.length === 1, 'call end');
      assert.equal(t.ended[0]?.reason, 'cancelled');
      assert.equal(t.app.activeCalls().length, 0);
    } finally {
      await t.stop();
    }
  });

  void it('rings reliably for a caller that requires 100rel: 180 with RSeq, PRACK, then 200', async () => {
    const t = await startApp({ answerAfterMs: 300 });
    try {
      const result = await t.call({ scenario: 'uac-prack' });
      assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
      await eventually(() => t.ended.length === 1, 'call end');
      assert.equal(t.ended[0]?.reason, 'remote-hangup');
    } finally {
      await t.stop();
    }
  });

  void it('reports ack-timeout when the caller never ACKs: 200 retransmitted, then BYE from the engine', async () => {
    // T1 = 50 ms: the engine gives up after 64 × T1 = 3.2 s.
    const t = await startApp({}, { t1: 50 });
    try {
      const result = await t.call({ scenario: 'uac-no-ack', timeoutMs: 15_000 });
      assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
      const okRow = result.messages.find((r) => r.label === '200' && r.direction === 'received');
      assert.ok((okRow?.retransmissions ?? 0) >= 3, describeSippRun(result));
      await eventually(() => t.ended.length === 1, 'call end');
      assert.equal(t.ended[0]?.reason, 'ack-timeout');
    } finally {
      await t.stop();
    }
  });
});
