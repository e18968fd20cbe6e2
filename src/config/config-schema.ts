/**
 * The zod schema of the configuration: shape, validation rules and defaults. Objects are strict so that a
 * misspelt key is reported instead of silently ignored. The documented types live in `config-types.ts`; the
 * assertion at the bottom of this file fails to compile if the two drift apart.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { AiguilleurConfig } from './config-types.js';
import { packageVersion } from './package-info.js';

/** User-Agent substrings of well-known SIP scanners (SIPVicious, sipcli, sip-scan, VaxSIP, iWar, sundayddr,
 * pplsip, Nmap's SIP scripts). `sipsak` is deliberately absent: operators use it for OPTIONS health checks. */
const DEFAULT_SCANNER_USER_AGENTS: readonly string[] = Object.freeze([
  'friendly-scanner',
  'sipvicious',
  'sipcli',
  'sip-scan',
  'VaxSIPUserAgent',
  'iWar',
  'sundayddr',
  'pplsip',
  'Nmap NSE',
]);

/** `a.b.c.d/n`, `x::y/n` or a bare address (a single host). */
function isValidCidr(value: string): boolean {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const family = isIP(address);
  if (family === 0) {
    return false;
  }
  if (slash < 0) {
    return true;
  }
  const prefix = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) {
    return false;
  }
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const positiveInt = z.number().int().positive();

function noDuplicates(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

const timersSchema = z
  .object({
    t1: positiveInt.default(500),
    t2: positiveInt.default(4000),
    t4: positiveInt.default(5000),
  })
  .strict()
  // RFC 3261 §17.1.2.2: T2 caps the doubling of an interval that starts at T1.
  .refine((t) => t.t1 <= t.t2, { message: 't1 must not exceed t2', path: ['t1'] });

const wireSchema = z
  .object({
    host: host.default('127.0.0.1'),
    port: port.default(9022),
    secret: z.string().min(1).nullable().default(null),
    maxFrameBytes: z.number().int().min(1024).max(99_999_999).default(65536),
  })
  .strict();

const drachtioSchema = z
  .object({
    host: host.default('127.0.0.1'),
    port: port.default(9022),
    secret: z.string().min(1).nullable().default(null),
  })
  .strict();

const protectionSchema = z
  .object({
    acl: z
      .array(z.string().refine(isValidCidr, { message: 'not a valid IPv4/IPv6 address or CIDR block' }))
      .min(1, { message: 'at least one CIDR block is required (0.0.0.0/0 and ::/0 allow every source)' })
      .default(['127.0.0.0/8', '::1/128']),
    rateLimit: z
      .object({
        perSecond: positiveInt.default(100),
        burst: positiveInt.default(200),
        floodSeconds: positiveInt.default(5),
      })
      .strict()
      .default({}),
    scannerUserAgents: z.array(z.string().min(1)).default([...DEFAULT_SCANNER_USER_AGENTS]),
  })
  .strict();

const sipSchema = z
  .object({
    engine: z.enum(['embedded', 'external']).default('embedded'),
    host: host.default('127.0.0.1'),
    port: port.default(5060),
    transports: z
      .array(z.enum(['udp', 'tcp']))
      .min(1, { message: 'at least one transport is required' })
      .refine(noDuplicates, { message: 'transports must not repeat' })
      .default(['udp', 'tcp']),
    externalAddress: host.nullable().default(null),
    timers: timersSchema.default({}),
    // RFC 3261 §18.1.1: a UDP message must fit 65,535 bytes; anything below 1,300 could not carry an INVITE.
    maxMessageSize: z.number().int().min(1300).max(1_048_576).default(65535),
    udpReceiveBufferBytes: positiveInt.default(4_194_304),
    tcpIdleTimeoutMs: positiveInt.default(300_000),
    userAgent: z
      .string()
      .min(1)
      .default(() => `Aiguilleur/${packageVersion()}`),
    wire: wireSchema.default({}),
    drachtio: drachtioSchema.default({}),
    protection: protectionSchema.default({}),
  })
  .strict()
  .superRefine((sip, ctx) => {
    if (sip.engine === 'external' && sip.drachtio.secret === null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['drachtio', 'secret'],
        message: 'required when sip.engine is external',
      });
    }
  });

