/**
 * drachtio-srf as a UAC through the embedded engine, against sipp UAS peers (test/fixtures/sipp/uas-*.xml): the
 * dialog features transfers and agent calls rely on: createUAC (answered, refused, cancelled, with 100rel),
 * BYE both ways, INFO and re-INVITE from the peer, REFER with its NOTIFY progress, and out-of-dialog OPTIONS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Srf from 'drachtio-srf';
import { buildOffer, checkAnswer } from '../../src/sip/call/sdp-negotiator.js';
import { sipErrorStatus } from '../../src/sip/call/srf-types.js';
import { SippPeers, assertSippOk, skipWithoutSipp } from '../helpers/sipp-peers.js';
import { startEngine, type EngineUnderTest } from '../support/engine-harness.js';

const offer = buildOffer({
  codecs: ['PCMU', 'PCMA'],
  ptime: 20,
  telephoneEvent: true,
  address: '127.0.0.1',
  port: 42000,
  sessionId: '4242',
});

/** Our BYE, awaited (drachtio-srf returns a promise here, but its typings say void). */
function hangUp(dialog: Srf.Dialog): Promise<void> {
  return new Promise((resolve, reject) => {
    dialog.destroy(undefined, (err: unknown) =>
      err ? reject(new Error('BYE failed', { cause: err })) : resolve(),
    );
  });
}

/** The in-dialog request options drachtio-srf accepts (its typings declare them as a request object). */
function requestOptions(method: string, headers: Record<string, string> = {}, body?: string): Srf.SrfRequest {
  return { method, headers, ...(body === undefined ? {} : { body }) } as unknown as Srf.SrfRequest;
}

void describe(
  'drachtio-srf UAC through the engine, against sipp UAS scenarios',
  { skip: skipWithoutSipp, timeout: 30_000 },
  () => {
    let h: EngineUnderTest;
    const peers = new SippPeers({ timeoutMs: 20_000 });

    before(async () => {
      h = await startEngine();
    });
    after(async () => {
      await peers.stopAll();
      await h.stop();
    });

    void it('createUAC: answered with an SDP answer we accept, then our BYE', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-basic' });
      const dialog = await h.srf.createUAC(uri, { localSdp: offer, headers: { 'X-Aig-Call': 'probe' } });
      const media = checkAnswer(dialog.remote.sdp, offer);
      assert.equal(media.ok, true, media.ok ? '' : media.reason);
      assert.equal(media.ok && media.codec.name, 'PCMU');
      await hangUp(dialog);
      await assertSippOk(sipp);
    });

    void it('createUAC: a 486 rejects with the status', async () => {
      const { sipp, uri } = await peers.start({
        scenario: 'uas-reject',
        template: { reject_status: '486', reject_reason: 'Busy Here' },
      });
      await assert.rejects(
        h.srf.createUAC(uri, { localSdp: offer }),
        (err: unknown) => sipErrorStatus(err) === 486,
      );
      await assertSippOk(sipp);
    });

    void it('createUAC: CANCEL after the 180 ends with 487', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-cancelled' });
      let sent: Srf.SrfRequest | undefined;
      await assert.rejects(
        h.srf.createUAC(
          uri,
          { localSdp: offer },
          {
            // drachtio-srf calls cbRequest(err, req), whatever its typings say.
            cbRequest: ((_err: unknown, req: Srf.SrfRequest) => (sent = req)) as unknown as (
              req: Srf.SrfRequest,
            ) => void,
            cbProvisional: (res) => {
              if (res.status === 180) {
                sent?.cancel(() => undefined);
              }
            },
          },
        ),
        (err: unknown) => sipErrorStatus(err) === 487,
      );
      await assertSippOk(sipp);
    });

    void it('createUAC with 100rel: the reliable 180 is PRACKed before the 200', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-prack' });
      const dialog = await h.srf.createUAC(uri, { localSdp: offer, headers: { Supported: '100rel' } });
      await hangUp(dialog);
      await assertSippOk(sipp);
      assert.match((await sipp.done).logs, /PRACK RAck: ?1 \d+ INVITE/);
    });

    void it('a BYE from the peer destroys the dialog', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-hangup', pauseMs: 100 });
      const dialog = await h.srf.createUAC(uri, { localSdp: offer });
      await new Promise<void>((resolve) => dialog.on('destroy', () => resolve()));
      await assertSippOk(sipp);
    });

    void it('an INFO from the peer reaches the dialog with its DTMF body', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-info' });
      const dialog = await h.srf.createUAC(uri, { localSdp: offer });
      const body = await new Promise<string>((resolve) =>
        dialog.on('info', (req, res) => {
          res.send(200);
          resolve(req.body);
        }),
      );
      assert.match(body, /Signal=5/);
      await hangUp(dialog);
      await assertSippOk(sipp);
    });

    void it('a hold re-INVITE from the peer is answered and acknowledged', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-reinvite' });
      const dialog = await h.srf.createUAC(uri, { localSdp: offer });
      const holdAnswer = offer.replace('a=sendrecv', 'a=recvonly').replace('o=- 4242 1', 'o=- 4242 2');
      const acked = new Promise<void>((resolve) => dialog.on('ack', () => resolve()));
      const reinvite = await new Promise<string>((resolve) =>
        dialog.on('modify', (req, res) => {
          res.send(200, { body: holdAnswer, headers: { 'Content-Type': 'application/sdp' } });
          resolve(req.body);
        }),
      );
      assert.match(reinvite, /a=sendonly/);
      await acked;
      await hangUp(dialog);
      await assertSippOk(sipp);
    });

    void it('REFER: 202, then NOTIFY 100 Trying and NOTIFY 200 OK (terminated) reach the dialog', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-refer' });
      const dialog = await h.srf.createUAC(uri, { localSdp: offer });
      const fragments: string[] = [];
      const done = new Promise<void>((resolve) =>
        dialog.on('notify', (req, res) => {
          res.send(200);
          fragments.push(req.body.trim());
          if (/terminated/.test(req.get('Subscription-State'))) {
            resolve();
          }
        }),
      );
      const accepted = await dialog.request(
        requestOptions('REFER', { 'Refer-To': '<sip:3000@127.0.0.1:5999>' }),
      );
      assert.equal(accepted.status, 202);
      await done;
      assert.deepEqual(fragments, ['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
      await hangUp(dialog);
      await assertSippOk(sipp);
      assert.match((await sipp.done).logs, /REFER to sip:3000@127\.0\.0\.1:5999/);
    });

    void it('out-of-dialog OPTIONS gets the peer capabilities', async () => {
      const { sipp, uri } = await peers.start({ scenario: 'uas-options' });
      // drachtio-srf's `request(uri, opts, callback)` is typed with an extra body argument it does not have.
      const srf = h.srf as unknown as {
        request(uri: string, opts: Srf.SrfRequest, cb: (err: unknown, req: Srf.SrfRequest) => void): void;
      };
      const response = await new Promise<Srf.SrfResponse>((resolve, reject) => {
        srf.request(uri, requestOptions('OPTIONS'), (err, req) => {
          if (err) {
            reject(new Error('OPTIONS failed', { cause: err }));
            return;
          }
          req.on('response', (res) => {
            if (res !== undefined) {
              resolve(res);
            }
          });
        });
      });
      assert.equal(response.status, 200);
      assert.match(response.get('Allow'), /INVITE/);
      await assertSippOk(sipp);
    });
  },
);
