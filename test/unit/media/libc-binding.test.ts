// The libc loader shared by the media paths that call the kernel: bound once, and a binding that fails is
// "unavailable", not an exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { libcBinding } from '../../../src/media/libc-binding.js';

describe('libcBinding', () => {
  it('binds once per loader and answers the same value after', () => {
    let binds = 0;
    const load = libcBinding((libc) => {
      binds++;
      return libc.func('int getpid(void)') as () => number;
    });
    const getpid = load();
    assert.ok(getpid !== undefined, 'glibc Linux here');
    assert.equal(getpid(), process.pid);
    assert.equal(load(), getpid);
    assert.equal(binds, 1);
  });

  it('answers undefined, once and for all, when the binding throws (a function this libc lacks)', () => {
    let binds = 0;
    const load = libcBinding((libc) => {
      binds++;
      return libc.func('int no_such_function_in_libc(void)');
    });
    assert.equal(load(), undefined);
    assert.equal(load(), undefined);
    assert.equal(binds, 1);
  });
});
