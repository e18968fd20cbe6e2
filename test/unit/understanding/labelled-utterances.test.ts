// Evaluation files never lose a line silently: every malformed line is an error with file and line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { parseLabelledUtterances } from '../../../src/understanding/labelled-utterances.js';

function rejects(text: string, pattern: RegExp, knownIntents?: string[]): void {
  assert.throws(
    () => parseLabelledUtterances(text, 'eval.tsv', { knownIntents }),
    (err: unknown) => isAigError(err, 'AIG_ERR_NLU_EVAL_FILE') && pattern.test(err.message),
  );
}

describe('parseLabelledUtterances', () => {
  it('reads lines after an optional header, skipping blanks and comments, with line numbers', () => {
    const text = 'intent\tutterance\n# a comment\nagent\tun conseiller\n\nout_of_scope\tla météo\r\n';
    assert.deepEqual(parseLabelledUtterances(text, 'eval.tsv'), [
      { intent: 'agent', text: 'un conseiller', line: 3 },
      { intent: 'out_of_scope', text: 'la météo', line: 5 },
    ]);
  });

  it('rejects malformed lines and unknown intents with file and line', () => {
    rejects('agent\tun conseiller\nno tab here\n', /eval\.tsv:2: expected "intent<TAB>utterance"/);
    rejects('agent\t\n', /eval\.tsv:1: empty utterance/);
    rejects('\tbonjour\n', /eval\.tsv:1: empty intent/);
    rejects('agent\ta\tb\n', /eval\.tsv:1: more than one tab/);
    rejects('agent\tx\nagnet\ty\n', /eval\.tsv:2: unknown intent "agnet"/, ['agent', 'out_of_scope']);
    rejects('intent\tutterance\n', /eval\.tsv: no labelled utterance/);
  });
});
