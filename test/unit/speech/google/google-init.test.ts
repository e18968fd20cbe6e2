// `init()` of the `google` recognizer: not configured (no network at all), bad or missing key files
// (AIG_ERR_ASR_AUTH), a well-formed key (checked offline), and the plain-text endpoint used by the other tests.
// A guard in this file fails the test if anything tries to reach a host other than 127.0.0.1.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { GoogleSpeechConfig } from '../../../../src/config/config-types.js';
import { isAigError } from '../../../../src/errors/aig-error.js';
import {
  createGoogleRecognizer,
  type GoogleRecognizer,
} from '../../../../src/speech/recognition/google/google-recognizer.js';
import { GoogleSpeechServer } from '../../../support/google-speech-server.js';
import './google-test-kit.js';

/** Records (and refuses) every connection or DNS lookup that is not for 127.0.0.1. */
function guardNetwork(): { attempts: string[]; restore(): void } {
  const attempts: string[] = [];
  const socket = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => net.Socket };
  const resolver = dns as unknown as { lookup: (...args: unknown[]) => void };
  const socketConnect = socket.connect;
  const lookup = resolver.lookup;
  socket.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
    // net.connect() passes its normalised [options, callback] array as the first argument.
    const first: unknown = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const options =
      typeof first === 'object' && first !== null ? (first as { host?: unknown; path?: unknown }) : {};
    const host =
      typeof options.host === 'string' ? options.host : typeof args[1] === 'string' ? args[1] : 'localhost';
    if (typeof options.path === 'string' || host !== '127.0.0.1') {
      attempts.push(`connect ${typeof options.path === 'string' ? options.path : host}`);
      throw new Error(`test network guard: connection to ${host} refused`);
    }
    return socketConnect.apply(this, args);
  };
  resolver.lookup = (hostname: unknown, ...rest: unknown[]): void => {
    if (hostname !== '127.0.0.1') {
      attempts.push(`lookup ${String(hostname)}`);
    }
    lookup(hostname, ...rest);
  };
  return {
    attempts,
    restore() {
      socket.connect = socketConnect;
      resolver.lookup = lookup;
    },
  };
}

const UNCONFIGURED: GoogleSpeechConfig = Object.freeze({
  keyFilename: null,
  projectId: null,
  apiEndpoint: null,
  port: null,
  insecure: false,
  model: 'telephony',
  encoding: 'LINEAR16',
  streamRestartSeconds: 290,
  finalTimeoutMs: 3000,
});

describe('google recognizer: init', () => {
  let directory: string;
  let network: ReturnType<typeof guardNetwork>;
  const recognizers: GoogleRecognizer[] = [];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aig-google-'));
    network = guardNetwork();
  });
  after(async () => {
    network.restore();
    await rm(directory, { recursive: true, force: true });
  });
  afterEach(async () => {
    await Promise.all(recognizers.splice(0).map((r) => r.close()));
    assert.deepEqual(network.attempts, [], 'no connection may leave 127.0.0.1');
  });

  function recognizer(config: Partial<GoogleSpeechConfig>, applicationCredentials: string | null = null) {
    const r = createGoogleRecognizer({ ...UNCONFIGURED, ...config }, { applicationCredentials });
    recognizers.push(r);
    return r;
  }

  async function keyFile(name: string, content: string): Promise<string> {
    const path = join(directory, name);
    await writeFile(path, content);
    return path;
  }

  function serviceAccount(privateKey: string): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: 'aiguilleur-test',
      private_key_id: 'k1',
      private_key: privateKey,
      client_email: 'asr@aiguilleur-test.iam.gserviceaccount.com',
      client_id: '1',
    });
  }

  it('without key file, ADC file or insecure endpoint: AIG_ERR_ASR_NOT_CONFIGURED at once', async () => {
    const r = recognizer({});
    assert.equal(r.credentialMode, null);
    const started = performance.now();
    await assert.rejects(r.init(), (err) => isAigError(err, 'AIG_ERR_ASR_NOT_CONFIGURED'));
    assert.ok(performance.now() - started < 200, 'decided without any I/O');
  });

  it('insecure without an apiEndpoint is not configured either', async () => {
    const r = recognizer({ insecure: true });
    await assert.rejects(
      r.init(),
      (err) => isAigError(err, 'AIG_ERR_ASR_NOT_CONFIGURED') && /apiEndpoint/.test(err.message),
    );
  });

  it('a key file that is not JSON → AIG_ERR_ASR_AUTH', async () => {
    const r = recognizer({ keyFilename: await keyFile('not-json.json', 'this is not a key') });
    assert.equal(r.credentialMode, 'key-file');
    await assert.rejects(r.init(), (err) => isAigError(err, 'AIG_ERR_ASR_AUTH'));
    assert.equal(r.ready, false);
  });

  it('a service-account key with a broken private key → AIG_ERR_ASR_AUTH', async () => {
    const bad = serviceAccount('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const r = recognizer({ keyFilename: await keyFile('bad-key.json', bad) });
    await assert.rejects(
      r.init(),
      (err) => isAigError(err, 'AIG_ERR_ASR_AUTH') && /key-file/.test(err.message),
    );
  });

  it('a missing key file → AIG_ERR_ASR_AUTH naming the file', async () => {
    const path = join(directory, 'missing.json');
    const r = recognizer({ keyFilename: path });
    await assert.rejects(
      r.init(),
      (err) => isAigError(err, 'AIG_ERR_ASR_AUTH') && err.message.includes(path),
    );
  });

  it('GOOGLE_APPLICATION_CREDENTIALS naming a bad file → AIG_ERR_ASR_AUTH', async () => {
    const r = recognizer({}, await keyFile('adc.json', '{"type":"service_account"}'));
    assert.equal(r.credentialMode, 'application-default');
    await assert.rejects(r.init(), (err) => isAigError(err, 'AIG_ERR_ASR_AUTH'));
  });

  it('a well-formed service-account key passes the check offline (self-signed JWT)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const r = recognizer({ keyFilename: await keyFile('good.json', serviceAccount(privateKey)) });
    await r.init();
    assert.equal(r.ready, true);
    await r.init(); // idempotent
  });

  it('apiEndpoint + insecure: ready without credentials; concurrent init calls share one start', async () => {
    const server = await GoogleSpeechServer.start();
    try {
      const r = recognizer(server.googleConfig());
      assert.equal(r.credentialMode, 'insecure');
      assert.deepEqual(r.languages, ['fr', 'en']);
      assert.equal(r.sampleRate, 8000);
      assert.equal(r.name, 'google');
      const started = performance.now();
      await Promise.all([r.init(), r.init()]);
      console.log(`google recognizer init (insecure, local): ${(performance.now() - started).toFixed(1)} ms`);
      assert.equal(r.ready, true);
      await r.close();
      await r.close();
      assert.equal(r.ready, false);
    } finally {
      await server.close();
    }
  });
});
