// The caller's context as X-Aiguilleur-* headers and an RFC 7433 User-to-User header; their embedding in a Refer-To
// URI (RFC 3261 §19.1.1); and the o= bookkeeping a bridge needs (RFC 3264 §8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referToValue } from '../../../src/sip/call/call-transfer.js';
import {
  formatOrigin,
  parseOrigin,
  SdpOriginSequence,
  withOrigin,
} from '../../../src/sip/call/sdp-origin.js';
import type { TransferContext } from '../../../src/sip/call/sip-app-types.js';
import {
  CONTEXT_HEADER,
  decodeUserToUser,
  transferContextHeaders,
} from '../../../src/sip/call/transfer-context-headers.js';

const context: TransferContext = {
  callId: 'c1@ivr',
  intent: 'health_card',
  confidence: 0.874,
  priority: 2,
  priorityReasons: ['repeat-caller', 'vulnerability'],
  reasons: 'intent health_card → cards L1',
  language: 'fr',
  flowVersion: '7',
  nirStatus: 'valid',
  nir: null,
};

describe('transferContextHeaders', () => {
  it('sends one X-Aiguilleur header per field, no NIR unless given', () => {
    const { headers } = transferContextHeaders(context);
    assert.deepEqual(
      Object.fromEntries(Object.entries(headers).filter(([name]) => name !== CONTEXT_HEADER.userToUser)),
      {
        'X-Aiguilleur-Call-Id': 'c1@ivr',
        'X-Aiguilleur-Intent': 'health_card',
        'X-Aiguilleur-Confidence': '0.87',
        'X-Aiguilleur-Priority': '2',
        'X-Aiguilleur-Priority-Reasons': 'repeat-caller,vulnerability',
        'X-Aiguilleur-Reasons': 'intent health_card → cards L1',
        'X-Aiguilleur-Language': 'fr',
        'X-Aiguilleur-Flow-Version': '7',
        'X-Aiguilleur-Nir-Status': 'valid',
      },
    );
    const withNir = transferContextHeaders({ ...context, nir: '185057800608436' }).headers;
    assert.equal(withNir['X-Aiguilleur-Nir'], '185057800608436');
  });

  it('leaves out an absent intent and confidence', () => {
    const { headers } = transferContextHeaders({
      ...context,
      intent: null,
      confidence: null,
      priorityReasons: [],
    });
    assert.equal(headers['X-Aiguilleur-Intent'], undefined);
    assert.equal(headers['X-Aiguilleur-Confidence'], undefined);
    assert.equal(headers['X-Aiguilleur-Priority-Reasons'], undefined);
  });

  it('puts the same data in User-to-User as hex-encoded JSON with encoding, purpose and content (RFC 7433)', () => {
    const { headers, uui } = transferContextHeaders(context, { uuiMaxOctets: 1000 });
    const value = headers['User-to-User'];
    assert.ok(value !== undefined);
    assert.match(value, /^[0-9a-f]+;encoding=hex;purpose=aiguilleur;content=aiguilleur-context$/);
    const decoded = decodeUserToUser(value);
    assert.deepEqual(decoded?.params, {
      encoding: 'hex',
      purpose: 'aiguilleur',
      content: 'aiguilleur-context',
    });
    assert.deepEqual(decoded?.data, {
      v: 1,
      id: 'c1@ivr',
      i: 'health_card',
      c: 0.87,
      p: 2,
      pr: ['repeat-caller', 'vulnerability'],
      r: 'intent health_card → cards L1',
      l: 'fr',
      f: '7',
      n: 'valid',
    });
    assert.deepEqual(uui?.dropped, []);
  });

  it('keeps User-to-User within uuiMaxOctets (128 by default) by dropping the least useful fields first', () => {
    const { headers, uui } = transferContextHeaders({ ...context, nir: '185057800608436' });
    assert.ok(uui !== null);
    assert.ok(uui.octets <= 128, `${uui.octets} octets`);
    assert.deepEqual(uui.dropped, ['r', 'pr']);
    const data = decodeUserToUser(headers['User-to-User']!)?.data as Record<string, unknown>;
    assert.equal(Buffer.byteLength(JSON.stringify(data)), uui.octets);
    assert.equal(data.nir, '185057800608436');
    assert.equal(headers['User-to-User']!.split(';')[0]!.length, uui.octets * 2);
    // The X- headers keep everything.
    assert.equal(headers['X-Aiguilleur-Priority-Reasons'], 'repeat-caller,vulnerability');

    const tight = transferContextHeaders(context, { uuiMaxOctets: 60 });
    assert.deepEqual(tight.uui?.dropped, ['r', 'pr', 'f', 'c', 'l']);
    const none = transferContextHeaders({ ...context, callId: 'x'.repeat(200) });
    assert.equal(none.uui, null);
    assert.equal(none.headers['User-to-User'], undefined);
  });

  it('honours purpose and content overrides', () => {
    const { headers } = transferContextHeaders(context, { uuiPurpose: 'isdn-uui', uuiContent: 'isdn-uui' });
    assert.match(headers['User-to-User']!, /;encoding=hex;purpose=isdn-uui;content=isdn-uui$/);
  });

  it('strips line breaks and control characters, shortens the reasons', () => {
    const { headers } = transferContextHeaders({
      ...context,
      intent: 'a\r\nRoute: <sip:evil>',
      reasons: `x${'y'.repeat(300)}`,
      priorityReasons: ['two words', 'a,b'],
    });
    assert.equal(headers['X-Aiguilleur-Intent'], 'a Route: <sip:evil>');
    assert.equal([...headers['X-Aiguilleur-Reasons']!].length, 200);
    assert.ok(headers['X-Aiguilleur-Reasons']!.endsWith('…'));
    assert.equal(headers['X-Aiguilleur-Priority-Reasons'], 'two-words,a-b');
  });
});

