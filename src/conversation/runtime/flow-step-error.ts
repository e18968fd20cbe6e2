/**
 * A step of the flow that failed (`xstate.error.actor.*`, handled by the state's `onError`). The `errorKind` is
 * what flows route on with the guard `errorKind {kind}`: `unavailable` (recognizer down), `timeout`, `http`,
 * `not-trained`, `transfer-failed`, `no-group`, `bad-input`, `prompt-missing`...
 */
import { AigError, isAigError } from '../../errors/aig-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';

export class FlowStepError extends AigError {
  constructor(
    code: ErrorCode,
    readonly errorKind: string,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(code, detail, options);
    this.name = 'FlowStepError';
  }
}

/** Error kinds of errors the runtime did not raise itself. */
const KIND_OF_CODE: Partial<Record<ErrorCode, string>> = {
  AIG_ERR_NLU_NOT_TRAINED: 'not-trained',
  AIG_ERR_ASR_UNAVAILABLE: 'unavailable',
  AIG_ERR_ASR_QUOTA: 'quota',
  AIG_ERR_ASR_TIMEOUT: 'timeout',
  AIG_ERR_ASR_AUTH: 'auth',
  AIG_ERR_ASR_BAD_REQUEST: 'bad-request',
  AIG_ERR_ASR_INTERNAL: 'internal',
};

/** The kind of a failed step's error (`internal` when nothing more is known). */
export function errorKindOf(error: unknown): string {
  if (error instanceof FlowStepError) {
    return error.errorKind;
  }
  if (isAigError(error)) {
    return KIND_OF_CODE[error.code] ?? 'internal';
  }
  return 'internal';
}

/** The ASR error code that goes with a recognizer's error kind (`ListenOutcome.errorKind`). */
export function recognizerErrorCode(errorKind: string): ErrorCode {
  for (const [code, kind] of Object.entries(KIND_OF_CODE)) {
    if (kind === errorKind && code.startsWith('AIG_ERR_ASR_')) {
      return code as ErrorCode;
    }
  }
  return 'AIG_ERR_ASR_INTERNAL';
}
