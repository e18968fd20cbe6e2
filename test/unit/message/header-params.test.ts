import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatParams, parseParams, scanParams } from '../../../src/sip/engine/message/header-params.js';
import { quoteString, unquoteString } from '../../../src/sip/engine/message/sip-grammar.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';

void describe('parseParams / formatParams', () => {
  void it('parses valued, valueless and quoted params with LWS, lower-casing names', () => {
    const params = parseParams(' ; Tag = abc ;lr; reason="a; b, \\"c\\"" ;q=0.5');
    assert.deepEqual(
      [...params],
      [
        ['tag', 'abc'],
        ['lr', null],
        ['reason', '"a; b, \\"c\\""'],
        ['q', '0.5'],
      ],
    );
    assert.equal(unquoteString(params.get('reason') ?? ''), 'a; b, "c"');
  });

  void it('parses from an offset, keeps the first of duplicates, and gives an empty map for nothing', () => {
    assert.deepEqual([...parseParams('xx;a=1;a=2', 2)], [['a', '1']]);
    assert.equal(parseParams('').size, 0);
    assert.equal(parseParams('   ').size, 0);
  });

  void it('reports spans that point into the text', () => {
    const text = '<sip:x>; tag = 12 ;lr';
    const [tag, lr] = scanParams(text, 7);
    assert.equal(text.slice(tag!.start, tag!.nameEnd), '; tag');
    assert.equal(text.slice(tag!.nameEnd, tag!.end), ' = 12');
    assert.equal(lr!.value, null);
    assert.equal(text.slice(lr!.start, lr!.end), ';lr');
  });

  void it('rejects malformed params', () => {
    for (const text of [';', ';=1', ';a=', ';a="open', 'a=1', ';a=1 b', ';a=1,;b', ';;a']) {
      assert.throws(
        () => parseParams(text),
        SipParseError,
        `expected ${JSON.stringify(text)} to be rejected`,
      );
    }
  });

  void it('formats as written', () => {
    assert.equal(
      formatParams(
        new Map([
          ['branch', 'z9hG4bK1'],
          ['rport', null],
          ['x', quoteString('a "b"')],
        ]),
      ),
      ';branch=z9hG4bK1;rport;x="a \\"b\\""',
    );
    assert.equal(formatParams(new Map()), '');
  });

  void it('quotes and unquotes', () => {
    assert.equal(quoteString('back\\slash "q"'), '"back\\\\slash \\"q\\""');
    assert.equal(unquoteString(quoteString('back\\slash "q"')), 'back\\slash "q"');
    assert.equal(unquoteString('token'), 'token');
  });
});
