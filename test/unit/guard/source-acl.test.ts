import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceAcl } from '../../../src/sip/engine/guard/source-acl.js';

describe('SourceAcl', () => {
  it('allows IPv4 and IPv6 sources inside the blocks and refuses the rest', () => {
    const acl = new SourceAcl(['127.0.0.0/8', '::1/128', '192.0.2.0/24', '2001:db8:1::/48', '198.51.100.7']);
    assert.ok(acl.allows('127.0.0.1'));
    assert.ok(acl.allows('127.255.1.2'));
    assert.ok(acl.allows('192.0.2.200'));
    assert.ok(acl.allows('198.51.100.7'));
    assert.ok(!acl.allows('198.51.100.8'), 'a bare address is a single host');
    assert.ok(!acl.allows('192.0.3.1'));
    assert.ok(acl.allows('::1'));
    assert.ok(acl.allows('2001:db8:1:ffff::5'));
    assert.ok(!acl.allows('2001:db8:2::5'));
    assert.ok(!acl.allows('10.0.0.1'));
  });

  it('matches IPv4-mapped IPv6 sources (dual-stack sockets) against IPv4 blocks', () => {
    const acl = new SourceAcl(['127.0.0.0/8']);
    assert.ok(acl.allows('::ffff:127.0.0.1'));
    assert.ok(!acl.allows('::ffff:10.0.0.1'));
  });

  it('refuses things that are not addresses', () => {
    const acl = new SourceAcl(['0.0.0.0/0', '::/0']);
    assert.ok(acl.allows('203.0.113.9'));
    assert.ok(acl.allows('2001:db8::9'));
    assert.ok(!acl.allows('localhost'));
    assert.ok(!acl.allows(''));
  });

  it('an empty list allows nobody', () => {
    assert.ok(!new SourceAcl([]).allows('127.0.0.1'));
  });

  it('throws on invalid blocks', () => {
    for (const bad of ['10.0.0.0/33', '::/129', 'example.org/8', '10.0.0.0/x', '10.0.0.0/']) {
      assert.throws(() => new SourceAcl([bad]), RangeError, bad);
    }
  });
});
