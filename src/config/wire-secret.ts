/**
 * The shared secret of the embedded engine's drachtio wire port. A configured secret wins; otherwise one is
 * generated at first start and kept in `<dataDir>/wire-secret` (mode 0600) so that it survives restarts and
 * an app on another host can be given the same value.
 */
import type { AiguilleurConfig } from './config-types.js';
import { loadOrCreateSecretFile } from './secret-file.js';

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
  return loadOrCreateSecretFile({
    dataDir,
    fileName,
    problem: (secret) => (secret === '' ? 'the wire secret file is empty; delete it to regenerate' : null),
  });
}

/** The API's bearer token: `http.apiToken`, or the one generated in `<dataDir>/api-token`. */
export function resolveApiToken(config: Pick<AiguilleurConfig, 'http' | 'dataDir'>): Promise<string> {
  return resolveGeneratedSecret(config.dataDir, API_TOKEN_FILE, config.http.apiToken);
}
