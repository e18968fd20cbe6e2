import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import {
  formatCdrFrame,
  formatEchoFields,
  formatProxyDoneFields,
  formatProxyResponseFields,
  formatRequestEchoFields,
  formatResponseFrame,
  formatSipFrame,
  parseAppMessage,
  parseProxyTimeout,
  splitPayload,
  wireSafeText,
  wireTime,
} from '../../../src/sip/engine/wire/wire-messages.js';
import type { WireMessageMeta } from '../../../src/sip/engine/wire/wire-types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const leader = (payload: string): string[] => splitPayload(payload).fields;

void describe('parseAppMessage', () => {
  void it('parses authenticate with tags, and with the empty tags field drachtio-srf sends', () => {
    assert.deepEqual(parseAppMessage('m1|authenticate|cymru|tag-a,tag-b'), {
      type: 'authenticate',
      id: 'm1',
      secret: 'cymru',
      tags: ['tag-a', 'tag-b'],
    });
    assert.deepEqual(parseAppMessage('m1|authenticate|cymru|'), {
      type: 'authenticate',
      id: 'm1',
      secret: 'cymru',
      tags: [],
    });
    assert.deepEqual(parseAppMessage('m1|authenticate'), {
      type: 'authenticate',
      id: 'm1',
      secret: '',
      tags: [],
    });
  });

  void it('keeps a secret containing spaces and non-ASCII characters verbatim', () => {
    const m = parseAppMessage('m1|authenticate| sé cret |');
    assert.equal(m.type === 'authenticate' ? m.secret : undefined, ' sé cret ');
  });

  void it('parses route and remove_route, lowercasing verbs (including cdr:*)', () => {
    assert.deepEqual(parseAppMessage('m2|route|INVITE'), { type: 'route', id: 'm2', verb: 'invite' });
    assert.deepEqual(parseAppMessage('m2|route|cdr:attempt'), {
      type: 'route',
      id: 'm2',
      verb: 'cdr:attempt',
    });
    assert.deepEqual(parseAppMessage('m3|remove_route|options'), {
      type: 'remove_route',
      id: 'm3',
      verb: 'options',
    });
  });

  void it('refuses a route without a verb, without ending the connection', () => {
    assert.deepEqual(parseAppMessage('m2|route|'), {
      type: 'invalid',
      id: 'm2',
      reason: 'route: verb missing',
      fatal: false,
    });
  });

  void it('parses ping', () => {
    assert.deepEqual(parseAppMessage('m4|ping'), { type: 'ping', id: 'm4' });
  });

  void it('parses sip: empty txn and dialog ids are kept, the leader ends at the first CRLF', () => {
    const sipText = 'OPTIONS sip:a@b SIP/2.0\r\nX-Pipe: a|b|c\r\nContent-Length: 0\r\n\r\n';
    assert.deepEqual(parseAppMessage(`m5|sip||\r\n${sipText}`), {
      type: 'sip',
      id: 'm5',
      txnId: '',
      dialogId: '',
      sipText,
    });
    assert.deepEqual(parseAppMessage(`m5|sip|t1|c@h;from-tag=x|sip:proxy.example.com\r\n${sipText}`), {
      type: 'sip',
      id: 'm5',
      txnId: 't1',
      dialogId: 'c@h;from-tag=x',
      routeUri: 'sip:proxy.example.com',
      sipText,
    });
  });

  void it('refuses a sip message with fewer than 4 fields or no SIP text, without ending the connection', () => {
    const short = parseAppMessage('m6|sip|t1\r\nBYE sip:a SIP/2.0\r\n\r\n');
    assert.equal(short.type, 'invalid');
    assert.ok(short.type === 'invalid');
    assert.equal(short.id, 'm6');
    assert.equal(short.fatal, false);
    const empty = parseAppMessage('m6|sip|t1|');
    assert.ok(empty.type === 'invalid');
    assert.equal(empty.fatal, false);
  });

  void it('parses proxy as drachtio-srf builds it (DrachtioAgent#proxy)', () => {
    const body = 'INVITE sip:b@example.com SIP/2.0\r\n\r\n';
    assert.deepEqual(
      parseAppMessage(
        `m7|proxy|t9|remainInDialog|fullResponse||simultaneous|1500ms|2s|sip:b@example.com|sip:c@x\r\n${body}`,
      ),
      {
        type: 'proxy',
        id: 'm7',
        txnId: 't9',
        remainInDialog: true,
        fullResponse: true,
        followRedirects: false,
        simultaneous: true,
        provisionalTimeout: 1500,
        finalTimeout: 2000,
        destinations: ['sip:b@example.com', 'sip:c@x'],
        sipText: body,
      },
    );
    const serial = parseAppMessage(`m7|proxy|t9|||followRedirects|serial|||sip:b@example.com\r\n${body}`);
    assert.ok(serial.type === 'proxy');
    assert.equal(serial.simultaneous, false);
    assert.equal(serial.followRedirects, true);
    assert.equal(serial.provisionalTimeout, undefined);
    assert.equal(serial.finalTimeout, undefined);
  });

  void it('refuses a proxy without destinations or with a bad timeout', () => {
    const none = parseAppMessage('m7|proxy|t9||fullResponse||serial||');
    assert.ok(none.type === 'invalid' && !none.fatal);
    const bad = parseAppMessage('m7|proxy|t9||fullResponse||serial|soon||sip:b@x');
    assert.ok(bad.type === 'invalid' && !bad.fatal);
  });

  void it('marks a leader with fewer than 2 fields and unknown types as fatal, with the server reasons', () => {
    assert.deepEqual(parseAppMessage('lonely'), {
      type: 'invalid',
      id: 'lonely',
      reason: 'Invalid message format',
      fatal: true,
    });
    assert.deepEqual(parseAppMessage(''), { type: 'invalid', reason: 'Invalid message format', fatal: true });
    assert.deepEqual(parseAppMessage('m8|dance|now'), {
      type: 'invalid',
      id: 'm8',
      reason: 'Unknown message type',
      fatal: true,
    });
  });
});

