/**
 * Sending requests inside a dialog (RFC 3261 §12.2.1): where they go, and the BYE the engine sends on its own
 * when a dialog goes stale (ACK timeout, CANCEL after 200; protocol doc §1.8.10).
 */
import type { Dialog } from '../dialog/dialog.js';
import type { ClientTransactionHandlers } from '../transaction/transaction-types.js';
import type { Remote } from '../transport/transport-types.js';
import type { EngineContext } from './engine-context.js';
import { buildInDialogRequest, dialogRouting, type RequestSender } from './message-factory.js';
import { resolveTarget } from './target-resolver.js';
import { deliverUnsolicited } from './app-delivery.js';

export function senderFor(ctx: EngineContext, remote: Remote): RequestSender {
  return {
    protocol: remote.protocol,
    hostport: ctx.addresses.hostport(remote.protocol),
    userAgent: ctx.userAgent,
  };
}

/**
 * Next hop for a request in `dialog`. A dialog that came in over TCP keeps using that connection while it is
 * up (the peer may be behind NAT and its Contact port is not where it listens for us).
 */
export async function dialogRemote(dialog: Dialog): Promise<Remote> {
  const { nextHop } = dialogRouting(dialog);
  let target: Remote;
  try {
    target = await resolveTarget(nextHop);
  } catch {
    return dialog.peer;
  }
  if (dialog.peer.protocol === 'tcp' && dialog.peer.connectionId !== undefined) {
    return { ...dialog.peer, protocol: 'tcp' };
  }
  return target;
}

export const ignoreResponses: ClientTransactionHandlers = {
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
};

/**
 * Ends a dialog from the engine side: BYE with a Reason header (RFC 3326), the app told through an
 * "unsolicited" frame, the dialog removed.
 */
export async function byeFromEngine(ctx: EngineContext, dialog: Dialog, reasonText: string): Promise<void> {
  if (dialog.state === 'terminated') {
    return;
  }
  dialog.transition('terminated');
  ctx.dialogs.remove(dialog);
  const remote = await dialogRemote(dialog);
  const bye = buildInDialogRequest(dialog, 'BYE', ++dialog.localSeq, senderFor(ctx, remote));
  bye.headers.append('Reason', `SIP;cause=200;text="${reasonText}"`);
  bye.headers.append('User-Agent', ctx.userAgent);
  ctx.logger.info({ dialogId: dialog.id, reason: reasonText }, 'engine ends dialog with BYE');
  ctx.txns.sendRequest(bye, remote, ignoreResponses);
  if (!dialog.owner.closed) {
    deliverUnsolicited(dialog.owner, bye, remote.protocol, ctx.addresses.local(remote.protocol), dialog.id);
  }
  ctx.cdr.stop('application', 'normal-release', bye);
}
