/**
 * What becomes of espeak-ng's output: its 22.05 kHz WAV resampled to the IVR's 8 kHz, leading silence cut. Pure
 * and CPU-bound (33–55 ms for 6 s of speech), so it runs where the synthesis runs: in the helper process for the
 * binary, in place for the WebAssembly build.
 */
import { AigError } from '../../errors/aig-error.js';
import { toTelephonyPcm } from '../../media/codec/resample.js';
import { readWav } from '../../media/codec/wav.js';

/** 8 kHz mono 16-bit PCM from an espeak-ng WAV file; throws `AIG_ERR_TTS_FAILED` when it cannot be read. */
export function espeakWavToTelephony(wav: Buffer): Int16Array {
  try {
    const audio = readWav(wav);
    return trimLeadingSilence(toTelephonyPcm(audio.samples, audio.sampleRate));
  } catch (err) {
    throw new AigError(
      'AIG_ERR_TTS_FAILED',
      `espeak-ng produced unreadable audio (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
}

/**
 * espeak-ng starts some sentences with up to ~40 ms of digital silence: two silent RTP packets before the caller
 * hears the answer (measured by `bench:turns`). Cut it, keeping 5 ms before the first audible sample.
 */
export function trimLeadingSilence(pcm: Int16Array, threshold = 64): Int16Array {
  let first = 0;
  while (first < pcm.length && Math.abs(pcm[first]!) < threshold) {
    first++;
  }
  const keep = Math.max(0, first - 40); // 5 ms at 8 kHz
  return keep === 0 ? pcm : pcm.subarray(keep);
}
