// The caller's number normalized, hashed with a secret and masked; the secret file created once and shared.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import {
  frenchNationalNumber,
  CALLER_HASH_SECRET_FILE,
  hashCallerNumber,
  isMaskedCallerNumber,
  loadOrCreateHashSecret,
  maskCallerNumber,
  normalizeCallerNumber,
} from '../../../src/store/caller-number.js';

const SECRET = Buffer.alloc(32, 7);
const OTHER_SECRET = Buffer.alloc(32, 8);

/** One French mobile as networks and people present it. */
const SAME_MOBILE = [
  '0612345678',
  '+33612345678',
  '0033612345678',
  '33612345678',
  '06 12 34 56 78',
  '06.12.34.56.78',
  '06-12-34-56-78',
  '+33 (0)6 12 34 56 78',
  '+330612345678',
  'sip:+33612345678@carrier.example;user=phone',
  'sip:0612345678@10.0.0.1:5060',
  '<sip:+33612345678@carrier.example;user=phone>;tag=abc',
  '"Jeanne Martin" <sip:+33612345678@carrier.example>',
  'tel:+33-6-12-34-56-78',
  'tel:0612345678;phone-context=+33',
  'sips:%2B33612345678@carrier.example',
];

const WITHHELD = [
  null,
  undefined,
  '',
  '   ',
  'anonymous',
  'Anonymous',
  'restricted',
  'RESTRICTED',
  'private',
  'unavailable',
  'unknown',
  'withheld',
  'sip:anonymous@anonymous.invalid',
  '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1',
  'sip:restricted@carrier.example',
  'tel:anonymous',
];

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aig-caller-'));
  dirs.push(dir);
  return dir;
}

describe('normalizeCallerNumber', () => {
  it('gives every French form of one number the same E.164', () => {
    for (const form of SAME_MOBILE) {
      assert.equal(normalizeCallerNumber(form), '+33612345678', form);
    }
  });

  it('maps overseas departments to their own country codes, whichever way they arrive', () => {
    for (const form of ['0692123456', '+262692123456', '00262692123456', '+33692123456', '0033692123456']) {
      assert.equal(normalizeCallerNumber(form), '+262692123456', form);
    }
    assert.equal(normalizeCallerNumber('0590123456'), '+590590123456');
    assert.equal(normalizeCallerNumber('0696123456'), '+596696123456');
    assert.equal(normalizeCallerNumber('0694123456'), '+594694123456');
    assert.equal(normalizeCallerNumber('0639123456'), '+262639123456');
    // Metropolitan landlines stay +33.
    assert.equal(normalizeCallerNumber('01 23 45 67 89'), '+33123456789');
    assert.equal(normalizeCallerNumber('0562123456'), '+33562123456');
  });

  it('keeps other countries and unknown forms as they are', () => {
    assert.equal(normalizeCallerNumber('0044 20 7946 0958'), '+442079460958');
    assert.equal(normalizeCallerNumber('+1 (202) 555-0143'), '+12025550143');
    assert.equal(normalizeCallerNumber('3646'), '3646');
    assert.equal(normalizeCallerNumber('sip:3646@ivr.example'), '3646');
  });

  it('withheld numbers have no identity', () => {
    for (const form of WITHHELD) {
      assert.equal(normalizeCallerNumber(form), null, String(form));
      assert.equal(hashCallerNumber(form, SECRET), null, String(form));
      assert.equal(maskCallerNumber(form), null, String(form));
    }
  });
});

describe('hashCallerNumber', () => {
  it('is stable across formats, keyed, and differs with another secret or number', () => {
    const hashes = new Set(SAME_MOBILE.map((form) => hashCallerNumber(form, SECRET)));
    assert.equal(hashes.size, 1);
    const [hash] = [...hashes];
    assert.match(hash!, /^[0-9a-f]{64}$/);
    assert.notEqual(hashCallerNumber('0612345678', OTHER_SECRET), hash);
    assert.notEqual(hashCallerNumber('0612345679', SECRET), hash);
    // Not a plain hash, which anyone could recompute for every French mobile.
    assert.notEqual(createHash('sha256').update('+33612345678').digest('hex'), hash);
    // A string secret works too (same bytes, same hash).
    assert.equal(hashCallerNumber('0612345678', SECRET.toString('latin1')), hash);
  });
});

