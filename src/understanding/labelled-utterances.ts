/**
 * Evaluation files: one labelled utterance per line, `intent<TAB>utterance`, UTF-8, an optional header line
 * `intent<TAB>utterance`, blank lines and `#` comment lines ignored. Pure: the caller reads the file.
 *
 * Any malformed line is an `AIG_ERR_NLU_EVAL_FILE` with file and line, so that a designer's evaluation set never
 * silently loses lines (a score computed on fewer lines than written is a wrong score).
 */
import { AigError } from '../errors/aig-error.js';

export interface LabelledUtterance {
  readonly intent: string;
  readonly text: string;
  /** 1-based line in the file. */
  readonly line: number;
}

export interface ParseLabelledUtterancesOptions {
  /** When given, an intent outside this list is an error (a typo would otherwise count as a miss). */
  readonly knownIntents?: readonly string[];
}

export function parseLabelledUtterances(
  text: string,
  file: string,
  options: ParseLabelledUtterancesOptions = {},
): LabelledUtterance[] {
  const known = options.knownIntents === undefined ? null : new Set(options.knownIntents);
  const utterances: LabelledUtterance[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) {
      return;
    }
    const tab = raw.indexOf('\t');
    if (tab < 0) {
      throw evalFileError(file, line, 'expected "intent<TAB>utterance" (no tab found)');
    }
    const intent = raw.slice(0, tab).trim();
    const utterance = raw.slice(tab + 1).trim();
    if (utterances.length === 0 && intent === 'intent' && utterance === 'utterance') {
      return;
    }
    if (intent === '' || utterance === '') {
      throw evalFileError(file, line, `empty ${intent === '' ? 'intent' : 'utterance'}`);
    }
    if (utterance.includes('\t')) {
      throw evalFileError(file, line, 'more than one tab: expected exactly two fields');
    }
    if (known !== null && !known.has(intent)) {
      throw evalFileError(file, line, `unknown intent "${intent}" (the flow has: ${[...known].join(', ')})`);
    }
    utterances.push({ intent, text: utterance, line });
  });
  if (utterances.length === 0) {
    throw new AigError('AIG_ERR_NLU_EVAL_FILE', `${file}: no labelled utterance`);
  }
  return utterances;
}

function evalFileError(file: string, line: number, reason: string): AigError {
  return new AigError('AIG_ERR_NLU_EVAL_FILE', `${file}:${line}: ${reason}`);
}
