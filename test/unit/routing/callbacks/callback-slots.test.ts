// Callback slots from open intervals (as opening-hours.ts gives them, holidays and closures already taken out):
// lunch breaks, end of day, lead time, full slots, the days clocks change in Paris.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mergeIntervals,
  nextFreeSlots,
  slotSearchWindow,
  slotsWithin,
  type TimeInterval,
} from '../../../../src/routing/callbacks/callback-slots.js';
import { findCallbackSlots } from '../../../../src/routing/callbacks/find-callback-slots.js';

const policy = { slotMinutes: 30, slotCapacity: 2, slotsOffered: 3, minLeadMinutes: 30 };

/** An instant from a UTC ISO string without the Z. */
const utc = (iso: string): Date => new Date(`${iso}Z`);
const span = (from: string, to: string): TimeInterval => ({ start: utc(from), end: utc(to) });
/** Local wall clock in Paris, "YYYY-MM-DD HH:MM". */
const paris = (at: Date): string =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
const starts = (slots: readonly TimeInterval[]): string[] =>
  slots.map((s) => s.start.toISOString().slice(0, 16));

// Tuesday 4 March 2025, Paris is UTC+1: open 08:30–12:00 and 13:30–17:00 local.
const tuesday = [span('2025-03-04T07:30', '2025-03-04T11:00'), span('2025-03-04T12:30', '2025-03-04T16:00')];
const wednesday = [
  span('2025-03-05T07:30', '2025-03-05T11:00'),
  span('2025-03-05T12:30', '2025-03-05T16:00'),
];

