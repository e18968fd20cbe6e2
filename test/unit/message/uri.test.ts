import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatUri, parseUri, uriHostPort, uriScheme } from '../../../src/sip/engine/message/uri.js';
import { SipParseError } from '../../../src/sip/engine/message/sip-parse-error.js';

function badUri(text: string, reason = 'Bad URI'): void {
  assert.throws(
    () => parseUri(text),
    (e: unknown) => e instanceof SipParseError && e.reason === reason,
    `expected ${text} to be rejected with ${reason}`,
  );
}

void describe('parseUri', () => {
  void it('parses user, password, host, port, params and headers', () => {
    const uri = parseUri('sip:alice:secret@pbx.example.fr:5070;transport=tcp;lr?Subject=hi&Priority=urgent');
    assert.equal(uri.scheme, 'sip');
    assert.equal(uri.user, 'alice');
    assert.equal(uri.password, 'secret');
    assert.equal(uri.host, 'pbx.example.fr');
    assert.equal(uri.port, 5070);
    assert.deepEqual(
      [...uri.params],
      [
        ['transport', 'tcp'],
        ['lr', null],
      ],
    );
    assert.deepEqual(
      [...uri.headers],
      [
        ['Subject', 'hi'],
        ['Priority', 'urgent'],
      ],
    );
  });

  void it('parses a bare host with no user, port or params', () => {
    const uri = parseUri('sip:ivr.example.fr');
    assert.equal(uri.user, undefined);
    assert.equal(uri.port, undefined);
    assert.equal(uri.params.size, 0);
    assert.equal(uri.headers.size, 0);
  });

  void it('lower-cases the scheme and parameter names, keeps values as written', () => {
    const uri = parseUri('SIPS:Bob@Example.COM;Transport=TLS');
    assert.equal(uri.scheme, 'sips');
    assert.equal(uri.user, 'Bob');
    assert.equal(uri.host, 'Example.COM');
    assert.equal(uri.params.get('transport'), 'TLS');
  });

  void it('keeps an escaped user part as written, including escaped "@" and ";" in the user', () => {
    assert.equal(parseUri('sip:%61lice@example.com').user, '%61lice');
    assert.equal(parseUri('sip:sips%3Auser%40example.com@example.net').host, 'example.net');
    const semi = parseUri('sip:user;par=u%40example.net@example.com');
    assert.equal(semi.user, 'user;par=u%40example.net');
    assert.equal(semi.host, 'example.com');
    assert.equal(semi.params.size, 0);
  });

  void it('parses IPv6 references and strips the brackets from host', () => {
    const uri = parseUri('sip:[2001:db8::1]:5060;maddr=[2001:db8::2]');
    assert.equal(uri.host, '2001:db8::1');
    assert.equal(uri.port, 5060);
    assert.equal(uri.params.get('maddr'), '[2001:db8::2]');
    assert.equal(parseUri('sip:bob@[::ffff:192.0.2.1]').host, '::ffff:192.0.2.1');
  });

  void it('parses tel URIs, host being the number', () => {
    const tel = parseUri('tel:+33123456789;phone-context=example.fr');
    assert.equal(tel.scheme, 'tel');
    assert.equal(tel.host, '+33123456789');
    assert.equal(tel.params.get('phone-context'), 'example.fr');
    assert.equal(parseUri('TEL:+1-(201)-555.0123').host, '+1-(201)-555.0123');
  });

  void it('leaves unescaped "@" in URI headers alone', () => {
    const uri = parseUri('sip:pbx.example.fr?Replaces=abc@192.0.2.1%3Bto-tag%3D1');
    assert.equal(uri.user, undefined);
    assert.equal(uri.host, 'pbx.example.fr');
    assert.equal(uri.headers.get('Replaces'), 'abc@192.0.2.1%3Bto-tag%3D1');
  });

  void it('rejects unknown schemes with their own reason', () => {
    badUri('http://example.com/', 'Unsupported URI Scheme');
    badUri('nobodyknowsthisscheme:totallyopaque', 'Unsupported URI Scheme');
  });

  void it('rejects malformed URIs', () => {
    for (const text of [
      '',
      'sip:',
      'sip:@example.com',
      'sip:user@',
      'sip:user@host:port',
      'sip:user@host:70000',
      'sip:user@host:5060x',
      'sip:2001:db8::1',
      'sip:[2001:db8::1',
      'sip:[not-v6]',
      'sip:user@exa mple.com',
      '<sip:user@example.com>',
      'sip:user@example.com;',
      'sip:user@example.com;=x',
      'sip:us"er@example.com',
      'sip:%zzuser@example.com',
      'sip:user@example.com?=x',
      'tel:',
      'tel:+33 1',
      'tel:12;;',
      ':nothing',
      '1sip:x',
    ]) {
      badUri(text);
    }
  });
});

void describe('formatUri and uriHostPort', () => {
  void it('formats back what was parsed', () => {
    for (const text of [
      'sip:alice:secret@pbx.example.fr:5070;transport=tcp;lr?Subject=hi&Priority=urgent',
      'sips:bob@example.com',
      'sip:%61lice@[2001:db8::1]:5060;maddr=[2001:db8::2]',
      'sip:user;par=u%40example.net@example.com',
      'tel:+33123456789;phone-context=example.fr',
      'sip:192.0.2.1',
    ]) {
      assert.equal(formatUri(parseUri(text)), text);
    }
  });

  void it('formats a URI built in code', () => {
    const text = formatUri({
      scheme: 'sip',
      user: '3949',
      host: '2001:db8::5',
      port: 5080,
      params: new Map([
        ['transport', 'udp'],
        ['lr', null],
      ]),
      headers: new Map(),
    });
    assert.equal(text, 'sip:3949@[2001:db8::5]:5080;transport=udp;lr');
  });

  void it('gives host[:port] with brackets for IPv6', () => {
    assert.equal(uriHostPort(parseUri('sip:a@example.com')), 'example.com');
    assert.equal(uriHostPort(parseUri('sip:a@192.0.2.1:5062')), '192.0.2.1:5062');
    assert.equal(uriHostPort(parseUri('sip:[2001:db8::1]:5060')), '[2001:db8::1]:5060');
    assert.equal(uriHostPort({ host: '::1' }), '[::1]');
  });

  void it('reads the scheme of any absoluteURI', () => {
    assert.equal(uriScheme('SIP:a@b'), 'sip');
    assert.equal(uriScheme('urn:service:sos'), 'urn');
    assert.equal(uriScheme('x-y.z+1:opaque'), 'x-y.z+1');
    assert.equal(uriScheme('no-colon'), undefined);
    assert.equal(uriScheme('a b:c'), undefined);
  });
});
