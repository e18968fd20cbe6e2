/**
 * The slots to offer a caller for one group: open intervals from the group's hours, bookings counted in Redis (the
 * callback store's `slotBookings`), the first `slotsOffered` slots with room. Candidate slots are looked up a page at
 * a time, so full days cost one more round trip each rather than a scan of the whole horizon.
 */
import {
  DEFAULT_SLOT_HORIZON_DAYS,
  slotSearchWindow,
  slotsWithin,
  type CallbackSlot,
  type OpenIntervals,
  type SlotPolicy,
  type TimeInterval,
} from './callback-slots.js';

export interface FindCallbackSlotsOptions {
  readonly now: Date;
  readonly policy: SlotPolicy;
  /** The group's open intervals. */
  readonly openIntervals: OpenIntervals;
  /** Bookings per slot, in the order of `slots` (the callback store's `slotBookings` bound to the group). */
  readonly slotBookings: (slots: readonly TimeInterval[]) => Promise<readonly number[]>;
  /** How far ahead to look, days. @default 14 */
  readonly horizonDays?: number;
  /** Candidate slots looked up per round trip. @default 48 */
  readonly pageSize?: number;
}

export async function findCallbackSlots(options: FindCallbackSlotsOptions): Promise<CallbackSlot[]> {
  const { policy } = options;
  const window = slotSearchWindow(options.now, options.horizonDays ?? DEFAULT_SLOT_HORIZON_DAYS);
  const candidates = slotsWithin(options.openIntervals(window.start, window.end), {
    now: options.now,
    ...policy,
  });
  const pageSize = options.pageSize ?? 48;
  const found: CallbackSlot[] = [];
  while (found.length < policy.slotsOffered) {
    const page: TimeInterval[] = [];
    // Not `for…of` with `break`: that would close the generator.
    for (let next = candidates.next(); !next.done; next = candidates.next()) {
      page.push(next.value);
      if (page.length >= pageSize) {
        break;
      }
    }
    if (page.length === 0) {
      break;
    }
    const counts = await options.slotBookings(page);
    page.forEach((slot, i) => {
      const remaining = policy.slotCapacity - (counts[i] ?? 0);
      if (remaining > 0 && found.length < policy.slotsOffered) {
        found.push({ ...slot, remaining });
      }
    });
  }
  return found;
}
