/**
 * The resolved, validated and deep-frozen configuration of one Aiguilleur process. `load-config.ts` builds it
 * once from defaults, the config file and env overrides; every other module receives it (or a slice of it)
 * as typed options and never reads the environment itself. The `@default` tags are the values used when
 * neither the file nor the environment sets a field; `config-schema.ts` holds the same defaults and a
 * compile-time check keeps both in step.
 */

/** SIP transports the engine listens on (RFC 3261 §18). */
export type SipTransportName = 'udp' | 'tcp';

/** `embedded`: the in-process drachtio-compatible engine; `external`: a real drachtio-server. */
export type SipEngineKind = 'embedded' | 'external';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type ConversationLanguage = 'fr' | 'en';

export type MediaCodecName = 'PCMU' | 'PCMA';

/** RFC 3261 §17.1.1.1 timer values, in milliseconds. */
export interface SipTimersConfig {
  /** RTT estimate. @default 500 */
  readonly t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. @default 4000 */
  readonly t2: number;
  /** Maximum time a message remains in the network. @default 5000 */
  readonly t4: number;
}

/** The embedded engine's drachtio wire server, which the drachtio-srf app connects to. */
export interface WireConfig {
  /** Listening address; keep it on loopback unless the app runs on another host. @default '127.0.0.1' */
  readonly host: string;
  /** Listening port (drachtio's admin port). 0 = any free port. @default 9022 */
  readonly port: number;
  /**
   * Shared secret the app must present in `authenticate`. `null` means: generated at first start and kept in
   * `<dataDir>/wire-secret` (see `wire-secret.ts`). @default null
   */
  readonly secret: string | null;
  /** Largest wire frame accepted, in bytes. @default 65536 */
  readonly maxFrameBytes: number;
}

/** A real drachtio-server, used when `sip.engine` is `external`. */
export interface DrachtioConfig {
  /** @default '127.0.0.1' */
  readonly host: string;
  /** drachtio-server admin port. @default 9022 */
  readonly port: number;
  /** The server's admin secret; required when `sip.engine` is `external`. @default null */
  readonly secret: string | null;
}

/** Per source IP token bucket applied to incoming SIP messages. */
export interface SipRateLimitConfig {
  /** Sustained messages per second allowed from one source IP. @default 100 */
  readonly perSecond: number;
  /** Bucket size: messages a source may send at once above the sustained rate. @default 200 */
  readonly burst: number;
  /** After this many seconds continuously over the limit, excess messages are dropped silently instead of
   * answered 503. @default 5 */
  readonly floodSeconds: number;
}

export interface SipProtectionConfig {
  /** CIDR allow list of SIP source addresses (IPv4 and IPv6). @default ['127.0.0.0/8', '::1/128'] */
  readonly acl: readonly string[];
  /** @default { perSecond: 100, burst: 200, floodSeconds: 5 } */
  readonly rateLimit: SipRateLimitConfig;
  /**
   * Case-insensitive substrings of User-Agent values sent by known SIP scanners; matching requests are dropped.
   * @default ['friendly-scanner', 'sipvicious', 'sipcli', 'sip-scan', 'VaxSIPUserAgent', 'iWar', 'sundayddr',
   * 'pplsip', 'Nmap NSE']
   */
  readonly scannerUserAgents: readonly string[];
}

export interface SipConfig {
  /** @default 'embedded' */
  readonly engine: SipEngineKind;
  /** SIP listening address of the embedded engine. @default '127.0.0.1' */
  readonly host: string;
  /** SIP listening port. 0 = any free port. @default 5060 */
  readonly port: number;
  /** @default ['udp', 'tcp'] */
  readonly transports: readonly SipTransportName[];
  /** Address advertised in Contact, Via and SDP instead of `host` (NAT, containers). @default null */
  readonly externalAddress: string | null;
  /** @default { t1: 500, t2: 4000, t4: 5000 } */
  readonly timers: SipTimersConfig;
  /** Largest SIP message accepted, in bytes; larger ones are answered 513 (RFC 3261 §21.5.11). @default 65535 */
  readonly maxMessageSize: number;
  /** SO_RCVBUF requested for the UDP socket. @default 4194304 */
  readonly udpReceiveBufferBytes: number;
  /** An idle inbound TCP connection is closed after this long. @default 300000 */
  readonly tcpIdleTimeoutMs: number;
  /** User-Agent and Server header value. @default 'Aiguilleur/<package version>' */
  readonly userAgent: string;
  readonly wire: WireConfig;
  readonly drachtio: DrachtioConfig;
  readonly protection: SipProtectionConfig;
}

