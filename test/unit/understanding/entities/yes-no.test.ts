import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractYesNo } from '../../../../src/understanding/entities/yes-no.js';

type Expected = 'yes' | 'no' | null;

const FRENCH: readonly (readonly [string, Expected])[] = [
  ['oui', 'yes'],
  ['OUI', 'yes'],
  ['ouais', 'yes'],
  ['ouaip', 'yes'],
  ['Bien sûr !', 'yes'],
  ['bien sur', 'yes'],
  ['exactement', 'yes'],
  ["c'est ça", 'yes'],
  ['c est ca', 'yes'],
  ["c'est bien ça", 'yes'],
  ['tout à fait', 'yes'],
  ["d'accord", 'yes'],
  ['absolument', 'yes'],
  ['voilà', 'yes'],
  ['affirmatif', 'yes'],
  ['oui oui', 'yes'],
  ["oui c'est pour ma carte vitale", 'yes'],
  ['euh ben oui', 'yes'],
  ['je crois que oui', 'yes'],
  ['pas de problème', 'yes'],
  ['oui pas de problème', 'yes'],
  ['si', 'yes'],
  ['non pardon oui', 'yes'],
  ['ok', 'yes'],
  ['non', 'no'],
  ['non merci', 'no'],
  ['pas du tout', 'no'],
  ['nan', 'no'],
  ["non c'est pas ça", 'no'],
  ["ce n'est pas ça", 'no'],
  ['pas vraiment', 'no'],
  ['jamais', 'no'],
  ["pas du tout d'accord", 'no'],
  ["non c'est pour ma carte européenne", 'no'],
  ['absolument pas', 'no'],
  ['bien sûr que non', 'no'],
  ["je ne suis pas d'accord", 'no'],
  ['pas tout à fait', 'no'],
  ["ce n'est pas exactement ça", 'no'],
  ['oui enfin non', 'no'],
  ['certainement pas', 'no'],
  ["c'est faux", 'no'],
  ['je ne pense pas', 'no'],
  ['non non non', 'no'],
  ["c'est pas mon numéro", 'no'],
  ["absolument pas d'accord", 'no'],
  ["c'est pas faux", 'yes'],
  ['', null],
  ['je sais pas', null],
  ['peut-être', null],
  ['bonjour', null],
  ['si je peux me permettre', null],
  ['je voudrais parler à un conseiller', null],
  ['pas sûr', null],
  ["c'est pour une attestation", null],
  ['zéro six douze', null],
  ['euh', null],
  ['je comprends pas', null],
];

const ENGLISH: readonly (readonly [string, Expected])[] = [
  ['yes', 'yes'],
  ['Yes, please.', 'yes'],
  ['yeah', 'yes'],
  ['yep', 'yes'],
  ['yup', 'yes'],
  ['sure', 'yes'],
  ['of course', 'yes'],
  ['correct', 'yes'],
  ["that's right", 'yes'],
  ['exactly', 'yes'],
  ['absolutely', 'yes'],
  ['right', 'yes'],
  ['yeah sure', 'yes'],
  ['uh huh', 'yes'],
  ['yes it is', 'yes'],
  ['no problem', 'yes'],
  ['definitely', 'yes'],
  ['no sorry yes', 'yes'],
  ['ok', 'yes'],
  ['yes that is my number', 'yes'],
  ['I think so', 'yes'],
  ['oui', 'yes'],
  ['no', 'no'],
  ['nope', 'no'],
  ['nah', 'no'],
  ['not really', 'no'],
  ['no thanks', 'no'],
  ["that's wrong", 'no'],
  ['not at all', 'no'],
  ['not correct', 'no'],
  ["that isn't right", 'no'],
  ['of course not', 'no'],
  ['absolutely not', 'no'],
  ["I don't think so", 'no'],
  ['no it is about my european card', 'no'],
  ['yes I mean no', 'no'],
  ['never', 'no'],
  ['definitely not', 'no'],
  ["that's not my number", 'no'],
  ['incorrect', 'no'],
  ['non', 'no'],
  ["I don't know", null],
  ['maybe', null],
  ['hello', null],
  ['I want the right card', null],
  ["I'm not sure", null],
  ['one two three', null],
  ['can you repeat please', null],
  ['it is about my card', null],
  ['wait a second', null],
];

describe('extractYesNo: French', () => {
  for (const [input, expected] of FRENCH) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(extractYesNo(input, 'fr')?.value ?? null, expected);
    });
  }
});

describe('extractYesNo: English', () => {
  for (const [input, expected] of ENGLISH) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(extractYesNo(input, 'en')?.value ?? null, expected);
    });
  }
});

describe('extractYesNo: keypad', () => {
  it('reads 1 as yes and 2 as no, with full confidence, in both languages', () => {
    for (const lang of ['fr', 'en'] as const) {
      assert.deepEqual(extractYesNo('1', lang), { value: 'yes', confidence: 1, span: { start: 0, end: 1 } });
      assert.deepEqual(extractYesNo(' 2# ', lang), {
        value: 'no',
        confidence: 1,
        span: { start: 1, end: 2 },
      });
    }
  });

  it('ignores other keys and longer entries', () => {
    assert.equal(extractYesNo('3', 'fr'), null);
    assert.equal(extractYesNo('12', 'fr'), null);
    assert.equal(extractYesNo('#', 'en'), null);
  });
});

describe('extractYesNo: spans and confidence', () => {
  const spanText = (text: string, lang: 'fr' | 'en'): string => {
    const result = extractYesNo(text, lang)!;
    return text.slice(result.span.start, result.span.end);
  };

  it('points at the deciding words, negators included', () => {
    assert.equal(spanText("Non, c'est pour ma carte européenne", 'fr'), 'Non');
    assert.equal(spanText("pas du tout d'accord", 'fr'), 'pas du tout');
    assert.equal(spanText('euh absolument pas', 'fr'), 'absolument pas');
    assert.equal(spanText("je ne suis pas d'accord", 'fr'), "pas d'accord");
    assert.equal(spanText('this is not correct', 'en'), 'not correct');
    assert.equal(spanText("that isn't correct", 'en'), "that isn't");
    assert.equal(spanText('no sorry yes', 'en'), 'yes');
  });

  it('is surer of a plain leading answer than of a weak, late or contradicted one', () => {
    const confidence = (text: string, lang: 'fr' | 'en'): number => extractYesNo(text, lang)!.confidence;
    assert.equal(confidence('oui', 'fr'), 0.95);
    assert.ok(confidence("d'accord", 'fr') < confidence('oui', 'fr'));
    assert.ok(confidence('pour ma carte oui', 'fr') < confidence('oui', 'fr'));
    assert.ok(confidence('oui non', 'fr') < confidence('oui', 'fr'));
    assert.ok(confidence('right', 'en') < confidence('yes', 'en'));
  });
});
