/**
 * The callback dialer end to end: `SipApp.dial` places a call through drachtio-srf and the embedded engine to sipp
 * playing the citizen, with the real media engine behind it. Each final response the callee can give (busy,
 * declined, no answer → our CANCEL, an answer with an SDP we refuse) and each way an answered call ends (our
 * hangup, the callee's BYE, the duration limit, a transfer, shutdown) is checked on the wire by sipp and in what
 * `dial` returns; the answered call proves its media path by receiving the callee's RFC 4733 key press. Transfers
 * to an agent group (sipp UASes as agents) go by REFER, by bridge (the agent's INVITE carries the context, the
 * citizen is re-INVITEd to the agent's media, a BYE on either side ends the other), or by bridge after a refused
 * REFER.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { MediaEngine } from '../../src/media/media-engine.js';
import type { CallMediaSession } from '../../src/media/media-session-types.js';
import type { DtmfEvent } from '../../src/media/media-types.js';
import { outboundTargetUri } from '../../src/sip/call/outbound-call-target.js';
import type {
  OutboundCallAnswered,
  OutboundCallOutcome,
  OutboundCallRequest,
} from '../../src/sip/call/outbound-call-types.js';
import { createSipApp } from '../../src/sip/call/sip-app.js';
import type {
  BridgeEnd,
  CallMediaProvider,
  SipApp,
  TransferResult,
  TransferTarget,
} from '../../src/sip/call/sip-app-types.js';
import { freePort } from '../helpers/free-port.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import type { SippOptions } from '../helpers/sipp.js';
import { SippPeers, assertSippOk, skipWithoutSipp, type SippPeer } from '../helpers/sipp-peers.js';
import { testSipAppOptions } from '../helpers/test-sip-app-options.js';
import { AGENT_MEDIA, agentInvite, transferTarget } from '../helpers/transfer-peers.js';
import { startEngine, type EngineUnderTest } from '../support/engine-harness.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** The citizen's number, as a callback booking holds it: it must never reach the logs in clear. */
const CITIZEN = '06 12 34 56 78';
const MAX_DURATION_SECONDS = 4;

const options = testSipAppOptions({
  rtpPortMin: 47000,
  rtpPortMax: 47199,
  maxDurationSeconds: MAX_DURATION_SECONDS,
  userAgent: 'Aiguilleur/integration',
});

/**
 * The media side the composition root gives the SIP app (app.ts `mediaProvider`), reduced to what this test
 * observes: a port from the real engine for the offer, then the session once the answer is known.
 */
class ObservedMedia implements CallMediaProvider {
  readonly sessions = new Map<string, CallMediaSession>();
  private readonly waiters = new Map<string, (session: CallMediaSession) => void>();

  constructor(private readonly engine: MediaEngine) {}

  async reserve(call: {
    callId: string;
    service: { language: string };
  }): ReturnType<CallMediaProvider['reserve']> {
    const lease = await this.engine.reservePort();
    let session: CallMediaSession | undefined;
    let closed = false;
    return {
      port: lease.port,
      start: async (negotiated) => {
        session = await this.engine.openSession(lease, {
          callId: call.callId,
          codec: negotiated.codec.name,
          payloadType: negotiated.codec.payloadType,
          ...(negotiated.telephoneEvent === undefined
            ? {}
            : { telephoneEventPayloadType: negotiated.telephoneEvent.payloadType }),
          remote: negotiated.remote,
          language: call.service.language,
        });
        if (closed) {
          session.close('hangup');
          return;
        }
        this.sessions.set(call.callId, session);
        this.waiters.get(call.callId)?.(session);
      },
      info: (contentType, body) => session?.receiveSipInfo(contentType, body) ?? false,
      close: (reason) => {
        if (closed) {
          return;
        }
        closed = true;
        if (session === undefined) {
          lease.release();
        } else {
          session.close(reason);
        }
      },
    };
  }

  session(callId: string): Promise<CallMediaSession> {
    const open = this.sessions.get(callId);
    return open !== undefined
      ? Promise.resolve(open)
      : new Promise((resolveSession) => this.waiters.set(callId, resolveSession));
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`${what}: nothing within ${ms} ms`);
    }),
  ]);
}

