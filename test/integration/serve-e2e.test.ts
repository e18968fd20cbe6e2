/**
 * `aiguilleur serve` end to end, as an operator runs it: the CLI process with a config file, real SIP peers
 * (sipp and a byte-exact UDP peer) on loopback, the HTTP probes, the wire secret file, and SIGTERM draining.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { processExists } from '../helpers/process-exists.js';
import { RawSipPeer, isStatus } from '../support/raw-sip-peer.js';
import { invite, SDP_OFFER } from '../support/engine-harness.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const BASE_CONFIG = {
  sip: { port: 0, wire: { port: 0 } },
  http: { port: 0 },
  log: { level: 'info' },
};

describe('aiguilleur serve', () => {
  let serve: ServeProcess;
  let peer: RawSipPeer;
  before(async () => {
    serve = await startServe(BASE_CONFIG);
    peer = await new RawSipPeer({ address: '127.0.0.1', port: serve.sipPort }).start();
  });
  after(async () => {
    peer.close();
    await serve.stop();
  });

  it('answers a call to 3646: 200, ACK, BYE (sipp)', async () => {
    const result = await runSipp({
      scenario: 'uac-basic',
      target: `127.0.0.1:${serve.sipPort}`,
      service: '3646',
      calls: 2,
      rate: 2,
    });
    assert.equal(result.exitCode, 0, result.stdout.slice(-2000) + result.errors);
    assert.equal(result.stats?.successful, 2);
  });

  it('answers a call over TCP as well (sipp -t t1)', async () => {
    const result = await runSipp({
      scenario: 'uac-basic',
      target: `127.0.0.1:${serve.sipPort}`,
      service: '3647',
      transport: 't1',
    });
    assert.equal(result.exitCode, 0, result.errors);
  });

  it('answers 404 to a number that is not configured', async () => {
    const result = await runSipp({
      scenario: 'uac-expect-status',
      target: `127.0.0.1:${serve.sipPort}`,
      service: '0800123456',
      variables: { expected_status: '404' },
    });
    assert.equal(result.exitCode, 0, result.logs + result.errors);
  });

  it('answers 488 when no codec is in common', async () => {
    const g729 = invite(peer.port, { port: serve.sipPort }).text.replace(
      SDP_OFFER,
      SDP_OFFER.replace('RTP/AVP 0 8 101', 'RTP/AVP 18')
        .replace(/a=rtpmap:(0|8|101).*\r\n/g, '')
        .replace(/a=fmtp.*\r\n/, ''),
    );
    const fixed = g729.replace(
      /Content-Length: \d+/,
      `Content-Length: ${Buffer.byteLength(g729.split('\r\n\r\n')[1] ?? '')}`,
    );
    peer.send(fixed);
    await peer.next(isStatus(488, 'INVITE'));
  });

  it('answers OPTIONS with 200 and its capabilities (sipp)', async () => {
    const result = await runSipp({
      scenario: 'uac-options',
      target: `127.0.0.1:${serve.sipPort}`,
      service: '3646',
      traceMessages: true,
    });
    assert.equal(result.exitCode, 0, result.errors);
    assert.match(result.messageLog ?? '', /Allow:.*INVITE/i);
  });

  it('answers a malformed request with 400 and keeps answering after a garbage burst', async () => {
    peer.send(invite(peer.port, { port: serve.sipPort }).text.replace(/CSeq: 1 INVITE/, 'CSeq: one INVITE'));
    const bad = await peer.next(isStatus(400));
    assert.ok(bad.kind === 'response' && bad.reason.length > 0);
    for (let i = 0; i < 500; i++) {
      peer.sendRaw(Buffer.from(`GARBAGE ${i}\r\n\u0001\u0002`.repeat(1 + (i % 11)), 'latin1'));
    }
    await sleep(200);
    const result = await runSipp({
      scenario: 'uac-basic',
      target: `127.0.0.1:${serve.sipPort}`,
      service: '3646',
    });
    assert.equal(result.exitCode, 0, result.errors);
  });

  it('serves /healthz and /readyz', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${serve.httpPort}/healthz`)).json()) as {
      status: string;
    };
    assert.equal(health.status, 'ok');
    const ready = await fetch(`http://127.0.0.1:${serve.httpPort}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('generated the wire secret under var/ with mode 0600', () => {
    const mode = statSync(join(serve.dir, 'var', 'wire-secret')).mode & 0o777;
    assert.equal(mode, 0o600);
  });

  it('never logs the caller number unredacted', () => {
    const text = JSON.stringify(serve.logs);
    assert.ok(!text.includes('0612345678'), 'caller number found in logs');
    assert.ok(serve.logs.some((l) => l.msg === 'call admitted'));
  });
});

/** Child processes of `parent` whose command line mentions `name`, from /proc. */
function childProcesses(parent: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (command) state ppid ...": the command may hold spaces and parentheses, the last ")" ends it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(name)) {
        found.push(Number(entry));
      }
    } catch {
      // gone while listed
    }
  }
  return found;
}

describe('aiguilleur serve draining on SIGTERM', () => {
  it('refuses new calls with 503 + Retry-After, lets the live call finish, then exits 0 and ends its TTS helper', async () => {
    const serve = await startServe({
      ...BASE_CONFIG,
      calls: { drainTimeoutSeconds: 20, retryAfterSeconds: 42 },
    });
    const peer = await new RawSipPeer({ address: '127.0.0.1', port: serve.sipPort }).start();
    try {
      const live = await startSipp({
        scenario: 'uac-basic',
        target: `127.0.0.1:${serve.sipPort}`,
        service: '3646',
        pauseMs: 3000,
        timeoutMs: 20_000,
      });
      await sleep(800); // the call is up
      const helpers = childProcesses(serve.child.pid!, 'espeak-helper');
      assert.equal(helpers.length, 1, 'one espeak helper process');
      serve.child.kill('SIGTERM');
      await sleep(300);
      peer.send(invite(peer.port, { port: serve.sipPort }).text);
      const refused = await peer.next(isStatus(503, 'INVITE'));
      assert.equal(refused.headers.get('retry-after'), '42');
      const result = await live.done;
      assert.equal(result.exitCode, 0, `the live call completed: ${result.errors}`);
      assert.equal(await serve.exited, 0);
      for (let waited = 0; processExists(helpers[0]!) && waited < 2000; waited += 50) {
        await sleep(50);
      }
      assert.ok(!processExists(helpers[0]!), 'the espeak helper ended with the server');
    } finally {
      peer.close();
      await serve.stop('SIGKILL');
    }
  });
});
