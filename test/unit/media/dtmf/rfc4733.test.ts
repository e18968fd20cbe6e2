import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTelephoneEvent,
  digitOfEvent,
  eventOfDigit,
  parseTelephoneEvent,
} from '../../../../src/media/dtmf/rfc4733.js';
import { Rfc4733Receiver } from '../../../../src/media/dtmf/rfc4733-receiver.js';
import { Rfc4733Sender, type Rfc4733OutboundPacket } from '../../../../src/media/dtmf/rfc4733-sender.js';
import type { DtmfEvent } from '../../../../src/media/media-types.js';

const ev = (event: number, end: boolean, duration: number): Buffer =>
  buildTelephoneEvent({ event, end, volume: 10, duration });

describe('RFC 4733 payload (§2.3)', () => {
  it('reads event, E bit, volume and duration', () => {
    assert.deepEqual(parseTelephoneEvent(Buffer.from('0b8a0320', 'hex')), {
      event: 11,
      end: true,
      volume: 10,
      duration: 800,
    });
    assert.deepEqual(
      parseTelephoneEvent(Buffer.from('05400000', 'hex')),
      {
        event: 5,
        end: false,
        volume: 0,
        duration: 0,
      },
      'R bit ignored',
    );
    assert.equal(parseTelephoneEvent(Buffer.from('0b8a03', 'hex')), undefined);
  });

  it('writes it, R bit clear', () => {
    assert.equal(ev(11, true, 800).toString('hex'), '0b8a0320');
    assert.equal(ev(1, false, 160).toString('hex'), '010a00a0');
    assert.throws(() => buildTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }), RangeError);
  });

  it('maps DTMF events 0-15 to 0-9 * # A-D (§3.2)', () => {
    assert.equal([...Array(16).keys()].map((e) => digitOfEvent(e)).join(''), '0123456789*#ABCD');
    assert.equal(digitOfEvent(16), undefined);
    assert.equal(eventOfDigit('#'), 11);
    assert.equal(eventOfDigit('d'), 15);
    assert.equal(eventOfDigit('E'), undefined);
    assert.equal(eventOfDigit('12'), undefined);
  });
});

function receiver(): { rx: Rfc4733Receiver; digits: DtmfEvent[]; starts: string[] } {
  const digits: DtmfEvent[] = [];
  const starts: string[] = [];
  const rx = new Rfc4733Receiver({ onDigit: (d) => digits.push(d), onDigitStart: (d) => starts.push(d) });
  return { rx, digits, starts };
}

describe('Rfc4733Receiver', () => {
  it('reports a digit once, on its end, with the duration of the end packet; redundant ends are dropped', () => {
    const { rx, digits, starts } = receiver();
    assert.equal(rx.receive(ev(5, false, 160), 1000, 0), 'start');
    assert.deepEqual(starts, ['5']);
    assert.equal(rx.receive(ev(5, false, 320), 1000, 20), 'update');
    assert.equal(rx.receive(ev(5, false, 480), 1000, 40), 'update');
    assert.equal(digits.length, 0);
    assert.equal(rx.receive(ev(5, true, 800), 1000, 60), 'end');
    assert.equal(rx.receive(ev(5, true, 800), 1000, 80), 'redundant');
    assert.equal(rx.receive(ev(5, true, 800), 1000, 100), 'redundant');
    assert.deepEqual(digits, [{ digit: '5', source: 'rfc4733', durationMs: 100 }]);
  });

  it('tells repeated presses of the same key apart by timestamp', () => {
    const { rx, digits } = receiver();
    for (const ts of [1000, 3000]) {
      rx.receive(ev(1, false, 160), ts, 0);
      rx.receive(ev(1, true, 640), ts, 0);
      rx.receive(ev(1, true, 640), ts, 0);
    }
    assert.deepEqual(
      digits.map((d) => d.digit),
      ['1', '1'],
    );
  });

  it('reports a digit whose first packets were lost, from its end packet alone', () => {
    const { rx, digits, starts } = receiver();
    assert.equal(rx.receive(ev(11, true, 960), 5000, 0), 'end');
    assert.deepEqual(starts, ['#']);
    assert.deepEqual(digits, [{ digit: '#', source: 'rfc4733', durationMs: 120 }]);
  });

  it('ends a digit whose end packets were all lost when the next one starts', () => {
    const { rx, digits } = receiver();
    rx.receive(ev(2, false, 160), 1000, 0);
    rx.receive(ev(2, false, 480), 1000, 40);
    rx.receive(ev(3, false, 160), 2600, 200);
    assert.deepEqual(digits, [{ digit: '2', source: 'rfc4733', durationMs: 60 }]);
    // A late end packet of digit 2 is not a new digit.
    assert.equal(rx.receive(ev(2, true, 800), 1000, 220), 'redundant');
  });

  it('ends a digit whose packets stopped, on poll after the timeout', () => {
    const { rx, digits } = receiver();
    rx.receive(ev(9, false, 160), 1000, 0);
    rx.poll(200);
    assert.equal(digits.length, 0);
    rx.poll(300);
    assert.deepEqual(digits, [{ digit: '9', source: 'rfc4733', durationMs: 20 }]);
  });

  it('joins the segments of a long event (§2.5.1.3)', () => {
    const { rx, digits } = receiver();
    rx.receive(ev(0, false, 0xffff), 100, 0);
    rx.receive(ev(0, false, 800), 100 + 0xffff, 20);
    rx.receive(ev(0, true, 1600), 100 + 0xffff, 40);
    assert.deepEqual(digits, [{ digit: '0', source: 'rfc4733', durationMs: (0xffff + 1600) / 8 }]);
  });

  it('ignores non-DTMF events and short payloads', () => {
    const { rx, digits } = receiver();
    assert.equal(rx.receive(ev(16, true, 800), 1, 0), 'ignored');
    assert.equal(rx.receive(Buffer.from([1, 2]), 1, 0), 'invalid');
    assert.equal(digits.length, 0);
  });
});

