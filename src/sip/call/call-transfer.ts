/**
 * Blind transfer of an answered call with REFER (RFC 3515): the IVR asks the caller's side to call the agent group
 * itself, then leaves the call.
 *
 *   IVR → caller   REFER   Refer-To: <sip:cards@pbx?X-Aig-Intent=health_card&...>, Referred-By (RFC 3892)
 *   caller → IVR   202 Accepted                     (RFC 3515 §2.4.2; a non-2xx final response means no transfer)
 *   caller → IVR   NOTIFY  message/sipfrag "SIP/2.0 100 Trying"  (RFC 3515 §2.4.4: progress of the new call)
 *   caller → IVR   NOTIFY  message/sipfrag "SIP/2.0 200 OK", Subscription-State: terminated  → transferred
 *
 * The context for the agent travels as headers embedded in the Refer-To URI (RFC 3261 §19.1.1: `?name=value&...`),
 * which the transferee copies into its INVITE to the group (RFC 3515 §2.1): `X-` headers and `User-to-User`
 * (RFC 7433 UUI placed in a Refer-To URI, its `;` and `=` escaped like any header value). A caller that hangs up after accepting
 * the REFER counts as transferred (many gateways do that instead of the final NOTIFY). A final NOTIFY with a
 * non-2xx status, or none within `timeoutMs`, is a failed transfer: the caller is still with the IVR, which decides
 * what to do next. `transferDialog` (dialog-transfer.ts) decides what happens then (bridge, next URI).
 */
import type { SrfDialog, SrfRequest, SrfResponse } from './srf-types.js';

/** One REFER: where to, and the headers to embed in Refer-To. */
export interface ReferRequest {
  /** `sip:` URI of the transfer target. */
  readonly uri: string;
  /** Embedded in the Refer-To URI: `X-` headers and `User-to-User` only; values are URI-escaped here. */
  readonly headers: Readonly<Record<string, string>>;
}

/** How one REFER ended. `sipStatus` of a failure: the REFER's own non-2xx, or the final NOTIFY's sipfrag. */
export type ReferOutcome =
  | { readonly status: 'transferred'; readonly notifyStatus: number | null }
  | { readonly status: 'failed'; readonly reason: string; readonly sipStatus: number | null };

export interface TransferOptions {
  /** Our identity in Referred-By (RFC 3892). */
  readonly referredBy: string;
  /** Time to wait for the final NOTIFY after the REFER was accepted, ms. @default 32000 (64·T1) */
  readonly timeoutMs: number;
}

/** RFC 3261 §19.1.1: characters allowed unescaped in header names/values of a URI ("hnv-unreserved" + unreserved). */
function escapeHeaderValue(value: string): string {
  // `+` is allowed unescaped by the grammar, but agent platforms that parse the query form-style read it as a
  // space: it stays escaped (%2B), which every parser decodes.
  return encodeURIComponent(value).replace(/%(2F|3F|3A|24|5B|5D)/g, (m) => decodeURIComponent(m));
}

/**
 * Headers a Refer-To may carry for the transferee to copy: custom `X-` ones and RFC 7433 `User-to-User`. Anything
 * else (Route, Replaces, Call-ID...) would let context data change how the new call is routed or what it replaces.
 */
function isEmbeddableHeader(name: string): boolean {
  return /^X-[A-Za-z0-9-]+$/.test(name) || name.toLowerCase() === 'user-to-user';
}

/** `Refer-To` value: the group's URI with the context headers embedded. */
export function referToValue(target: ReferRequest): string {
  const entries = Object.entries(target.headers);
  for (const [name] of entries) {
    if (!isEmbeddableHeader(name)) {
      throw new RangeError(`transfer context header "${name}" must be an X- header token or User-to-User`);
    }
  }
  const query = entries.map(([name, value]) => `${name}=${escapeHeaderValue(value)}`).join('&');
  return `<${target.uri}${query === '' ? '' : `${target.uri.includes('?') ? '&' : '?'}${query}`}>`;
}

/** Status line of a `message/sipfrag` body (RFC 3420), e.g. "SIP/2.0 200 OK" → 200. */
export function sipfragStatus(body: string | undefined): number | null {
  const match = /^SIP\/2\.0\s+(\d{3})/.exec((body ?? '').trimStart());
  return match === null ? null : Number(match[1]);
}

/**
 * Tracks one REFER on a dialog. The call handler routes the dialog's NOTIFYs and its end (`onNotify`,
 * `onDialogEnded`) here while the transfer is pending.
 */
export class PendingTransfer {
  readonly result: Promise<ReferOutcome>;
  private settle: (result: ReferOutcome) => void = () => {};
  private accepted = false;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Only `request` is used: any dialog that can send REFER (UAS or UAC side). */
    private readonly dialog: Pick<SrfDialog, 'request'>,
    private readonly target: ReferRequest,
    private readonly options: TransferOptions,
  ) {
    this.result = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Sends the REFER. Never throws: every failure settles `result`. */
  start(): Promise<ReferOutcome> {
    let referTo: string;
    try {
      referTo = referToValue(this.target);
    } catch (err) {
      this.finish({ status: 'failed', reason: (err as Error).message, sipStatus: null });
      return this.result;
    }
    this.dialog
      .request({ method: 'REFER', headers: { 'Refer-To': referTo, 'Referred-By': this.options.referredBy } })
      .then(
        (res) => {
          if (res.status >= 200 && res.status < 300) {
            this.accepted = true;
            this.timer = setTimeout(
              () =>
                this.finish({
                  status: 'failed',
                  reason: `no final NOTIFY within ${this.options.timeoutMs} ms`,
                  sipStatus: null,
                }),
              this.options.timeoutMs,
            );
          } else {
            this.finish({ status: 'failed', reason: `REFER answered ${res.status}`, sipStatus: res.status });
          }
        },
        (err: unknown) =>
          this.finish({
            status: 'failed',
            reason: `REFER not sent: ${err instanceof Error ? err.message : String(err)}`,
            sipStatus: null,
          }),
      );
    return this.result;
  }

  /** A NOTIFY of the implicit subscription (RFC 3515 §2.4.4): always answered 200. */
  onNotify(req: SrfRequest, res: SrfResponse): void {
    res.send(200, undefined, {});
    const status = sipfragStatus(req.body);
    if (status === null || status < 200) {
      return; // 1xx: the new call is progressing
    }
    if (status < 300) {
      this.finish({ status: 'transferred', notifyStatus: status });
    } else {
      this.finish({ status: 'failed', reason: `transferee reported ${status}`, sipStatus: status });
    }
  }

  /** The caller left: after an accepted REFER that is the transfer completing. */
  onDialogEnded(): void {
    this.finish(
      this.accepted
        ? { status: 'transferred', notifyStatus: null }
        : { status: 'failed', reason: 'caller hung up before accepting the transfer', sipStatus: null },
    );
  }

  get pending(): boolean {
    return !this.settled;
  }

  /** True once the REFER was answered 2xx (the caller's UA is trying the target). */
  get wasAccepted(): boolean {
    return this.accepted;
  }

  private finish(result: ReferOutcome): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.settle(result);
  }
}
