/**
 * Transfer with context against real SIP peers: a sipp caller calls the SIP app on the embedded engine, the test
 * (as the conversation would) asks the call's `CallControl` to transfer, and sipp UASes play the agent group.
 * Checked on the wire by the sipp scenarios (they fail on a missing header or a wrong re-INVITE) and in their
 * traces: the REFER's Refer-To embedded headers, the bridge INVITE's X-Aiguilleur-* and User-to-User headers,
 * fallback from a refused REFER to a bridge, 486 → next URI, the caller's re-INVITE carrying the agent's media,
 * the caller's BYE relayed to the agent with the handling time reported, and a failed transfer keeping the caller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSipApp } from '../../src/sip/call/sip-app.js';
import type {
  SipApp,
  BridgeEnd,
  CallControl,
  CallMediaProvider,
  CallSummary,
  TransferContext,
  TransferTarget,
} from '../../src/sip/call/sip-app-types.js';
import { decodeUserToUser } from '../../src/sip/call/transfer-context-headers.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import type { SippOptions, SippProcess } from '../helpers/sipp.js';
import { SippPeers, assertSippOk, skipWithoutSipp } from '../helpers/sipp-peers.js';
import { testSipAppOptions } from '../helpers/test-sip-app-options.js';
import { AGENT_MEDIA, agentInvite, transferTarget } from '../helpers/transfer-peers.js';
import { startEngine, type EngineUnderTest } from '../support/engine-harness.js';

const options = testSipAppOptions({
  rtpPortMin: 43000,
  rtpPortMax: 43999,
  maxDurationSeconds: 600,
  userAgent: 'Aiguilleur/transfer-test',
});

function context(callId: string): TransferContext {
  return {
    callId,
    intent: 'health_card',
    confidence: 0.91,
    priority: 2,
    priorityReasons: ['repeat-caller'],
    reasons: 'health_card → cards L1',
    language: 'fr',
    flowVersion: '7',
    nirStatus: 'valid',
    nir: null,
  };
}

interface AnsweredCall {
  readonly callId: string;
  readonly control: CallControl;
}

void describe('transfer to an agent group, sipp peers', { skip: skipWithoutSipp, timeout: 60_000 }, () => {
  let h: EngineUnderTest;
  let app: SipApp;
  const answered: AnsweredCall[] = [];
  const closes: { callId: string; reason: string; at: number }[] = [];
  const ended: (CallSummary & { at: number })[] = [];
  const bridgeEnds: (BridgeEnd & { at: number })[] = [];
  const peers = new SippPeers({ timeoutMs: 25_000, traceMessages: true });
  let nextPort = 43000;

  const media: CallMediaProvider = {
    reserve(call) {
      const port = nextPort;
      nextPort += 2;
      return Promise.resolve({
        port,
        start(_media, control) {
          answered.push({ callId: call.callId, control });
          return Promise.resolve();
        },
        info: () => false,
        close(reason) {
          closes.push({ callId: call.callId, reason, at: performance.now() });
        },
      });
    },
  };

  before(async () => {
    h = await startEngine();
    app = createSipApp(h.srf, options, new RecordingLogger(), {
      media,
      onCallEnded: (summary) => ended.push({ ...summary, at: performance.now() }),
      onBridgeEnded: (end) => bridgeEnds.push({ ...end, at: performance.now() }),
    });
    await sleep(50);
  });
  after(async () => {
    await peers.stopAll();
    await h.stop();
  });

  async function caller(o: Omit<SippOptions, 'target'>): Promise<{ sipp: SippProcess; call: AnsweredCall }> {
    const before = answered.length;
    const { sipp } = await peers.start({ service: '3646', ...o, target: `${h.sip.address}:${h.sip.port}` });
    const deadline = Date.now() + 5000;
    while (answered.length === before) {
      assert.ok(Date.now() < deadline, 'the call was not answered');
      await sleep(10);
    }
    const call = answered[answered.length - 1]!;
    // The media starts at our 200; the conversation may transfer once the ACK confirmed the dialog.
    while (app.activeCalls().find((c) => c.callId === call.callId)?.state !== 'confirmed') {
      assert.ok(Date.now() < deadline, 'the call was not confirmed');
      await sleep(5);
    }
    return { sipp, call };
  }

  async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = find();
      if (found !== undefined) {
        return found;
      }
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await sleep(10);
    }
  }

  function target(callId: string, over: Partial<TransferTarget>): TransferTarget {
    return transferTarget(context(callId), over);
  }

  void it('REFER: Refer-To carries the X-Aiguilleur-* headers and User-to-User; the IVR leaves after NOTIFY 200', async () => {
    const { sipp, call } = await caller({ scenario: 'transfer-uac-refer' });
    const result = await call.control.transfer(
      target(call.callId, { uris: ['sip:cards@127.0.0.1:5999'], mode: 'refer' }),
    );
    assert.equal(result.status, 'transferred', JSON.stringify(result));
    assert.equal(result.status === 'transferred' && result.method, 'refer');
    assert.equal(result.sipStatus, 200);
    assert.equal(result.attempts.length, 1);
    await assertSippOk(sipp);
    const run = await sipp.done;
    const referTo = /REFER to (\S+)/.exec(run.logs)?.[1] ?? '';
    const query = new URLSearchParams(referTo.slice(referTo.indexOf('?') + 1));
    assert.equal(referTo.slice(0, referTo.indexOf('?')), 'sip:cards@127.0.0.1:5999');
    assert.equal(query.get('X-Aiguilleur-Call-Id'), call.callId);
    assert.equal(query.get('X-Aiguilleur-Intent'), 'health_card');
    assert.equal(query.get('X-Aiguilleur-Confidence'), '0.91');
    assert.equal(query.get('X-Aiguilleur-Priority'), '2');
    assert.equal(query.get('X-Aiguilleur-Priority-Reasons'), 'repeat-caller');
    assert.equal(query.get('X-Aiguilleur-Reasons'), 'health_card → cards L1');
    assert.equal(query.get('X-Aiguilleur-Language'), 'fr');
    assert.equal(query.get('X-Aiguilleur-Flow-Version'), '7');
    assert.equal(query.get('X-Aiguilleur-Nir-Status'), 'valid');
    assert.equal(query.get('X-Aiguilleur-Nir'), null);
    const uui = decodeUserToUser(query.get('User-to-User') ?? '');
    assert.deepEqual(uui?.params, { encoding: 'hex', purpose: 'aiguilleur', content: 'aiguilleur-context' });
    assert.equal((uui?.data as { id: string; i: string; p: number }).id, call.callId);
    assert.equal((uui?.data as { i: string }).i, 'health_card');
    const end = await eventually(() => ended.find((e) => e.callId === call.callId), 'call end');
    assert.equal(end.reason, 'transferred');
  });

  void it('REFER refused (501) → bridge: the agent INVITE carries the context, the caller is re-INVITEd to the agent, its BYE reaches the agent', async () => {
    const agent = await peers.start({ scenario: 'transfer-uas-agent', template: AGENT_MEDIA });
    const { sipp, call } = await caller({
      scenario: 'transfer-uac-refer-refused',
      template: { refer_status: '501', refer_reason: 'Not Implemented', ...AGENT_MEDIA },
      pauseMs: 600,
    });
    const result = await call.control.transfer(
      target(call.callId, { uris: [agent.uri], mode: 'refer', fallbackToBridge: true }),
    );
    assert.equal(result.status, 'transferred', JSON.stringify(result));
    assert.equal(result.status === 'transferred' && result.method, 'bridge');
    assert.deepEqual(
      result.attempts.map((a) => [a.method, a.outcome, a.sipStatus]),
      [
        ['refer', 'refused', 501],
        ['bridge', 'transferred', 200],
      ],
    );
    // The IVR's own RTP for the caller stopped once the media went end to end.
    const close = closes.find((c) => c.callId === call.callId);
    assert.equal(close?.reason, 'bridged');
    // A hang-up from the conversation no longer ends a bridged call.
    call.control.hangup();

    const callerLog = await assertSippOk(sipp);
    const agentLog = await assertSippOk(agent.sipp);
    const invite = agentInvite(agentLog);
    assert.match(
      invite,
      new RegExp(`^X-Aiguilleur-Call-Id: ${call.callId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    );
    assert.match(invite, /^X-Aiguilleur-Intent: health_card$/m);
    assert.match(invite, /^X-Aiguilleur-Confidence: 0\.91$/m);
    assert.match(invite, /^X-Aiguilleur-Priority: 2$/m);
    assert.match(invite, /^X-Aiguilleur-Priority-Reasons: repeat-caller$/m);
    assert.match(invite, /^X-Aiguilleur-Reasons: health_card → cards L1$/m);
    assert.match(invite, /^X-Aiguilleur-Nir-Status: valid$/m);
    assert.doesNotMatch(invite, /^X-Aiguilleur-Nir:/m);
    const uuiLine = /^User-to-User: (.+)$/m.exec(invite)?.[1] ?? '';
    const uui = decodeUserToUser(uuiLine);
    assert.equal((uui?.data as { id: string }).id, call.callId);
    assert.equal((uui?.data as { p: number }).p, 2);
    // The agent was offered the caller's own SDP.
    assert.match(invite, /^o=sipp \d+ 1 IN IP4 127\.0\.0\.1/m);

    // The caller's re-INVITE: the agent's address and port under the IVR's origin, version 1 → 2 (RFC 3264 §8).
    const run = await sipp.done;
    assert.match(
      run.logs,
      /re-INVITE o=- \d+ 2 IN IP4 127\.0\.0\.1 c=IN IP4 127\.0\.0\.1 m=audio 46780 RTP\/AVP/,
    );
    assert.match(callerLog, /INVITE sip:0612345678@127\.0\.0\.1/);

    const bridgeEnd = await eventually(() => bridgeEnds.find((e) => e.callId === call.callId), 'bridge end');
    assert.equal(bridgeEnd.endedBy, 'caller');
    assert.equal(bridgeEnd.groupId, 'cards');
    assert.equal(bridgeEnd.uri, agent.uri);
    assert.ok(
      bridgeEnd.handlingSeconds >= 0.4 && bridgeEnd.handlingSeconds < 10,
      String(bridgeEnd.handlingSeconds),
    );
    const end = await eventually(() => ended.find((e) => e.callId === call.callId), 'call end');
    assert.equal(end.reason, 'transferred');
  });

  void it('bridge: the first agent answers 486, the next URI takes the call', async () => {
    const busy = await peers.start({
      scenario: 'uas-reject',
      template: { reject_status: '486', reject_reason: 'Busy Here' },
    });
    const agent = await peers.start({ scenario: 'transfer-uas-agent', template: AGENT_MEDIA });
    const { sipp, call } = await caller({
      scenario: 'transfer-uac-bridged',
      template: AGENT_MEDIA,
      pauseMs: 300,
    });
    const result = await call.control.transfer(
      target(call.callId, { uris: [busy.uri, agent.uri], mode: 'bridge' }),
    );
    assert.equal(result.status, 'transferred', JSON.stringify(result));
    assert.equal(result.status === 'transferred' && result.uri, agent.uri);
    assert.deepEqual(
      result.attempts.map((a) => [a.uri, a.outcome, a.sipStatus]),
      [
        [busy.uri, 'rejected', 486],
        [agent.uri, 'transferred', 200],
      ],
    );
    await assertSippOk(busy.sipp);
    await assertSippOk(sipp);
    await assertSippOk(agent.sipp);
    await eventually(() => bridgeEnds.find((e) => e.callId === call.callId), 'bridge end');
  });

  void it('every URI busy: the transfer fails and the caller stays with the IVR', async () => {
    const busy = await peers.start({
      scenario: 'uas-reject',
      template: { reject_status: '486', reject_reason: 'Busy Here' },
    });
    const { sipp, call } = await caller({ scenario: 'uac-wait-bye' });
    const result = await call.control.transfer(target(call.callId, { uris: [busy.uri], mode: 'bridge' }));
    assert.equal(result.status, 'failed');
    assert.equal(result.sipStatus, 486);
    assert.equal(result.status === 'failed' && result.reason, 'agent answered 486');
    assert.equal(
      closes.find((c) => c.callId === call.callId),
      undefined,
      'IVR media still running',
    );
    await sleep(200);
    assert.equal(
      ended.find((e) => e.callId === call.callId),
      undefined,
      'the caller was not dropped',
    );
    // The conversation goes on and ends the call itself.
    call.control.hangup();
    await assertSippOk(sipp);
    await assertSippOk(busy.sipp);
    const end = await eventually(() => ended.find((e) => e.callId === call.callId), 'call end');
    assert.equal(end.reason, 'completed');
  });
});
