/**
 * Environment variables that override single settings. The table is the single source: `load-config.ts`
 * applies it and a unit test checks that README documents every variable. An empty variable counts as unset.
 */

type EnvValueKind = 'string' | 'integer' | 'boolean' | 'list';

export interface EnvOverride {
  /** Variable name, e.g. `AIGUILLEUR_SIP_PORT`. */
  readonly name: string;
  /** Config path the value lands on, e.g. `['sip', 'port']`. */
  readonly path: readonly string[];
  /** How the text is converted; `list` is comma-separated. */
  readonly kind: EnvValueKind;
}

/** Names the file to load instead of the default search (see `resolveConfigPath`). */
export const CONFIG_FILE_ENV = 'AIGUILLEUR_CONFIG';

const override = (name: string, path: string, kind: EnvValueKind): EnvOverride =>
  Object.freeze({ name, path: Object.freeze(path.split('.')), kind });

export const ENV_OVERRIDES: readonly EnvOverride[] = Object.freeze([
  override('AIGUILLEUR_SIP_ENGINE', 'sip.engine', 'string'),
  override('AIGUILLEUR_SIP_HOST', 'sip.host', 'string'),
  override('AIGUILLEUR_SIP_PORT', 'sip.port', 'integer'),
  override('AIGUILLEUR_SIP_TRANSPORTS', 'sip.transports', 'list'),
  override('AIGUILLEUR_SIP_EXTERNAL_ADDRESS', 'sip.externalAddress', 'string'),
  override('AIGUILLEUR_SIP_ACL', 'sip.protection.acl', 'list'),
  override('AIGUILLEUR_SIP_RATE_PER_SECOND', 'sip.protection.rateLimit.perSecond', 'integer'),
  override('AIGUILLEUR_SIP_RATE_BURST', 'sip.protection.rateLimit.burst', 'integer'),
  override('AIGUILLEUR_WIRE_HOST', 'sip.wire.host', 'string'),
  override('AIGUILLEUR_WIRE_PORT', 'sip.wire.port', 'integer'),
  override('AIGUILLEUR_WIRE_SECRET', 'sip.wire.secret', 'string'),
  override('AIGUILLEUR_DRACHTIO_HOST', 'sip.drachtio.host', 'string'),
  override('AIGUILLEUR_DRACHTIO_PORT', 'sip.drachtio.port', 'integer'),
  override('AIGUILLEUR_DRACHTIO_SECRET', 'sip.drachtio.secret', 'string'),
  override('AIGUILLEUR_MAX_CALLS', 'calls.maxConcurrent', 'integer'),
  override('AIGUILLEUR_DRAIN_TIMEOUT', 'calls.drainTimeoutSeconds', 'integer'),
  override('AIGUILLEUR_RTP_PORT_MIN', 'media.rtpPortMin', 'integer'),
  override('AIGUILLEUR_GOOGLE_KEY_FILE', 'speech.google.keyFilename', 'string'),
  override('AIGUILLEUR_GOOGLE_SPEECH_ENDPOINT', 'speech.google.apiEndpoint', 'string'),
  override('AIGUILLEUR_ASR_WEBSOCKET_URL', 'speech.websocket.url', 'string'),
  override('AIGUILLEUR_FLOWS_DIR', 'flows.directory', 'string'),
  override('AIGUILLEUR_RTP_PORT_MAX', 'media.rtpPortMax', 'integer'),
  override('AIGUILLEUR_HTTP_HOST', 'http.host', 'string'),
  override('AIGUILLEUR_HTTP_PORT', 'http.port', 'integer'),
  override('AIGUILLEUR_API_TOKEN', 'http.apiToken', 'string'),
  override('AIGUILLEUR_GROUPS_FILE', 'routing.groupsFile', 'string'),
  override('AIGUILLEUR_CALLBACK_GATEWAY', 'callbacks.gateway', 'string'),
  override('REDIS_URL', 'redis.url', 'string'),
  override('AIGUILLEUR_LOG_LEVEL', 'log.level', 'string'),
  override('AIGUILLEUR_LOG_PRETTY', 'log.pretty', 'boolean'),
  override('AIGUILLEUR_DATA_DIR', 'dataDir', 'string'),
]);

export interface EnvValue {
  readonly override: EnvOverride;
  readonly value: unknown;
}

export interface EnvReadResult {
  readonly values: readonly EnvValue[];
  /** One line per unusable variable: `env NAME: path: problem`. */
  readonly problems: readonly string[];
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** Converts every set override variable to the type its setting expects. */
export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvReadResult {
  const values: EnvValue[] = [];
  const problems: string[] = [];
  for (const entry of ENV_OVERRIDES) {
    const text = env[entry.name]?.trim();
    if (text === undefined || text === '') {
      continue;
    }
    const converted = convert(text, entry.kind);
    if (converted.ok) {
      values.push({ override: entry, value: converted.value });
    } else {
      problems.push(
        `env ${entry.name}: ${entry.path.join('.')}: ${converted.problem}, got ${JSON.stringify(text)}`,
      );
    }
  }
  return { values, problems };
}

type Conversion = { ok: true; value: unknown } | { ok: false; problem: string };

function convert(text: string, kind: EnvValueKind): Conversion {
  switch (kind) {
    case 'string':
      return { ok: true, value: text };
    case 'integer':
      return /^-?\d+$/.test(text)
        ? { ok: true, value: Number(text) }
        : { ok: false, problem: 'expected an integer' };
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) {
        return { ok: true, value: true };
      }
      if (FALSE_WORDS.has(word)) {
        return { ok: true, value: false };
      }
      return { ok: false, problem: 'expected true or false' };
    }
    case 'list':
      return {
        ok: true,
        value: text
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      };
  }
}
