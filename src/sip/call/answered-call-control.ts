/**
 * The `CallControl` of one answered call, whichever side placed it (an inbound caller, or a citizen the callback
 * dialer reached), and the transfer behind it: `transfer` runs `transferDialog` (REFER per URI, bridge fallback),
 * `hangup` ends the call unless it is bridged to an agent (the call is theirs then).
 *
 * The owner of the call's dialog keeps one per call and routes to it what a transfer needs to see: the dialog's
 * NOTIFYs (REFER subscriptions, RFC 3515 §2.4.4), the peer's end of the dialog (`onDialogEnded`) and its own
 * (`release`, from the owner's finish). In return it is told when the IVR's media for the call must stop
 * (`onMediaHandedOver`) and when to end the call itself (`hangUp`: after a REFER succeeded, when a bridged agent
 * hangs up, or on the conversation's hang-up).
 */
import type { Clock } from '../../shared/clock.js';
import { transferDialog, type DialogTransfer } from './dialog-transfer.js';
import type { BridgeEnd, CallControl, CallLogger, TransferResult, TransferTarget } from './sip-app-types.js';
import type { SrfRequest, SrfResponse } from './srf-types.js';
import type { TransferDialog, TransferSrf } from './transfer-dialog-types.js';

/** A call that can be transferred now: its confirmed dialog and the SDP we sent on it. */
export interface TransferableDialog {
  readonly dialog: TransferDialog;
  /** Ours on that dialog (our answer to the caller's offer, or our offer the citizen answered). */
  readonly localSdp: string;
}

/** What the owner of the call's dialog lends its control. */
export interface AnsweredCallOwner {
  /** drachtio-srf, for the agent's leg of a bridge. */
  readonly srf: TransferSrf;
  readonly log: CallLogger;
  readonly clock: Clock;
  /** Our identity in Referred-By (RFC 3892), e.g. `<sip:ivr@192.0.2.10>`. */
  readonly referredBy: string;
  /** The dialog when the call can be transferred now, else the call's state (the refusal says it). */
  readonly transferable: () => TransferableDialog | { readonly state: string };
  /** Media now flows caller ⇄ agent end to end: stop the IVR's own RTP for the call and free its port. */
  readonly onMediaHandedOver: () => void;
  /** End the call from our side (BYE) with the owner's bookkeeping. */
  readonly hangUp: (reason: 'transferred' | 'completed') => void;
  /** A bridged call ended: the agent's handling time. A throwing listener is logged, never fatal. */
  readonly onBridgeEnded?: (end: BridgeEnd) => void;
}

export class AnsweredCallControl {
  /** Handed to the media session (and so to the conversation). Closures: safe to destructure. */
  readonly control: CallControl;
  /** The transfer running, or the one the call was handed over by; undefined once a transfer failed. */
  private current: DialogTransfer | undefined;

  constructor(private readonly owner: AnsweredCallOwner) {
    this.control = {
      transfer: (target) => this.transfer(target),
      hangup: () => this.hangup(),
    };
  }

  /** True once the call is bridged to an agent (until the bridge ends). */
  get bridged(): boolean {
    return this.current?.phase === 'bridged';
  }

  /** A NOTIFY on the call's dialog: to the running REFER, else 200 (a late NOTIFY of a finished subscription). */
  onNotify(req: SrfRequest, res: SrfResponse): void {
    if (this.current === undefined) {
      res.send(200, undefined, {});
    } else {
      this.current.onNotify(req, res);
    }
  }

  /**
   * The peer (or the server) ended the call's dialog: a ringing agent is cancelled, a bridged one gets BYE. Returns
   * whether the call had been handed over already (bridged, or a REFER the caller accepted: it hangs up once
   * connected), so the owner records it as transferred rather than hung up.
   */
  onDialogEnded(): boolean {
    const handedOver = this.current?.handedOver ?? false;
    this.current?.onCallerEnded('caller');
    return handedOver;
  }

  /** The owner ends the call's bookkeeping: a bridged agent leg must not outlive it (no-op after `onDialogEnded`). */
  release(): void {
    this.current?.onCallerEnded('ivr');
    this.current = undefined;
  }

  private async transfer(target: TransferTarget): Promise<TransferResult> {
    const { owner } = this;
    const refused = (reason: string): TransferResult => ({
      status: 'failed',
      reason,
      sipStatus: null,
      attempts: [],
    });
    const call = owner.transferable();
    if (!('dialog' in call)) {
      return refused(`call is ${call.state}`);
    }
    if (this.current?.holdsCall === true) {
      return refused('a transfer is already in progress');
    }
    const { dialog } = call;
    const { log } = owner;
    const transfer = transferDialog(
      {
        srf: owner.srf,
        dialog,
        remoteSdp: dialog.remote.sdp,
        // drachtio-srf keeps our current SDP on the dialog; before any re-INVITE it is the one we sent first.
        localSdp: dialog.local.sdp || call.localSdp,
        log,
        referredBy: owner.referredBy,
        clock: owner.clock,
        onMediaHandedOver: () => owner.onMediaHandedOver(),
        hangUpCaller: () => owner.hangUp('transferred'),
        onBridgeEnded: (end) => {
          try {
            owner.onBridgeEnded?.(end);
          } catch (err) {
            log.error({ err }, 'onBridgeEnded listener failed');
          }
        },
      },
      target,
    );
    this.current = transfer;
    log.info({ group: target.groupId, mode: target.mode, uris: target.uris.length }, 'transfer started');
    const result = await transfer.start();
    log.info(
      result.status === 'transferred'
        ? { result: result.status, method: result.method, uri: result.uri, attempts: result.attempts.length }
        : { result: result.status, reason: result.reason, attempts: result.attempts.length },
      'transfer finished',
    );
    if (result.status === 'failed') {
      if (this.current === transfer) {
        this.current = undefined;
      }
    } else if (result.method === 'refer') {
      owner.hangUp('transferred'); // RFC 3515: the transferor leaves once the transferee reported success
    }
    return result;
  }

  private hangup(): void {
    if (this.bridged) {
      this.owner.log.debug({}, 'hang-up ignored: the call is bridged to an agent');
      return;
    }
    this.owner.hangUp('completed');
  }
}
