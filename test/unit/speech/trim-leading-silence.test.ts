// TTS output starts with the voice, not with the synthesizer's leading silence (turn latency).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimLeadingSilence } from '../../../src/speech/tts/espeak-audio.js';

describe('trimLeadingSilence', () => {
  it('cuts leading near-silence down to 5 ms before the first audible sample', () => {
    const pcm = new Int16Array(1000);
    pcm.fill(3, 0, 400); // 50 ms of near-silence
    pcm[400] = 2000;
    const out = trimLeadingSilence(pcm);
    assert.equal(out.length, 1000 - 360);
    assert.equal(out[40], 2000);
  });
  it('keeps audio that starts at once, and all-silent audio down to 5 ms', () => {
    const loud = Int16Array.from([500, -500, 0, 0]);
    assert.equal(trimLeadingSilence(loud), loud);
    const silent = new Int16Array(100);
    assert.equal(trimLeadingSilence(silent).length, 40);
  });
});