function drain(tx: Rfc4733Sender, startTs: number, ticks: number): (Rfc4733OutboundPacket | undefined)[] {
  return Array.from({ length: ticks }, (_, i) => tx.next(startTs + i * 160));
}

describe('Rfc4733Sender (§2.5.1)', () => {
  it('sends start (marker), updates every tick, then three end packets, all with the start timestamp', () => {
    const tx = new Rfc4733Sender();
    tx.enqueue('7', { durationMs: 100, pauseMs: 0 });
    const packets = drain(tx, 8000, 8);
    const sent = packets.filter((p) => p !== undefined);
    assert.equal(sent.length, 7, '5 ticks of key press, then 2 more end packets');
    assert.equal(packets[7], undefined);
    assert.deepEqual(
      sent.map((p) => parseTelephoneEvent(p.payload)),
      [160, 320, 480, 640, 800, 800, 800].map((duration, i) => ({
        event: 7,
        end: i >= 4,
        volume: 10,
        duration,
      })),
    );
    assert.deepEqual(
      sent.map((p) => p.marker),
      [true, false, false, false, false, false, false],
    );
    assert.ok(sent.every((p) => p.timestamp === 8000));
    assert.deepEqual(
      sent.map((p) => p.end),
      [false, false, false, false, true, true, true],
    );
    assert.equal(tx.busy, false);
  });

  it('leaves a pause between digits and gives each its own timestamp and marker', () => {
    const tx = new Rfc4733Sender();
    tx.enqueue('1#', { durationMs: 40, pauseMs: 40 });
    const packets = drain(tx, 0, 12);
    const shape = packets.map((p) => (p === undefined ? '.' : p.marker ? 'M' : p.end ? 'E' : 'u'));
    // 2 ticks key down (the second carries the E bit), 2 more end packets, 2 ticks of pause, next digit.
    assert.equal(shape.join(''), 'MEEE..MEEE..');
    assert.equal(packets[0]?.timestamp, 0);
    assert.equal(packets[6]?.timestamp, 6 * 160);
    assert.equal(parseTelephoneEvent(packets[6].payload)?.event, 11);
  });

  it('refuses non-DTMF characters and impossible durations', () => {
    const tx = new Rfc4733Sender();
    assert.throws(() => tx.enqueue('12x'), RangeError);
    assert.equal(tx.busy, false, 'nothing queued from a rejected string');
    assert.throws(() => tx.enqueue('1', { durationMs: 0 }), RangeError);
    assert.throws(() => tx.enqueue('1', { durationMs: 9000 }), RangeError);
  });

  it('clear() drops queued digits but finishes the one in progress', () => {
    const tx = new Rfc4733Sender();
    tx.enqueue('12', { durationMs: 40, pauseMs: 0 });
    tx.next(0);
    tx.clear();
    const rest = drain(tx, 160, 6).filter((p) => p !== undefined);
    assert.equal(rest.length, 3);
    assert.ok(rest.every((p) => parseTelephoneEvent(p.payload)?.event === 1 && p.end));
  });

  it('round-trips through the receiver', () => {
    const tx = new Rfc4733Sender();
    const { rx, digits } = receiver();
    tx.enqueue('*0A', { durationMs: 80 });
    let ts = 0;
    for (let tick = 0; tick < 40; tick++, ts += 160) {
      const p = tx.next(ts);
      if (p !== undefined) {
        rx.receive(p.payload, p.timestamp, tick * 20);
      }
    }
    assert.deepEqual(
      digits,
      ['*', '0', 'A'].map((digit) => ({ digit, source: 'rfc4733', durationMs: 80 })),
    );
  });
});
