/**
 * 16-bit RTP sequence number arithmetic (RFC 3550 §5.1 and Appendix A.1): sequence numbers wrap, so they are
 * compared through their signed 16-bit difference and extended with a count of cycles.
 */

/** A.1: a jump forward of more than this many packets is a restart, not loss. */
export const MAX_DROPOUT = 3000;
/** A.1: a packet this many behind the highest one is from before a restart, not merely reordered. */
export const MAX_MISORDER = 100;
/** A.1: packets in sequence needed before a new source (or a restarted one) is believed. */
export const MIN_SEQUENTIAL = 2;

const SEQ_MOD = 0x10000;

/** `a - b` for 16-bit sequence numbers, in [-32768, 32767]. */
export function sequenceDelta(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** Extends `seq` to a full counter near `reference` (an extended sequence number), following the wrap. */
export function extendSequence(seq: number, reference: number): number {
  return reference + sequenceDelta(seq, reference % SEQ_MOD);
}
