/**
 * The catalogue of stable error codes. Add new codes here only; `test/unit/errors/error-codes.test.ts` keeps
 * README's table in sync.
 */
export interface ErrorCodeEntry {
  readonly message: string;
  readonly sip?: number;
  readonly http?: number;
}

export const ERROR_CODES = {
  AIG_ERR_CONFIG_INVALID: { message: 'Configuration is invalid' },
  AIG_ERR_CONFIG_READ: { message: 'Configuration file could not be read' },
  AIG_ERR_SIP_PARSE: { message: 'Malformed SIP message', sip: 400 },
  AIG_ERR_SIP_TOO_LARGE: { message: 'SIP message exceeds the maximum size', sip: 513 },
  AIG_ERR_SIP_TRANSPORT: { message: 'SIP transport failure', sip: 503 },
  AIG_ERR_SIP_TRANSACTION: { message: 'SIP transaction misuse', sip: 500 },
  AIG_ERR_WIRE_FRAME: { message: 'Malformed drachtio wire frame' },
  AIG_ERR_WIRE_AUTH: { message: 'drachtio wire authentication failed' },
  AIG_ERR_NUMBER_UNKNOWN: { message: 'Dialled number is not configured', sip: 404 },
  AIG_ERR_SDP_NO_CODEC: { message: 'No common codec in the SDP offer', sip: 488 },
  AIG_ERR_SDP_INVALID: { message: 'SDP offer is malformed', sip: 400 },
  AIG_ERR_OVERLOAD: { message: 'Server overloaded', sip: 503 },
  AIG_ERR_DRAINING: { message: 'Server is draining', sip: 503 },
  AIG_ERR_RTP_PORTS_EXHAUSTED: { message: 'No free RTP port in the configured range', sip: 503 },
  AIG_ERR_MEDIA_WORKER: { message: 'Media worker thread failed', sip: 503 },
  AIG_ERR_SRF_CONNECT: { message: 'Could not connect to the drachtio server' },
  AIG_ERR_WAV_INVALID: { message: 'WAV audio is malformed' },
  AIG_ERR_WAV_UNSUPPORTED: { message: 'WAV audio format is not supported' },
  AIG_ERR_PROMPT_NOT_FOUND: { message: 'Prompt audio not found' },
  AIG_ERR_PROMPT_TEXTS: { message: 'Prompt texts are invalid' },
  AIG_ERR_PLAYBACK_TIMEOUT: { message: 'Playback audio was not ready in time' },
  AIG_ERR_TTS_UNAVAILABLE: { message: 'No speech synthesizer is available' },
  AIG_ERR_TTS_FAILED: { message: 'Speech synthesis failed' },
  AIG_ERR_ASR_NOT_CONFIGURED: { message: 'Speech recognizer is not configured' },
  AIG_ERR_ASR_LIBRARY: { message: 'Speech recognizer library or model could not be loaded' },
  AIG_ERR_ASR_UNAVAILABLE: { message: 'Speech recognizer is unavailable' },
  AIG_ERR_ASR_QUOTA: { message: 'Speech recognizer quota exceeded' },
  AIG_ERR_ASR_TIMEOUT: { message: 'Speech recognizer did not answer in time' },
  AIG_ERR_ASR_AUTH: { message: 'Speech recognizer rejected the credentials' },
  AIG_ERR_ASR_BAD_REQUEST: { message: 'Speech recognizer rejected the request' },
  AIG_ERR_ASR_PROTOCOL: { message: 'Speech recognizer sent an unexpected message' },
  AIG_ERR_ASR_INTERNAL: { message: 'Speech recognizer failed' },
  AIG_ERR_REDIS_START: { message: 'Private redis-server could not start' },
  AIG_ERR_REDIS_UNAVAILABLE: { message: 'Redis did not answer', http: 503 },
  AIG_ERR_CALL_RECORD_FILE: { message: 'Call record file could not be opened' },
  AIG_ERR_NLU_PHRASES: { message: 'Training phrases are invalid' },
  AIG_ERR_NLU_NOT_TRAINED: { message: 'Intent classifier used before training' },
  AIG_ERR_NLU_EVAL_FILE: { message: 'Evaluation file is invalid' },
  AIG_ERR_FLOW_INVALID: { message: 'Flow is invalid' },
  AIG_ERR_FLOW_PROMPT: { message: 'Flow prompt has no text in the call language' },
  AIG_ERR_FLOW_INPUT: { message: 'Flow step input is invalid' },
  AIG_ERR_FLOW_LOOKUP: { message: 'Flow lookup request failed' },
  AIG_ERR_FLOW_TRANSFER: { message: 'Flow transfer failed' },
  AIG_ERR_FLOW_STOPPED: { message: 'Flow run is over' },
  AIG_ERR_ROUTING_INVALID: { message: 'Groups file is invalid' },
  AIG_ERR_STAFFING_INVALID: { message: 'Staffed agents value is invalid', http: 400 },
  AIG_ERR_CALLBACK_SLOT_FULL: { message: 'Callback slot is full', http: 409 },
  AIG_ERR_CALLBACK_INVALID: { message: 'Callback booking is invalid', http: 400 },
  AIG_ERR_CALLBACK_STORE: { message: 'Callback store failed', http: 503 },
  AIG_ERR_API_AUTH: { message: 'API token missing or wrong', http: 401 },
  AIG_ERR_API_INPUT: { message: 'API request is invalid', http: 400 },
  AIG_ERR_API_NOT_FOUND: { message: 'API resource not found', http: 404 },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;
