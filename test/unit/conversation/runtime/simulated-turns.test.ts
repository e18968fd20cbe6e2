import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseSimulatedScript,
  parseSimulatedTurn,
} from '../../../../src/conversation/simulation/simulated-turns.js';
import {
  scriptedTurns,
  SimulatedCallPort,
} from '../../../../src/conversation/simulation/simulated-call-port.js';

describe('simulated turns', () => {
  it('parses words, keys, silence, no-match, errors, hangup and comments', () => {
    assert.deepEqual(parseSimulatedTurn("  j'ai perdu ma carte "), {
      kind: 'speech',
      text: "j'ai perdu ma carte",
    });
    assert.deepEqual(parseSimulatedTurn('#4'), { kind: 'keys', keys: '4' });
    assert.deepEqual(parseSimulatedTurn('#1 85 05#'), { kind: 'keys', keys: '18505#' });
    assert.deepEqual(parseSimulatedTurn(''), { kind: 'silence' });
    assert.deepEqual(parseSimulatedTurn('!nomatch'), { kind: 'no-match' });
    assert.deepEqual(parseSimulatedTurn('!error unavailable'), { kind: 'error', errorKind: 'unavailable' });
    assert.deepEqual(parseSimulatedTurn('!error'), { kind: 'error', errorKind: 'unavailable' });
    assert.deepEqual(parseSimulatedTurn('!hangup'), { kind: 'hangup' });
    assert.equal(parseSimulatedTurn('// a comment'), null);
    assert.throws(() => parseSimulatedTurn('#12x'), /keys are 0-9/);
    assert.throws(() => parseSimulatedTurn('!dance'), /unknown command/);
  });

  it('reads a script: blank lines are silences, the final newline is not, errors name the line', () => {
    assert.deepEqual(parseSimulatedScript('// test\nbonjour\n\n#1\n'), [
      { kind: 'speech', text: 'bonjour' },
      { kind: 'silence' },
      { kind: 'keys', keys: '1' },
    ]);
    assert.throws(
      () => parseSimulatedScript('bonjour\n!oops\n', 'x.txt'),
      /x\.txt:2: "!oops": unknown command/,
    );
  });

  it('the simulated port answers listens and digit entries from the turns, then silence', async () => {
    const source = scriptedTurns(parseSimulatedScript('oui\n#123#\n#7\nbonjour\n'));
    const port = new SimulatedCallPort({ turns: source });
    const listen = {
      prompts: [],
      language: 'fr',
      bargeIn: true,
      grammar: 'none',
      hints: [],
      phrases: null,
      noInputMs: 1,
      maxUtteranceMs: 1,
      acceptDtmf: true,
    } as const;
    const digits = {
      prompts: [],
      language: 'fr',
      min: 1,
      max: 2,
      terminator: '#',
      interDigitMs: 1,
      firstDigitMs: 1,
      spoken: false,
    } as const;
    assert.deepEqual(await port.listen(listen), {
      kind: 'speech',
      transcript: 'oui',
      confidence: 0.9,
      provider: 'text',
      latencyMs: 0,
    });
    assert.deepEqual(await port.collectDigits(digits), { kind: 'keys', digits: '12' }, 'at most max keys');
    assert.deepEqual(await port.collectDigits(digits), { kind: 'keys', digits: '7' });
    assert.deepEqual(
      await port.collectDigits(digits),
      { kind: 'no-input' },
      'speech when only keys are accepted',
    );
    assert.equal(source.remaining, 0);
    assert.deepEqual(await port.listen(listen), { kind: 'no-input' });
  });

  it('!hangup resolves hungUp', async () => {
    const port = new SimulatedCallPort({ turns: scriptedTurns(parseSimulatedScript('!hangup\n')) });
    let hungUp = false;
    void port.hungUp.then(() => (hungUp = true));
    await port.listen({
      prompts: [],
      language: 'fr',
      bargeIn: true,
      grammar: 'none',
      hints: [],
      phrases: null,
      noInputMs: 1,
      maxUtteranceMs: 1,
      acceptDtmf: true,
    });
    assert.equal(hungUp, true);
  });
});
