import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { createSipApp } from '../../../src/sip/call/sip-app.js';
import type {
  CallSnapshot,
  CallSummary,
  SipAppDependencies,
  SipAppOptions,
} from '../../../src/sip/call/sip-app-types.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';
import { FakeRequest, FakeSrf, settle } from './fake-srf.js';
import { ASTERISK, G729_ONLY } from './sdp-samples.js';

const options: SipAppOptions = {
  numbers: {
    '3646': { language: 'fr', label: 'Assurance Maladie' },
    '3647': { language: 'en', label: 'Health' },
  },
  codecs: ['PCMU', 'PCMA'],
  ptime: 20,
  telephoneEvent: true,
  mediaAddress: '192.0.2.200',
  rtpPortMin: 40000,
  rtpPortMax: 40009,
  maxConcurrent: 3,
  maxDurationSeconds: 60,
  retryAfterSeconds: 30,
  userAgent: 'Aiguilleur/test',
};

function setup(overrides: Partial<SipAppOptions> = {}, deps: SipAppDependencies = {}) {
  const srf = new FakeSrf();
  const logger = new RecordingLogger();
  const clock = new ManualClock();
  const answered: CallSnapshot[] = [];
  const ended: CallSummary[] = [];
  const app = createSipApp(srf, { ...options, ...overrides }, logger, {
    clock,
    onCallAnswered: (call) => answered.push(call),
    onCallEnded: (summary) => ended.push(summary),
    ...deps,
  });
  return { srf, logger, clock, app, answered, ended };
}

const invite = (number = '3646', body: string | undefined = ASTERISK, headers: Record<string, string> = {}) =>
  new FakeRequest({ uri: `sip:${number}@192.0.2.200`, body, headers });

