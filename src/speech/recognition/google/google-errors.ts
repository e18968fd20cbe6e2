/**
 * What a failed Google Speech call means for a flow: the gRPC status of the stream (or the `error` field of a
 * `StreamingRecognizeResponse`, a `google.rpc.Status` with the same codes) becomes a typed `RecognitionErrorEvent`
 * with a stable `AIG_ERR_ASR_*` code and whether trying again (a new turn, or the next provider) can help.
 *
 * The status codes are those of `google/rpc/code.proto` (identical to gRPC's, grpc/doc/statuscodes.md), written out
 * here so this module depends on neither grpc-js nor google-gax.
 */
import type { ErrorCode } from '../../../errors/error-codes.js';
import type { RecognitionErrorEvent, RecognitionErrorKind } from '../recognizer-types.js';

/** `google.rpc.Code` values this provider tells apart. */
export const GrpcCode = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const);

interface KindEntry {
  readonly kind: RecognitionErrorKind;
  readonly code: ErrorCode;
  readonly retryable: boolean;
}

const KINDS: Readonly<Record<RecognitionErrorKind, KindEntry>> = Object.freeze({
  unavailable: { kind: 'unavailable', code: 'AIG_ERR_ASR_UNAVAILABLE', retryable: true },
  quota: { kind: 'quota', code: 'AIG_ERR_ASR_QUOTA', retryable: true },
  timeout: { kind: 'timeout', code: 'AIG_ERR_ASR_TIMEOUT', retryable: true },
  auth: { kind: 'auth', code: 'AIG_ERR_ASR_AUTH', retryable: false },
  'bad-request': { kind: 'bad-request', code: 'AIG_ERR_ASR_BAD_REQUEST', retryable: false },
  internal: { kind: 'internal', code: 'AIG_ERR_ASR_INTERNAL', retryable: false },
});

/**
 * The error kind of a gRPC status code. UNAVAILABLE (service down, connection refused), RESOURCE_EXHAUSTED (quota)
 * and DEADLINE_EXCEEDED are transient; UNAUTHENTICATED and PERMISSION_DENIED will fail again until the
 * credentials are fixed; INVALID_ARGUMENT is a request this provider built wrong; the rest is `internal`.
 */
export function errorKindOfGrpcCode(code: number): RecognitionErrorKind {
  switch (code) {
    case GrpcCode.UNAVAILABLE:
      return 'unavailable';
    case GrpcCode.RESOURCE_EXHAUSTED:
      return 'quota';
    case GrpcCode.DEADLINE_EXCEEDED:
      return 'timeout';
    case GrpcCode.UNAUTHENTICATED:
    case GrpcCode.PERMISSION_DENIED:
      return 'auth';
    case GrpcCode.INVALID_ARGUMENT:
      return 'bad-request';
    default:
      return 'internal';
  }
}

/** The numeric gRPC status of an error raised by grpc-js / google-gax, if it carries one. */
export function grpcCodeOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'number' && Number.isInteger(code)) {
      return code;
    }
  }
  return undefined;
}

/** A `RecognitionErrorEvent` of `kind`, with the catalogue code and retryability that go with it. */
export function recognitionError(
  kind: RecognitionErrorKind,
  message: string,
  atMs: number,
): RecognitionErrorEvent {
  const entry = KINDS[kind];
  return { kind, code: entry.code, message, retryable: entry.retryable, atMs };
}

/** The error event for a failed stream: its gRPC status when it has one, else `internal`. */
export function recognitionErrorOfStream(err: unknown, atMs: number): RecognitionErrorEvent {
  const code = grpcCodeOf(err);
  const details = detailsOf(err);
  if (code === undefined) {
    return recognitionError('internal', `Google Speech stream failed: ${details}`, atMs);
  }
  return recognitionError(errorKindOfGrpcCode(code), `Google Speech ${codeName(code)}: ${details}`, atMs);
}

/** The error event for a `google.rpc.Status` found in a response's `error` field. */
export function recognitionErrorOfStatus(
  status: { code: number; message: string },
  atMs: number,
): RecognitionErrorEvent {
  return recognitionError(
    errorKindOfGrpcCode(status.code),
    `Google Speech ${codeName(status.code)}: ${status.message}`,
    atMs,
  );
}

function codeName(code: number): string {
  const entry = Object.entries(GrpcCode).find(([, value]) => value === code);
  return entry === undefined ? `status ${code}` : entry[0];
}

function detailsOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const details = (err as { details?: unknown }).details;
    if (typeof details === 'string' && details !== '') {
      return details;
    }
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string') {
      return message;
    }
  }
  return String(err);
}
