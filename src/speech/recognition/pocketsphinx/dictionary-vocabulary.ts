/**
 * The words of a pocketsphinx pronunciation dictionary (CMUdict format: `word PH ON ES`, alternative
 * pronunciations as `word(2)`), read once per recognizer so that a grammar can be checked before it reaches the
 * decoder: a JSGF grammar naming a word the dictionary lacks fails to compile as a whole, so unknown words are
 * dropped (and reported) beforehand.
 *
 * The Debian dictionary has 134,723 entries (3.2 MB); it is parsed in slices with a yield between them so that
 * loading it does not hold the event loop for the whole parse.
 */
import { readFile } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

const LINES_PER_SLICE = 20_000;

export async function loadDictionaryVocabulary(path: string): Promise<ReadonlySet<string>> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const words = new Set<string>();
  for (let start = 0; start < lines.length; start += LINES_PER_SLICE) {
    const end = Math.min(lines.length, start + LINES_PER_SLICE);
    for (let i = start; i < end; i++) {
      const word = headword(lines[i]!);
      if (word !== undefined) {
        words.add(word);
      }
    }
    await yieldToEventLoop();
  }
  return words;
}

/** `hello(2) HH EH L OW` → `hello`; comments (`;;;`, `#`) and blank lines → undefined. */
function headword(line: string): string | undefined {
  const trimmed = line.trimStart();
  if (trimmed === '' || trimmed.startsWith(';;;') || trimmed.startsWith('#')) {
    return undefined;
  }
  const space = trimmed.search(/\s/);
  const token = space < 0 ? trimmed : trimmed.slice(0, space);
  return token.replace(/\(\d+\)$/, '');
}
