/**
 * The demonstration conversation of the media issue, until flows replace it: the caller hears the welcome
 * prompt (barge-in allowed), and every key pressed is answered by "vous avez tapé <digit>" / "you pressed
 * <digit>" until the caller hangs up. It proves the audio path end to end: prompts out, DTMF in, barge-in.
 */
import { digitPromptId } from '../speech/tts/say-digits.js';

/** What the demo needs from a call's media (a `MediaSession` provides it). */
export interface DemoMedia {
  play(
    items: { kind: 'prompt'; id: string }[],
    options: { bargeIn?: boolean; mode?: 'queue' | 'replace' },
  ): unknown;
  on(event: 'dtmf', listener: (event: { digit: string }) => void): unknown;
}

export function runKeypadEchoDemo(media: DemoMedia): void {
  media.play([{ kind: 'prompt', id: 'welcome' }], { bargeIn: true });
  media.on('dtmf', ({ digit }) => {
    if (!/^[0-9*#]$/.test(digit)) {
      return; // A–D have no spoken prompt
    }
    const id = digitPromptId(digit);
    media.play(
      [
        { kind: 'prompt', id: 'you_pressed' },
        { kind: 'prompt', id },
      ],
      { bargeIn: true, mode: 'replace' },
    );
  });
}