export interface CallsConfig {
  /** New INVITEs above this many live calls are answered 503. @default 1000 */
  readonly maxConcurrent: number;
  /** A call is hung up after this long. @default 3600 */
  readonly maxDurationSeconds: number;
  /** Event loop delay above which the process counts as overloaded and refuses new calls. @default 250 */
  readonly eventLoopDelayMs: number;
  /** On SIGTERM, how long live calls may take to finish before the process stops. @default 300 */
  readonly drainTimeoutSeconds: number;
  /** Retry-After value sent with 503 when overloaded or draining. @default 30 */
  readonly retryAfterSeconds: number;
}

export interface MediaConfig {
  /** Audio codecs offered/accepted, in preference order. @default ['PCMU', 'PCMA'] */
  readonly codecs: readonly MediaCodecName[];
  /** Packetisation time, ms. @default 20 */
  readonly ptime: number;
  /** First RTP port of the range (even, RFC 3550 §11). @default 40000 */
  readonly rtpPortMin: number;
  /** Last RTP port of the range. @default 49999 */
  readonly rtpPortMax: number;
  /** Offer and accept RFC 4733 telephone-event (DTMF). @default true */
  readonly telephoneEvent: boolean;
  /**
   * false = signalling only: SDP is answered with a port but no RTP is sent or received (capacity tests of the
   * SIP path). @default true
   */
  readonly enabled: boolean;
  /** Folder with `<lang>/<id>.wav` prompt audio; null = the `prompts/` folder of the installation. @default null */
  readonly promptsDirectory: string | null;
  /** Folder for call recordings (stereo WAV, caller left); null = recording off everywhere. @default null */
  readonly recordingDirectory: string | null;
  /** Inbound jitter buffer depth, ms (multiple of 20). @default 60 */
  readonly jitterDepthMs: number;
  /** Media worker threads; 0 = media on the main event loop (see docs/media-capacity.md). @default 0 */
  readonly workers: number;
  /**
   * Nice value of the media threads (the workers; with `workers: 0`, the main thread); negative needs root or
   * CAP_SYS_NICE; null = inherited. Ignored when `realtimePriority` is set. @default null
   */
  readonly threadNice: number | null;
  /**
   * SCHED_RR priority (1-99) of the media threads: they preempt every normal thread when the 20 ms tick is due
   * (docs/media-capacity.md). Needs root or CAP_SYS_NICE and RLIMIT_RTPRIO; null = normal scheduling. With
   * `workers: 0` it applies to the main thread, which also runs SIP and flows. @default null
   */
  readonly realtimePriority: number | null;
  /**
   * Latched calls' RTP sockets read and written once per tick (koffi recv/send) instead of one dgram event per
   * packet: about a quarter less CPU per packet (docs/media-capacity.md). @default true
   */
  readonly pollSockets: boolean;
  /**
   * With `pollSockets`: every RTP send and read of a tick in one system call, through an io_uring per media
   * thread; where io_uring is refused (sysctl, seccomp, kernel before 5.6) it is logged once and each packet
   * takes its own system call (docs/media-capacity.md). @default true
   */
  readonly ioUring: boolean;
  /**
   * Each media thread runs V8's minor garbage collection right after a send phase once its young generation is
   * 60% full, so that the collection's 3-15 ms pause delays no packet (docs/media-capacity.md). @default true
   */
  readonly gcAfterSend: boolean;
  /**
   * How long before each 20 ms tick a media thread stops relying on its timer and waits precisely (`Atomics.wait`),
   * ms: sub-millisecond tick times without burning CPU, I/O held back at most this long per tick; 0 relies on
   * timers alone, which wake within about a millisecond (docs/media-capacity.md). @default 1
   */
  readonly schedulerSpinMs: number;
  /** End-of-utterance detection. */
  readonly endpointing: EndpointingConfig;
}

