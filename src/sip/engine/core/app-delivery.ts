/**
 * Frames that carry SIP messages to the app (protocol doc §1.4b): network messages with their source meta,
 * and the "unsolicited" notice of a BYE the engine sent on its own (§1.8.10).
 */
import type { SipMessage } from '../message/sip-message.js';
import { serializeMessage } from '../message/serializer.js';
import type { DialogOwner } from '../dialog/dialog.js';
import type { Endpoint, InboundMessage } from '../transport/transport-types.js';
import { formatSipFrame, wireTime } from '../wire/wire-messages.js';

export function deliverFromNetwork(
  owner: DialogOwner,
  inbound: InboundMessage,
  message: SipMessage,
  transactionId: string,
  dialogId: string,
  receivedOn?: Endpoint,
): void {
  owner.send(
    formatSipFrame(
      {
        source: 'network',
        bytes: inbound.raw.length,
        protocol: inbound.remote.protocol,
        address: inbound.remote.address,
        port: inbound.remote.port,
        time: wireTime(new Date()),
        transactionId,
        dialogId,
        ...(receivedOn === undefined
          ? {}
          : { receivedOn: { host: receivedOn.address, port: receivedOn.port } }),
      },
      serializeMessage(message).toString('utf8'),
    ),
  );
}

/** A response the engine made up (timeout 408, transport 503): bytes 0 and an empty address (doc §1.8.4). */
export function deliverSynthesized(
  owner: DialogOwner,
  message: SipMessage,
  transactionId: string,
  dialogId: string,
): void {
  owner.send(
    formatSipFrame(
      {
        source: 'network',
        bytes: 0,
        protocol: '',
        address: '',
        port: 0,
        time: wireTime(new Date()),
        transactionId,
        dialogId,
      },
      serializeMessage(message).toString('utf8'),
    ),
  );
}

/** §1.8.10: `sip|application|…|unsolicited|<dialogId>|` + the BYE the engine sent. */
export function deliverUnsolicited(
  owner: DialogOwner,
  bye: SipMessage,
  protocol: string,
  local: Endpoint,
  dialogId: string,
): void {
  const text = serializeMessage(bye);
  owner.send(
    formatSipFrame(
      {
        source: 'application',
        bytes: text.length,
        protocol,
        address: local.address,
        port: local.port,
        time: wireTime(new Date()),
        transactionId: 'unsolicited',
        dialogId,
      },
      text.toString('utf8'),
    ),
  );
}