void describe('createSipApp: INVITE admission', () => {
  void it('answers a configured number with an SDP answer and registers the call', async () => {
    const { srf, app, answered, logger } = setup();
    const res = srf.deliverInvite(invite());
    await settle();
    assert.equal(res.final?.status, 200);
    const uas = srf.uas[0]!;
    assert.match(uas.opts.localSdp, /^v=0\r\n/);
    assert.match(uas.opts.localSdp, /m=audio 4000[0-8] RTP\/AVP 0 101\r\n/);
    assert.equal(uas.opts.headers?.Server, 'Aiguilleur/test');
    assert.match(uas.opts.headers?.Allow ?? '', /INVITE, ACK, CANCEL, BYE, OPTIONS/);
    const [call] = app.activeCalls();
    assert.equal(call?.state, 'answered');
    assert.equal(call?.number, '3646');
    assert.equal(call?.media?.codec.name, 'PCMU');
    assert.equal(answered.length, 1);
    assert.equal(answered[0]?.rtpPort, call?.rtpPort);
    const admitted = logger.find('call admitted');
    assert.deepEqual(Object.keys(admitted?.bindings ?? {}).sort(), ['callId', 'component', 'number']);
    assert.equal((admitted?.obj as { caller: string }).caller, '06******78');
  });

  void it('never logs the caller number in clear', async () => {
    const { srf, logger } = setup();
    srf.deliverInvite(invite());
    srf.deliverInvite(invite('9999'));
    await settle();
    assert.ok(logger.lines.length > 3);
    assert.doesNotMatch(JSON.stringify(logger.lines), /0612345678/);
  });

  void it('answers 404 to an unknown number without taking a call slot', async () => {
    const { srf, app } = setup();
    const res = srf.deliverInvite(invite('0800123456'));
    await settle();
    assert.equal(res.final?.status, 404);
    assert.equal(srf.uas.length, 0);
    assert.equal(app.activeCalls().length, 0);
  });

  void it('finds the number whatever its visual separators or URI form', async () => {
    const { srf } = setup({ numbers: { '+33 1 23 45 67 89': { language: 'fr', label: 'x' } } });
    const res = srf.deliverInvite(
      new FakeRequest({ uri: 'sip:+33-123-456-789@192.0.2.200;user=phone', body: ASTERISK }),
    );
    await settle();
    assert.equal(res.final?.status, 200);
  });

  void it('answers 400 to an INVITE without Contact', async () => {
    const { srf } = setup();
    const res = srf.deliverInvite(invite('3646', ASTERISK, { Contact: '' }));
    await settle();
    assert.equal(res.final?.status, 400);
  });

  void it('answers 503 with Retry-After while draining, and keeps live calls', async () => {
    const { srf, app } = setup();
    srf.deliverInvite(invite());
    await settle();
    app.drain();
    assert.equal(app.draining, true);
    const res = srf.deliverInvite(invite());
    await settle();
    assert.equal(res.final?.status, 503);
    assert.equal(res.final?.headers['Retry-After'], '30');
    assert.equal(app.activeCalls().length, 1);
  });

  void it('answers 503 with Retry-After at maxConcurrent and accepts again once a call ends', async () => {
    const { srf, app } = setup({ maxConcurrent: 2 });
    srf.deliverInvite(invite());
    srf.deliverInvite(invite());
    await settle();
    const refused = srf.deliverInvite(invite());
    await settle();
    assert.equal(refused.final?.status, 503);
    assert.equal(refused.final?.headers['Retry-After'], '30');
    srf.dialogs[0]!.remoteBye();
    await settle();
    assert.equal(app.activeCalls().length, 1);
    const accepted = srf.deliverInvite(invite());
    await settle();
    assert.equal(accepted.final?.status, 200);
  });

  void it('answers 503 when the injected overload probe says so', async () => {
    let overloaded = true;
    const { srf } = setup({}, { isOverloaded: () => overloaded });
    assert.equal(srf.deliverInvite(invite()).final?.status, 503);
    overloaded = false;
    const res = srf.deliverInvite(invite());
    await settle();
    assert.equal(res.final?.status, 200);
  });

  void it('answers 503 with Retry-After when the RTP port range is exhausted', async () => {
    const { srf, ended } = setup({ rtpPortMin: 40000, rtpPortMax: 40001 });
    srf.deliverInvite(invite());
    await settle();
    const res = srf.deliverInvite(invite());
    await settle();
    assert.equal(res.final?.status, 503);
    assert.equal(res.final?.headers['Retry-After'], '30');
    assert.equal(ended.at(-1)?.reason, 'rejected');
  });
});

