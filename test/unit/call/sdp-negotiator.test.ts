import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import { buildOffer, checkAnswer, negotiateAnswer } from '../../../src/sip/call/sdp-negotiator.js';
import type { AnswerResult, LocalMediaOptions } from '../../../src/sip/call/sdp-types.js';
import {
  ASTERISK,
  BARESIP,
  CISCO_CUBE,
  FREESWITCH,
  G729_ONLY,
  IPV6,
  PCMA_ONLY_STATIC,
  SRTP_ONLY,
  VIDEO_THEN_AUDIO_SENDONLY,
} from './sdp-samples.js';

const local: LocalMediaOptions = {
  codecs: ['PCMU', 'PCMA'],
  ptime: 20,
  telephoneEvent: true,
  address: '192.0.2.200',
  port: 40000,
  sessionId: '123456',
  sessionVersion: 1,
};

function accepted(result: AnswerResult): Extract<AnswerResult, { ok: true }> {
  if (!result.ok) {
    assert.fail(`refused: ${result.reason}`);
  }
  return result;
}

function refused(result: AnswerResult): Extract<AnswerResult, { ok: false }> {
  if (result.ok) {
    assert.fail('expected a refusal');
  }
  return result;
}

const offerWith = (...mediaLines: string[]): string =>
  ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', ...mediaLines, ''].join('\r\n');

