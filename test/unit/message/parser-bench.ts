/**
 * Micro-benchmark of the message layer (not a test: run it by hand).
 *   node --import tsx test/unit/message/parser-bench.ts
 * Prints messages per second for a typical INVITE: parse, parse + validate, serialize, and the Via/From/To
 * look-ups a UAS does on every request.
 */
import { getTag } from '../../../src/sip/engine/message/name-addr.js';
import { parseMessage, parseMessageHead, validateRequest } from '../../../src/sip/engine/message/parser.js';
import { serializeMessage } from '../../../src/sip/engine/message/serializer.js';
import type { SipRequest } from '../../../src/sip/engine/message/sip-message.js';
import { parseVia } from '../../../src/sip/engine/message/via.js';
import { typicalInvite } from './sip-text.js';

const data = typicalInvite();
const parsed = parseMessage(data) as SipRequest;

function rate(name: string, run: () => unknown): void {
  const warm = 20_000;
  for (let i = 0; i < warm; i++) {
    run();
  }
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    run();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${name.padEnd(40)} ${Math.round(n / seconds)
      .toLocaleString('en-US')
      .padStart(12)} msg/s`,
  );
}

console.log(`typical INVITE: ${data.length} bytes, node ${process.version}`);
rate('parseMessage', () => parseMessage(data));
rate('parseMessage + validateRequest', () => validateRequest(parseMessage(data) as SipRequest));
rate('parseMessageHead (stream framing)', () => parseMessageHead(data));
rate('serializeMessage', () => serializeMessage(parsed));
rate('parse + validate + Via + From tag', () => {
  const m = parseMessage(data) as SipRequest;
  validateRequest(m);
  parseVia(m.headers.getAll('Via')[0] ?? '');
  return getTag(m.headers.get('From') ?? '');
});