void describe('createSipApp: SDP', () => {
  void it('answers 488 with a Warning to an offer without a common codec, and frees the port', async () => {
    const { srf, app, ended } = setup({ rtpPortMin: 40000, rtpPortMax: 40001 });
    const res = srf.deliverInvite(invite('3646', G729_ONLY));
    await settle();
    assert.equal(res.final?.status, 488);
    assert.match(
      res.final?.headers.Warning ?? '',
      /^305 aiguilleur "no common codec: we accept PCMU, PCMA"$/,
    );
    assert.equal(ended[0]?.reason, 'media-rejected');
    assert.equal(app.activeCalls().length, 0);
    // The only port of the range is free again.
    const next = srf.deliverInvite(invite());
    await settle();
    assert.equal(next.final?.status, 200);
  });

  void it('answers 400 with warning 399 to a malformed offer', async () => {
    const { srf } = setup();
    const res = srf.deliverInvite(invite('3646', 'not an sdp', { 'Content-Type': 'application/sdp' }));
    await settle();
    assert.equal(res.final?.status, 400);
    assert.match(res.final?.headers.Warning ?? '', /^399 aiguilleur "/);
  });

  void it('answers 415 with Accept to a body that is not SDP', async () => {
    const { srf } = setup();
    const res = srf.deliverInvite(invite('3646', '<xml/>', { 'Content-Type': 'application/xml' }));
    await settle();
    assert.equal(res.final?.status, 415);
    assert.equal(res.final?.headers.Accept, 'application/sdp');
  });

  void it('finds the SDP in a multipart body (SIP-I)', async () => {
    const { srf } = setup();
    const req = new FakeRequest({
      uri: 'sip:3646@192.0.2.200',
      body: '--b\r\nContent-Type: application/sdp\r\n\r\n...',
      headers: { 'Content-Type': 'multipart/mixed;boundary=b' },
      payload: [
        { type: 'application/sdp', content: ASTERISK },
        { type: 'application/isup; version=itu-t92+', content: '\u0001\u0002' },
      ],
    });
    const res = srf.deliverInvite(req);
    await settle();
    assert.equal(res.final?.status, 200);
  });

  void it('late offer: offers in the 200 and takes the answer from the ACK', async () => {
    const { srf, app, answered } = setup();
    srf.deliverInvite(invite('3646', ''));
    await settle();
    const offer = srf.uas[0]!.opts.localSdp;
    assert.match(offer, /m=audio \d+ RTP\/AVP 0 8 101\r\n/);
    assert.equal(answered.length, 0, 'media is not known before the ACK');
    assert.equal(app.activeCalls()[0]?.media, undefined);
    srf.dialogs[0]!.ack(
      'v=0\r\no=- 5 5 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8\r\n',
    );
    await settle();
    const [call] = app.activeCalls();
    assert.equal(call?.state, 'confirmed');
    assert.deepEqual(call?.media?.remote, { address: '192.0.2.50', port: 7000 });
    assert.equal(call?.media?.codec.name, 'PCMA');
    assert.equal(answered.length, 1);
  });

  void it('late offer: hangs up with Reason 488 when the ACK carries no acceptable answer', async () => {
    const { srf, app, ended } = setup();
    srf.deliverInvite(new FakeRequest({ uri: 'sip:3646@192.0.2.200' }));
    await settle();
    const dialog = srf.dialogs[0]!;
    dialog.ack(undefined);
    await settle();
    assert.equal(dialog.byes.length, 1);
    assert.match(dialog.byes[0]?.Reason ?? '', /^SIP;cause=488/);
    assert.equal(ended[0]?.reason, 'media-rejected');
    assert.equal(app.activeCalls().length, 0);
  });
});

void describe('createSipApp: call end', () => {
  void it('ends the call on a remote BYE and reports it once', async () => {
    const { srf, app, ended } = setup();
    srf.deliverInvite(invite());
    await settle();
    const dialog = srf.dialogs[0]!;
    dialog.ack();
    await settle();
    dialog.remoteBye();
    dialog.remoteBye();
    await settle();
    assert.equal(app.activeCalls().length, 0);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.reason, 'remote-hangup');
    assert.equal(dialog.byes.length, 0);
  });

  void it('tells apart the server giving up on the ACK, a server teardown later, and a quick caller BYE', async () => {
    const { srf, ended } = setup();
    srf.deliverInvite(invite());
    srf.deliverInvite(invite());
    srf.deliverInvite(invite());
    await settle();
    const [noAck, later, quick] = srf.dialogs;
    noAck!.serverBye('ACK timeout');
    later!.ack();
    await settle();
    later!.serverBye('session expired');
    // A caller BYE right behind its ACK, before our 'ack' event: still a caller hang-up.
    quick!.remoteBye();
    await settle();
    assert.deepEqual(
      ended.map((e) => e.reason),
      ['ack-timeout', 'error', 'remote-hangup'],
    );
  });

  void it('sends BYE with a Reason after maxDurationSeconds', async () => {
    const { srf, app, clock, ended } = setup({ maxDurationSeconds: 5 });
    srf.deliverInvite(invite());
    await settle();
    const dialog = srf.dialogs[0]!;
    dialog.ack();
    clock.advance(4999);
    await settle();
    assert.equal(dialog.byes.length, 0);
    clock.advance(1);
    assert.equal(app.activeCalls()[0]?.state, 'ending');
    await settle();
    assert.equal(dialog.byes.length, 1);
    assert.match(dialog.byes[0]?.Reason ?? '', /^Q\.850;cause=16;text="Maximum call duration reached"$/);
    assert.equal(ended[0]?.reason, 'max-duration');
    assert.equal(ended[0]?.durationMs, 5000);
    assert.equal(clock.pending(), 0);
  });

  void it('still ends the call when our BYE fails', async () => {
    const { srf, app, clock, logger } = setup({ maxDurationSeconds: 1 });
    srf.deliverInvite(invite());
    await settle();
    srf.dialogs[0]!.failBye = true;
    clock.advance(1000);
    await settle();
    assert.equal(app.activeCalls().length, 0);
    assert.ok(logger.find('BYE failed'));
  });

  void it('handles a CANCEL while the 200 is being sent: 487 path, port freed, no BYE', async () => {
    const { srf, app, ended } = setup();
    srf.holdUas = true;
    const req = invite();
    srf.deliverInvite(req);
    await settle();
    assert.equal(app.activeCalls()[0]?.state, 'answering');
    req.cancel();
    await settle();
    assert.equal(ended[0]?.reason, 'cancelled');
    assert.equal(app.activeCalls().length, 0);
  });

  void it('ends the call with reason error when createUAS fails otherwise', async () => {
    const { srf, ended, logger } = setup();
    srf.holdUas = true;
    srf.deliverInvite(invite());
    await settle();
    srf.failUas(new Error('transport for response has been shutdown or closed'));
    await settle();
    assert.equal(ended[0]?.reason, 'error');
    assert.ok(logger.find('could not answer the call'));
  });

  void it('answers 500 and frees the call when answering throws', async () => {
    const { srf, app, ended, logger } = setup();
    srf.createUAS = () => {
      throw new TypeError('broken srf');
    };
    const res = srf.deliverInvite(invite());
    await settle();
    assert.equal(res.final?.status, 500);
    assert.equal(app.activeCalls().length, 0);
    assert.equal(ended[0]?.reason, 'error');
    assert.ok(logger.find('could not answer the call'));
  });

  void it('rings before answering when answerAfterMs is set, and a CANCEL meanwhile skips the answer', async () => {
    const { srf, clock, app, ended } = setup({ answerAfterMs: 2000 });
    const res = srf.deliverInvite(invite());
    await settle();
    assert.deepEqual(
      res.sent.map((r) => r.status),
      [180],
    );
    assert.equal(srf.uas.length, 0);
    clock.advance(2000);
    await settle();
    assert.equal(res.final?.status, 200);

    const cancelled = invite();
    const res2 = srf.deliverInvite(cancelled);
    await settle();
    cancelled.cancel();
    await settle();
    assert.deepEqual(
      res2.sent.map((r) => r.status),
      [180],
    );
    assert.equal(ended.at(-1)?.reason, 'cancelled');
    assert.equal(app.activeCalls().length, 1);
    assert.equal(srf.uas.length, 1);
  });

  void it('sends the ringing 180 reliably when the caller requires 100rel', async () => {
    const { srf, clock } = setup({ answerAfterMs: 1000 });
    const res = srf.deliverInvite(invite('3646', ASTERISK, { Require: '100rel', Supported: '100rel' }));
    await settle();
    assert.equal(res.sent[0]?.status, 180);
    assert.equal(res.sent[0]?.headers.Require, '100rel');
    const plain = srf.deliverInvite(invite('3646', ASTERISK, { Supported: '100rel' }));
    await settle();
    assert.equal(plain.sent[0]?.headers.Require, undefined);
    clock.advance(1000);
    await settle();
    assert.equal(res.final?.status, 200);
  });

  void it('answers 420 Bad Extension to an INVITE requiring an option we lack', async () => {
    const { srf, app } = setup();
    const res = srf.deliverInvite(invite('3646', ASTERISK, { Require: 'timer' }));
    await settle();
    assert.equal(res.final?.status, 420);
    assert.equal(res.final?.headers.Unsupported, 'timer');
    assert.equal(app.activeCalls().length, 0);
  });

  void it('hangupAll refuses calls that are still ringing with 503 + Retry-After', async () => {
    const { srf, app, ended } = setup({ answerAfterMs: 10_000 });
    const first = srf.deliverInvite(invite());
    await settle();
    const second = srf.deliverInvite(invite());
    await settle();
    assert.equal(first.sent[0]?.status, 180);
    const done = app.hangupAll();
    await settle();
    await done;
    assert.equal(second.final?.status, 503);
    assert.equal(first.final?.status, 503);
    assert.equal(first.final?.headers['Retry-After'], '30');
    assert.equal(srf.uas.length, 0);
    assert.equal(app.activeCalls().length, 0);
    assert.deepEqual(
      ended.map((e) => e.reason),
      ['shutdown', 'shutdown'],
    );
  });

  void it('hangupAll sends BYE with a shutdown Reason to answered calls; whenIdle resolves after', async () => {
    const { srf, app } = setup();
    srf.deliverInvite(invite());
    srf.deliverInvite(invite());
    await settle();
    let idle = false;
    void app.whenIdle().then(() => (idle = true));
    await app.hangupAll();
    await settle();
    assert.equal(idle, true);
    for (const dialog of srf.dialogs) {
      assert.match(dialog.byes[0]?.Reason ?? '', /Service shutting down/);
    }
  });

  void it('a hangup requested while createUAS is in flight sends BYE as soon as the dialog exists', async () => {
    const { srf, app, ended } = setup();
    srf.holdUas = true;
    srf.deliverInvite(invite());
    await settle();
    const done = app.hangupAll();
    srf.completeUas();
    await done;
    assert.equal(srf.dialogs[0]?.byes.length, 1);
    assert.equal(ended[0]?.reason, 'shutdown');
  });

  void it('a throwing listener does not break the call', async () => {
    const { srf, app, logger } = setup(
      {},
      {
        onCallAnswered: () => {
          throw new Error('boom');
        },
        onCallEnded: () => {
          throw new Error('boom');
        },
      },
    );
    srf.deliverInvite(invite());
    await settle();
    assert.equal(app.activeCalls()[0]?.state, 'answered');
    srf.dialogs[0]!.remoteBye();
    await settle();
    assert.equal(app.activeCalls().length, 0);
    assert.ok(logger.find('onCallAnswered listener failed'));
    assert.ok(logger.find('onCallEnded listener failed'));
  });
});

