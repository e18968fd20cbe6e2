// A flow designer's phrase file: every problem must name the file and line, and stop the flow from loading.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import {
  checkPhraseSetsAgree,
  parsePhraseSet,
  phraseSetFromObject,
  subsetPhraseSet,
} from '../../../src/understanding/phrase-set.js';

function rejects(text: string, pattern: RegExp, language: 'fr' | 'en' = 'fr'): void {
  assert.throws(
    () => parsePhraseSet(text, 'flows/x/phrases/fr.json', { language }),
    (err: unknown) => isAigError(err, 'AIG_ERR_NLU_PHRASES') && pattern.test(err.message),
  );
}

describe('parsePhraseSet', () => {
  it('keeps intents in file order and each phrase once', () => {
    const set = parsePhraseSet(
      JSON.stringify({
        language: 'fr',
        intents: { agent: ['un conseiller', ' un conseiller '], out_of_scope: ['la météo'] },
      }),
      'fr.json',
      { language: 'fr' },
    );
    assert.deepEqual([...set.intents.keys()], ['agent', 'out_of_scope']);
    assert.deepEqual(set.intents.get('agent'), ['un conseiller']);
  });

  it('rejects text that is not JSON, with the line of the error', () => {
    rejects('{\n  "language": "fr",\n  "intents": {\n    "agent": ["a",]\n  }\n}', /fr\.json:4: not JSON/);
  });

  it('rejects a wrong shape, a wrong language, a bad id, an empty list, a non-string phrase', () => {
    rejects('[]', /fr\.json:1: expected an object/);
    rejects('{"language": "en", "intents": {}}', /"language" is "en", expected "fr"/);
    rejects('{"language": "fr", "intents": []}', /"intents" must be an object/);
    rejects('{"language": "fr", "intents": {"Bad-Id": ["x"]}}', /intent id "Bad-Id"/);
    rejects(
      '{\n"language": "fr",\n"intents": {\n"out_of_scope": ["x"],\n"agent": []\n}}',
      /fr\.json:5: intent "agent" has no phrases/,
    );
    rejects('{"language": "fr", "intents": {"agent": ["", "x"]}}', /non-empty string/);
  });

  it('requires out_of_scope and the requested intents', () => {
    rejects('{"language": "fr", "intents": {"agent": ["x"]}}', /missing intent "out_of_scope"/);
    assert.throws(
      () =>
        parsePhraseSet('{"language": "fr", "intents": {"out_of_scope": ["x"]}}', 'fr.json', {
          language: 'fr',
          requiredIntents: ['agent'],
        }),
      /missing intent "agent"/,
    );
  });

  it('rejects a phrase given to two intents, compared after normalization, at the second one’s line', () => {
    const text = [
      '{',
      '  "language": "fr",',
      '  "intents": {',
      '    "health_card": ["J\'ai perdu ma carte"],',
      '    "out_of_scope": ["la météo", "j ai perdu ma carte"]',
      '  }',
      '}',
    ].join('\n');
    rejects(
      text,
      /fr\.json:5: phrase "j ai perdu ma carte" is given to both "health_card" and "out_of_scope"/,
    );
  });
});

describe('checkPhraseSetsAgree', () => {
  it('names the file lacking an intent another language has', () => {
    const fr = phraseSetFromObject(
      'fr',
      { agent: ['conseiller'], out_of_scope: ['météo'] },
      'phrases/fr.json',
    );
    const en = phraseSetFromObject('en', { out_of_scope: ['weather'] }, 'phrases/en.json');
    assert.throws(
      () => checkPhraseSetsAgree([fr, en]),
      (err: unknown) =>
        isAigError(err, 'AIG_ERR_NLU_PHRASES') &&
        /phrases\/en\.json: missing intent "agent"/.test(err.message),
    );
    assert.doesNotThrow(() => checkPhraseSetsAgree([fr, fr]));
  });
});

describe('subsetPhraseSet', () => {
  it('keeps the chosen phrases and drops emptied intents', () => {
    const set = phraseSetFromObject('fr', { agent: ['a', 'b'], out_of_scope: ['c'] });
    const subset = subsetPhraseSet(set, (intent, i) => intent === 'agent' && i === 1);
    assert.deepEqual([...subset.intents], [['agent', ['b']]]);
  });
});