const callsSchema = z
  .object({
    maxConcurrent: positiveInt.default(1000),
    maxDurationSeconds: positiveInt.default(3600),
    eventLoopDelayMs: positiveInt.default(250),
    drainTimeoutSeconds: z.number().int().min(0).default(300),
    retryAfterSeconds: z.number().int().min(0).default(30),
  })
  .strict();

const mediaSchema = z
  .object({
    codecs: z
      .array(z.enum(['PCMU', 'PCMA']))
      .min(1, { message: 'at least one codec is required' })
      .refine(noDuplicates, { message: 'codecs must not repeat' })
      .default(['PCMU', 'PCMA']),
    ptime: z.number().int().min(10).max(60).multipleOf(10).default(20),
    rtpPortMin: z.number().int().min(1024).max(65535).default(40000),
    rtpPortMax: z.number().int().min(1024).max(65535).default(49999),
    telephoneEvent: z.boolean().default(true),
    enabled: z.boolean().default(true),
    promptsDirectory: z.string().min(1).nullable().default(null),
    recordingDirectory: z.string().min(1).nullable().default(null),
    jitterDepthMs: z.number().int().min(20).max(500).multipleOf(20).default(60),
    workers: z.number().int().min(0).max(64).default(0),
    threadNice: z.number().int().min(-20).max(19).nullable().default(null),
    realtimePriority: z.number().int().min(1).max(99).nullable().default(null),
    pollSockets: z.boolean().default(true),
    ioUring: z.boolean().default(true),
    gcAfterSend: z.boolean().default(true),
    schedulerSpinMs: z.number().min(0).max(5).default(1),
    endpointing: z
      .object({
        trailingSilenceMs: z.number().int().min(100).max(10_000).default(700),
        maxUtteranceMs: z.number().int().min(1000).max(120_000).default(15_000),
        noInputTimeoutMs: z.number().int().min(500).max(60_000).default(5000),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((media, ctx) => {
    // RFC 3550 §11: RTP takes the even port of a pair, RTCP the odd one above it.
    if (media.rtpPortMin % 2 !== 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['rtpPortMin'], message: 'must be even' });
    }
    if (media.rtpPortMin >= media.rtpPortMax) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['rtpPortMin'],
        message: `must be lower than rtpPortMax (${media.rtpPortMax})`,
      });
    }
  });

const recognizerName = z.enum(['google', 'websocket', 'pocketsphinx']);

const numberSchema = z
  .object({
    language: z.enum(['fr', 'en']),
    label: z.string().min(1),
    flow: z.string().min(1).nullable().default(null),
    record: z.boolean().default(false),
    inbandDtmf: z.boolean().default(false),
    recognizers: z.array(recognizerName).nullable().default(null),
  })
  .strict();

