/**
 * NTP timestamps as RTCP carries them (RFC 3550 §4): 32-bit seconds since 1 January 1900 and a 32-bit fraction.
 * RTCP reports only need the wallclock to agree with itself (round trip: RFC 3550 §6.4.1 LSR/DLSR), so
 * `Date.now()` resolution is enough.
 */

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_POW_32 = 0x1_0000_0000;

export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const totalSeconds = unixMs / 1000 + NTP_UNIX_OFFSET_S;
  const seconds = Math.floor(totalSeconds);
  const fraction = Math.floor((totalSeconds - seconds) * TWO_POW_32);
  // Wraps in 2036 (end of NTP era 0), which RFC 3550 §4 accepts: only differences matter.
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of a 64-bit NTP timestamp (16.16 fixed point): the LSR field of RFC 3550 §6.4.1. */
export function ntpMiddle32(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/** Milliseconds to the 1/65536 s unit of DLSR (RFC 3550 §6.4.1). */
export function msToNtpShort(ms: number): number {
  return Math.max(0, Math.round((ms * 65536) / 1000)) >>> 0;
}

/** 1/65536 s units (LSR, DLSR, or their differences) to milliseconds. */
export function ntpShortToMs(units: number): number {
  return (units * 1000) / 65536;
}