void describe('invalid reasons', () => {
  void it('never contain a field separator or line break, so they can be sent as a NO field', () => {
    const inputs = [
      'x',
      '',
      'm|dance',
      'm|route|',
      'm|remove_route',
      'm|sip|t',
      'm|sip|t|d',
      'm|proxy|t',
      'm|proxy|t||||serial|x||sip:a',
    ];
    for (const input of inputs) {
      const m = parseAppMessage(input);
      assert.equal(m.type, 'invalid', input);
      assert.ok(m.type === 'invalid' && !/[|\r\n]/.test(m.reason), `${input}: ${JSON.stringify(m)}`);
    }
  });
});

void describe('parseProxyTimeout', () => {
  void it('reads ms and s units, empty as unset, anything else as invalid', () => {
    assert.equal(parseProxyTimeout('250ms'), 250);
    assert.equal(parseProxyTimeout('3s'), 3000);
    assert.equal(parseProxyTimeout(''), undefined);
    assert.equal(parseProxyTimeout('3'), null);
    assert.equal(parseProxyTimeout('-3s'), null);
  });
});

void describe('wireTime', () => {
  void it('formats UTC time of day with microseconds', () => {
    assert.equal(wireTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), '03:04:05.678000');
    assert.equal(wireTime(new Date(Date.UTC(2024, 11, 31, 23, 59, 59, 1))), '23:59:59.001000');
    assert.match(wireTime(new Date()), /^\d{2}:\d{2}:\d{2}\.\d{6}$/);
  });
});

const meta: WireMessageMeta = {
  source: 'network',
  bytes: 482,
  protocol: 'udp',
  address: '127.0.0.1',
  port: 5070,
  time: '23:28:06.565768',
  transactionId: '59a6e066-1111-4222-8333-444455556666',
  dialogId: '',
};

void describe('formatSipFrame', () => {
  void it('puts meta at the positions drachtio-srf reads, receivedOn at 10/11, and ends the leader with |', () => {
    const p = formatSipFrame(
      { ...meta, receivedOn: { host: '127.0.0.1', port: 5090 } },
      'INVITE sip:x SIP/2.0\r\n\r\n',
    );
    const f = leader(p);
    assert.match(f[0]!, UUID);
    assert.deepEqual(f.slice(1), [
      'sip',
      'network',
      '482',
      'udp',
      '127.0.0.1',
      '5070',
      '23:28:06.565768',
      '59a6e066-1111-4222-8333-444455556666',
      '',
      '127.0.0.1',
      '5090',
      '',
    ]);
    assert.equal(splitPayload(p).body, 'INVITE sip:x SIP/2.0\r\n\r\n');
  });

  void it('without receivedOn has 11 fields: more than 9 (delivered), not more than 11 (no receivedOn)', () => {
    const p = formatSipFrame({ ...meta, dialogId: 'cid@h;from-tag=abc' }, 'BYE sip:x SIP/2.0\r\n\r\n');
    const f = leader(p);
    assert.equal(f.length, 11);
    assert.equal(f[9], 'cid@h;from-tag=abc');
    assert.equal(f[10], '');
    assert.ok(p.includes('|cid@h;from-tag=abc|\r\nBYE'));
  });

  void it('refuses a field that would shift positions', () => {
    assert.throws(
      () => formatSipFrame({ ...meta, transactionId: 'a|b' }, 'x'),
      (e: unknown) => isAigError(e, 'AIG_ERR_WIRE_FRAME'),
    );
  });
});

