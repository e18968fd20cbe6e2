/**
 * The part of drachtio-srf the SIP application relies on, typed from the library's behaviour (`lib/srf.js`,
 * `dialog.js`, `response.js`). The bundled typings omit verbs registered at run time (`srf.options`), the
 * `cancel` event's role and SipError's `status`, so the app programs against these interfaces; a real `Srf`
 * satisfies them at run time (see `srf-connection.ts`).
 */

export type SrfHeaders = Record<string, string>;

/** An incoming request as drachtio-srf delivers it. */
export interface SrfRequest {
  readonly method: string;
  /** The Request-URI. */
  readonly uri: string;
  /** The body, '' or undefined when there is none. */
  readonly body: string | undefined;
  /** The body split into parts (one part unless multipart). */
  readonly payload?: readonly { readonly type: string | null; readonly content?: string }[];
  /** User part of P-Asserted-Identity, else of From (personal data: mask before logging). */
  readonly callingNumber: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
  /** drachtio-srf emits `cancel` when a CANCEL for this INVITE arrives (RFC 3261 §9.2). */
  on(event: 'cancel', listener: () => void): unknown;
}

export interface SrfSendOptions {
  headers?: SrfHeaders;
  body?: string;
}

export interface SrfResponse {
  /** `callback` reports whether the server accepted to send it (NOK after a CANCEL, for instance). */
  send(
    status: number,
    reason: string | undefined,
    opts: SrfSendOptions,
    callback?: (err: Error | null | undefined) => void,
  ): void;
  readonly finalResponseSent: boolean;
}

/** An ACK as delivered on a UAS dialog; for a late offer it carries the SDP answer. */
export interface SrfAck {
  readonly body?: string;
}

/** A confirmed INVITE dialog (drachtio-srf `Dialog`). */
export interface SrfDialog {
  readonly id: string;
  /** Remote hang-up: BYE from the peer, or a BYE the server sent itself (ACK timeout), with its reason text. */
  on(event: 'destroy', listener: (msg: unknown, reason?: string) => void): unknown;
  on(event: 'ack', listener: (ack: SrfAck) => void): unknown;
  /** An INFO inside the dialog (DTMF relay); the listener must answer it. */
  on(event: 'info', listener: (req: SrfRequest, res: SrfResponse) => void): unknown;
  /** A NOTIFY inside the dialog (REFER progress, RFC 3515 §2.4.4); the listener must answer it. */
  on(event: 'notify', listener: (req: SrfRequest, res: SrfResponse) => void): unknown;
  /** Sends BYE; resolves when its response arrives. */
  destroy(opts?: { headers?: SrfHeaders }): Promise<unknown>;
  /** Sends a request inside the dialog; resolves with its final response. */
  request(opts: { method: string; headers?: SrfHeaders; body?: string }): Promise<SrfFinalResponse>;
}

/** A final response to a request we sent. */
export interface SrfFinalResponse {
  readonly status: number;
  readonly reason?: string;
  get(name: string): string | undefined;
}

export interface SrfCreateUasOptions {
  localSdp: string;
  headers?: SrfHeaders;
}

export type SrfRequestHandler = (req: SrfRequest, res: SrfResponse) => void;

/** The registration and UAS surface of an `Srf` instance. */
export interface SrfApp {
  invite(handler: SrfRequestHandler): void;
  options(handler: SrfRequestHandler): void;
  /**
   * Answers 200 with `localSdp`; fails with a SipError (`status` 487) when the caller cancels first. The callback
   * form is used on purpose: drachtio-srf calls it while it handles the echo of our 200, before it reads the next
   * frames from the server — which may already carry the ACK and even a BYE. Listeners attached there cannot miss
   * them; listeners attached after an `await` can.
   */
  createUAS(
    req: SrfRequest,
    res: SrfResponse,
    opts: SrfCreateUasOptions,
    callback: (err: unknown, dialog?: SrfDialog) => void,
  ): unknown;
}

/** drachtio-srf's SipError carries the final status of a failed transaction. */
export function sipErrorStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    return typeof err.status === 'number' ? err.status : undefined;
  }
  return undefined;
}
