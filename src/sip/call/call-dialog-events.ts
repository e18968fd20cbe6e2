/**
 * What happens on an answered call's dialog, the same for inbound and outbound calls: the peer's end of the
 * dialog, NOTIFYs (REFER progress, RFC 3515 §2.4.4) and INFO (legacy DTMF relay) coming in, and our BYE going out.
 */
import type { AnsweredCallControl } from './answered-call-control.js';
import { byeHeaders } from './call-signalling.js';
import type { CallEndReason, CallLogger, CallMediaReservation } from './sip-app-types.js';
import type { SrfDialog } from './srf-types.js';

/** How the peer (or the server) ended the dialog. */
export interface DialogEnd {
  /** The call was the agent side's already (bridged, or a REFER accepted): it counts as transferred. */
  readonly handedOver: boolean;
  /** drachtio-srf's BYE message: its `source` tells the peer from the server (`endedByPeerOrServer`). */
  readonly msg: unknown;
  /** The reason text drachtio-srf gives. */
  readonly reason: string | undefined;
}

export interface CallDialogListeners {
  /** Where NOTIFYs go, and what learns first of the dialog's end (a bridged agent is released). */
  readonly control: AnsweredCallControl;
  /** The call's media, if any: INFO DTMF goes there. */
  readonly media: () => CallMediaReservation | undefined;
  readonly onEnded: (end: DialogEnd) => void;
}

/**
 * Listens to `dialog` for the life of the call. Attach synchronously in drachtio-srf's dialog callback: the
 * peer's BYE may be in the very next frame it reads.
 */
export function attachCallDialogEvents(dialog: SrfDialog, listeners: CallDialogListeners): void {
  const { control } = listeners;
  dialog.on('destroy', (msg, reason) => {
    listeners.onEnded({ handedOver: control.onDialogEnded(), msg, reason });
  });
  dialog.on('notify', (req, res) => control.onNotify(req, res));
  dialog.on('info', (req, res) => {
    const handled = listeners.media()?.info(req.get('Content-Type'), req.body ?? '') ?? false;
    // Legacy INFO DTMF (no Info-Package, RFC 6086 §2): 200 when understood, 415 for any other body.
    res.send(
      handled ? 200 : 415,
      undefined,
      handled ? {} : { headers: { Accept: 'application/dtmf-relay, application/dtmf' } },
    );
  });
}

/** An answered call as hanging it up needs it: its dialog, its log, and its lifecycle's move to `ending`. */
export interface HangUpCall {
  readonly dialog: SrfDialog | undefined;
  readonly log: CallLogger;
  transition(next: 'ending', detail: Record<string, unknown>): boolean;
}

/**
 * Ends an answered call from our side: moves it to `ending` — once, so a second hang-up (the conversation's and
 * the duration limit's at the same time) sends no second BYE — then sends BYE and runs `finish` after it.
 */
export function hangUpAnswered(call: HangUpCall, reason: CallEndReason, finish: () => void): void {
  const dialog = call.dialog;
  if (dialog === undefined || !call.transition('ending', { reason })) {
    return;
  }
  sendBye(dialog, reason, call.log, finish);
}

/**
 * Sends our BYE with an RFC 3326 Reason for `reason`; `then` runs once, when the BYE's response came or it
 * failed (the call is over for us either way, RFC 3261 §15.1.1).
 */
export function sendBye(dialog: SrfDialog, reason: CallEndReason, log: CallLogger, then: () => void): void {
  log.info({ reason }, 'hanging up');
  dialog.destroy({ headers: byeHeaders(reason) }).then(then, (err: unknown) => {
    log.warn({ err }, 'BYE failed');
    then();
  });
}
