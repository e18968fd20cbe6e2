import assert from 'node:assert/strict';
import { lstat, mkdtemp, mkdir, readFile, readlink, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ModelOverlayError,
  overlayPathFor,
  prepareModelOverlay,
  withCmninit,
} from '../../../../src/speech/recognition/pocketsphinx/model-overlay.js';

const STOCK_FEAT_PARAMS = '-lowerf 130\n-upperf 6800\n-cmn batch\n-cmninit 41.00,-5.29,-0.12\n-varnorm no\n';
const PHONE = '42.14,21.73,-40.95';

describe('withCmninit', () => {
  it('replaces the -cmninit line and keeps the others', () => {
    assert.equal(
      withCmninit(STOCK_FEAT_PARAMS, PHONE),
      '-lowerf 130\n-upperf 6800\n-cmn batch\n-cmninit 42.14,21.73,-40.95\n-varnorm no\n',
    );
  });

  it('adds the line when the model has none', () => {
    assert.equal(withCmninit('-lowerf 130', PHONE), '-lowerf 130\n-cmninit 42.14,21.73,-40.95\n');
  });
});

describe('prepareModelOverlay', () => {
  let root: string;
  let stock: string;
  let work: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'aig-ps-overlay-'));
    stock = join(root, 'stock');
    work = join(root, 'work');
    await mkdir(stock);
    for (const file of [
      'mdef',
      'means',
      'variances',
      'transition_matrices',
      'sendump',
      'noisedict',
      'README',
    ]) {
      await writeFile(join(stock, file), file);
    }
    await writeFile(join(stock, 'feat.params'), STOCK_FEAT_PARAMS);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('links every stock file but feat.params, which carries the configured cmninit', async () => {
    const overlay = await prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work });
    assert.equal(overlay, overlayPathFor({ modelDirectory: stock, cmninit: PHONE, workDirectory: work }));
    assert.match(overlay, /aiguilleur-pocketsphinx-[0-9a-f]{12}$/);
    assert.deepEqual((await readdir(overlay)).sort(), (await readdir(stock)).sort());
    for (const file of ['mdef', 'means', 'sendump', 'README']) {
      assert.ok((await lstat(join(overlay, file))).isSymbolicLink(), file);
      assert.equal(await readlink(join(overlay, file)), join(stock, file));
    }
    assert.ok(!(await lstat(join(overlay, 'feat.params'))).isSymbolicLink());
    assert.match(await readFile(join(overlay, 'feat.params'), 'utf8'), /^-cmninit 42\.14,21\.73,-40\.95$/m);
    assert.equal(
      await readFile(join(stock, 'feat.params'), 'utf8'),
      STOCK_FEAT_PARAMS,
      'stock model untouched',
    );
  });

  it('is idempotent: a matching overlay is reused as is', async () => {
    const first = await prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work });
    const before = await stat(join(first, 'feat.params'));
    const again = await Promise.all([
      prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work }),
      prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work }),
    ]);
    assert.deepEqual(again, [first, first]);
    assert.equal((await stat(join(first, 'feat.params'))).ino, before.ino);
    assert.deepEqual(
      (await readdir(work)).filter((name) => name.includes('.tmp-')),
      [],
      'no staging directory left behind',
    );
  });

  it('repairs an overlay that no longer matches the stock model', async () => {
    const overlay = await prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work });
    await writeFile(join(overlay, 'feat.params'), 'tampered');
    await writeFile(join(stock, 'mixture_weights'), 'new file');
    await prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work });
    assert.match(await readFile(join(overlay, 'feat.params'), 'utf8'), /-cmninit 42\.14/);
    assert.equal(await readlink(join(overlay, 'mixture_weights')), join(stock, 'mixture_weights'));
  });

  it('gives another directory for another cmninit', async () => {
    const a = await prepareModelOverlay({ modelDirectory: stock, cmninit: PHONE, workDirectory: work });
    const b = await prepareModelOverlay({ modelDirectory: stock, cmninit: '1,2,3', workDirectory: work });
    assert.notEqual(a, b);
  });

  it('names what is wrong with a bad model directory or cmninit', async () => {
    await assert.rejects(
      prepareModelOverlay({ modelDirectory: join(root, 'nope'), cmninit: PHONE, workDirectory: work }),
      (err: unknown) => err instanceof ModelOverlayError && /nope cannot be read/.test(err.message),
    );
    await assert.rejects(
      prepareModelOverlay({ modelDirectory: work, cmninit: PHONE, workDirectory: work }),
      (err: unknown) => err instanceof ModelOverlayError && /mdef, means, variances/.test(err.message),
    );
    await assert.rejects(
      prepareModelOverlay({ modelDirectory: stock, cmninit: '1,2,x', workDirectory: work }),
      (err: unknown) => err instanceof ModelOverlayError && /not a comma-separated list/.test(err.message),
    );
  });
});
