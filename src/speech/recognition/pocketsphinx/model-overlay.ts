/**
 * A writable copy of the acoustic model that differs from the stock one in one line: `-cmninit` in `feat.params`.
 *
 * Why: the cepstral mean the decoder starts from is tuned for wide-band microphone speech; phone audio (8 kHz,
 * upsampled to 16 kHz) starts far from it, and CMN adapts too slowly for a short first answer (measured: 7.5%
 * first-turn intent accuracy with the stock value, 75% with the telephone value). This pocketsphinx version reads
 * `feat.params` after the command line and lets it override `-cmninit`, so the value has to be in the model
 * directory itself. The overlay is a directory of symbolic links to every stock file except `feat.params`, which
 * is copied with the configured `-cmninit`: a few kilobytes, whatever the model's size.
 *
 * Idempotent and safe against several processes starting at once: an overlay that already matches is reused; a
 * new one is built under a temporary name and renamed into place (rename is atomic), and a stale one (other
 * stock files, other value) is rebuilt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface ModelOverlayOptions {
  /** Stock acoustic model directory (`mdef`, `means`, `feat.params`...). */
  readonly modelDirectory: string;
  /** Comma-separated initial cepstral means written into the overlay's `feat.params`. */
  readonly cmninit: string;
  /** Writable parent directory of the overlay. */
  readonly workDirectory: string;
}

const FEAT_PARAMS = 'feat.params';
const CMNINIT_PATTERN = /^-?\d+(\.\d+)?(,-?\d+(\.\d+)?)*$/;

/** Files without which `ps_init` cannot load a model; checked so that a wrong directory fails with their names. */
export const REQUIRED_MODEL_FILES: readonly string[] = Object.freeze([
  'mdef',
  'means',
  'variances',
  'transition_matrices',
  FEAT_PARAMS,
]);

export class ModelOverlayError extends Error {}

export function isValidCmninit(value: string): boolean {
  return CMNINIT_PATTERN.test(value.replace(/\s+/g, ''));
}

/** `feat.params` text with its `-cmninit` line replaced (or added). */
export function withCmninit(featParams: string, cmninit: string): string {
  const value = cmninit.replace(/\s+/g, '');
  const lines = featParams.split('\n');
  const index = lines.findIndex((line) => /^\s*-cmninit(\s|$)/.test(line));
  if (index >= 0) {
    lines[index] = `-cmninit ${value}`;
    return lines.join('\n');
  }
  const trailingNewline = featParams.endsWith('\n') || featParams === '';
  return `${featParams}${trailingNewline ? '' : '\n'}-cmninit ${value}\n`;
}

/** The overlay directory's path for these options: one per (model, cmninit) pair. */
export function overlayPathFor(options: ModelOverlayOptions): string {
  const hash = createHash('sha256')
    .update(`${resolve(options.modelDirectory)}\n${options.cmninit.replace(/\s+/g, '')}`)
    .digest('hex')
    .slice(0, 12);
  return join(resolve(options.workDirectory), `aiguilleur-pocketsphinx-${hash}`);
}

/** Checks the stock model, then returns the overlay's path, creating or repairing it if needed. */
export async function prepareModelOverlay(options: ModelOverlayOptions): Promise<string> {
  if (!isValidCmninit(options.cmninit)) {
    throw new ModelOverlayError(`cmninit "${options.cmninit}" is not a comma-separated list of numbers`);
  }
  const stockDirectory = resolve(options.modelDirectory);
  let entries: string[];
  try {
    entries = (await readdir(stockDirectory)).sort();
  } catch (err) {
    throw new ModelOverlayError(
      `acoustic model directory ${stockDirectory} cannot be read (${errorText(err)})`,
    );
  }
  const missing = REQUIRED_MODEL_FILES.filter((file) => !entries.includes(file));
  if (missing.length > 0) {
    throw new ModelOverlayError(
      `${stockDirectory} is not a pocketsphinx acoustic model: ${missing.join(', ')} missing`,
    );
  }
  const featParams = withCmninit(await readFile(join(stockDirectory, FEAT_PARAMS), 'utf8'), options.cmninit);
  const overlay = overlayPathFor(options);
  if (await overlayMatches(overlay, stockDirectory, entries, featParams)) {
    return overlay;
  }
  await mkdir(resolve(options.workDirectory), { recursive: true });
  const staging = `${overlay}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(staging);
    for (const entry of entries) {
      if (entry !== FEAT_PARAMS) {
        await symlink(join(stockDirectory, entry), join(staging, entry));
      }
    }
    await writeFile(join(staging, FEAT_PARAMS), featParams);
    if (await overlayMatches(overlay, stockDirectory, entries, featParams)) {
      return overlay; // another process finished first
    }
    await rm(overlay, { recursive: true, force: true });
    try {
      await rename(staging, overlay);
    } catch (err) {
      // Another process renamed its own overlay into place first: keep it if it is right.
      if (!(await overlayMatches(overlay, stockDirectory, entries, featParams))) {
        throw err;
      }
    }
  } catch (err) {
    throw new ModelOverlayError(`cannot create the model overlay ${overlay} (${errorText(err)})`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return overlay;
}

async function overlayMatches(
  overlay: string,
  stockDirectory: string,
  stockEntries: readonly string[],
  featParams: string,
): Promise<boolean> {
  try {
    const entries = (await readdir(overlay)).sort();
    if (entries.join('\n') !== stockEntries.join('\n')) {
      return false;
    }
    for (const entry of entries) {
      if (entry === FEAT_PARAMS) {
        if ((await readFile(join(overlay, entry), 'utf8')) !== featParams) {
          return false;
        }
      } else if (
        !(await lstat(join(overlay, entry))).isSymbolicLink() ||
        (await readlink(join(overlay, entry))) !== join(stockDirectory, entry)
      ) {
        return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
