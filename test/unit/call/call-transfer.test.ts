// REFER transfer (RFC 3515) on a dialog: the Refer-To value with embedded context headers, the sipfrag status of
// NOTIFYs, and every way the pending transfer settles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingTransfer, referToValue, sipfragStatus } from '../../../src/sip/call/call-transfer.js';
import type { SrfRequest, SrfResponse } from '../../../src/sip/call/srf-types.js';
import { FakeDialog } from './fake-srf.js';

function notify(body: string): { req: SrfRequest; res: SrfResponse; answered: number[] } {
  const answered: number[] = [];
  const req = {
    method: 'NOTIFY',
    uri: 'sip:ivr',
    body,
    callingNumber: '',
    get: () => undefined,
    has: () => false,
    on: () => undefined,
  } as SrfRequest;
  const res = {
    send: (status: number) => answered.push(status),
    finalResponseSent: false,
  } as unknown as SrfResponse;
  return { req, res, answered };
}

const options = { referredBy: '<sip:ivr@127.0.0.1>', timeoutMs: 200 };

describe('referToValue', () => {
  it('embeds X- headers in the URI, escaped per RFC 3261 §19.1.1', () => {
    assert.equal(
      referToValue({
        uri: 'sip:cards@pbx.example',
        headers: { 'X-Aig-Intent': 'health_card', 'X-Aig-Note': 'a b&c=d' },
      }),
      '<sip:cards@pbx.example?X-Aig-Intent=health_card&X-Aig-Note=a%20b%26c%3Dd>',
    );
    assert.equal(referToValue({ uri: 'sip:general@pbx', headers: {} }), '<sip:general@pbx>');
  });
  it('refuses header names that are not X- tokens (no injection of real headers)', () => {
    assert.throws(() => referToValue({ uri: 'sip:a@b', headers: { Route: 'x' } }), /X- header/);
    assert.throws(() => referToValue({ uri: 'sip:a@b', headers: { 'X-a b': 'x' } }), /X- header/);
  });
});

describe('sipfragStatus', () => {
  it('reads the status line of a message/sipfrag body (RFC 3420)', () => {
    assert.equal(sipfragStatus('SIP/2.0 100 Trying\r\n'), 100);
    assert.equal(sipfragStatus('SIP/2.0 200 OK'), 200);
    assert.equal(sipfragStatus('  SIP/2.0 486 Busy Here\r\n'), 486);
    assert.equal(sipfragStatus(''), null);
    assert.equal(sipfragStatus('garbage'), null);
    assert.equal(sipfragStatus(undefined), null);
  });
});

describe('PendingTransfer', () => {
  it('sends REFER with Refer-To and Referred-By, and is transferred on a final 200 sipfrag', async () => {
    const dialog = new FakeDialog();
    const transfer = new PendingTransfer(
      dialog,
      { uri: 'sip:cards@pbx', headers: { 'X-Aig-Intent': 'health_card' } },
      options,
    );
    const result = transfer.start();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(dialog.requests[0], {
      method: 'REFER',
      headers: {
        'Refer-To': '<sip:cards@pbx?X-Aig-Intent=health_card>',
        'Referred-By': '<sip:ivr@127.0.0.1>',
      },
    });
    const trying = notify('SIP/2.0 100 Trying');
    transfer.onNotify(trying.req, trying.res);
    assert.equal(transfer.pending, true);
    const ok = notify('SIP/2.0 200 OK');
    transfer.onNotify(ok.req, ok.res);
    assert.deepEqual(trying.answered, [200]);
    assert.deepEqual(ok.answered, [200]);
    assert.deepEqual(await result, { status: 'transferred', notifyStatus: 200 });
  });
  it('fails when the REFER is refused, with the status', async () => {
    const dialog = new FakeDialog();
    dialog.requestStatus = 603;
    const result = await new PendingTransfer(dialog, { uri: 'sip:a@b', headers: {} }, options).start();
    assert.deepEqual(result, { status: 'failed', reason: 'REFER answered 603', sipStatus: 603 });
  });
  it('fails when the transferee reports a failure in the final NOTIFY', async () => {
    const dialog = new FakeDialog();
    const transfer = new PendingTransfer(dialog, { uri: 'sip:a@b', headers: {} }, options);
    const result = transfer.start();
    await new Promise((r) => setImmediate(r));
    const busy = notify('SIP/2.0 486 Busy Here');
    transfer.onNotify(busy.req, busy.res);
    assert.deepEqual(await result, { status: 'failed', reason: 'transferee reported 486', sipStatus: 486 });
  });
  it('counts a hang-up after 202 as transferred, before 202 as failed', async () => {
    const accepted = new PendingTransfer(new FakeDialog(), { uri: 'sip:a@b', headers: {} }, options);
    const r1 = accepted.start();
    await new Promise((r) => setImmediate(r));
    accepted.onDialogEnded();
    assert.deepEqual(await r1, { status: 'transferred', notifyStatus: null });

    const dialog = new FakeDialog();
    dialog.request = () => new Promise(() => {}); // never answered
    const early = new PendingTransfer(dialog, { uri: 'sip:a@b', headers: {} }, options);
    const r2 = early.start();
    early.onDialogEnded();
    assert.equal((await r2).status, 'failed');
  });
  it('fails when no final NOTIFY comes in time', async () => {
    const transfer = new PendingTransfer(new FakeDialog(), { uri: 'sip:a@b', headers: {} }, options);
    const started = Date.now();
    const result = await transfer.start();
    assert.equal(result.status, 'failed');
    assert.match((result as { reason: string }).reason, /no final NOTIFY within 200 ms/);
    assert.ok(Date.now() - started >= 190);
  });
});
