import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callLogger } from '../../../src/logging/call-logger.js';
import { formatLogLine } from '../../../src/logging/pretty-log-stream.js';
import { createRootLogger } from '../../../src/logging/root-logger.js';

const CALLER = '0612345678';
const NIR = '185057800608436';

function capture(pretty = false): { lines: string[]; logger: ReturnType<typeof createRootLogger> } {
  const lines: string[] = [];
  const logger = createRootLogger({ level: 'debug', pretty }, { write: (text: string) => lines.push(text) });
  return { lines, logger };
}

describe('createRootLogger', () => {
  it('never writes a caller number, NIR, digits or transcript in clear', () => {
    const { lines, logger } = capture();
    logger.info({ caller: CALLER }, 'top level');
    logger.info({ call: { from: `"Jean Dupont" <sip:${CALLER}@carrier.example>;tag=1` } }, 'one level deep');
    logger.info({ call: { leg: { callingNumber: `+33${CALLER.slice(1)}` } } }, 'two levels deep');
    logger.info(
      { headers: { 'p-asserted-identity': `<tel:+33${CALLER.slice(1)}>` } },
      'header name with a dash',
    );
    logger.info({ nir: NIR, digits: CALLER, transcript: `mon numéro est le ${CALLER}` }, 'content');
    logger.child({ caller: CALLER }).warn('child binding');
    const all = lines.join('');
    assert.equal(lines.length, 6);
    for (const secret of [CALLER, CALLER.slice(1), NIR, 'Jean Dupont', 'mon numéro']) {
      assert.ok(!all.includes(secret), `${secret} appears in:\n${all}`);
    }
    const first = JSON.parse(lines[0]!) as { caller: string; msg: string; level: number };
    assert.equal(first.caller, '06******78');
    assert.equal(first.msg, 'top level');
    const content = JSON.parse(lines[4]!) as Record<string, string>;
    assert.equal(content.nir, '[Redacted]');
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const logger = createRootLogger(
      { level: 'warn', pretty: false },
      { write: (text: string) => lines.push(text) },
    );
    logger.info('hidden');
    logger.warn('shown');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /"msg":"shown"/);
  });

  it('pretty output is one readable line, still redacted', () => {
    const { lines, logger } = capture(true);
    logger.info({ caller: CALLER, port: 5060 }, 'listening');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening caller=06\*{6}78 port=5060\n$/);
  });
});

describe('callLogger', () => {
  it('binds the call id and the dialled number to every line', () => {
    const { lines, logger } = capture();
    callLogger(logger, { callId: 'c-42', number: '3646' }).info({ state: 'ringing' }, 'call state');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.callId, 'c-42');
    assert.equal(line.number, '3646');
    assert.equal(line.state, 'ringing');
  });
});

describe('formatLogLine', () => {
  it('puts an error stack under the line and passes non-JSON through', () => {
    const text = formatLogLine(
      JSON.stringify({ level: 50, time: 0, msg: 'boom', err: { message: 'x', stack: 'Error: x\n    at f' } }),
    );
    assert.equal(text, '00:00:00.000 ERROR boom\n    Error: x\n        at f');
    assert.equal(formatLogLine('plain text'), 'plain text');
  });
});
