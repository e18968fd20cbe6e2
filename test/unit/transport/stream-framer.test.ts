import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import { StreamFramer, type StreamFramerSink } from '../../../src/sip/engine/transport/stream-framer.js';

function message(body = '', callId = 'c1'): string {
  return [
    'OPTIONS sip:ivr@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-1',
    'From: <sip:a@127.0.0.1>;tag=1',
    'To: <sip:ivr@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

interface Recorded {
  frames: string[];
  pings: number;
  errors: { raw: string; error: Error }[];
}

function framer(max = 65_535): { f: StreamFramer; r: Recorded } {
  const r: Recorded = { frames: [], pings: 0, errors: [] };
  const sink: StreamFramerSink = {
    onFrame: (raw) => r.frames.push(raw.toString()),
    onPing: () => r.pings++,
    onFramingError: (raw, error) => r.errors.push({ raw: raw.toString(), error }),
  };
  return { f: new StreamFramer(sink, max), r };
}

describe('StreamFramer (RFC 3261 §18.3)', () => {
  it('cuts coalesced messages by Content-Length', () => {
    const { f, r } = framer();
    const a = message('hello', 'a');
    const b = message('', 'b');
    const c = message('v=0\r\n', 'c');
    f.push(Buffer.from(a + b + c));
    assert.deepEqual(r.frames, [a, b, c]);
    assert.equal(f.buffered, 0);
  });

  it('reassembles a message split at every possible byte', () => {
    const m = message('body-bytes');
    for (let cut = 1; cut < m.length; cut++) {
      const { f, r } = framer();
      f.push(Buffer.from(m.slice(0, cut)));
      assert.equal(r.frames.length, 0, `cut ${cut}`);
      f.push(Buffer.from(m.slice(cut)));
      assert.deepEqual(r.frames, [m], `cut ${cut}`);
    }
  });

  it('handles one byte at a time, with a second message in the tail', () => {
    const { f, r } = framer();
    const text = message('x', 'a') + message('yz', 'b');
    for (const byte of Buffer.from(text)) {
      f.push(Buffer.from([byte]));
    }
    assert.deepEqual(r.frames, [message('x', 'a'), message('yz', 'b')]);
  });

  it('reports CRLFCRLF pings (RFC 5626 §3.5.1), even split, and skips lone CRLFs', () => {
    const { f, r } = framer();
    f.push(Buffer.from('\r\n\r\n'));
    assert.equal(r.pings, 1);
    f.push(Buffer.from('\r\n'));
    assert.equal(r.pings, 1);
    f.push(Buffer.from('\r\n'));
    assert.equal(r.pings, 2);
    f.push(Buffer.from(`\r\n${message()}\r\n\r\n`));
    assert.deepEqual(r.frames, [message()]);
    assert.equal(r.pings, 3);
  });

  it('treats a message without Content-Length as fatal', () => {
    const { f, r } = framer();
    const noLength = message().replace(/Content-Length: 0\r\n/, '');
    f.push(Buffer.from(noLength + message()));
    assert.equal(r.frames.length, 0);
    assert.equal(r.errors.length, 1);
    assert.ok(isAigError(r.errors[0]!.error, 'AIG_ERR_SIP_PARSE'));
    f.push(Buffer.from(message()));
    assert.equal(r.frames.length, 0, 'stopped for good');
  });

  it('rejects a message whose declared size exceeds the limit', () => {
    const { f, r } = framer(1000);
    f.push(Buffer.from(message('x'.repeat(2000)).slice(0, 400)));
    assert.equal(r.errors.length, 1);
    assert.ok(isAigError(r.errors[0]!.error, 'AIG_ERR_SIP_TOO_LARGE'));
  });

  it('rejects a header block that never ends within the limit', () => {
    const { f, r } = framer(300);
    f.push(Buffer.from(`OPTIONS sip:a SIP/2.0\r\n${'X-Filler: aaaaaaaaaa\r\n'.repeat(20)}`));
    assert.equal(r.errors.length, 1);
    assert.ok(isAigError(r.errors[0]!.error, 'AIG_ERR_SIP_TOO_LARGE'));
  });

  it('rejects an unreadable Content-Length', () => {
    const { f, r } = framer();
    f.push(Buffer.from(message().replace('Content-Length: 0', 'Content-Length: many')));
    assert.equal(r.errors.length, 1);
    assert.ok(isAigError(r.errors[0]!.error, 'AIG_ERR_SIP_PARSE'));
  });

  it('gives every frame its own buffer', () => {
    const frames: Buffer[] = [];
    const f = new StreamFramer(
      { onFrame: (raw) => frames.push(raw), onPing: () => undefined, onFramingError: () => undefined },
      65_535,
    );
    const chunk = Buffer.from(message('a') + message('b'));
    f.push(chunk);
    assert.equal(frames.length, 2);
    const before = frames[0]!.toString();
    chunk.fill(0);
    assert.equal(frames[0]!.toString(), before);
  });
});