const speechSchema = z
  .object({
    recognizers: z
      .object({
        fr: z.array(recognizerName).default(['google', 'websocket']),
        en: z.array(recognizerName).default(['google', 'websocket', 'pocketsphinx']),
      })
      .strict()
      .default({}),
    google: z
      .object({
        keyFilename: z.string().min(1).nullable().default(null),
        projectId: z.string().min(1).nullable().default(null),
        apiEndpoint: z.string().min(1).nullable().default(null),
        port: port.nullable().default(null),
        insecure: z.boolean().default(false),
        model: z.string().min(1).default('telephony'),
        encoding: z.enum(['MULAW', 'LINEAR16']).default('LINEAR16'),
        streamRestartSeconds: z.number().int().min(10).max(300).default(290),
        finalTimeoutMs: z.number().int().min(100).max(30_000).default(3000),
      })
      .strict()
      .default({}),
    websocket: z
      .object({
        url: z
          .string()
          .regex(/^wss?:\/\//, { message: 'must be a ws:// or wss:// URL' })
          .nullable()
          .default(null),
        sampleRate: z.union([z.literal(8000), z.literal(16000)]).default(8000),
        connectTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
        finalTimeoutMs: z.number().int().min(100).max(30_000).default(3000),
      })
      .strict()
      .default({}),
    pocketsphinx: z
      .object({
        library: z.string().min(1).default('libpocketsphinx.so.3'),
        modelDirectory: z.string().min(1).default('/usr/share/pocketsphinx/model/en-us/en-us'),
        dictionary: z.string().min(1).default('/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict'),
        cmninit: z
          .string()
          .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?)*$/, { message: 'must be comma-separated numbers' })
          .default('42.14,21.73,-40.95,31.10,-24.83,-20.56,7.44,-35.85,1.65,-5.27,-14.80,4.99,-13.23'),
      })
      .strict()
      .default({}),
  })
  .strict();

const DEFAULT_NUMBERS = {
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
} as const;

const redisUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'redis:' || url.protocol === 'rediss:';
    } catch {
      return false;
    }
  },
  { message: 'must be a redis:// or rediss:// URL' },
);

export const configSchema = z
  .object({
    sip: sipSchema.default({}),
    calls: callsSchema.default({}),
    media: mediaSchema.default({}),
    numbers: z
      .record(z.string().regex(/^\d+$/, { message: 'dialled numbers must be digit strings' }), numberSchema)
      .default(() => structuredClone(DEFAULT_NUMBERS)),
    speech: speechSchema.default({}),
    flows: z
      .object({
        directory: z.string().min(1).nullable().default(null),
        default: z.string().min(1).default('assurance-maladie'),
        variables: z.record(z.record(z.string().nullable())).default({}),
        watch: z.boolean().default(true),
      })
      .strict()
      .default({}),
    routing: z
      .object({
        groupsFile: z.string().min(1).nullable().default(null),
        watch: z.boolean().default(true),
      })
      .strict()
      .default({}),
    callbacks: z
      .object({
        enabled: z.boolean().default(true),
        gateway: z
          .string()
          .regex(/^sips?:/, { message: 'must be a sip: or sips: URI' })
          .default('sip:127.0.0.1:5080'),
        callerId: z
          .string()
          .regex(/^sips?:/, { message: 'must be a sip: or sips: URI' })
          .default('sip:3646@127.0.0.1'),
        concurrency: z.number().int().min(1).max(1000).default(4),
        queue: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('aiguilleur-callbacks'),
      })
      .strict()
      .default({}),
    records: z
      .object({
        file: z.string().min(1).nullable().default(null),
        streamMaxLength: z.number().int().min(1000).default(1_000_000),
      })
      .strict()
      .default({}),
    http: z
      .object({
        host: host.default('127.0.0.1'),
        port: port.default(3000),
        apiToken: z.string().min(16, { message: 'must be at least 16 characters' }).nullable().default(null),
      })
      .strict()
      .default({}),
    redis: z
      .object({ url: redisUrl.nullable().default(null) })
      .strict()
      .default({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        pretty: z.boolean().default(false),
      })
      .strict()
      .default({}),
    dataDir: z.string().min(1).default('./var'),
  })
  .strict();

type ParsedConfig = z.output<typeof configSchema>;

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
type Assignable<From, To> = [From] extends [To] ? true : false;

// Compile-time guard: the schema's output and the documented interfaces must describe the same shape.
const _schemaMatchesDocumentedTypes: [
  Assignable<DeepReadonly<ParsedConfig>, AiguilleurConfig>,
  Assignable<AiguilleurConfig, DeepReadonly<ParsedConfig>>,
] = [true, true];