/** A transfer of the called-back citizen (the context the callback's conversation would send). */
function callbackTransfer(callId: string, over: Partial<TransferTarget>): TransferTarget {
  return transferTarget(
    {
      callId,
      intent: 'health_card',
      confidence: 0.9,
      priority: 1,
      priorityReasons: ['callback'],
      reasons: 'callback → cards',
      language: 'fr',
      flowVersion: '1',
      nirStatus: 'absent',
      nir: null,
    },
    over,
  );
}

/** Transferred by bridge, after these attempts (method, outcome, SIP status). */
function assertBridged(result: TransferResult, attempts: readonly (string | number | null)[][]): void {
  assert.equal(result.status, 'transferred', JSON.stringify(result));
  assert.equal(result.status === 'transferred' && result.method, 'bridge');
  assert.deepEqual(
    result.attempts.map((a) => [a.method, a.outcome, a.sipStatus]),
    attempts,
  );
}

function answered(outcome: OutboundCallOutcome): OutboundCallAnswered {
  if (outcome.kind !== 'answered') {
    assert.fail(`expected an answered call, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

void describe('outboundTargetUri', () => {
  void it('sends numbers and tel: URIs to the gateway, SIP URIs as they are', () => {
    const gateway = 'sip:127.0.0.1:5080';
    assert.equal(outboundTargetUri('06 12 34 56 78', gateway), 'sip:0612345678@127.0.0.1:5080');
    assert.equal(outboundTargetUri('tel:+33-6-12-34-56-78', gateway), 'sip:+33612345678@127.0.0.1:5080');
    assert.equal(
      outboundTargetUri('+33612345678', 'sips:trunk@gw.example.org;transport=tls'),
      'sips:+33612345678@gw.example.org;transport=tls',
    );
    assert.equal(outboundTargetUri('<sip:alice@example.org>', undefined), 'sip:alice@example.org');
  });

  void it('refuses what it cannot dial', () => {
    assert.throws(() => outboundTargetUri('0612345678', undefined), /needs a gateway/);
    assert.throws(() => outboundTargetUri('alice', 'sip:gw'), /neither a SIP URI nor a telephone number/);
  });
});

void describe('SipApp.dial against sipp as the citizen', { skip: skipWithoutSipp, timeout: 60_000 }, () => {
  let h: EngineUnderTest;
  let app: SipApp;
  let media: MediaEngine;
  let observed: ObservedMedia;
  let gatewayPort: number;
  const logger = new RecordingLogger();
  const peers = new SippPeers({ timeoutMs: 20_000 });
  const bridgeEnds: BridgeEnd[] = [];

  before(async () => {
    h = await startEngine();
    media = new MediaEngine({
      bindAddress: '127.0.0.1',
      rtpPortMin: options.rtpPortMin,
      rtpPortMax: options.rtpPortMax,
      promptsDirectory: join(ROOT, 'prompts'),
      recordingDirectory: null,
    });
    observed = new ObservedMedia(media);
    gatewayPort = await freePort('both');
    app = createSipApp(
      h.srf,
      options,
      logger,
      { media: observed, onBridgeEnded: (end) => bridgeEnds.push(end) },
      { gatewayUri: `sip:127.0.0.1:${gatewayPort}` },
    );
  });
  after(async () => {
    await peers.stopAll();
    media.close();
    await h.stop();
  });

  function callee(sipp: SippOptions): Promise<SippPeer> {
    return peers.start(sipp, 'citizen');
  }

  function request(to: string, overrides: Partial<OutboundCallRequest> = {}): OutboundCallRequest {
    return {
      to,
      from: { displayName: 'Assurance Maladie', uri: 'sip:3646@127.0.0.1' },
      headers: { 'X-Aiguilleur-Callback-Id': 'cb-42' },
      ringSeconds: 10,
      number: '3646',
      ...overrides,
    };
  }

  /** Nothing left behind: no live call, no media session, every RTP port back in the pool. */
  async function assertIdle(): Promise<void> {
    await within(app.whenIdle(), 2000, 'idle');
    assert.deepEqual(app.activeCalls(), []);
    assert.equal(media.activeSessions, 0);
    assert.equal(media.stats().ports.allocated, 0);
  }

  void it('answered: the callee presses 1 (RFC 4733), we hear it and hang up', async () => {
    const { sipp } = await callee({
      scenario: 'callee-answer-dtmf',
      localPort: gatewayPort,
      template: { callee: '0612345678', callback_id: 'cb-42', digit: '1', before_digit_ms: '200' },
    });
    const call = answered(await app.dial(request(CITIZEN)));
    assert.equal(call.media.codec.name, 'PCMU');
    assert.equal(call.media.telephoneEvent?.payloadType, 96);
    assert.match(call.localSdp, /a=rtpmap:101 telephone-event\/8000/);
    assert.equal(app.activeCalls().find((c) => c.callId === call.callId)?.state, 'confirmed');

    const session = await within(observed.session(call.callId), 2000, 'media session');
    const digit = await within(
      new Promise<DtmfEvent>((resolveDigit) => session.once('dtmf', resolveDigit)),
      5000,
      'DTMF from the callee',
    );
    assert.equal(digit.digit, '1');
    assert.equal(digit.source, 'rfc4733');
    assert.ok(session.stats().rtp.packetsReceived > 0);

    call.control.hangup();
    const end = await within(call.ended, 3000, 'end of the call');
    assert.equal(end.reason, 'completed');
    await assertSippOk(sipp);
    await assertIdle();

    // The dialled number is masked wherever it is logged; the call's lines carry its Call-ID.
    const lines = JSON.stringify(logger.lines);
    assert.doesNotMatch(lines, /0612345678|06 12 34 56 78/);
    const dialling = logger.lines.find((l) => l.msg === 'dialling' && l.bindings.callId === call.callId);
    assert.match(String((dialling?.obj as { callee?: unknown }).callee), /^sip:06\*{6}78@127\.0\.0\.1:/);
  });

  void it('busy: 486 Busy Here', async () => {
    const { sipp, uri } = await callee({
      scenario: 'uas-reject',
      template: { reject_status: '486', reject_reason: 'Busy Here' },
    });
    const outcome = await app.dial(request(uri));
    assert.equal(outcome.kind, 'busy');
    assert.equal(outcome.kind === 'busy' && outcome.status, 486);
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('declined: 603 Decline', async () => {
    const { sipp, uri } = await callee({
      scenario: 'uas-reject',
      template: { reject_status: '603', reject_reason: 'Decline' },
    });
    const outcome = await app.dial(request(uri));
    assert.deepEqual(
      { kind: outcome.kind, status: outcome.kind === 'declined' ? outcome.status : null },
      { kind: 'declined', status: 603 },
    );
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('no answer: it rings, we CANCEL after ringSeconds, the INVITE ends 487', async () => {
    const { sipp, uri } = await callee({ scenario: 'uas-cancelled' });
    const started = performance.now();
    const outcome = await app.dial(request(uri, { ringSeconds: 1 }));
    const elapsedMs = performance.now() - started;
    assert.equal(outcome.kind, 'no-answer', JSON.stringify(outcome));
    assert.equal(outcome.kind === 'no-answer' && outcome.status, 487);
    assert.ok(elapsedMs >= 1000 && elapsedMs < 3000, `gave up after ${Math.round(elapsedMs)} ms`);
    await assertSippOk(sipp); // sipp's scenario fails unless it received the CANCEL
    await assertIdle();
  });

  void it('answered just as we CANCEL: no-answer, and the call is ended with one BYE', async () => {
    const { sipp, uri } = await callee({ scenario: 'callee-answer-after-cancel' });
    const outcome = await app.dial(request(uri, { ringSeconds: 1 }));
    assert.deepEqual(outcome, {
      kind: 'no-answer',
      callId: outcome.kind === 'no-answer' ? outcome.callId : '',
      status: 200,
    });
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('the callee hangs up first: ended resolves with remote-hangup and the media is closed', async () => {
    const { sipp, uri } = await callee({ scenario: 'uas-hangup', pauseMs: 300 });
    const call = answered(await app.dial(request(uri)));
    const session = await within(observed.session(call.callId), 2000, 'media session');
    const closed = new Promise((resolveClosed) => session.once('closed', resolveClosed));
    const end = await within(call.ended, 3000, 'end of the call');
    assert.equal(end.reason, 'remote-hangup');
    assert.ok(end.durationMs >= 250, `${end.durationMs} ms`);
    await within(closed, 1000, 'media closed');
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('an answer with no codec we offered: failed, and the call is hung up with Reason 488', async () => {
    const { sipp, uri } = await callee({ scenario: 'callee-answer-g729' });
    const outcome = await app.dial(request(uri));
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.status, 200);
    assert.match(outcome.kind === 'failed' ? outcome.reason : '', /SDP answer refused/);
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('transfer: REFER with the context, NOTIFY 200, then our BYE', async () => {
    const { sipp, uri } = await callee({ scenario: 'uas-refer' });
    const call = answered(await app.dial(request(uri)));
    const target = callbackTransfer(call.callId, { uris: ['sip:3000@127.0.0.1:5999'] });
    const result = await within(call.control.transfer(target), 6000, 'transfer');
    assert.equal(result.status, 'transferred', JSON.stringify(result));
    const end = await within(call.ended, 3000, 'end of the call');
    assert.equal(end.reason, 'transferred');
    await assertSippOk(sipp);
    assert.match((await sipp.done).logs, /REFER to sip:3000@127\.0\.0\.1:5999/);
    await assertIdle();
  });

  /** A sipp UAS playing an agent of the group, and its URI. */
  function agent(sipp: SippOptions): Promise<SippPeer> {
    return peers.start({ traceMessages: true, ...sipp });
  }

  async function bridgeEndOf(callId: string): Promise<BridgeEnd> {
    return within(
      (async () => {
        for (;;) {
          const end = bridgeEnds.find((e) => e.callId === callId);
          if (end !== undefined) {
            return end;
          }
          await sleep(10);
        }
      })(),
      3000,
      'bridge end',
    );
  }

  /** The agent's INVITE carries the context as X-Aiguilleur-* headers and User-to-User, and the citizen's SDP. */
  function assertAgentInvite(log: string, callId: string): void {
    const invite = agentInvite(log);
    assert.match(invite, new RegExp(`^X-Aiguilleur-Call-Id: ${callId}$`, 'm'));
    assert.match(invite, /^X-Aiguilleur-Intent: health_card$/m);
    assert.match(invite, /^X-Aiguilleur-Priority: 1$/m);
    assert.match(invite, /^X-Aiguilleur-Priority-Reasons: callback$/m);
    assert.match(invite, /^X-Aiguilleur-Nir-Status: absent$/m);
    assert.match(invite, /^User-to-User: [0-9a-f]+;encoding=hex/m);
    assert.match(invite, /^o=sipp \d+ 1 IN IP4 127\.0\.0\.1/m); // the citizen's answer, not our offer
  }

  void it('bridge: the agent gets the context, the citizen is re-INVITEd to the agent, its BYE ends both legs', async () => {
    const desk = await agent({ scenario: 'transfer-uas-agent', template: AGENT_MEDIA });
    const { sipp, uri } = await callee({ scenario: 'callee-bridged', template: AGENT_MEDIA, pauseMs: 600 });
    const call = answered(await app.dial(request(uri)));
    const session = await within(observed.session(call.callId), 2000, 'media session');
    const closed = new Promise<void>((resolveClosed) => session.once('closed', () => resolveClosed()));

    const result = await within(
      call.control.transfer(callbackTransfer(call.callId, { uris: [desk.uri], mode: 'bridge' })),
      8000,
      'transfer',
    );
    assertBridged(result, [['bridge', 'transferred', 200]]);
    // The IVR's RTP for the citizen stopped once media went end to end; the call itself is still live.
    await within(closed, 1000, 'IVR media closed');
    assert.equal(media.stats().ports.allocated, 0);
    // The call is the agent's now: the conversation's hang-up does not drop it (the citizen's scenario would fail
    // on an early BYE, and the end reason would be `completed`).
    call.control.hangup();
    const live = app.activeCalls().find((c) => c.callId === call.callId);
    assert.equal(live?.direction, 'outbound');
    assert.equal(live?.state, 'confirmed');
    assert.equal(live?.rtpPort, undefined);

    const end = await within(call.ended, 5000, 'end of the call');
    assert.equal(end.reason, 'transferred');
    const bridgeEnd = await bridgeEndOf(call.callId);
    assert.equal(bridgeEnd.endedBy, 'caller');
    assert.equal(bridgeEnd.groupId, 'cards');
    assert.equal(bridgeEnd.uri, desk.uri);
    assert.ok(
      bridgeEnd.handlingSeconds >= 0.5 && bridgeEnd.handlingSeconds < 5,
      String(bridgeEnd.handlingSeconds),
    );
    await assertSippOk(sipp);
    await assertSippOk(desk.sipp); // it got the citizen's BYE relayed
    assertAgentInvite((await desk.sipp.done).messageLog ?? '', call.callId);
    // The citizen's re-INVITE: the agent's address and port under our origin, version 1 → 2 (RFC 3264 §8).
    assert.match(
      (await sipp.done).logs,
      /re-INVITE o=- \d+ 2 IN IP4 127\.0\.0\.1 c=IN IP4 127\.0\.0\.1 m=audio 46780 RTP\/AVP/,
    );
    await assertIdle();
  });

  void it('bridge: the agent hangs up first and the citizen gets our BYE', async () => {
    const desk = await agent({ scenario: 'uas-hangup', pauseMs: 500 });
    // uas-hangup answers with its own media port: any port will do in the citizen's check.
    const { sipp, uri } = await callee({
      scenario: 'callee-bridged-agent-hangs-up',
      template: { agent_rtp_ip: '127.0.0.1', agent_rtp_port: '[1-9][0-9]*' },
    });
    const call = answered(await app.dial(request(uri)));
    const result = await within(
      call.control.transfer(callbackTransfer(call.callId, { uris: [desk.uri], mode: 'bridge' })),
      8000,
      'transfer',
    );
    assert.equal(result.status, 'transferred', JSON.stringify(result));
    const end = await within(call.ended, 5000, 'end of the call');
    assert.equal(end.reason, 'transferred');
    const bridgeEnd = await bridgeEndOf(call.callId);
    assert.equal(bridgeEnd.endedBy, 'agent');
    assert.ok(bridgeEnd.handlingSeconds >= 0.4, String(bridgeEnd.handlingSeconds));
    await assertSippOk(desk.sipp);
    await assertSippOk(sipp);
    assert.match(
      (await sipp.done).logs,
      /BYE from the IVR, Reason .*Q\.850;cause=16;text="Call transferred"/,
    );
    await assertIdle();
  });

  void it('REFER refused (501) → bridge to the same URI, with the context; the citizen BYE reaches the agent', async () => {
    const desk = await agent({ scenario: 'transfer-uas-agent', template: AGENT_MEDIA });
    const { sipp, uri } = await callee({
      scenario: 'callee-refer-refused',
      template: { refer_status: '501', refer_reason: 'Not Implemented', ...AGENT_MEDIA },
      pauseMs: 400,
    });
    const call = answered(await app.dial(request(uri)));
    const result = await within(
      call.control.transfer(
        callbackTransfer(call.callId, { uris: [desk.uri], mode: 'refer', fallbackToBridge: true }),
      ),
      8000,
      'transfer',
    );
    assertBridged(result, [
      ['refer', 'refused', 501],
      ['bridge', 'transferred', 200],
    ]);
    const end = await within(call.ended, 5000, 'end of the call');
    assert.equal(end.reason, 'transferred');
    const bridgeEnd = await bridgeEndOf(call.callId);
    assert.equal(bridgeEnd.endedBy, 'caller');
    assert.ok(bridgeEnd.handlingSeconds >= 0.3, String(bridgeEnd.handlingSeconds));
    await assertSippOk(sipp);
    await assertSippOk(desk.sipp);
    const citizenLogs = (await sipp.done).logs;
    assert.match(citizenLogs, new RegExp(`REFER to ${desk.uri}\\?`));
    assert.match(citizenLogs, /re-INVITE o=- \d+ 2 IN IP4 127\.0\.0\.1 c=IN IP4 127\.0\.0\.1 m=audio 46780/);
    assertAgentInvite((await desk.sipp.done).messageLog ?? '', call.callId);
    await assertIdle();
  });

  void it('an answered call is hung up at the duration limit', async () => {
    const { sipp, uri } = await callee({ scenario: 'uas-basic' });
    const call = answered(await app.dial(request(uri)));
    const end = await within(call.ended, (MAX_DURATION_SECONDS + 3) * 1000, 'end of the call');
    assert.equal(end.reason, 'max-duration');
    assert.ok(end.durationMs >= MAX_DURATION_SECONDS * 1000 - 50, `${end.durationMs} ms`);
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('shutdown while ringing CANCELs the call; the outcome says it was not the callee', async () => {
    const { sipp, uri } = await callee({ scenario: 'uas-cancelled' });
    const seen = logger.lines.length;
    const dialling = app.dial(request(uri, { ringSeconds: 30 }));
    await within(
      (async () => {
        while (!logger.lines.slice(seen).some((line) => line.msg === 'callee ringing')) {
          await sleep(10);
        }
      })(),
      3000,
      'ringing',
    );
    await within(app.hangupAll(), 3000, 'hangupAll');
    const outcome = await dialling;
    assert.equal(outcome.kind, 'failed', JSON.stringify(outcome));
    assert.equal(outcome.kind === 'failed' && outcome.code, 'AIG_ERR_DRAINING');
    await assertSippOk(sipp);
    await assertIdle();
  });

  void it('refuses to dial when the request cannot be placed', async () => {
    const unknown = await app.dial(request('sip:citizen@127.0.0.1:9', { number: '9999' }));
    assert.equal(unknown.kind === 'failed' && unknown.code, 'AIG_ERR_NUMBER_UNKNOWN');
    const badHeader = await app.dial(request('sip:citizen@127.0.0.1:9', { headers: { 'Call-ID': 'x' } }));
    assert.equal(badHeader.kind, 'failed');
    app.drain();
    const draining = await app.dial(request('sip:citizen@127.0.0.1:9'));
    assert.deepEqual(draining, {
      kind: 'failed',
      callId: null,
      status: null,
      reason: 'draining',
      code: 'AIG_ERR_DRAINING',
    });
    await assertIdle();
  });
});

void describe(
  'outbound calls share the live-call limit with inbound ones',
  { skip: skipWithoutSipp, timeout: 30_000 },
  () => {
    void it('with maxConcurrent 1 and an outbound call live: a second dial and an inbound INVITE are refused', async () => {
      const h = await startEngine();
      const media = new MediaEngine({
        bindAddress: '127.0.0.1',
        rtpPortMin: 47200,
        rtpPortMax: 47299,
        promptsDirectory: join(ROOT, 'prompts'),
        recordingDirectory: null,
      });
      const peers = new SippPeers({ timeoutMs: 20_000 });
      try {
        const app = createSipApp(
          h.srf,
          { ...options, maxConcurrent: 1 },
          new RecordingLogger(),
          { media: new ObservedMedia(media) },
          {},
        );
        await sleep(50); // drachtio-srf registers `route|invite` asynchronously
        const { sipp: citizen, uri } = await peers.start({ scenario: 'uas-basic' }, 'citizen');
        const from = { uri: 'sip:3646@127.0.0.1' };
        const call = answered(await app.dial({ to: uri, from, ringSeconds: 5, number: '3646' }));
        assert.equal(app.activeCalls().length, 1);

        const second = await app.dial({ to: uri, from, ringSeconds: 5, number: '3646' });
        assert.equal(second.kind === 'failed' && second.code, 'AIG_ERR_OVERLOAD', JSON.stringify(second));

        const inbound = await peers.start({
          scenario: 'uac-expect-status',
          service: '3646',
          target: `${h.sip.address}:${h.sip.port}`,
          variables: { expected_status: '503' },
        });
        await assertSippOk(inbound.sipp); // refused with 503

        await within(app.hangupAll(), 3000, 'hangupAll');
        assert.equal((await call.ended).reason, 'shutdown');
        await assertSippOk(citizen);
        assert.equal(media.stats().ports.allocated, 0);
      } finally {
        await peers.stopAll();
        media.close();
        await h.stop();
      }
    });
  },
);
