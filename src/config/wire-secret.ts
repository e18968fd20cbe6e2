/**
 * The shared secret of the embedded engine's drachtio wire port. A configured secret wins; otherwise one is
 * generated at first start and kept in `<dataDir>/wire-secret` (mode 0600) so that it survives restarts and
 * an app on another host can be given the same value.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AigError } from '../errors/aig-error.js';
import type { AiguilleurConfig } from './config-types.js';

export const WIRE_SECRET_FILE = 'wire-secret';
export const API_TOKEN_FILE = 'api-token';

export async function resolveWireSecret(config: Pick<AiguilleurConfig, 'sip' | 'dataDir'>): Promise<string> {
  return resolveGeneratedSecret(config.dataDir, WIRE_SECRET_FILE, config.sip.wire.secret);
}

/**
 * A configured secret, or the one kept in `<dataDir>/<fileName>`, generated (32 random bytes, hex) at first use.
 * Shared by the wire secret and the API token.
 */
export async function resolveGeneratedSecret(
  dataDir: string,
  fileName: string,
  configured: string | null,
): Promise<string> {
  if (configured !== null) {
    return configured;
  }
  const path = join(dataDir, fileName);
  const existing = await readSecretFile(path);
  if (existing !== undefined) {
    return existing;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  try {
    // 'wx' fails if another process created the file meanwhile; its secret then wins so both agree.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const winner = await readSecretFile(path);
      if (winner !== undefined) {
        return winner;
      }
    }
    throw new AigError('AIG_ERR_CONFIG_READ', `${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The API's bearer token: `http.apiToken`, or the one generated in `<dataDir>/api-token`. */
export function resolveApiToken(config: Pick<AiguilleurConfig, 'http' | 'dataDir'>): Promise<string> {
  return resolveGeneratedSecret(config.dataDir, API_TOKEN_FILE, config.http.apiToken);
}

async function readSecretFile(path: string): Promise<string | undefined> {
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
  if (secret === '') {
    throw new AigError(
      'AIG_ERR_CONFIG_INVALID',
      `${path}: the wire secret file is empty; delete it to regenerate`,
    );
  }
  return secret;
}
