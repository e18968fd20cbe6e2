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
 * which the transferee copies into its INVITE to the group (RFC 3515 §2.1). A caller that hangs up after accepting
 * the REFER counts as transferred (many gateways do that instead of the final NOTIFY). A final NOTIFY with a
 * non-2xx status, or none within `timeoutMs`, is a failed transfer: the caller is still with the IVR, which decides
 * what to do next.
 */
import type { TransferResult, TransferTarget } from './sip-app-types.js';
import type { SrfDialog, SrfRequest, SrfResponse } from './srf-types.js';

export interface TransferOptions {
  /** Our identity in Referred-By (RFC 3892). */
  readonly referredBy: string;
  /** Time to wait for the final NOTIFY after the REFER was accepted, ms. @default 32000 (64·T1) */
  readonly timeoutMs: number;
}

/** RFC 3261 §19.1.1: characters allowed unescaped in header names/values of a URI ("hnv-unreserved" + unreserved). */
function escapeHeaderValue(value: string): string {
  return encodeURIComponent(value).replace(/%(2F|3F|3A|2B|24|5B|5D)/g, (m) => decodeURIComponent(m));
}

/** `Refer-To` value: the group's URI with the context headers embedded. */
export function referToValue(target: TransferTarget): string {
  const entries = Object.entries(target.headers);
  for (const [name] of entries) {
    if (!/^X-[A-Za-z0-9-]+$/.test(name)) {
      throw new RangeError(`transfer context header "${name}" must be an X- header token`);
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
  readonly result: Promise<TransferResult>;
  private settle: (result: TransferResult) => void = () => {};
  private accepted = false;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dialog: SrfDialog,
    private readonly target: TransferTarget,
    private readonly options: TransferOptions,
  ) {
    this.result = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Sends the REFER. Never throws: every failure settles `result`. */
  start(): Promise<TransferResult> {
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

  private finish(result: TransferResult): void {
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