describe('referToValue with the context', () => {
  it('embeds X- headers and User-to-User, escaping ; = and spaces (RFC 3261 §19.1.1)', () => {
    const { headers } = transferContextHeaders(context);
    const referTo = referToValue({ uri: 'sip:cards@pbx', headers });
    assert.match(referTo, /^<sip:cards@pbx\?X-Aiguilleur-Call-Id=c1%40ivr&/);
    assert.match(referTo, /&X-Aiguilleur-Reasons=intent%20health_card%20%E2%86%92%20cards%20L1&/);
    assert.match(
      referTo,
      /&User-to-User=[0-9a-f]+%3Bencoding%3Dhex%3Bpurpose%3Daiguilleur%3Bcontent%3Daiguilleur-context>$/,
    );
    assert.doesNotMatch(referTo.slice(1, -1), /[ ;<>"]/);
  });
  it('still refuses other header names', () => {
    assert.throws(() => referToValue({ uri: 'sip:a@b', headers: { Replaces: 'x' } }), /X- header/);
  });
});

describe('sdp origin', () => {
  const sdp = 'v=0\r\no=- 4242 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n';
  it('parses, replaces and formats the o= line', () => {
    const origin = parseOrigin(sdp);
    assert.deepEqual(origin, { username: '-', sessionId: '4242', version: 7n, address: 'IN IP4 127.0.0.1' });
    const agent = 'v=0\r\no=agent 99 1 IN IP4 10.0.0.9\r\ns=x\r\n';
    assert.equal(withOrigin(agent, origin), 'v=0\r\no=- 4242 7 IN IP4 127.0.0.1\r\ns=x\r\n');
    assert.equal(parseOrigin('v=0\r\ns=-\r\n'), null);
  });
  it('gives each new description the next version (RFC 3264 §8), beyond 2^53 too', () => {
    const sequence = new SdpOriginSequence(parseOrigin(sdp)!);
    assert.equal(formatOrigin(sequence.next()), 'o=- 4242 8 IN IP4 127.0.0.1');
    assert.equal(formatOrigin(sequence.next()), 'o=- 4242 9 IN IP4 127.0.0.1');
    const big = new SdpOriginSequence(parseOrigin(sdp.replace(' 7 ', ' 9007199254740993 '))!);
    assert.equal(big.next().version, 9007199254740994n);
  });
});
