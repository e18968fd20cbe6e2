/**
 * Audio conventions shared by every media module: the IVR works on 8 kHz mono 16-bit PCM in 20 ms frames
 * (160 samples), the native shape of G.711 telephony (RFC 3551 §4.5.14, ptime 20).
 */

/** Hz. */
export const SAMPLE_RATE = 8000;
/** ms. */
export const FRAME_MS = 20;
/** Samples in one 20 ms frame at 8 kHz. */
export const SAMPLES_PER_FRAME = 160;

export type G711CodecName = 'PCMU' | 'PCMA';

/** Static payload types of RFC 3551 §6. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<G711CodecName, number>> = Object.freeze({
  PCMU: 0,
  PCMA: 8,
});

/** One frame of audio: `SAMPLES_PER_FRAME` signed 16-bit samples at 8 kHz. */
export type PcmFrame = Int16Array;

/** Where a DTMF digit came from. */
export type DtmfSource = 'rfc4733' | 'sip-info' | 'inband';

export interface DtmfEvent {
  /** '0'-'9', '*', '#', 'A'-'D'. */
  digit: string;
  source: DtmfSource;
  /** Duration in ms when known. */
  durationMs?: number;
}
