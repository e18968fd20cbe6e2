/**
 * What the caller does, typed by a flow designer, one turn per line (`aiguilleur flows simulate`):
 *
 * | line                   | turn                                                                        |
 * |------------------------|-----------------------------------------------------------------------------|
 * | `j'ai perdu ma carte`  | the caller says these words (transcript, confidence 0.9, provider `text`)   |
 * | `#4`                   | a key; `#123#` several keys for a digit entry (the last `#` is the key `#`) |
 * | (empty line)           | silence: no input                                                           |
 * | `!nomatch`             | the recognizer heard something it could not transcribe                      |
 * | `!error unavailable`   | the recognizer failed (`unavailable`, `timeout`, `quota`, ...)             |
 * | `!hangup`              | the caller hangs up                                                         |
 * | `// anything`          | a comment (scripts only), not a turn                                        |
 *
 * A listen takes the first key of a key turn; a digit entry takes them all. `#` starts a key turn because
 * keys are what a caller types; comments therefore use `//`.
 */
import { AigError } from '../../errors/aig-error.js';

export type SimulatedTurn =
  | { readonly kind: 'speech'; readonly text: string }
  | { readonly kind: 'keys'; readonly keys: string }
  | { readonly kind: 'silence' }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'error'; readonly errorKind: string }
  | { readonly kind: 'hangup' };

const KEYS = /^[0-9*#A-D]+$/;

/** One line → its turn; null for a comment. Throws `AIG_ERR_FLOW_INPUT` for a malformed `#` or `!` line. */
export function parseSimulatedTurn(line: string): SimulatedTurn | null {
  const read = readTurn(line);
  if (typeof read === 'string') {
    throw new AigError('AIG_ERR_FLOW_INPUT', read);
  }
  return read;
}

/** Every turn of a script, comments dropped; errors name the line (1-based). */
export function parseSimulatedScript(text: string, source = '<script>'): SimulatedTurn[] {
  const turns: SimulatedTurn[] = [];
  const lines = text.split(/\r?\n/);
  // A final newline does not make one more (silent) turn.
  if (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  lines.forEach((line, index) => {
    const read = readTurn(line);
    if (typeof read === 'string') {
      throw new AigError('AIG_ERR_FLOW_INPUT', `${source}:${index + 1}: ${read}`);
    }
    if (read !== null) {
      turns.push(read);
    }
  });
  return turns;
}

/** The turn, null for a comment, or what is wrong with the line. */
function readTurn(line: string): SimulatedTurn | null | string {
  const text = line.trim();
  if (text.startsWith('//')) {
    return null;
  }
  if (text === '') {
    return { kind: 'silence' };
  }
  if (text.startsWith('#')) {
    const keys = text.slice(1).replace(/\s+/g, '');
    return KEYS.test(keys)
      ? { kind: 'keys', keys }
      : `"${text}": keys are 0-9, *, # and A-D after the leading #`;
  }
  if (text.startsWith('!')) {
    const [command, ...rest] = text.slice(1).trim().split(/\s+/);
    switch (command) {
      case 'nomatch':
        return { kind: 'no-match' };
      case 'error':
        return { kind: 'error', errorKind: rest[0] ?? 'unavailable' };
      case 'hangup':
        return { kind: 'hangup' };
      default:
        return `"${text}": unknown command (expected !nomatch, !error KIND or !hangup)`;
    }
  }
  return { kind: 'speech', text };
}
