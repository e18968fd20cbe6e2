/**
 * Shared pieces of the `google` recognizer tests: caller audio as the media layer delivers it (a real
 * `ForkSubscription` fed 20 ms frames), turn options, and an event recorder.
 */
import { ForkSubscription } from '../../../../src/media/fork/fork-subscription.js';
import {
  DEFAULT_RECOGNITION_TURN_OPTIONS,
  type RecognitionTurn,
  type RecognitionTurnOptions,
} from '../../../../src/speech/recognition/recognizer-types.js';

// The library must never look for a GCE metadata server from a test.
process.env.METADATA_SERVER_DETECTION = 'none';

export const SAMPLES_PER_FRAME = 160;

/** A deterministic, non-silent 20 ms frame (a 400 Hz tone whose phase follows `index`). */
export function toneFrame(index: number): Int16Array {
  const frame = new Int16Array(SAMPLES_PER_FRAME);
  for (let i = 0; i < SAMPLES_PER_FRAME; i++) {
    const t = index * SAMPLES_PER_FRAME + i;
    frame[i] = Math.round(8000 * Math.sin((2 * Math.PI * 400 * t) / 8000));
  }
  return frame;
}

/** The caller's audio as the audio fork gives it to a recognizer. */
export class CallerAudio {
  readonly subscription = new ForkSubscription('recognizer', 8000, 1000, () => {});
  readonly frames: Int16Array[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Queues `count` frames at once. */
  push(count: number): void {
    for (let i = 0; i < count; i++) {
      const frame = toneFrame(this.frames.length);
      this.frames.push(frame);
      this.subscription.enqueue(frame);
    }
  }

  /** One frame every 20 ms, as RTP delivers them, until `stop()`. */
  startRealTime(): void {
    this.timer = setInterval(() => this.push(1), 20);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The fork closed (call over). */
  end(): void {
    this.stop();
    this.subscription.finish();
  }

  /** Every frame pushed so far as little-endian 16-bit PCM (what LINEAR16 must carry). */
  linear16(frameCount = this.frames.length): Buffer {
    const out = Buffer.alloc(frameCount * SAMPLES_PER_FRAME * 2);
    this.frames.slice(0, frameCount).forEach((frame, f) => {
      frame.forEach((sample, i) => out.writeInt16LE(sample, (f * SAMPLES_PER_FRAME + i) * 2));
    });
    return out;
  }
}

export function turnOptions(overrides: Partial<RecognitionTurnOptions> = {}): RecognitionTurnOptions {
  return { ...DEFAULT_RECOGNITION_TURN_OPTIONS, language: 'fr', ...overrides };
}

export type RecordedEvent = { name: string; payload: unknown };

/** Every event of a turn, in order. */
export function recordEvents(turn: RecognitionTurn): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const name of ['speechStart', 'partial', 'final', 'error', 'end'] as const) {
    turn.on(name, (payload: unknown) => events.push({ name, payload }));
  }
  return events;
}

export function eventNames(events: readonly RecordedEvent[]): string[] {
  return events.map((e) => e.name);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
