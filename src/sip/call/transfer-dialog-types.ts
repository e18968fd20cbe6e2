/**
 * The part of drachtio-srf a transfer drives, beyond `srf-types.ts`: placing the agent's call (`createUAC`),
 * re-INVITEs both ways (`modify`, RFC 3261 §14) and each dialog's current session descriptions. A real drachtio-srf
 * `Srf` and `Dialog` have these members at run time (lib/srf.js, lib/dialog.js).
 */
import type { SrfFinalResponse, SrfHeaders, SrfRequest, SrfResponse } from './srf-types.js';

/** A confirmed INVITE dialog as a transfer uses it: the caller's (UAS or UAC side) or the agent's. */
export interface TransferDialog {
  readonly id: string;
  /**
   * Our current session description on this dialog. drachtio-srf answers re-INVITEs nobody handles with it, and
   * sets it to the offer of `modify` before the answer comes, so a failed re-INVITE must put it back.
   */
  readonly local: { sdp: string };
  /** The peer's current session description. */
  readonly remote: { sdp: string };
  /** Sends a request inside the dialog; resolves with its final response. */
  request(opts: { method: string; headers?: SrfHeaders; body?: string }): Promise<SrfFinalResponse>;
  /** Sends BYE; resolves when its response arrives. */
  destroy(opts?: { headers?: SrfHeaders }): Promise<unknown>;
  /** Sends a re-INVITE offering `sdp`; resolves with the answer, rejects with a SipError (`status`) on non-2xx. */
  modify(sdp: string): Promise<string>;
  /** A re-INVITE from the peer with a new offer; the listener must answer it. */
  on(event: 'modify', listener: (req: SrfRequest, res: SrfResponse) => void): unknown;
  /** The peer (or the server) ended the dialog. */
  on(event: 'destroy', listener: (msg: unknown, reason?: string) => void): unknown;
}

/** An INVITE we sent, as drachtio-srf hands it back: what a CANCEL needs (RFC 3261 §9.1). */
export interface SentInvite {
  cancel(callback?: (err: unknown) => void): void;
}

export interface CreateUacProgress {
  /** drachtio-srf calls it with `(err, req)` once the INVITE left, whatever its typings say. */
  cbRequest?: (err: unknown, req: SentInvite) => void;
  cbProvisional?: (res: { readonly status: number }) => void;
}

/** drachtio-srf's UAC surface: rejects with a SipError (`status`) on a non-2xx final response. */
export interface TransferSrf {
  createUAC(
    uri: string,
    opts: { localSdp: string; headers?: SrfHeaders },
    progress?: CreateUacProgress,
  ): Promise<TransferDialog>;
}