void describe('negotiateAnswer with real-world offers', () => {
  void it('answers Asterisk with PCMU and telephone-event limited to the DTMF events 0-15', () => {
    const r = accepted(negotiateAnswer(ASTERISK, local));
    assert.deepEqual(r.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
    assert.deepEqual(r.telephoneEvent, { payloadType: 101, events: '0-15' });
    assert.deepEqual(r.remote, { address: '192.0.2.10', port: 17228 });
    assert.equal(r.ptime, 20);
    assert.equal(r.direction, 'sendrecv');
    const answer = parse(r.sdp);
    assert.equal(answer.media.length, 1);
    const audio = answer.media[0]!;
    assert.equal(audio.port, 40000);
    assert.equal(audio.protocol, 'RTP/AVP');
    assert.equal(String(audio.payloads), '0 101');
    assert.deepEqual(audio.fmtp, [{ payload: 101, config: '0-15' }]);
    assert.equal(audio.direction, 'sendrecv');
    assert.match(
      r.sdp,
      /^v=0\r\no=- 123456 1 IN IP4 192\.0\.2\.200\r\ns=-\r\nc=IN IP4 192\.0\.2\.200\r\nt=0 0\r\n/,
    );
  });

  void it('picks the 8 kHz telephone-event of FreeSWITCH, not the 48 kHz one, and skips G722', () => {
    const r = accepted(negotiateAnswer(FREESWITCH, local));
    assert.equal(r.codec.name, 'PCMU');
    assert.deepEqual(r.telephoneEvent, { payloadType: 101, events: '0-15' });
    assert.doesNotMatch(r.sdp, /G722|48000|CN/);
  });

  void it('honours baresip ptime 40 and ignores opus', () => {
    const r = accepted(negotiateAnswer(BARESIP, local));
    assert.equal(r.codec.name, 'PCMU');
    assert.equal(r.ptime, 40);
    assert.match(r.sdp, /a=ptime:40\r\n/);
    assert.doesNotMatch(r.sdp, /opus/);
  });

  void it('answers a Cisco CUBE offer to its media-level address, choosing by our preference', () => {
    const pcmuFirst = accepted(negotiateAnswer(CISCO_CUBE, local));
    assert.equal(pcmuFirst.codec.name, 'PCMU');
    assert.deepEqual(pcmuFirst.remote, { address: '203.0.113.51', port: 16500 });
    const pcmaFirst = accepted(negotiateAnswer(CISCO_CUBE, { ...local, codecs: ['PCMA', 'PCMU'] }));
    assert.deepEqual(pcmaFirst.codec, { name: 'PCMA', payloadType: 8, clockRate: 8000 });
    assert.match(pcmaFirst.sdp, /m=audio 40000 RTP\/AVP 8 101\r\n/);
  });

  void it('refuses an SRTP-only offer with 488 and warning 302', () => {
    const r = refused(negotiateAnswer(SRTP_ONLY, local));
    assert.equal(r.status, 488);
    assert.equal(r.warning, 302);
    assert.match(r.reason, /RTP\/SAVP/);
  });

  void it('accepts PCMA offered as a bare static payload type without rtpmap', () => {
    const r = accepted(negotiateAnswer(PCMA_ONLY_STATIC, local));
    assert.deepEqual(r.codec, { name: 'PCMA', payloadType: 8, clockRate: 8000 });
    assert.equal(r.telephoneEvent, undefined);
    assert.match(r.sdp, /m=audio 40000 RTP\/AVP 8\r\na=rtpmap:8 PCMA\/8000\r\n/);
  });

  void it('refuses a G729-only offer with 488 and warning 305', () => {
    const r = refused(negotiateAnswer(G729_ONLY, local));
    assert.equal(r.status, 488);
    assert.equal(r.warning, 305);
  });

  void it('keeps the m-line order: refuses video with port 0 and mirrors a session-level sendonly', () => {
    const r = accepted(negotiateAnswer(VIDEO_THEN_AUDIO_SENDONLY, local));
    const answer = parse(r.sdp);
    assert.equal(answer.media.length, 2);
    assert.equal(answer.media[0]!.type, 'video');
    assert.equal(answer.media[0]!.port, 0);
    assert.equal(String(answer.media[0]!.payloads), '96');
    assert.equal(answer.media[1]!.type, 'audio');
    assert.equal(answer.media[1]!.port, 40000);
    assert.equal(answer.media[1]!.direction, 'recvonly');
    assert.equal(r.direction, 'recvonly');
    // PCMU is our first choice even though the offerer listed PCMA first.
    assert.equal(r.codec.name, 'PCMU');
  });

  void it('answers an IPv6 offer with c=IN IP6 when our media address is IPv6', () => {
    const r = accepted(negotiateAnswer(IPV6, { ...local, address: '2001:db8::200' }));
    assert.match(r.sdp, /o=- 123456 1 IN IP6 2001:db8::200\r\n/);
    assert.match(r.sdp, /c=IN IP6 2001:db8::200\r\n/);
    assert.deepEqual(r.remote, { address: '2001:db8::10', port: 7078 });
  });

  void it('refuses an IPv6 offer when our media address is IPv4 (warning 301)', () => {
    const r = refused(negotiateAnswer(IPV6, local));
    assert.equal(r.status, 488);
    assert.equal(r.warning, 301);
  });
});

void describe('negotiateAnswer rules', () => {
  void it('refuses empty or unparsable descriptions with 400', () => {
    for (const offer of ['', '   ', 'hello world', 'o=- 1 1 IN IP4 1.2.3.4\r\n']) {
      const r = refused(negotiateAnswer(offer, local));
      assert.equal(r.status, 400, JSON.stringify(offer));
      assert.equal(r.warning, 399);
    }
    assert.equal(refused(negotiateAnswer('v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n', local)).status, 400);
  });

  void it('refuses with 488/304 when there is no active audio stream', () => {
    const videoOnly = offerWith('m=video 5000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000');
    const r = refused(negotiateAnswer(videoOnly, local));
    assert.equal(r.status, 488);
    assert.equal(r.warning, 304);
    const disabledAudio = offerWith('m=audio 0 RTP/AVP 0');
    assert.equal(refused(negotiateAnswer(disabledAudio, local)).warning, 304);
  });

  void it('refuses with 400 when the accepted stream has no connection address', () => {
    const noC = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const r = refused(negotiateAnswer(noC, local));
    assert.equal(r.status, 400);
    assert.match(r.reason, /c= line/);
  });

  void it('takes the first acceptable audio stream and refuses the others, same m-line count', () => {
    const offer = offerWith(
      'm=audio 0 RTP/AVP 0',
      'm=audio 5000 RTP/SAVP 0',
      'm=audio 5002 RTP/AVP 18',
      'm=audio 5004 RTP/AVP 8',
      'm=audio 5006 RTP/AVP 0',
    );
    const r = accepted(negotiateAnswer(offer, local));
    const ports = parse(r.sdp).media.map((m) => m.port);
    assert.deepEqual(ports, [0, 0, 0, 40000, 0]);
    assert.deepEqual(r.remote, { address: '192.0.2.1', port: 5004 });
    assert.equal(r.codec.name, 'PCMA');
  });

  void it('prefers the codec refusal over the transport refusal when explaining a 488', () => {
    const offer = offerWith('m=audio 5000 RTP/SAVP 0', 'm=audio 5002 RTP/AVP 18');
    assert.equal(refused(negotiateAnswer(offer, local)).warning, 305);
  });

  void it('mirrors the direction of the offer (RFC 3264 §6.1)', () => {
    const cases = [
      ['sendrecv', 'sendrecv'],
      ['sendonly', 'recvonly'],
      ['recvonly', 'sendonly'],
      ['inactive', 'inactive'],
    ] as const;
    for (const [offered, expected] of cases) {
      const r = accepted(negotiateAnswer(offerWith('m=audio 5000 RTP/AVP 0', `a=${offered}`), local));
      assert.equal(r.direction, expected);
      assert.match(r.sdp, new RegExp(`a=${expected}\\r\\n`));
    }
  });

  void it('honours a ptime of 10..60 in steps of 10, otherwise uses ours, and respects maxptime', () => {
    const ptimeOf = (...attrs: string[]): number =>
      accepted(negotiateAnswer(offerWith('m=audio 5000 RTP/AVP 0', ...attrs), local)).ptime;
    assert.equal(ptimeOf('a=ptime:30'), 30);
    assert.equal(ptimeOf('a=ptime:10'), 10);
    assert.equal(ptimeOf('a=ptime:60'), 60);
    assert.equal(ptimeOf('a=ptime:25'), 20);
    assert.equal(ptimeOf('a=ptime:90'), 20);
    assert.equal(ptimeOf('a=ptime:5'), 20);
    assert.equal(ptimeOf(), 20);
    assert.equal(ptimeOf('a=maxptime:10'), 10);
    assert.equal(ptimeOf('a=ptime:40', 'a=maxptime:30'), 30);
  });

  void it('handles the telephone-event event list: default, narrowing, no DTMF, disabled', () => {
    const te = (...attrs: string[]) =>
      accepted(
        negotiateAnswer(
          offerWith('m=audio 5000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000', ...attrs),
          local,
        ),
      ).telephoneEvent;
    assert.deepEqual(te(), { payloadType: 96, events: '0-15' });
    assert.deepEqual(te('a=fmtp:96 0-16'), { payloadType: 96, events: '0-15' });
    assert.deepEqual(te('a=fmtp:96 0-11'), { payloadType: 96, events: '0-11' });
    assert.deepEqual(te('a=fmtp:96 0-9,11,70'), { payloadType: 96, events: '0-9,11' });
    assert.equal(te('a=fmtp:96 32-41'), undefined);
    assert.equal(te('a=fmtp:96 garbage'), undefined);
    const off = accepted(
      negotiateAnswer(offerWith('m=audio 5000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000'), {
        ...local,
        telephoneEvent: false,
      }),
    );
    assert.equal(off.telephoneEvent, undefined);
    assert.doesNotMatch(off.sdp, /telephone-event/);
  });

  void it('matches codecs by rtpmap name case-insensitively, including dynamic payload types', () => {
    const r = accepted(negotiateAnswer(offerWith('m=audio 5000 RTP/AVP 97', 'a=rtpmap:97 pcma/8000'), local));
    assert.deepEqual(r.codec, { name: 'PCMA', payloadType: 97, clockRate: 8000 });
    assert.match(r.sdp, /m=audio 40000 RTP\/AVP 97\r\na=rtpmap:97 PCMA\/8000\r\n/);
  });

  void it('does not take a static payload type remapped by rtpmap to another codec', () => {
    const r = refused(negotiateAnswer(offerWith('m=audio 5000 RTP/AVP 0', 'a=rtpmap:0 G729/8000'), local));
    assert.equal(r.warning, 305);
  });

  void it('writes a random session id when none is given, and the given version', () => {
    const { sessionId: _omit, ...withoutId } = local;
    const a = accepted(negotiateAnswer(ASTERISK, { ...withoutId, sessionVersion: 7 }));
    const b = accepted(negotiateAnswer(ASTERISK, withoutId));
    const originA = parse(a.sdp).origin;
    assert.match(String(originA.sessionId), /^\d+$/);
    assert.equal(originA.sessionVersion, 7);
    assert.notEqual(String(originA.sessionId), String(parse(b.sdp).origin.sessionId));
  });
});

void describe('late offer: buildOffer and checkAnswer', () => {
  const offer = buildOffer({ ...local, codecs: ['PCMA', 'PCMU'] });

  void it('offers every codec in preference order with telephone-event 101', () => {
    assert.match(offer, /m=audio 40000 RTP\/AVP 8 0 101\r\n/);
    assert.match(offer, /a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-15\r\n/);
    assert.match(offer, /a=ptime:20\r\na=sendrecv\r\n/);
    const withoutEvents = buildOffer({ ...local, telephoneEvent: false, telephoneEventPayloadType: 100 });
    assert.match(withoutEvents, /m=audio 40000 RTP\/AVP 0 8\r\n/);
    assert.match(buildOffer({ ...local, telephoneEventPayloadType: 100 }), /RTP\/AVP 0 8 100\r\n/);
  });

  void it('reads an answer choosing one of our codecs', () => {
    const answer = offerWith('m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:30');
    const r = checkAnswer(answer, offer);
    assert.equal(r.ok, true);
    if (r.ok) {
      assert.deepEqual(r.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
      assert.deepEqual(r.telephoneEvent, { payloadType: 101, events: '0-15' });
      assert.deepEqual(r.remote, { address: '192.0.2.1', port: 6000 });
      assert.equal(r.ptime, 30);
      assert.equal(r.direction, 'sendrecv');
    }
  });

  void it('takes the direction of an answer from our side', () => {
    const r = checkAnswer(offerWith('m=audio 6000 RTP/AVP 8', 'a=recvonly'), offer);
    assert.equal(r.ok && r.direction, 'sendonly');
  });

  void it('refuses missing, mismatched or rejecting answers', () => {
    const cases: [string, number][] = [
      ['', 399],
      [offerWith('m=audio 0 RTP/AVP 0'), 304],
      [offerWith('m=audio 6000 RTP/AVP 18'), 305],
      [offerWith('m=audio 6000 RTP/SAVP 0'), 302],
      [offerWith('m=audio 6000 RTP/AVP 0', 'm=video 0 RTP/AVP 96'), 399],
      [
        'v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n',
        301,
      ],
    ];
    for (const [answer, warning] of cases) {
      const r = checkAnswer(answer, offer);
      assert.equal(r.ok, false, answer);
      assert.equal(!r.ok && r.warning, warning, answer);
    }
  });

  void it('does not report telephone-event when the answer drops it', () => {
    const r = checkAnswer(offerWith('m=audio 6000 RTP/AVP 8'), offer);
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.telephoneEvent, undefined);
  });
});
