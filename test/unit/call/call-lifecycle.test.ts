import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallLifecycle, type CallLifecycleTable } from '../../../src/sip/call/call-lifecycle.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';

type TestState = 'setting-up' | 'up' | 'ended';

const TABLE: CallLifecycleTable<TestState> = {
  'setting-up': ['up', 'ended'],
  up: ['ended'],
  ended: [],
};

/** What the lifecycle logged, without the levels and bindings the recording logger adds. */
function logged(log: RecordingLogger): { obj: object; msg: string | undefined }[] {
  return log.lines.map(({ obj, msg }) => ({ obj, msg }));
}

describe('CallLifecycle', () => {
  it('moves along the table and logs each change with its detail', () => {
    const log = new RecordingLogger();
    const call = new CallLifecycle<TestState>('setting-up', TABLE, log);
    assert.equal(call.state, 'setting-up');
    assert.equal(call.ended, false);
    assert.equal(call.transition('up', { codec: 'PCMU' }), true);
    assert.equal(call.state, 'up');
    assert.equal(call.ended, false);
    assert.equal(call.transition('ended'), true);
    assert.equal(call.ended, true);
    assert.deepEqual(logged(log), [
      { obj: { from: 'setting-up', to: 'up', codec: 'PCMU' }, msg: 'call state' },
      { obj: { from: 'up', to: 'ended' }, msg: 'call state' },
    ]);
  });

  it('refuses a move the table does not allow, changes nothing and says so', () => {
    const log = new RecordingLogger();
    const call = new CallLifecycle<TestState>('setting-up', TABLE, log);
    assert.equal(call.transition('ended'), true);
    assert.equal(call.transition('up', { status: 180 }), false);
    assert.equal(call.state, 'ended');
    assert.deepEqual(logged(log).at(-1), {
      obj: { from: 'ended', to: 'up', status: 180 },
      msg: 'call state change ignored',
    });
  });
});
