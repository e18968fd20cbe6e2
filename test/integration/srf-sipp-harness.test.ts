/**
 * Self-test of the sipp harness and of every scenario in test/fixtures/sipp: each UAC scenario runs against a
 * UAS scenario, sipp against sipp on loopback, so a broken fixture shows up here rather than as a puzzling
 * failure of an engine or app test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { freePort, isPortTaken } from '../helpers/free-port.js';
import {
  SIPP_BINARY,
  SIPP_EXIT,
  describeSippRun,
  runSipp,
  startSipp,
  type SippOptions,
  type SippResult,
} from '../helpers/sipp.js';

const skip = existsSync(SIPP_BINARY) ? false : `sipp not installed at ${SIPP_BINARY}`;

async function pair(
  uas: Omit<SippOptions, 'target'>,
  uac: Omit<SippOptions, 'target'>,
): Promise<{ uas: SippResult; uac: SippResult }> {
  const server = await startSipp({ timeoutMs: 15_000, ...uas });
  await server.ready;
  const client = await runSipp({ timeoutMs: 15_000, ...uac, target: `127.0.0.1:${server.localPort}` });
  const serverResult = await server.done;
  return { uas: serverResult, uac: client };
}

function assertOk(result: SippResult): void {
  assert.equal(result.exitCode, SIPP_EXIT.allCallsSucceeded, describeSippRun(result));
  assert.equal(result.ok, true);
  assert.equal(result.stats?.successful, 1, describeSippRun(result));
  assert.equal(result.stats?.failed, 0);
}

function rows(result: SippResult, label: string, direction: 'sent' | 'received') {
  return result.messages.filter((r) => r.label === label && r.direction === direction);
}

function row(result: SippResult, label: string, direction: 'sent' | 'received') {
  return rows(result, label, direction)[0];
}

void describe('sipp fixtures, sipp against sipp', { skip, concurrency: 4, timeout: 90_000 }, () => {
  void it('uac-basic against uas-basic: early offer, ACK, pause, BYE', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-basic' },
      { scenario: 'uac-basic', service: '3646', pauseMs: 100 },
    );
    assertOk(uac);
    assertOk(uas);
    assert.equal(uac.stats?.outgoingCalls, 1);
    assert.equal(uas.stats?.incomingCalls, 1);
    assert.equal(row(uac, 'INVITE', 'sent')?.count, 1);
    assert.deepEqual(
      rows(uac, '200', 'received').map((r) => r.count),
      [1, 1],
      'the 200 to the INVITE and the 200 to the BYE',
    );
    assert.match(uac.logs, /answer m=audio \d+ RTP\/AVP 0 payload type 0/);
    assert.match(uas.logs, /offer m=audio \d+ RTP\/AVP/);
  });

  void it('uac-basic over TCP', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-basic', transport: 't1' },
      { scenario: 'uac-basic', service: '3646', transport: 't1' },
    );
    assertOk(uac);
    assertOk(uas);
  });

  void it('uac-late-offer against uas-basic: the offer comes in the 200, the answer in the ACK', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-basic' },
      { scenario: 'uac-late-offer', service: '3646' },
    );
    assertOk(uac);
    assert.match(uac.logs, /offer in the 200: m=audio \d+ RTP\/AVP 0 101/);
    // uas-basic checks that the INVITE had an offer; here it had none, so that check fails on its side.
    assert.equal(uas.exitCode, SIPP_EXIT.someCallsFailed);
    assert.match(uas.errors, /regexp|m=audio/i);
  });

  void it('uac-expect-status passes when the final status is the expected one and fails otherwise', async () => {
    const busy = { scenario: 'uas-reject', template: { reject_status: '486', reject_reason: 'Busy Here' } };
    const good = await pair(busy, {
      scenario: 'uac-expect-status',
      service: '3646',
      variables: { expected_status: '486' },
    });
    assertOk(good.uac);
    assertOk(good.uas);
    assert.match(good.uac.logs, /final status 486 \(SIP\/2\.0 486\), expected 486/);

    const bad = await pair(busy, {
      scenario: 'uac-expect-status',
      service: '3646',
      variables: { expected_status: '404' },
    });
    assert.equal(bad.uac.exitCode, SIPP_EXIT.someCallsFailed, describeSippRun(bad.uac));
    assert.equal(bad.uac.stats?.failed, 1);
    assert.match(bad.uac.logs, /final status 486 .*expected 404/);
  });

  void it('uac-expect-status with 200 acknowledges and hangs up an answered call', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-basic' },
      { scenario: 'uac-expect-status', service: '3646', variables: { expected_status: '200' } },
    );
    assertOk(uac);
    assertOk(uas);
  });

  void it('uac-cancel against uas-cancelled: CANCEL after 180, 200 + 487, ACK', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-cancelled' },
      { scenario: 'uac-cancel', service: '3646' },
    );
    assertOk(uac);
    assertOk(uas);
    assert.equal(row(uac, 'CANCEL', 'sent')?.count, 1);
    assert.equal(row(uac, '487', 'received')?.count, 1);
  });

  void it('uac-options against uas-options', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-options' },
      { scenario: 'uac-options', service: 'ping' },
    );
    assertOk(uac);
    assertOk(uas);
    assert.match(uac.logs, /Allow has INVITE, Accept has application\/sdp/);
  });

  void it('uac-wait-bye against uas-hangup: the UAS hangs up with an in-dialog BYE', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-hangup', pauseMs: 200 },
      { scenario: 'uac-wait-bye', service: '3646' },
    );
    assertOk(uac);
    assertOk(uas);
    assert.equal(row(uas, 'BYE', 'sent')?.count, 1);
  });

  void it('uas-refer: REFER, 202, NOTIFY 100 then NOTIFY 200 (terminated), BYE', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-refer' },
      { scenario: 'peers/uac-refer-transferor', service: '3646' },
    );
    assertOk(uac);
    assertOk(uas);
    assert.match(uas.logs, /REFER to sip:agent@127\.0\.0\.1:\d+/);
    assert.match(uac.logs, /final NOTIFY SIP\/2\.0 200 terminated/);
  });

  void it('uas-info: INFO with a DTMF digit in the dialog', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-info' },
      { scenario: 'peers/uac-info-receiver', service: '3646' },
    );
    assertOk(uac);
    assertOk(uas);
    assert.match(uac.logs, /INFO Signal=5/);
  });

  void it('uas-reinvite: hold re-INVITE answered and acknowledged', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas-reinvite' },
      { scenario: 'peers/uac-reinvite-receiver', service: '3646' },
    );
    assertOk(uac);
    assertOk(uas);
    assert.match(uas.logs, /re-INVITE answered: m=audio/);
  });

  void it('uas-prack: reliable 180, PRACK, 200 PRACK, 200 INVITE', async () => {
    const { uas, uac } = await pair({ scenario: 'uas-prack' }, { scenario: 'uac-prack', service: '3646' });
    assertOk(uac);
    assertOk(uas);
    assert.match(uas.logs, /INVITE offers 100rel: Supported 100rel/);
    assert.match(uas.logs, /PRACK RAck: ?1 1 INVITE for INVITE CSeq/);
  });

  void it('uac-no-ack sees the 200 retransmitted while it withholds the ACK', async () => {
    const { uac } = await pair(
      { scenario: 'uas-basic', timeoutMs: 6000 },
      { scenario: 'uac-no-ack', service: '3646', timeoutMs: 5000 },
    );
    // uas-basic never gets its ACK and sipp never sends a BYE: the UAC ends on its global timeout.
    assert.equal(uac.ok, false);
    assert.equal(uac.exitCode, SIPP_EXIT.fatal, 'sipp reports its global timeout (-timeout_error) as fatal');
    assert.ok((row(uac, '200', 'received')?.retransmissions ?? 0) >= 2, describeSippRun(uac));
    // stats.retransmissions counts what sipp itself resent: nothing here.
    assert.equal(uac.stats?.retransmissions, 0);
  });
});

void describe('sipp harness', { skip, timeout: 60_000 }, () => {
  void it('reports a scenario that cannot be loaded', async () => {
    const result = await runSipp({
      scenario: '/nonexistent/scenario.xml',
      target: '127.0.0.1:9',
      timeoutMs: 5000,
    });
    assert.equal(result.ok, false);
    assert.notEqual(result.exitCode, SIPP_EXIT.allCallsSucceeded);
    assert.match(result.stdout + result.stderr, /Unable to load or parse/);
  });

  void it('refuses to start a templated scenario without its values', async () => {
    await assert.rejects(
      runSipp({ scenario: 'uas-reject' }),
      /needs template values for \{\{reject_status\}\}/,
    );
  });

  void it('never outlives timeoutMs: a UAS nobody calls is stopped, with its statistics', async () => {
    const started = Date.now();
    const result = await runSipp({ scenario: 'uas-basic', timeoutMs: 2500 });
    assert.ok(Date.now() - started < 4000);
    assert.equal(result.ok, false);
    assert.notEqual(result.exitCode, SIPP_EXIT.allCallsSucceeded);
    assert.equal(result.stats?.incomingCalls, 0);
  });

  void it('stop() ends a running sipp and frees its port', async () => {
    const sipp = await startSipp({ scenario: 'uas', timeoutMs: 20_000 });
    await sipp.ready;
    assert.equal(await isPortTaken(sipp.localPort, 'udp'), true);
    const result = await sipp.stop();
    assert.equal(result.timedOut, false);
    assert.equal(await isPortTaken(sipp.localPort, 'udp'), false);
  });

  void it('runs the built-in uac scenario against the built-in uas', async () => {
    const { uas, uac } = await pair(
      { scenario: 'uas', calls: 3 },
      { scenario: 'uac', calls: 3, rate: 50, pauseMs: 10 },
    );
    assert.equal(uac.stats?.successful, 3, describeSippRun(uac));
    assert.equal(uas.stats?.successful, 3, describeSippRun(uas));
  });

  void it('freePort returns a port free for both UDP and TCP on 127.0.0.1', async () => {
    const port = await freePort('both');
    assert.ok(port > 1024);
    assert.equal(await isPortTaken(port, 'udp'), false);
    assert.equal(await isPortTaken(port, 'tcp'), false);
  });
});
