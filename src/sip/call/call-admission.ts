/**
 * Whether a new INVITE may become a call, and what an OPTIONS asking the same question is told (RFC 3261
 * §11.2: "the same response code that would have been chosen had the request been an INVITE"). Pure decisions
 * over the app's state, kept apart from SIP I/O so every branch is unit-tested.
 */
import type { ErrorCode } from '../../errors/error-codes.js';
import { SIP_CAPABILITIES } from './sip-capabilities.js';
import {
  dialledUserPart,
  isTelephoneNumber,
  type NumberDirectory,
  type NumberMatch,
} from './number-directory.js';
import type { ServiceNumber } from './sip-app-types.js';

export interface AdmissionState {
  readonly draining: boolean;
  readonly activeCalls: number;
  readonly maxConcurrent: number;
  /** Result of the injected overload probe (event-loop delay and the like). */
  readonly overloaded: boolean;
  readonly retryAfterSeconds: number;
}

export interface Refusal {
  readonly admit: false;
  readonly status: 400 | 404 | 420 | 503;
  readonly reason: string;
  readonly code: ErrorCode | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Why, for the log line (never sent). */
  readonly detail: string;
}

export type Admission<M> = { readonly admit: true; readonly match: M } | Refusal;

/** RFC 3261 §21.5.4: 503 may carry Retry-After so well-behaved peers try again later or elsewhere. */
function unavailable(state: AdmissionState, code: ErrorCode, detail: string): Refusal {
  return {
    admit: false,
    status: 503,
    reason: 'Service Unavailable',
    code,
    headers: { 'Retry-After': String(state.retryAfterSeconds) },
    detail,
  };
}

/** We refuse work we cannot take (drain, overload) before revealing which numbers exist. */
function capacityRefusal(state: AdmissionState): Refusal | undefined {
  if (state.draining) {
    return unavailable(state, 'AIG_ERR_DRAINING', 'draining');
  }
  if (state.activeCalls >= state.maxConcurrent) {
    return unavailable(state, 'AIG_ERR_OVERLOAD', `${state.activeCalls} calls, limit ${state.maxConcurrent}`);
  }
  if (state.overloaded) {
    return unavailable(state, 'AIG_ERR_OVERLOAD', 'overload probe');
  }
  return undefined;
}

function notFound(user: string | undefined): Refusal {
  return {
    admit: false,
    status: 404,
    reason: 'Not Found',
    code: 'AIG_ERR_NUMBER_UNKNOWN',
    headers: {},
    detail: user === undefined ? 'Request-URI has no user part' : 'number not configured',
  };
}

export interface InviteAdmissionRequest {
  readonly requestUri: string;
  /** RFC 3261 §8.1.1.8: a dialog-creating request must carry a Contact. */
  readonly hasContact: boolean;
  /** The Require header field value(s), if any (RFC 3261 §20.32). */
  readonly require?: string | undefined;
}

/** Option tags of a Require/Supported value (`100rel, timer`), lowercased. */
export function optionTags(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== '');
}

/** RFC 3261 §8.2.2.3: the Require option tags we do not support. */
function unsupportedExtensions(require: string | undefined): string[] {
  const supported: readonly string[] = SIP_CAPABILITIES.supported;
  return optionTags(require).filter((tag) => !supported.includes(tag));
}

export function admitInvite<T extends ServiceNumber>(
  request: InviteAdmissionRequest,
  state: AdmissionState,
  directory: NumberDirectory<T>,
): Admission<NumberMatch<T>> {
  if (!request.hasContact) {
    return {
      admit: false,
      status: 400,
      reason: 'Missing Contact',
      code: undefined,
      headers: {},
      detail: 'INVITE without Contact (RFC 3261 §8.1.1.8)',
    };
  }
  const unsupported = unsupportedExtensions(request.require);
  if (unsupported.length > 0) {
    return {
      admit: false,
      status: 420,
      reason: 'Bad Extension',
      code: undefined,
      headers: { Unsupported: unsupported.join(', ') },
      detail: `Require: ${unsupported.join(', ')} (RFC 3261 §8.2.2.3)`,
    };
  }
  const busy = capacityRefusal(state);
  if (busy !== undefined) {
    return busy;
  }
  const user = dialledUserPart(request.requestUri);
  const match = user === undefined ? undefined : directory.lookup(user);
  return match === undefined ? notFound(user) : { admit: true, match };
}

/**
 * An OPTIONS without a user part (the usual keep-alive, `OPTIONS sip:host`) asks about this server; with a
 * configured number, about that number; with an unknown telephone number, it gets the INVITE's 404. Other
 * user parts (`sip:ping@host`, as some health checks send) are taken as questions about the server, so a
 * probe's naming never takes us out of a load balancer.
 */
export function admitOptions<T extends ServiceNumber>(
  requestUri: string,
  state: AdmissionState,
  directory: NumberDirectory<T>,
): Admission<NumberMatch<T> | undefined> {
  const busy = capacityRefusal(state);
  if (busy !== undefined) {
    return busy;
  }
  const user = dialledUserPart(requestUri);
  if (user === undefined) {
    return { admit: true, match: undefined };
  }
  const match = directory.lookup(user);
  if (match !== undefined) {
    return { admit: true, match };
  }
  return isTelephoneNumber(user) ? notFound(user) : { admit: true, match: undefined };
}
