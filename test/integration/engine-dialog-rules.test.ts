/**
 * The engine's own SIP rules, driven by a byte-exact UDP peer and a real drachtio-srf app: routing (503/405),
 * dialog matching (481), CSeq order (500), glare (491), merged requests (482), malformed requests (400 with a
 * reason), CANCEL (200 + 487), the ACK-timeout BYE, and an app that never answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type Srf from 'drachtio-srf';
import { getTag } from '../../src/sip/engine/message/name-addr.js';
import { RawSipPeer, isRequest, isStatus } from '../support/raw-sip-peer.js';
import { SDP_OFFER, inDialog, invite, startEngine, type EngineUnderTest } from '../support/engine-harness.js';

const ANSWER = SDP_OFFER.replace('o=peer', 'o=app');

describe('engine without routes', () => {
  let h: EngineUnderTest;
  let peer: RawSipPeer;
  before(async () => {
    h = await startEngine();
    peer = await new RawSipPeer(h.sip).start();
  });
  after(async () => {
    peer.close();
    await h.stop();
  });

  it('answers 503 to an INVITE when no app routed invite', async () => {
    peer.send(invite(peer.port, h.sip).text);
    const res = await peer.next(isStatus(503, 'INVITE'));
    assert.equal(res.kind, 'response');
    assert.ok(res.headers.has('retry-after'));
  });

  it('answers 405 with Allow to an out-of-dialog REFER', async () => {
    const text = inDialog(
      'REFER',
      peer.port,
      h.sip,
      { callId: 'refer-1', fromTag: 'a', toTag: '' },
      1,
    ).replace(/;tag=\r\n/, '\r\n');
    peer.send(text);
    const res = await peer.next(isStatus(405, 'REFER'));
    assert.match(res.headers.get('allow') ?? '', /INVITE/);
  });

  it('answers 481 to a BYE outside any dialog', async () => {
    peer.send(inDialog('BYE', peer.port, h.sip, { callId: 'nodialog', fromTag: 'a', toTag: 'b' }, 2));
    await peer.next(isStatus(481, 'BYE'));
  });

  it('answers 400 with the reason to a request without Call-ID', async () => {
    const text = invite(peer.port, h.sip).text.replace(/Call-ID: .*\r\n/, '');
    peer.send(text);
    const res = await peer.next(isStatus(400, 'INVITE'));
    assert.ok(
      res.kind === 'response' && /call-id/i.test(res.reason),
      `reason: ${res.kind === 'response' ? res.reason : ''}`,
    );
  });

  it('answers 400 to an unparsable request that still shows its routing headers', async () => {
    const text = invite(peer.port, h.sip).text.replace('Content-Length: ', 'Content-Length: x');
    peer.send(text);
    await peer.next(isStatus(400, 'INVITE'));
  });

  it('still answers after a burst of garbage datagrams', async () => {
    for (let i = 0; i < 200; i++) {
      peer.sendRaw(Buffer.from(`\u0000garbage ${i} \u00ff`.repeat((i % 7) + 1), 'latin1'));
    }
    peer.send(invite(peer.port, h.sip).text);
    await peer.next(isStatus(503, 'INVITE'));
  });
});

describe('engine with a drachtio-srf app', () => {
  let h: EngineUnderTest;
  let peer: RawSipPeer;
  let srf: Srf;
  let mode: 'answer' | 'hold' | 'ignore' = 'answer';
  const events: string[] = [];

  before(async () => {
    h = await startEngine({ t1: 50, appResponseTimeoutMs: 400 });
    srf = h.srf;
    srf.invite((req, res) => {
      if (mode === 'ignore') {
        return;
      }
      if (mode === 'hold') {
        req.on('cancel', () => events.push('cancel'));
        res.send(180);
        return;
      }
      srf
        .createUAS(req, res, { localSdp: ANSWER })
        .then((dialog) => {
          events.push('dialog');
          dialog.on('destroy', () => events.push('destroy'));
          dialog.on('info', (_r, infoRes) => {
            events.push('info');
            infoRes.send(200);
          });
        })
        .catch((err: unknown) =>
          events.push(`uas-error:${String((err as { status?: number }).status ?? err)}`),
        );
    });
    peer = await new RawSipPeer(h.sip).start();
    await sleep(100);
  });
  after(async () => {
    peer.close();
    await h.stop();
  });

  async function establish(): Promise<{ callId: string; fromTag: string; toTag: string }> {
    mode = 'answer';
    const inv = invite(peer.port, h.sip);
    peer.send(inv.text);
    await peer.next(isStatus(100, 'INVITE'));
    const ok = await peer.next(isStatus(200, 'INVITE'));
    const toTag = getTag(ok.headers.get('to') ?? '');
    assert.ok(toTag);
    assert.match(ok.headers.get('contact') ?? '', /sip:127\.0\.0\.1:\d+/);
    peer.send(inDialog('ACK', peer.port, h.sip, { ...inv, toTag }, 1).replace('ACK sip', 'ACK sip'));
    return { callId: inv.callId, fromTag: inv.fromTag, toTag };
  }

  it('delivers in-dialog INFO and enforces CSeq order (500 for an old CSeq)', async () => {
    const d = await establish();
    peer.send(inDialog('INFO', peer.port, h.sip, d, 5));
    await peer.next(isStatus(200, 'INFO'));
    peer.send(inDialog('INFO', peer.port, h.sip, d, 3));
    await peer.next(isStatus(500, 'INFO'));
    peer.send(inDialog('INFO', peer.port, h.sip, d, 5));
    await peer.next(isStatus(500, 'INFO'));
    peer.send(inDialog('BYE', peer.port, h.sip, d, 6));
    await peer.next(isStatus(200, 'BYE'));
    peer.send(inDialog('BYE', peer.port, h.sip, d, 7));
    await peer.next(isStatus(481, 'BYE'));
  });

  it('answers 491 to a re-INVITE while its own re-INVITE is pending (glare)', async () => {
    const d = await establish();
    await sleep(50);
    const finder = srf as unknown as {
      findDialogByCallIDAndFromTag(
        c: string,
        t: string,
      ): { modify(sdp: string): Promise<string> } | undefined;
    };
    const dialog = finder.findDialogByCallIDAndFromTag(d.callId, d.fromTag);
    assert.ok(dialog, 'app dialog exists');
    dialog.modify(ANSWER).catch(() => undefined);
    await peer.next(isRequest('INVITE'));
    const reinvite = inDialog('INVITE', peer.port, h.sip, d, 2);
    peer.send(reinvite);
    await peer.next(isStatus(491, 'INVITE'));
    peer.send(inDialog('BYE', peer.port, h.sip, d, 3));
    await peer.next(isStatus(200, 'BYE'));
  });

  it('answers 482 to a merged request (same Call-ID, tag and CSeq, other branch)', async () => {
    mode = 'ignore';
    const first = invite(peer.port, h.sip);
    peer.send(first.text);
    await peer.next(isStatus(100, 'INVITE'));
    peer.send(first.text.replace(first.branch, `${first.branch}-other`));
    await peer.next(isStatus(482, 'INVITE'));
    await peer.next(isStatus(500, 'INVITE'), 3000); // and the app that never answered: 500 after the timeout
  });

  it('answers CANCEL with 200 and the INVITE with 487; the app sees the cancel', async () => {
    mode = 'hold';
    const inv = invite(peer.port, h.sip);
    peer.send(inv.text);
    const ringing = await peer.next(isStatus(180, 'INVITE'));
    const cancel = inv.text
      .split('\r\n\r\n')[0]!
      .replace(/^INVITE /, 'CANCEL ')
      .replace(/CSeq: 1 INVITE/, 'CSeq: 1 CANCEL')
      .replace(/Content-Type: .*\r\n/, '')
      .replace(/Content-Length: \d+/, 'Content-Length: 0');
    peer.send(`${cancel}\r\n\r\n`);
    await peer.next(isStatus(200, 'CANCEL'));
    const terminated = await peer.next(isStatus(487, 'INVITE'));
    assert.equal(getTag(terminated.headers.get('to') ?? ''), getTag(ringing.headers.get('to') ?? ''));
    await sleep(100);
    assert.ok(events.includes('cancel'));
  });

  it('answers a CANCEL that crosses the 200 with 481 and ends the call with BYE', async () => {
    mode = 'answer';
    const inv = invite(peer.port, h.sip);
    peer.send(inv.text);
    await peer.next(isStatus(200, 'INVITE'));
    const cancel = inv.text
      .split('\r\n\r\n')[0]!
      .replace(/^INVITE /, 'CANCEL ')
      .replace(/CSeq: 1 INVITE/, 'CSeq: 1 CANCEL')
      .replace(/Content-Type: .*\r\n/, '')
      .replace(/Content-Length: \d+/, 'Content-Length: 0');
    peer.send(`${cancel}\r\n\r\n`);
    await peer.next(isStatus(481, 'CANCEL'));
    const bye = await peer.next(isRequest('BYE'));
    assert.match(bye.headers.get('reason') ?? '', /CANCEL after 200/);
    peer.send(
      [
        'SIP/2.0 200 OK',
        ...bye.headers.getFields('via').map((v) => `Via: ${v}`),
        `From: ${bye.headers.get('from')}`,
        `To: ${bye.headers.get('to')}`,
        `Call-ID: ${bye.headers.get('call-id')}`,
        `CSeq: ${bye.headers.get('cseq')}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await sleep(300); // the app's dialog sees the unsolicited BYE; leave nothing for the next test
    while (peer.received().length > 0) {
      await peer.next(() => true);
    }
  });

  it('retransmits an unacknowledged 200 and ends the call with BYE "ACK timeout"', async () => {
    mode = 'answer';
    const before = events.filter((e) => e === 'destroy').length;
    const inv = invite(peer.port, h.sip);
    peer.send(inv.text);
    await peer.next(isStatus(200, 'INVITE'));
    await peer.next(isStatus(200, 'INVITE'), 1000); // a retransmission (T1 = 50 ms)
    const bye = await peer.next(isRequest('BYE'), 6000); // 64×T1 = 3.2 s
    assert.match(bye.headers.get('reason') ?? '', /ACK timeout/);
    await sleep(100);
    assert.equal(
      events.filter((e) => e === 'destroy').length,
      before + 1,
      'app told through the unsolicited BYE',
    );
  });
});