describe('maskCallerNumber', () => {
  it('keeps the country code, the first national digit and the last two', () => {
    for (const form of SAME_MOBILE) {
      assert.equal(maskCallerNumber(form), '+33 6•• ••• •78', form);
    }
    assert.equal(maskCallerNumber('0692123456'), '+262 6•• ••• •56');
    assert.equal(maskCallerNumber('0044 20 7946 0958'), '+44 2 ••• ••• •58');
    assert.equal(maskCallerNumber('+1 202 555 0143'), '+1 2 ••• ••• •43');
    assert.equal(maskCallerNumber('3646'), '• •••');
    assert.equal(maskCallerNumber('01234567'), '0• ••• •67');
  });

  it('what it produces is recognized as masked, a clear number is not', () => {
    for (const form of [...SAME_MOBILE, '0692123456', '0044 20 7946 0958', '3646', '01234567']) {
      const masked = maskCallerNumber(form)!;
      assert.ok(isMaskedCallerNumber(masked), masked);
    }
    for (const clear of [
      '+33612345678',
      '0612345678',
      '06 12 34 56 78',
      '+33 612 345 678',
      '+33 6•2 345 678',
    ]) {
      assert.equal(isMaskedCallerNumber(clear), false, clear);
    }
  });
});

describe('loadOrCreateHashSecret', () => {
  it('creates a 32-byte secret once (mode 0600) and reads it back after', async () => {
    const dir = join(await tempDir(), 'var');
    const first = await loadOrCreateHashSecret(dir);
    assert.equal(first.length, 32);
    const path = join(dir, CALLER_HASH_SECRET_FILE);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await readFile(path, 'utf8')).trim(), first.toString('hex'));
    assert.deepEqual(await loadOrCreateHashSecret(dir), first);
    assert.equal(
      hashCallerNumber('0612345678', await loadOrCreateHashSecret(dir)),
      hashCallerNumber('+33612345678', first),
    );
  });

  it('processes starting together agree on one secret', async () => {
    const dir = await tempDir();
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateHashSecret(dir)));
    assert.equal(new Set(secrets.map((secret) => secret.toString('hex'))).size, 1);
  });

  it('refuses a damaged file rather than starting a new history silently', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, CALLER_HASH_SECRET_FILE), '', { mode: 0o600 });
    await assert.rejects(loadOrCreateHashSecret(dir), (err) => isAigError(err, 'AIG_ERR_CONFIG_INVALID'));
    await writeFile(join(dir, CALLER_HASH_SECRET_FILE), 'not hex\n');
    await assert.rejects(loadOrCreateHashSecret(dir), /expected 64 hex digits/);
  });

  it('a copy readable by others is made private again', async () => {
    const dir = await tempDir();
    const path = join(dir, CALLER_HASH_SECRET_FILE);
    const hex = Buffer.alloc(32, 3).toString('hex');
    await writeFile(path, `${hex}\n`);
    await chmod(path, 0o644);
    assert.equal((await loadOrCreateHashSecret(dir)).toString('hex'), hex);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });
});

describe('frenchNationalNumber', () => {
  it('gives the national form of French numbers (overseas included), null for foreign or withheld ones', () => {
    for (const [raw, national] of [
      ['+33612345678', '0612345678'],
      ['0033 6 12 34 56 78', '0612345678'],
      ['sip:+33612345678@gw.example;user=phone', '0612345678'],
      ['<tel:+262692123456>', '0692123456'],
      ['0692123456', '0692123456'],
      ['+447700900123', null],
      ['+262612345678', null],
      ['anonymous', null],
    ] as const) {
      assert.equal(frenchNationalNumber(raw), national, raw);
    }
  });
});
