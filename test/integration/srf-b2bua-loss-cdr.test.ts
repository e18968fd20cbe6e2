/**
 * drachtio-srf features that need the engine's help beyond plain UAS/UAC: createB2BUA (which relies on the
 * `@localhost` rewrite), CDR events, and retransmission under 10 % packet loss (sipp -lost 10).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type Srf from 'drachtio-srf';
import { describeSippRun, runSipp, startSipp } from '../helpers/sipp.js';
import { SDP_OFFER, startEngine, type EngineUnderTest } from '../support/engine-harness.js';

const ANSWER = SDP_OFFER.replace('o=peer', 'o=app');
/** drachtio-srf accepts `callingNumber` here (it becomes `From: sip:3646@localhost`); its typings omit it. */
const B2BUA_OPTIONS = { callingNumber: '3646' } as unknown as Srf.CreateB2BUAOptions;

describe('createB2BUA through the engine', { timeout: 60_000 }, () => {
  let h: EngineUnderTest;
  let bLegPort = 0;
  before(async () => {
    h = await startEngine();
    h.srf.invite((req, res) => {
      h.srf
        .createB2BUA(req, res, `sip:agent@127.0.0.1:${bLegPort}`, B2BUA_OPTIONS)
        .then(({ uas, uac }) => {
          uas.on('destroy', () => void uac.destroy());
          uac.on('destroy', () => void uas.destroy());
        })
        .catch(() => undefined);
    });
    await sleep(100);
  });
  after(async () => h.stop());

  it('bridges a sipp caller to a sipp agent and tears both legs down', async () => {
    const agent = await startSipp({
      scenario: 'uas-basic',
      calls: 1,
      traceMessages: true,
      timeoutMs: 20_000,
    });
    bLegPort = agent.localPort;
    await agent.ready;
    const caller = await runSipp({
      scenario: 'uac-basic',
      target: `${h.sip.address}:${h.sip.port}`,
      service: '3646',
      pauseMs: 500,
    });
    assert.equal(caller.exitCode, 0, describeSippRun(caller));
    const agentRun = await agent.done;
    assert.equal(agentRun.exitCode, 0, describeSippRun(agentRun));
    // The B leg's From was sent as sip:3646@localhost by drachtio-srf: the engine rewrote it (doc §1.6).
    const log = agentRun.messageLog ?? '';
    assert.match(log, /From: (?:"[^"]*" )?<?sip:3646@127\.0\.0\.1:\d+/i);
    assert.doesNotMatch(log, /@localhost/);
  });
});

describe('CDR events', { timeout: 30_000 }, () => {
  let h: EngineUnderTest;
  const cdrs: string[] = [];
  before(async () => {
    h = await startEngine();
    const srf = h.srf as unknown as { on(event: string, fn: (...args: unknown[]) => void): void };
    srf.on('cdr:attempt', (source) => cdrs.push(`attempt:${String(source)}`));
    srf.on('cdr:start', (source, _time, role) => cdrs.push(`start:${String(source)}:${String(role)}`));
    srf.on('cdr:stop', (source, _time, reason) => cdrs.push(`stop:${String(source)}:${String(reason)}`));
    h.srf.invite((req, res) => {
      h.srf.createUAS(req, res, { localSdp: ANSWER }).catch(() => undefined);
    });
    await sleep(100);
  });
  after(async () => h.stop());

  it('reports attempt, start (uas) and stop (normal-release) for an answered call', async () => {
    const run = await runSipp({
      scenario: 'uac-basic',
      target: `${h.sip.address}:${h.sip.port}`,
      service: '3646',
      pauseMs: 200,
    });
    assert.equal(run.exitCode, 0, describeSippRun(run));
    await sleep(200);
    assert.deepEqual(cdrs, ['attempt:network', 'start:application:uas', 'stop:network:normal-release']);
  });
});

describe('10 % packet loss', { timeout: 120_000 }, () => {
  let h: EngineUnderTest;
  before(async () => {
    // T1 as sipp's (500 ms): with a shorter one our BYE transaction ends (Timer J = 64·T1) before sipp's fourth
    // retransmission (7.5 s after the first), which then gets 481 — about one run in twenty at 10 % loss.
    h = await startEngine({ t1: 500 });
    h.srf.invite((req, res) => {
      h.srf.createUAS(req, res, { localSdp: ANSWER }).catch(() => undefined);
    });
    await sleep(100);
  });
  after(async () => h.stop());

  it('completes every call through retransmissions (sipp -lost 10)', async () => {
    const run = await runSipp({
      scenario: 'uac',
      target: `${h.sip.address}:${h.sip.port}`,
      service: '3646',
      calls: 40,
      rate: 20,
      lost: 10,
      pauseMs: 200,
      timeoutMs: 90_000,
    });
    assert.equal(run.exitCode, 0, describeSippRun(run));
    assert.equal(run.stats?.successful, 40);
    assert.ok((run.stats?.retransmissions ?? 0) > 0, 'loss was actually exercised');
  });
});