void describe('createSipApp: OPTIONS', () => {
  const options200 = (uri: string) => new FakeRequest({ method: 'OPTIONS', uri });

  void it('answers 200 with Allow, Accept and Supported', () => {
    const { srf } = setup();
    const res = srf.deliverOptions(options200('sip:192.0.2.200'));
    assert.equal(res.final?.status, 200);
    assert.equal(
      res.final?.headers.Allow,
      'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, PRACK, UPDATE',
    );
    assert.equal(res.final?.headers.Accept, 'application/sdp, application/dtmf-relay, application/dtmf');
    assert.equal(res.final?.headers.Supported, '100rel');
  });

  void it('answers as an INVITE would: 503 while draining, 404 for an unknown telephone number', () => {
    const { srf, app } = setup();
    assert.equal(srf.deliverOptions(options200('sip:3646@192.0.2.200')).final?.status, 200);
    assert.equal(srf.deliverOptions(options200('sip:0800123456@192.0.2.200')).final?.status, 404);
    assert.equal(srf.deliverOptions(options200('sip:ping@192.0.2.200')).final?.status, 200);
    app.drain();
    const res = srf.deliverOptions(options200('sip:192.0.2.200'));
    assert.equal(res.final?.status, 503);
    assert.equal(res.final?.headers['Retry-After'], '30');
  });
});
