import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAigError } from '../../../src/errors/aig-error.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'aig-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let dirCount = 0;
/** A fresh empty directory, optionally holding files. */
function workDir(files: Record<string, string> = {}): string {
  const dir = join(scratch, `case-${++dirCount}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function configError(fn: () => unknown): Error & { code: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isAigError(err), `expected an AigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('gives every documented default when there is no file and no env', () => {
    const cwd = workDir();
    const config = loadConfig({ env: {}, cwd });
    assert.equal(config.sip.engine, 'embedded');
    assert.equal(config.sip.host, '127.0.0.1');
    assert.equal(config.sip.port, 5060);
    assert.deepEqual(config.sip.transports, ['udp', 'tcp']);
    assert.equal(config.sip.externalAddress, null);
    assert.deepEqual(config.sip.timers, { t1: 500, t2: 4000, t4: 5000 });
    assert.equal(config.sip.maxMessageSize, 65535);
    assert.match(config.sip.userAgent, /^Aiguilleur\/\d+\.\d+\.\d+/);
    assert.deepEqual(config.sip.wire, { host: '127.0.0.1', port: 9022, secret: null, maxFrameBytes: 65536 });
    assert.deepEqual(config.sip.drachtio, { host: '127.0.0.1', port: 9022, secret: null });
    assert.deepEqual(config.sip.protection.acl, ['127.0.0.0/8', '::1/128']);
    assert.deepEqual(config.sip.protection.rateLimit, { perSecond: 100, burst: 200, floodSeconds: 5 });
    assert.ok(config.sip.protection.scannerUserAgents.includes('friendly-scanner'));
    assert.deepEqual(config.calls, {
      maxConcurrent: 1000,
      maxDurationSeconds: 3600,
      eventLoopDelayMs: 250,
      drainTimeoutSeconds: 300,
      retryAfterSeconds: 30,
    });
    assert.deepEqual(config.media, {
      codecs: ['PCMU', 'PCMA'],
      ptime: 20,
      rtpPortMin: 40000,
      rtpPortMax: 49999,
      telephoneEvent: true,
      enabled: true,
      promptsDirectory: null,
      recordingDirectory: null,
      jitterDepthMs: 60,
      workers: 0,
      threadNice: null,
      realtimePriority: null,
      pollSockets: true,
      ioUring: true,
      gcAfterSend: true,
      schedulerSpinMs: 1,
      endpointing: { trailingSilenceMs: 700, maxUtteranceMs: 15000, noInputTimeoutMs: 5000 },
    });
    assert.deepEqual(config.speech.recognizers, {
      fr: ['google', 'websocket'],
      en: ['google', 'websocket', 'pocketsphinx'],
    });
    assert.equal(config.speech.google.model, 'telephony');
    assert.equal(config.speech.websocket.url, null);
    assert.equal(config.speech.pocketsphinx.library, 'libpocketsphinx.so.3');
    assert.deepEqual(config.numbers, {
      '3646': {
        language: 'fr',
        label: 'Assurance Maladie',
        flow: null,
        record: false,
        inbandDtmf: false,
        recognizers: null,
      },
      '3647': {
        language: 'en',
        label: 'Health insurance (English)',
        flow: null,
        record: false,
        inbandDtmf: false,
        recognizers: null,
      },
    });
    assert.deepEqual(config.http, { host: '127.0.0.1', port: 3000, apiToken: null });
    assert.deepEqual(config.routing, { groupsFile: null, watch: true });
    assert.equal(config.callbacks.gateway, 'sip:127.0.0.1:5080');
    assert.deepEqual(config.records, { file: null, streamMaxLength: 1_000_000 });
    assert.deepEqual(config.redis, { url: null });
    assert.deepEqual(config.log, { level: 'info', pretty: false });
    assert.equal(config.dataDir, join(cwd, 'var'));
  });

  it('returns a deep-frozen object', () => {
    const config = loadConfig({ env: {}, cwd: workDir() });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.sip.protection.acl));
    assert.ok(Object.isFrozen(config.numbers['3646']));
    assert.throws(() => {
      (config.sip as { port: number }).port = 1;
    }, TypeError);
  });

  it('ships config/aiguilleur.yaml equal to the built-in defaults', () => {
    const cwd = workDir();
    const shipped = loadConfig({ file: join(repoRoot, 'config/aiguilleur.yaml'), env: {}, cwd });
    assert.deepEqual(shipped, loadConfig({ env: {}, cwd }));
  });

  it('merges a YAML file over the defaults and keeps dialled numbers exactly as written', () => {
    const cwd = workDir({
      'aiguilleur.config.yaml': [
        'sip:',
        '  port: 5080',
        '  protection:',
        '    rateLimit: { perSecond: 10 }',
        'numbers:',
        '  0800123456: { language: en, label: Free line }',
        'dataDir: /srv/aiguilleur',
      ].join('\n'),
    });
    const config = loadConfig({ env: {}, cwd });
    assert.equal(config.sip.port, 5080);
    assert.equal(config.sip.host, '127.0.0.1');
    assert.deepEqual(config.sip.protection.rateLimit, { perSecond: 10, burst: 200, floodSeconds: 5 });
    assert.deepEqual(config.numbers, {
      '0800123456': {
        language: 'en',
        label: 'Free line',
        flow: null,
        record: false,
        inbandDtmf: false,
        recognizers: null,
      },
    });
    assert.equal(config.dataDir, '/srv/aiguilleur');
  });

  it('reads a JSON file named explicitly, relative to cwd', () => {
    const cwd = workDir({ 'conf/site.json': JSON.stringify({ http: { port: 0 }, log: { level: 'warn' } }) });
    const config = loadConfig({ file: 'conf/site.json', env: {}, cwd });
    assert.equal(config.http.port, 0);
    assert.equal(config.log.level, 'warn');
  });

  it('finds the file named by AIGUILLEUR_CONFIG, and --config wins over it', () => {
    const cwd = workDir({ 'a.yaml': 'http: { port: 3001 }\n', 'b.yaml': 'http: { port: 3002 }\n' });
    assert.equal(loadConfig({ env: { AIGUILLEUR_CONFIG: 'a.yaml' }, cwd }).http.port, 3001);
    assert.equal(loadConfig({ file: 'b.yaml', env: { AIGUILLEUR_CONFIG: 'a.yaml' }, cwd }).http.port, 3002);
  });

  it('falls back to config/aiguilleur.yaml in the working directory', () => {
    const cwd = workDir({ 'config/aiguilleur.yaml': 'calls: { maxConcurrent: 7 }\n' });
    assert.equal(loadConfig({ env: {}, cwd }).calls.maxConcurrent, 7);
  });

  it('treats an empty file as all defaults', () => {
    const cwd = workDir({ 'aiguilleur.config.yaml': '# nothing yet\n' });
    assert.equal(loadConfig({ env: {}, cwd }).sip.port, 5060);
  });

  it('applies env overrides over the file, converting types', () => {
    const cwd = workDir({ 'aiguilleur.config.yaml': 'sip: { port: 5080, host: 10.0.0.1 }\n' });
    const config = loadConfig({
      cwd,
      env: {
        AIGUILLEUR_SIP_PORT: '5090',
        AIGUILLEUR_SIP_TRANSPORTS: 'tcp',
        AIGUILLEUR_SIP_EXTERNAL_ADDRESS: '203.0.113.7',
        AIGUILLEUR_SIP_ACL: '10.0.0.0/8, 2001:db8::/32',
        AIGUILLEUR_SIP_ENGINE: 'external',
        AIGUILLEUR_DRACHTIO_HOST: 'drachtio.internal',
        AIGUILLEUR_DRACHTIO_PORT: '9023',
        AIGUILLEUR_DRACHTIO_SECRET: 'cymru',
        AIGUILLEUR_WIRE_SECRET: 's3cret',
        AIGUILLEUR_HTTP_HOST: '0.0.0.0',
        AIGUILLEUR_HTTP_PORT: '8080',
        REDIS_URL: 'redis://:pw@127.0.0.1:6380/2',
        AIGUILLEUR_LOG_LEVEL: 'debug',
        AIGUILLEUR_LOG_PRETTY: 'yes',
        AIGUILLEUR_DATA_DIR: 'state',
        AIGUILLEUR_MAX_CALLS: '50',
        AIGUILLEUR_DRAIN_TIMEOUT: '0',
        AIGUILLEUR_SIP_HOST: '',
      },
    });
    assert.equal(config.sip.port, 5090);
    assert.equal(config.sip.host, '10.0.0.1', 'an empty variable counts as unset');
    assert.deepEqual(config.sip.transports, ['tcp']);
    assert.equal(config.sip.externalAddress, '203.0.113.7');
    assert.deepEqual(config.sip.protection.acl, ['10.0.0.0/8', '2001:db8::/32']);
    assert.equal(config.sip.engine, 'external');
    assert.deepEqual(config.sip.drachtio, { host: 'drachtio.internal', port: 9023, secret: 'cymru' });
    assert.equal(config.sip.wire.secret, 's3cret');
    assert.deepEqual(config.http, { host: '0.0.0.0', port: 8080, apiToken: null });
    assert.equal(config.redis.url, 'redis://:pw@127.0.0.1:6380/2');
    assert.deepEqual(config.log, { level: 'debug', pretty: true });
    assert.equal(config.dataDir, join(cwd, 'state'));
    assert.equal(config.calls.maxConcurrent, 50);
    assert.equal(config.calls.drainTimeoutSeconds, 0);
  });

  it('lists every problem at once, each with its source and path', () => {
    const cwd = workDir({
      'aiguilleur.config.yaml': [
        'sip:',
        '  port: 70000',
        '  prot: {}',
        '  timers: { t1: 5000, t2: 4000 }',
        '  protection: { acl: [10.0.0.0/33, not-an-ip] }',
        'media: { rtpPortMin: 40001, rtpPortMax: 40000 }',
        'numbers:',
        '  "36-46": { language: fr, label: x }',
        '  "3939": { language: de, label: y }',
      ].join('\n'),
    });
    const file = join(cwd, 'aiguilleur.config.yaml');
    const err = configError(() =>
      loadConfig({ cwd, env: { AIGUILLEUR_HTTP_PORT: 'eighty', AIGUILLEUR_SIP_TRANSPORTS: 'udp,sctp' } }),
    );
    assert.equal(err.code, 'AIG_ERR_CONFIG_INVALID');
    const lines = err.message.split('\n');
    const expectLine = (prefix: string, pattern: RegExp): void => {
      assert.ok(
        lines.some((line) => line.startsWith(prefix) && pattern.test(line)),
        `missing "${prefix} ${pattern}" in:\n${err.message}`,
      );
    };
    expectLine(`${file}: sip.port:`, /65535/);
    expectLine(`${file}: sip:`, /prot/);
    expectLine(`${file}: sip.timers.t1:`, /t1 must not exceed t2/);
    expectLine(`${file}: sip.protection.acl.0:`, /CIDR/);
    expectLine(`${file}: sip.protection.acl.1:`, /CIDR/);
    expectLine(`${file}: media.rtpPortMin:`, /even/);
    expectLine(`${file}: media.rtpPortMin:`, /lower than rtpPortMax/);
    expectLine(`${file}: numbers.36-46:`, /digit strings/);
    expectLine(`${file}: numbers.3939.language:`, /fr/);
    expectLine('env AIGUILLEUR_HTTP_PORT: http.port:', /expected an integer, got "eighty"/);
    expectLine('env AIGUILLEUR_SIP_TRANSPORTS: sip.transports.1:', /sctp/);
  });

  it('rejects an empty ACL, an empty transport list and a non-Redis URL', () => {
    const err = configError(() =>
      loadConfig({
        cwd: workDir(),
        env: {
          AIGUILLEUR_SIP_ACL: ',',
          AIGUILLEUR_SIP_TRANSPORTS: ' , ',
          REDIS_URL: 'http://example.org',
        },
      }),
    );
    assert.match(err.message, /env AIGUILLEUR_SIP_ACL: sip\.protection\.acl: at least one CIDR/);
    assert.match(err.message, /env AIGUILLEUR_SIP_TRANSPORTS: sip\.transports: at least one transport/);
    assert.match(err.message, /env REDIS_URL: redis\.url: must be a redis:\/\//);
  });

  it('requires the drachtio secret when the engine is external', () => {
    const err = configError(() => loadConfig({ cwd: workDir(), env: { AIGUILLEUR_SIP_ENGINE: 'external' } }));
    assert.match(err.message, /\(defaults\): sip\.drachtio\.secret: required when sip\.engine is external/);
  });

  it('accepts port 0 (any free port) for tests', () => {
    const config = loadConfig({
      cwd: workDir(),
      env: { AIGUILLEUR_SIP_PORT: '0', AIGUILLEUR_WIRE_PORT: '0' },
    });
    assert.equal(config.sip.port, 0);
    assert.equal(config.sip.wire.port, 0);
  });

  it('reports a missing explicit file as AIG_ERR_CONFIG_READ', () => {
    const err = configError(() => loadConfig({ file: 'nope.yaml', env: {}, cwd: workDir() }));
    assert.equal(err.code, 'AIG_ERR_CONFIG_READ');
    assert.match(err.message, /nope\.yaml/);
  });

  it('reports YAML syntax errors and non-mapping documents as AIG_ERR_CONFIG_INVALID', () => {
    const cwd = workDir({ 'bad.yaml': 'sip: [unclosed\n', 'list.yaml': '- a\n- b\n', 'x.toml': 'a = 1\n' });
    assert.equal(
      configError(() => loadConfig({ file: 'bad.yaml', env: {}, cwd })).code,
      'AIG_ERR_CONFIG_INVALID',
    );
    assert.match(configError(() => loadConfig({ file: 'list.yaml', env: {}, cwd })).message, /mapping/);
    assert.match(
      configError(() => loadConfig({ file: 'x.toml', env: {}, cwd })).message,
      /unsupported extension/,
    );
  });
});
