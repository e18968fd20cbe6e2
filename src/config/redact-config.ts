/**
 * A printable copy of the configuration with its secrets masked, for `aiguilleur config check` and start-up logs.
 */
import type { AiguilleurConfig } from './config-types.js';

export const SECRET_MASK = '********';

/** Plain, mutable deep copy of `config` with the wire and drachtio secrets and any Redis password masked. */
export function redactConfigSecrets(config: AiguilleurConfig): AiguilleurConfig {
  const copy = structuredClone(config) as {
    -readonly [K in keyof AiguilleurConfig]: AiguilleurConfig[K];
  };
  copy.sip = {
    ...copy.sip,
    wire: { ...copy.sip.wire, secret: maskSecret(copy.sip.wire.secret) },
    drachtio: { ...copy.sip.drachtio, secret: maskSecret(copy.sip.drachtio.secret) },
  };
  copy.redis = { url: copy.redis.url === null ? null : maskUrlPassword(copy.redis.url) };
  return copy;
}

function maskSecret(secret: string | null): string | null {
  return secret === null ? null : SECRET_MASK;
}

function maskUrlPassword(value: string): string {
  const url = new URL(value);
  if (url.password !== '') {
    url.password = SECRET_MASK;
  }
  return url.toString();
}