export interface EndpointingConfig {
  /** Silence that ends an utterance, ms. @default 700 */
  readonly trailingSilenceMs: number;
  /** Longest utterance before it is cut, ms. @default 15000 */
  readonly maxUtteranceMs: number;
  /** Silence after a question before the turn ends with no-input, ms. @default 5000 */
  readonly noInputTimeoutMs: number;
}

/** What a dialled number (Request-URI user part) leads to. */
export interface NumberConfig {
  /** Conversation language. */
  readonly language: ConversationLanguage;
  /** Human-readable service name (dashboard, logs). */
  readonly label: string;
  /** Flow id (folder under `flows/`); `null` = the default flow. */
  readonly flow: string | null;
  /** Record calls to this number (needs `media.recordingDirectory`). @default false */
  readonly record: boolean;
  /** Detect DTMF tones in the audio, for gateways that send neither RFC 4733 nor INFO. @default false */
  readonly inbandDtmf: boolean;
  /** Recognizers for this number, in order; null = `speech.recognizers[language]`. @default null */
  readonly recognizers: readonly RecognizerProviderName[] | null;
}

export type RecognizerProviderName = 'google' | 'websocket' | 'pocketsphinx';

export interface GoogleSpeechConfig {
  /** Service-account key file; null = Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`). @default null */
  readonly keyFilename: string | null;
  /** Google Cloud project id; null = the one of the credentials. @default null */
  readonly projectId: string | null;
  /** API host; null = Google's (`speech.googleapis.com`). Tests point it at a local gRPC server. @default null */
  readonly apiEndpoint: string | null;
  /** API port; null = 443. @default null */
  readonly port: number | null;
  /** Plain-text gRPC without credentials (a local test or proxy endpoint only). @default false */
  readonly insecure: boolean;
  /** Recognition model. @default 'telephony' */
  readonly model: string;
  /** Audio sent as `MULAW` (what the caller sent, half the bytes) or `LINEAR16`, both 8 kHz. @default 'LINEAR16' */
  readonly encoding: 'MULAW' | 'LINEAR16';
  /** A stream is restarted after this long (Google's limit is 305 s). @default 290 */
  readonly streamRestartSeconds: number;
  /** Time to wait for a final result after end of speech, ms. @default 3000 */
  readonly finalTimeoutMs: number;
}

export interface WebsocketSpeechConfig {
  /** `ws://` or `wss://` URL of a vosk-server compatible recognizer; null = provider not configured. @default null */
  readonly url: string | null;
  /** PCM rate sent to the server. @default 8000 */
  readonly sampleRate: 8000 | 16000;
  /** Connection timeout, ms. @default 3000 */
  readonly connectTimeoutMs: number;
  /** Time to wait for the final result after EOF, ms. @default 3000 */
  readonly finalTimeoutMs: number;
}

export interface PocketsphinxConfig {
  /** Shared library loaded through koffi. @default 'libpocketsphinx.so.3' */
  readonly library: string;
  /** Acoustic model directory. @default '/usr/share/pocketsphinx/model/en-us/en-us' */
  readonly modelDirectory: string;
  /** Pronunciation dictionary. @default '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict' */
  readonly dictionary: string;
  /**
   * Cepstral mean initialisation for telephone audio, written into an overlay model's `feat.params` (the stock
   * value is wrong for phone audio). @default '42.14,21.73,-40.95,31.10,-24.83,-20.56,7.44,-35.85,1.65,-5.27,-14.80,4.99,-13.23'
   */
  readonly cmninit: string;
}

export interface SpeechConfig {
  /**
   * Recognizers to try per language, in order: the first that initialises serves; a turn whose provider fails
   * with a retryable error moves to the next. An empty list = no recognizer: flows use DTMF.
   * @default { fr: ['google', 'websocket'], en: ['google', 'websocket', 'pocketsphinx'] }
   */
  readonly recognizers: Readonly<Record<ConversationLanguage, readonly RecognizerProviderName[]>>;
  readonly google: GoogleSpeechConfig;
  readonly websocket: WebsocketSpeechConfig;
  readonly pocketsphinx: PocketsphinxConfig;
}

