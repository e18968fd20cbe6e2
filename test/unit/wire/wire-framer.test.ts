import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  WireFrameDecoder,
  type WireFrameResult,
} from '../../../src/sip/engine/wire/wire-framer.js';

const payloads = (results: WireFrameResult[]): string[] =>
  results.map((r) => {
    assert.equal(r.kind, 'frame', `unexpected ${JSON.stringify(r)}`);
    return r.kind === 'frame' ? r.payload : '';
  });

void describe('encodeFrame', () => {
  void it('prefixes the UTF-8 byte length, not the character count', () => {
    assert.equal(encodeFrame('abc|ping').toString('utf8'), '8#abc|ping');
    const text = 'x|sip|é€😀';
    const frame = encodeFrame(text);
    // é = 2 bytes, € = 3, 😀 = 4: 6 ASCII + 9.
    assert.equal(frame.toString('utf8'), `15#${text}`);
    assert.equal(Buffer.byteLength(text), 15);
  });
});

void describe('WireFrameDecoder', () => {
  const sample = 'a1b2|sip|txn|dlg\r\nINVITE sip:é@example.com SIP/2.0\r\nSubject: 😀 ça\r\n\r\n';

  void it('decodes one frame delivered whole', () => {
    const d = new WireFrameDecoder();
    assert.deepEqual(payloads(d.push(encodeFrame(sample))), [sample]);
    assert.equal(d.bufferedBytes, 0);
  });

  void it('decodes a frame split at every byte boundary, including inside multi-byte characters', () => {
    const bytes = encodeFrame(sample);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new WireFrameDecoder();
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      assert.deepEqual(payloads(out), [sample], `cut at ${cut}`);
    }
  });

  void it('decodes a frame fed one byte at a time', () => {
    const bytes = encodeFrame(sample);
    const d = new WireFrameDecoder();
    const out: WireFrameResult[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const got = d.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) {
        assert.equal(got.length, 0);
      }
      out.push(...got);
    }
    assert.deepEqual(payloads(out), [sample]);
  });

  void it('decodes coalesced frames from one chunk, in order', () => {
    const frames = ['1|ping', '2|route|invite', sample, '4|ping'];
    const d = new WireFrameDecoder();
    assert.deepEqual(payloads(d.push(Buffer.concat(frames.map(encodeFrame)))), frames);
  });

  void it('decodes coalesced frames split across chunks at every boundary', () => {
    const frames = ['1|ping', sample, '3|authenticate|s3cr€t|'];
    const bytes = Buffer.concat(frames.map(encodeFrame));
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new WireFrameDecoder();
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      assert.deepEqual(payloads(out), frames, `cut at ${cut}`);
    }
  });

  void it('accepts a frame of exactly maxFrameSize bytes', () => {
    const d = new WireFrameDecoder({ maxFrameSize: 100 });
    const body = `id|sip|t|d\r\n${'x'.repeat(100 - 12)}`;
    assert.equal(Buffer.byteLength(body), 100);
    assert.deepEqual(payloads(d.push(encodeFrame(body))), [body]);
  });

  void it('reports an oversized frame as soon as its length is read, with the message id when visible', () => {
    const d = new WireFrameDecoder({ maxFrameSize: 100 });
    const body = `6a1c2f1e-0000-4000-8000-000000000001|sip||\r\n${'x'.repeat(200)}`;
    const bytes = encodeFrame(body);
    const out = d.push(bytes.subarray(0, 60));
    assert.equal(out.length, 1);
    const r = out[0]!;
    assert.equal(r.kind, 'error');
    assert.ok(r.kind === 'error');
    assert.equal(r.code, 'too-large');
    assert.equal(r.announced, Buffer.byteLength(body));
    assert.equal(r.messageId, '6a1c2f1e-0000-4000-8000-000000000001');
    assert.ok(d.hasFailed);
    assert.deepEqual(d.push(bytes.subarray(60)), [], 'a failed decoder returns nothing more');
  });

  void it('reports an oversized frame without an id when only the header has arrived', () => {
    const d = new WireFrameDecoder();
    const out = d.push(Buffer.from(`${DEFAULT_MAX_FRAME_SIZE + 1}#`));
    assert.equal(out.length, 1);
    assert.ok(out[0]!.kind === 'error');
    assert.equal(out[0]!.code, 'too-large');
    assert.equal(out[0]!.messageId, undefined);
  });

  void it('returns frames completed before an error in the same chunk', () => {
    const d = new WireFrameDecoder();
    const out = d.push(Buffer.concat([encodeFrame('1|ping'), Buffer.from('GET / HTTP/1.1\r\n')]));
    assert.equal(out.length, 2);
    assert.deepEqual(out[0], { kind: 'frame', payload: '1|ping' });
    assert.ok(out[1]!.kind === 'error');
    assert.equal(out[1]!.code, 'bad-length');
  });

  const garbage: Array<[string, string]> = [
    ['a non-digit before #', '12a#xxxxxxxxxxxx'],
    ['garbage with no # at all', 'hello'],
    ['a leading #', '#abc'],
    ['a zero length', '0#'],
    ['a zero length with leading zeros', '000#x'],
    ['a negative length', '-5#abcde'],
    ['a space before #', ' 5#abcde'],
    ['more than 9 digits', '1234567890#'],
    ['more than 9 digits, # not yet received', '1234567890'],
  ];
  for (const [name, input] of garbage) {
    void it(`rejects ${name}`, () => {
      const d = new WireFrameDecoder({ maxFrameSize: 2_000_000_000 });
      const out = d.push(Buffer.from(input, 'latin1'));
      assert.equal(out.length, 1, JSON.stringify(out));
      assert.ok(out[0]!.kind === 'error');
      assert.equal(out[0]!.code, 'bad-length');
      assert.ok(d.hasFailed);
    });
  }

  void it('waits (no error) while a length of up to 9 digits has no # yet', () => {
    const d = new WireFrameDecoder();
    assert.deepEqual(d.push(Buffer.from('123456789')), []);
    assert.equal(d.hasFailed, false);
  });

  void it('accepts a length with leading zeros', () => {
    const d = new WireFrameDecoder();
    assert.deepEqual(payloads(d.push(Buffer.from('0006#1|ping'))), ['1|ping']);
  });

  void it('rejects an invalid maxFrameSize', () => {
    assert.throws(() => new WireFrameDecoder({ maxFrameSize: 0 }), RangeError);
    assert.throws(() => new WireFrameDecoder({ maxFrameSize: 1.5 }), RangeError);
  });
});