void describe('formatResponseFrame and the field helpers', () => {
  void it('formats a bare OK, a NO with reason, and the authenticate reply', () => {
    assert.deepEqual(leader(formatResponseFrame('app-1', 'OK')).slice(1), ['response', 'app-1', 'OK']);
    assert.deepEqual(leader(formatResponseFrame('app-1', 'NO', ['incorrect secret'])).slice(1), [
      'response',
      'app-1',
      'NO',
      'incorrect secret',
    ]);
    const auth = formatResponseFrame('app-1', 'OK', [
      'udp/127.0.0.1:5060,tcp/127.0.0.1:5060',
      'v0.9.10',
      'udp/127.0.0.1:5060',
    ]);
    assert.equal(
      auth.split('|').slice(1).join('|'),
      'response|app-1|OK|udp/127.0.0.1:5060,tcp/127.0.0.1:5060|v0.9.10|udp/127.0.0.1:5060',
    );
    assert.equal(auth.includes('\r\n'), false);
  });

  void it('response echo: source 4, protocol 6, address 7, port 8, time 9, txn 10, dialog 11, then ||Msg sent:|', () => {
    const p = formatResponseFrame(
      'app-2',
      'OK',
      formatEchoFields({ ...meta, dialogId: '1-18601@127.0.0.1;from-tag=18601SIPpTag001', bytes: 445 }),
      'SIP/2.0 200 OK\r\n\r\n',
    );
    const f = leader(p);
    assert.equal(f[1], 'response');
    assert.equal(f[2], 'app-2');
    assert.equal(f[3], 'OK');
    assert.equal(f[4], 'application');
    assert.equal(f[5], '445');
    assert.equal(f[6], 'udp');
    assert.equal(f[7], '127.0.0.1');
    assert.equal(f[8], '5070');
    assert.equal(f[9], '23:28:06.565768');
    assert.equal(f[10], meta.transactionId);
    assert.equal(f[11], '1-18601@127.0.0.1;from-tag=18601SIPpTag001');
    assert.notEqual(f[12], 'continue');
    assert.ok(p.includes('|1-18601@127.0.0.1;from-tag=18601SIPpTag001||Msg sent:|\r\nSIP/2.0 200 OK'));
  });

  void it('request echo: Msg sent: takes the dialog-id position', () => {
    const p = formatResponseFrame(
      'app-3',
      'OK',
      formatRequestEchoFields({ ...meta, bytes: 364, port: 5090 }),
      'REFER x SIP/2.0\r\n\r\n',
    );
    const f = leader(p);
    assert.equal(f[10], meta.transactionId);
    assert.equal(f[11], 'Msg sent:');
    assert.equal(f[12], '');
    assert.equal(f.length, 13);
    assert.ok(p.includes(`|${meta.transactionId}|Msg sent:|\r\nREFER`));
  });

  void it('proxy progress carries continue at position 12; done is OK|done', () => {
    const f = leader(
      formatResponseFrame('app-4', 'OK', formatProxyResponseFields(meta), 'SIP/2.0 486 Busy\r\n\r\n'),
    );
    assert.deepEqual(f.slice(3), [
      'OK',
      'network',
      '482',
      'udp',
      '127.0.0.1',
      '5070',
      '23:28:06.565768',
      '',
      '',
      'continue',
    ]);
    assert.deepEqual(leader(formatResponseFrame('app-4', 'OK', formatProxyDoneFields())).slice(3), [
      'OK',
      'done',
    ]);
  });

  void it('wireSafeText neutralises separators in free text', () => {
    assert.equal(wireSafeText('a|b\r\nc'), 'a b c');
    assert.doesNotThrow(() => formatResponseFrame('x', 'NOK', [wireSafeText('boom | bang\n')]));
  });
});

void describe('formatCdrFrame', () => {
  void it('formats attempt, start (role) and stop (reason)', () => {
    const sip = 'INVITE sip:x SIP/2.0\r\n\r\n';
    assert.deepEqual(
      leader(formatCdrFrame({ kind: 'attempt', source: 'network', time: 't' }, sip)).slice(1),
      ['cdr:attempt', 'network', 't'],
    );
    assert.deepEqual(
      leader(formatCdrFrame({ kind: 'start', source: 'application', time: 't', role: 'uas' }, sip)).slice(1),
      ['cdr:start', 'application', 't', 'uas'],
    );
    const stop = formatCdrFrame(
      { kind: 'stop', source: 'network', time: 't', reason: 'normal-release' },
      sip,
    );
    assert.deepEqual(leader(stop).slice(1), ['cdr:stop', 'network', 't', 'normal-release']);
    assert.equal(splitPayload(stop).body, sip);
  });
});