/** A transfer target of the static list (group or skill → first URI): flow validation and the simulator. The
 * groups themselves are in the groups file (`routing.groupsFile`, docs/routing.md). */
export interface AgentGroupConfig {
  /** SIP URI the call is transferred to (REFER target). */
  readonly uri: string;
  /** Human-readable name (dashboard, logs). */
  readonly label: string;
}

export interface FlowsConfig {
  /** Folder holding one folder per flow. @default './flows' (of the installation) */
  readonly directory: string | null;
  /** Flow used by numbers whose `flow` is null. @default 'assurance-maladie' */
  readonly default: string;
  /** Per flow id: values for the flow's declared `variables` (e.g. an ops announcement). @default {} */
  readonly variables: Readonly<Record<string, Readonly<Record<string, string | null>>>>;
  /** Reload flows when their files change (calls in progress keep their version). @default true */
  readonly watch: boolean;
}

export interface HttpConfig {
  /** Ops API listening address. @default '127.0.0.1' */
  readonly host: string;
  /** Ops API port. 0 = any free port. @default 3000 */
  readonly port: number;
  /**
   * Bearer token of the API's write endpoints (staffing). null = generated at first start and kept in
   * `<dataDir>/api-token` (mode 0600). @default null
   */
  readonly apiToken: string | null;
}

export interface RoutingSettings {
  /** The groups file (groups, hours, rules, priority, callbacks). null = `config/groups.yaml` of the installation. @default null */
  readonly groupsFile: string | null;
  /** Reload it when it changes (an invalid file never replaces a good one). @default true */
  readonly watch: boolean;
}

export interface CallbacksConfig {
  /** Book and dial callbacks. @default true */
  readonly enabled: boolean;
  /** Where outbound calls to citizens are sent (carrier gateway / SBC): a bare number n becomes `sip:n@<host:port>`. @default 'sip:127.0.0.1:5080' */
  readonly gateway: string;
  /** Our identity in the From of callbacks. @default 'sip:3646@127.0.0.1' */
  readonly callerId: string;
  /** Callbacks dialled at once by this process. @default 4 */
  readonly concurrency: number;
  /** BullMQ queue name (several IVR processes share it). @default 'aiguilleur-callbacks' */
  readonly queue: string;
}

export interface RecordsConfig {
  /** Append-only JSONL file of call records. null = `<dataDir>/call-records.jsonl`. @default null */
  readonly file: string | null;
  /** Approximate cap of the Redis stream of call records. @default 1000000 */
  readonly streamMaxLength: number;
}

export interface RedisConfig {
  /** `redis://` or `rediss://` URL of the shared Redis; `null` = none configured. @default null */
  readonly url: string | null;
}

export interface LogConfig {
  /** @default 'info' */
  readonly level: LogLevel;
  /** Human-readable single-line output instead of JSON lines. @default false */
  readonly pretty: boolean;
}

export interface AiguilleurConfig {
  readonly sip: SipConfig;
  readonly calls: CallsConfig;
  readonly media: MediaConfig;
  /**
   * Dialled numbers (digit strings) served by this process.
   * @default { '3646': { language: 'fr', label: 'Assurance Maladie', flow: null },
   *            '3647': { language: 'en', label: 'Health insurance (English)', flow: null } }
   */
  readonly numbers: Readonly<Record<string, NumberConfig>>;
  readonly speech: SpeechConfig;
  readonly flows: FlowsConfig;
  readonly routing: RoutingSettings;
  readonly callbacks: CallbacksConfig;
  readonly records: RecordsConfig;
  readonly http: HttpConfig;
  readonly redis: RedisConfig;
  readonly log: LogConfig;
  /** Writable directory for local state (the generated wire secret), resolved to an absolute path against the
   * working directory. @default './var' */
  readonly dataDir: string;
}
