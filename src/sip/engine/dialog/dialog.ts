/**
 * One SIP dialog as the engine keeps it (RFC 3261 §12): identifiers, route set, remote target and CSeq
 * counters, plus the drachtio bookkeeping (owning app connection, the drachtio dialog id).
 */
import type { ServerTransaction, ClientTransaction } from '../transaction/transaction-types.js';
import type { Remote } from '../transport/transport-types.js';
import type { SipRequest, SipResponse } from '../message/sip-message.js';

export type DialogRole = 'uas' | 'uac';
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** The app connection that owns a dialog; the engine only needs to send frames to it. */
export interface DialogOwner {
  readonly id: string;
  readonly closed: boolean;
  send(payload: string): void;
}

export interface DialogInit {
  role: DialogRole;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From (uac) or To (uas) header value of our side, with our tag. */
  localUri: string;
  /** The other side's header value, with its tag. */
  remoteUri: string;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: string[];
  localContact: string;
  /** Where in-dialog requests go when the route set and target give no better answer (the peer's source). */
  peer: Remote;
  owner: DialogOwner;
  /** Peer advertised `100rel` in Supported/Require (RFC 3262 §3). */
  peer100rel: boolean;
}

export class Dialog {
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  readonly localUri: string;
  remoteUri: string;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: string[];
  readonly localContact: string;
  peer: Remote;
  owner: DialogOwner;
  readonly peer100rel: boolean;
  private currentState: DialogState = 'early';

  /** drachtio dialog id: `<Call-ID>;from-tag=<From tag of the initial request>` (protocol doc §1.5). */
  readonly id: string;

  /** UAS: the INVITE server transaction whose 2xx waits for an ACK (initial or re-INVITE). */
  pendingAck: { txn: ServerTransaction; txnId: string; cseq: number; initial: boolean } | undefined;
  /** UAC: the INVITE (initial or re-INVITE) the app sent, kept to build the ACK and re-ACK retransmitted 2xx. */
  uacInvite:
    | { request: SipRequest; cseq: number; lastAck: SipRequest | undefined; final: SipResponse | undefined }
    | undefined;
  /** UAC: a re-INVITE of ours still without a final response (§14.1: no second one; BYE cancels it). */
  pendingReinvite: ClientTransaction | undefined;
  /** UAS: a re-INVITE from the peer still without our final response (§14.2: answer a second one 500). */
  pendingPeerReinvite: ServerTransaction | undefined;
  /** Reliable provisional responses waiting for PRACK, by RSeq (RFC 3262 §3). */
  readonly unackedReliable = new Map<number, { cancel(): void }>();
  nextRseq: number;
  /** The 200 arrived after the app cancelled: ACK then BYE (protocol doc §1.8.5). */
  ackBye = false;

  constructor(init: DialogInit) {
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
    this.peer = init.peer;
    this.owner = init.owner;
    this.peer100rel = init.peer100rel;
    this.id = `${init.callId};from-tag=${init.role === 'uac' ? init.localTag : init.remoteTag}`;
    this.nextRseq = 1 + Math.floor(Math.random() * 0x7fffffff);
  }

  get state(): DialogState {
    return this.currentState;
  }

  /** The one place a dialog changes state (early → confirmed → terminated; never back). */
  transition(next: DialogState): void {
    if (this.currentState === 'terminated' || next === this.currentState) {
      return;
    }
    if (this.currentState === 'confirmed' && next === 'early') {
      return;
    }
    this.currentState = next;
    if (next === 'terminated') {
      for (const r of this.unackedReliable.values()) {
        r.cancel();
      }
      this.unackedReliable.clear();
      this.pendingAck?.txn.acknowledge();
      this.pendingAck = undefined;
    }
  }

  /** Matching key of in-dialog requests (§12.2.2: Call-ID, local tag, remote tag). */
  get matchKey(): string {
    return Dialog.key(this.callId, this.localTag, this.remoteTag);
  }

  static key(callId: string, localTag: string, remoteTag: string): string {
    return `${callId}\u0000${localTag}\u0000${remoteTag}`;
  }
}