describe('callback slots', () => {
  it('offers the first slots at least the lead time away, on the grid of the opening time', () => {
    const slots = nextFreeSlots(tuesday, new Map(), policy, utc('2025-03-04T08:07'));
    // 08:07Z + 30 min = 08:37Z: the next slot on the 07:30Z grid starts at 09:00Z.
    assert.deepEqual(starts(slots), ['2025-03-04T09:00', '2025-03-04T09:30', '2025-03-04T10:00']);
    assert.deepEqual(
      slots.map((s) => s.remaining),
      [2, 2, 2],
    );
    assert.equal(slots[0]!.end.toISOString(), '2025-03-04T09:30:00.000Z');
  });

  it('skips the lunch break: no slot straddles it, the afternoon starts at its opening', () => {
    const slots = nextFreeSlots(tuesday, new Map(), policy, utc('2025-03-04T09:45'));
    assert.deepEqual(starts(slots), ['2025-03-04T10:30', '2025-03-04T12:30', '2025-03-04T13:00']);
    assert.deepEqual(
      slots.map((s) => paris(s.start)),
      ['2025-03-04 11:30', '2025-03-04 13:30', '2025-03-04 14:00'],
    );
  });

  it('at the end of the day the next slots are the next opening day', () => {
    const slots = nextFreeSlots([...tuesday, ...wednesday], new Map(), policy, utc('2025-03-04T15:10'));
    // 15:40Z is past the last whole slot (15:30–16:00Z) of Tuesday.
    assert.deepEqual(starts(slots), ['2025-03-05T07:30', '2025-03-05T08:00', '2025-03-05T08:30']);
  });

  it('a slot that would end after closing is not offered', () => {
    const slots = nextFreeSlots(
      [span('2025-03-04T07:30', '2025-03-04T08:45')],
      new Map(),
      policy,
      utc('2025-03-04T06:00'),
    );
    assert.deepEqual(starts(slots), ['2025-03-04T07:30', '2025-03-04T08:00']);
  });

  it('full slots are passed over, partly booked ones show what is left', () => {
    const bookings = new Map([
      [utc('2025-03-04T09:00').getTime(), 2],
      [utc('2025-03-04T09:30').getTime(), 1],
      [utc('2025-03-04T10:00').getTime(), 5],
    ]);
    const slots = nextFreeSlots(tuesday, bookings, policy, utc('2025-03-04T08:07'));
    assert.deepEqual(starts(slots), ['2025-03-04T09:30', '2025-03-04T10:30', '2025-03-04T12:30']);
    assert.deepEqual(
      slots.map((s) => s.remaining),
      [1, 2, 2],
    );
  });

  it('a holiday is a day with no interval: the slots jump over it', () => {
    // Thursday 1 May 2025 is a public holiday: opening-hours gives Wednesday and Friday only.
    const intervals = [
      span('2025-04-30T06:30', '2025-04-30T15:00'),
      span('2025-05-02T06:30', '2025-05-02T15:00'),
    ];
    const slots = nextFreeSlots(intervals, new Map(), policy, utc('2025-04-30T14:40'));
    assert.deepEqual(starts(slots), ['2025-05-02T06:30', '2025-05-02T07:00', '2025-05-02T07:30']);
  });

  it('the day clocks go forward (30 March 2025) and the day after, slots stay on local opening times', () => {
    // Saturday 29 March 09:00–12:00 CET (UTC+1), Monday 31 March 09:00–12:00 CEST (UTC+2).
    const intervals = [
      span('2025-03-29T08:00', '2025-03-29T11:00'),
      span('2025-03-31T07:00', '2025-03-31T10:00'),
    ];
    const slots = nextFreeSlots(
      intervals,
      new Map(),
      { ...policy, slotsOffered: 8 },
      utc('2025-03-29T09:00'),
    );
    assert.deepEqual(
      slots.map((s) => paris(s.start)),
      [
        '2025-03-29 10:30',
        '2025-03-29 11:00',
        '2025-03-29 11:30',
        '2025-03-31 09:00',
        '2025-03-31 09:30',
        '2025-03-31 10:00',
        '2025-03-31 10:30',
        '2025-03-31 11:00',
      ],
    );
  });

  it('a round-the-clock interval across the night clocks go back (26 October 2025) has 30-minute slots in real time', () => {
    // 00:00–06:00 local on 26 October: 22:00Z (UTC+2) to 05:00Z (UTC+1), seven hours of real time.
    const night = [span('2025-10-25T22:00', '2025-10-26T05:00')];
    const all = [...slotsWithin(night, { now: utc('2025-10-25T20:00'), slotMinutes: 30, minLeadMinutes: 0 })];
    assert.equal(all.length, 14);
    assert.ok(all.every((s) => s.end.getTime() - s.start.getTime() === 30 * 60_000));
    // 02:00 and 02:30 local occur twice; the slots are distinct instants.
    assert.equal(new Set(all.map((s) => s.start.getTime())).size, 14);
    assert.deepEqual(
      all.slice(3, 8).map((s) => paris(s.start)),
      ['2025-10-26 01:30', '2025-10-26 02:00', '2025-10-26 02:30', '2025-10-26 02:00', '2025-10-26 02:30'],
    );
  });

  it('touching intervals are one stretch; nothing open means nothing offered', () => {
    assert.deepEqual(
      mergeIntervals([
        span('2025-03-04T10:00', '2025-03-04T10:15'),
        span('2025-03-04T09:00', '2025-03-04T10:00'),
      ]).map((i) => [i.start.toISOString(), i.end.toISOString()]),
      [['2025-03-04T09:00:00.000Z', '2025-03-04T10:15:00.000Z']],
    );
    assert.deepEqual(nextFreeSlots([], new Map(), policy, utc('2025-03-04T08:00')), []);
    assert.throws(
      () => [...slotsWithin(tuesday, { now: utc('2025-03-04T08:00'), slotMinutes: 0, minLeadMinutes: 0 })],
      RangeError,
    );
  });

  it('the search window starts at a fixed instant so the grid does not move with the clock', () => {
    const a = slotSearchWindow(utc('2025-03-04T08:07'));
    const b = slotSearchWindow(utc('2025-03-04T15:59'));
    assert.equal(a.start.toISOString(), '2025-03-03T00:00:00.000Z');
    assert.equal(b.start.toISOString(), a.start.toISOString());
    assert.equal(a.end.toISOString(), '2025-03-18T08:07:00.000Z');
  });
});

describe('findCallbackSlots', () => {
  it('asks bookings a page at a time until enough slots have room, over the window it asked intervals for', async () => {
    const asked: Array<[string, string]> = [];
    const pages: number[] = [];
    const full = new Set(['2025-03-04T09:00', '2025-03-04T09:30', '2025-03-04T10:00', '2025-03-04T10:30']);
    const slots = await findCallbackSlots({
      now: utc('2025-03-04T08:07'),
      policy,
      pageSize: 3,
      openIntervals: (from, to) => {
        asked.push([from.toISOString(), to.toISOString()]);
        return [...tuesday, ...wednesday];
      },
      slotBookings: (page) => {
        pages.push(page.length);
        return Promise.resolve(page.map((s) => (full.has(s.start.toISOString().slice(0, 16)) ? 2 : 0)));
      },
    });
    assert.deepEqual(starts(slots), ['2025-03-04T12:30', '2025-03-04T13:00', '2025-03-04T13:30']);
    assert.deepEqual(asked, [['2025-03-03T00:00:00.000Z', '2025-03-18T08:07:00.000Z']]);
    assert.deepEqual(pages, [3, 3, 3]);
  });

  it('returns what there is when the horizon runs out', async () => {
    const slots = await findCallbackSlots({
      now: utc('2025-03-04T15:00'),
      policy,
      openIntervals: () => tuesday,
      slotBookings: (page) => Promise.resolve(page.map(() => 0)),
    });
    assert.deepEqual(starts(slots), ['2025-03-04T15:30']);
  });
});
