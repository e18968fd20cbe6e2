import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatNameAddr, getTag, parseNameAddr, setTag } from '../../../src/sip/engine/message/name-addr.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';

void describe('parseNameAddr', () => {
  void it('parses a quoted display name with escaped quotes, URI params and header params', () => {
    const na = parseNameAddr('"Alice \\"A\\"" <sip:a@b;transport=tcp>;tag=1');
    assert.equal(na.displayName, 'Alice "A"');
    assert.equal(na.uri, 'sip:a@b;transport=tcp');
    assert.deepEqual([...na.params], [['tag', '1']]);
  });

  void it('keeps commas, semicolons and angle brackets inside a quoted display name', () => {
    const na = parseNameAddr('"Doe, John; <boss>" <sip:j@example.com>');
    assert.equal(na.displayName, 'Doe, John; <boss>');
    assert.equal(na.uri, 'sip:j@example.com');
  });

  void it('resolves escaped backslashes', () => {
    assert.equal(parseNameAddr('"C:\\\\dir\\\\" <sip:c@x>').displayName, 'C:\\dir\\');
  });

  void it('parses an unquoted display name made of tokens, and UTF-8 names', () => {
    assert.equal(parseNameAddr('Claire  Martin <sip:c@x>').displayName, 'Claire  Martin');
    assert.equal(parseNameAddr('Hélène <sip:h@x>').displayName, 'Hélène');
    assert.equal(parseNameAddr('<sip:c@x>').displayName, undefined);
    assert.equal(parseNameAddr('"" <sip:c@x>').displayName, '');
    assert.equal(parseNameAddr('Bob<sip:b@x>').displayName, 'Bob');
  });

  void it('treats params after an addr-spec as header params (§20.10)', () => {
    const na = parseNameAddr('sip:a@b;tag=x;expires=60');
    assert.equal(na.displayName, undefined);
    assert.equal(na.uri, 'sip:a@b');
    assert.deepEqual(
      [...na.params],
      [
        ['tag', 'x'],
        ['expires', '60'],
      ],
    );
  });

  void it('allows LWS around ";" and "=" and before "<"', () => {
    const na = parseNameAddr('  "X"   <sip:x@y>  ;  tag  =  abc ; lr  ');
    assert.equal(na.displayName, 'X');
    assert.equal(na.params.get('tag'), 'abc');
    assert.equal(na.params.get('lr'), null);
    assert.equal(parseNameAddr('sip:x@y ;   tag    = 8321').params.get('tag'), '8321');
  });

  void it('keeps quoted param values with their quotes', () => {
    const na = parseNameAddr('<sip:x@y>;+sip.instance="<urn:uuid:f81d4fae>";q=0.7');
    assert.equal(na.params.get('+sip.instance'), '"<urn:uuid:f81d4fae>"');
    assert.equal(na.params.get('q'), '0.7');
  });

  void it('accepts any absoluteURI scheme', () => {
    assert.equal(
      parseNameAddr('<nobodyknowsthisscheme:totallyopaque>').uri,
      'nobodyknowsthisscheme:totallyopaque',
    );
    assert.equal(parseNameAddr('tel:+33123').uri, 'tel:+33123');
  });

  void it('rejects malformed values', () => {
    for (const text of [
      '',
      '*',
      '"unterminated <sip:x@y>',
      '"Name" sip:x@y',
      '<sip:x@y',
      '<>',
      '<not a uri>',
      'Doe, John <sip:x@y>',
      'J@hn <sip:x@y>',
      'sip:x@y?subject=z',
      'sip:x y@z',
      '<sip:x@y>;tag=',
      '<sip:x@y>;;',
      '<sip:x@y> junk',
      '<sip:x@y>;p="open',
    ]) {
      assert.throws(
        () => parseNameAddr(text),
        (e: unknown) => e instanceof SipParseError && e.reason === 'Bad Address',
        `expected ${text} to be rejected`,
      );
    }
  });
});

void describe('formatNameAddr', () => {
  void it('always writes the URI in <> and quotes the display name', () => {
    assert.equal(formatNameAddr({ uri: 'sip:a@b', params: new Map([['tag', 'x']]) }), '<sip:a@b>;tag=x');
    assert.equal(
      formatNameAddr({ displayName: 'Alice "A"', uri: 'sip:a@b;lr', params: new Map([['expires', null]]) }),
      '"Alice \\"A\\"" <sip:a@b;lr>;expires',
    );
  });

  void it('round-trips through parseNameAddr', () => {
    for (const text of [
      '"Doe, John" <sip:j@x;a=b>;tag=9;q=0.5',
      '<tel:+33123>',
      '"back\\\\slash" <sip:b@x>',
    ]) {
      const na = parseNameAddr(text);
      assert.deepEqual(parseNameAddr(formatNameAddr(na)), na);
      assert.equal(formatNameAddr(na), text);
    }
  });
});

void describe('getTag / setTag', () => {
  void it('reads the tag in name-addr and addr-spec forms, never a URI param named tag', () => {
    assert.equal(getTag('"A" <sip:a@b>;tag=abc'), 'abc');
    assert.equal(getTag('sip:a@b;TAG=xyz'), 'xyz');
    assert.equal(getTag('<sip:a@b;tag=inuri>'), undefined);
    assert.equal(getTag('<sip:a@b>'), undefined);
    assert.equal(getTag('<sip:a@b>;tag'), undefined);
    assert.equal(getTag('garbage <'), undefined);
  });

  void it('appends a tag, keeping the rest of the text as written', () => {
    assert.equal(
      setTag('"Claire"   <sip:c@x;transport=tcp> ; foo = bar', '77'),
      '"Claire"   <sip:c@x;transport=tcp> ; foo = bar;tag=77',
    );
    assert.equal(setTag('sip:c@x  ', 'a1'), 'sip:c@x;tag=a1');
  });

  void it('replaces an existing tag in place', () => {
    assert.equal(setTag('<sip:c@x>;a=1; tag = old ;b', 'new'), '<sip:c@x>;a=1; tag=new ;b');
    assert.equal(setTag('sip:c@x;tag', 'z'), 'sip:c@x;tag=z');
    assert.equal(setTag('<sip:c@x;tag=uri>', 'h'), '<sip:c@x;tag=uri>;tag=h');
  });

  void it('throws on a value it cannot place a tag in', () => {
    assert.throws(() => setTag('<sip:c@x', 't'), SipParseError);
    assert.throws(() => setTag('<sip:c@x>;;', 't'), SipParseError);
  });
});
