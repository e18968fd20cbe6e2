/**
 * A secret the IVR generates at first start and keeps in a file under `dataDir` (mode 0600, the folder 0700), so
 * that it survives restarts and can be copied to another host. Used by the wire secret, the API token and the
 * caller-hash secret.
 *
 * Two processes starting together agree: the file is created exclusively (`wx`), and the loser reads the winner's
 * file. A file that is there but unusable is refused with `AIG_ERR_CONFIG_INVALID`, never silently replaced: a new
 * secret would lock out the peers (wire, API) or start every caller's history afresh (hashes).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AigError } from '../errors/aig-error.js';

export interface SecretFileOptions {
  /** The folder of the file; created (mode 0700) when the secret is. */
  readonly dataDir: string;
  readonly fileName: string;
  /** Random bytes in a new secret, written hex-encoded. @default 32 */
  readonly bytes?: number;
  /**
   * What is wrong with the file's text (trimmed), said to the operator after the path; null when it is usable.
   * Called on what was read, never on a secret just generated.
   */
  readonly problem: (secret: string) => string | null;
  /**
   * When the file read can be read by group or others (a copy made with a loose umask), chmod it back to 0600.
   * @default false
   */
  readonly tightenMode?: boolean;
}

/** The secret kept in `<dataDir>/<fileName>` (trimmed text), generated and written there at first use. */
export async function loadOrCreateSecretFile(options: SecretFileOptions): Promise<string> {
  const path = join(options.dataDir, options.fileName);
  const existing = await readSecretFile(path, options);
  if (existing !== undefined) {
    return existing;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(options.bytes ?? 32).toString('hex');
  try {
    // 'wx' fails if another process created the file meanwhile; its secret then wins so both agree.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const winner = await readSecretFile(path, options);
      if (winner !== undefined) {
        return winner;
      }
    }
    throw new AigError('AIG_ERR_CONFIG_READ', `${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The file's secret; undefined when there is no file yet. */
async function readSecretFile(path: string, options: SecretFileOptions): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new AigError('AIG_ERR_CONFIG_READ', `${path}: ${(err as Error).message}`, { cause: err });
  }
  const secret = text.trim();
  const problem = options.problem(secret);
  if (problem !== null) {
    throw new AigError('AIG_ERR_CONFIG_INVALID', `${path}: ${problem}`);
  }
  if (options.tightenMode === true) {
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0) {
      await chmod(path, 0o600);
    }
  }
  return secret;
}
