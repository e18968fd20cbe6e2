/**
 * Bridged transfer (B2BUA): the IVR calls the agent itself and joins the two calls, for agent platforms or callers
 * that cannot take a REFER.
 *
 * How media flows: end to end, by re-INVITE, not relayed through the IVR.
 *
 *   caller ══ RTP ══ IVR                                   (the conversation)
 *   IVR → agent     INVITE  SDP = the caller's description, + X-Aiguilleur-* and User-to-User headers
 *   agent → IVR     200 OK  SDP = the agent's answer; ACK
 *   IVR → caller    re-INVITE  SDP = the agent's answer under our o= line, version + 1 (RFC 3264 §8)
 *   caller → IVR    200 OK (its answer); ACK
 *   caller ══════════ RTP ══════════ agent                 (the IVR stops its own RTP for the caller)
 *
 * Why: a relay would keep two RTP sessions, a jitter buffer and a port pair per bridged call in this process for
 * the whole agent conversation (minutes, against the seconds of the IVR part), adding delay and making the IVR a
 * media single point of failure for calls it has finished with; the media capacity measured for issue 3 is for
 * conversations, not for relaying. Both legs already speak G.711 with telephone-event (the agent's answer is
 * chosen from the caller's own offer), so no transcoding is needed. The IVR stays in the signalling path only:
 * it relays BYE and later re-INVITEs (hold, codec change) between the legs and reports the handling time. The
 * price: media no longer passes the IVR (no recording of the agent part here), and a caller behind a NAT that
 * only opened a pinhole towards the IVR's port may need the SBC to anchor media — which SBCs do.
 *
 * The agent leg's SDP keeps the caller's o= line (the agent has seen only that origin, and the caller's versions
 * only grow); the caller leg gets our origin with versions from one `SdpOriginSequence`. If the caller's re-INVITE
 * fails, the agent leg is released (BYE) and the caller stays with the IVR on its previous media (a failed
 * re-INVITE leaves the session unchanged, RFC 3261 §14.1).
 */
import type { Clock } from '../../shared/clock.js';
import { byeHeaders } from './call-signalling.js';
import { parseOrigin, withOrigin, type SdpOriginSequence } from './sdp-origin.js';
import type { BridgeEnd, CallLogger, TransferAttempt } from './sip-app-types.js';
import { sipErrorStatus, type SrfHeaders, type SrfRequest, type SrfResponse } from './srf-types.js';
import type { SentInvite, TransferDialog, TransferSrf } from './transfer-dialog-types.js';

export interface BridgeDeps {
  readonly srf: TransferSrf;
  /** The caller's dialog (we answered it, or we placed it). */
  readonly caller: TransferDialog;
  /** The caller's session description: what the agent is offered. */
  readonly callerSdp: string;
  /** Our origin towards the caller, shared by every offer we make it. */
  readonly callerOrigin: SdpOriginSequence;
  readonly log: CallLogger;
  readonly clock: Clock;
  /** Aborted when the caller hangs up: a ringing agent is cancelled, an answered one released. */
  readonly callerGone: AbortSignal;
}

export type BridgeSetup =
  | { readonly ok: true; readonly agent: TransferDialog; readonly sipStatus: 200 }
  | {
      readonly ok: false;
      readonly outcome: Exclude<TransferAttempt['outcome'], 'transferred' | 'refused'>;
      readonly sipStatus: number | null;
      readonly detail: string;
    };

/** `c=` address and first `m=` port: where a party receives (to tell whether its answer moved its media). */
function receiveAddress(sdp: string): string {
  const address = /^c=\S+ \S+ (\S+)/m.exec(sdp)?.[1] ?? '';
  const port = /^m=\S+ (\d+)/m.exec(sdp)?.[1] ?? '';
  return `${address}:${port}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Calls the agent at `uri` with the caller's SDP and, once answered, re-INVITEs the caller with the agent's
 * media. Never throws: every failure is an outcome, with the agent leg released and the caller left as it was.
 */
export async function connectAgent(
  deps: BridgeDeps,
  uri: string,
  headers: SrfHeaders,
  timeoutMs: number,
): Promise<BridgeSetup> {
  const { caller, log, callerGone } = deps;
  if (callerGone.aborted) {
    return { ok: false, outcome: 'caller-gone', sipStatus: null, detail: 'caller hung up' };
  }
  let sent: SentInvite | undefined;
  let cancelReason: 'timeout' | 'caller-gone' | undefined;
  const cancel = (why: 'timeout' | 'caller-gone'): void => {
    cancelReason ??= why;
    // RFC 3261 §9.1: CANCEL only once a provisional came; drachtio-srf holds it until then.
    sent?.cancel(() => undefined);
  };
  const timer = deps.clock.setTimeout(() => cancel('timeout'), timeoutMs);
  const onGone = (): void => cancel('caller-gone');
  callerGone.addEventListener('abort', onGone);
  let agent: TransferDialog;
  try {
    agent = await deps.srf.createUAC(
      uri,
      { localSdp: deps.callerSdp, headers: { ...headers, 'Content-Type': 'application/sdp' } },
      {
        cbRequest: (_err, req) => {
          sent = req;
          if (cancelReason !== undefined) {
            req.cancel(() => undefined);
          }
        },
      },
    );
  } catch (err) {
    const status = sipErrorStatus(err) ?? null;
    if (cancelReason !== undefined) {
      return {
        ok: false,
        outcome: cancelReason,
        sipStatus: status,
        detail: cancelReason === 'timeout' ? `agent did not answer within ${timeoutMs} ms` : 'caller hung up',
      };
    }
    return status === null
      ? { ok: false, outcome: 'error', sipStatus: null, detail: `agent INVITE failed: ${errorText(err)}` }
      : { ok: false, outcome: 'rejected', sipStatus: status, detail: `agent answered ${status}` };
  } finally {
    timer.cancel();
    callerGone.removeEventListener('abort', onGone);
  }

  const release = async (reason: string): Promise<void> => {
    try {
      await agent.destroy({ headers: { Reason: `SIP;cause=500;text="${reason}"` } });
    } catch (err) {
      log.warn({ err }, 'BYE to the agent failed');
    }
  };
  if (callerGone.aborted || cancelReason !== undefined) {
    // A 200 crossed our CANCEL, or the caller left while it did: the agent leg exists, end it.
    await release('Caller left');
    return {
      ok: false,
      outcome: 'caller-gone',
      sipStatus: 200,
      detail: 'caller hung up as the agent answered',
    };
  }
  const agentSdp = agent.remote.sdp;
  if (parseOrigin(agentSdp) === null || !/^m=audio /m.test(agentSdp)) {
    await release('No usable SDP answer');
    return { ok: false, outcome: 'media-failed', sipStatus: 200, detail: 'agent answer has no usable SDP' };
  }

  const previousLocal = caller.local.sdp;
  const offer = withOrigin(agentSdp, deps.callerOrigin.next());
  let callerAnswer: string;
  try {
    callerAnswer = await caller.modify(offer);
  } catch (err) {
    // RFC 3261 §14.1: the session is unchanged; drachtio-srf already recorded our offer as current.
    caller.local.sdp = previousLocal;
    await release('Caller re-INVITE failed');
    const status = sipErrorStatus(err) ?? null;
    return {
      ok: false,
      outcome: callerGone.aborted ? 'caller-gone' : 'media-failed',
      sipStatus: status,
      detail: `caller re-INVITE failed: ${status ?? errorText(err)}`,
    };
  }
  if (receiveAddress(callerAnswer) !== receiveAddress(deps.callerSdp)) {
    // The caller answered from another address or port than the one the agent was given: tell the agent.
    log.info({}, 'caller media moved in its answer: re-INVITE to the agent');
    agent.modify(callerAnswer).catch((err: unknown) => log.warn({ err }, 're-INVITE to the agent failed'));
  }
  return { ok: true, agent, sipStatus: 200 };
}

export interface AgentBridgeOptions {
  readonly callId: string;
  readonly groupId: string;
  readonly uri: string;
  readonly caller: TransferDialog;
  readonly agent: TransferDialog;
  readonly callerOrigin: SdpOriginSequence;
  readonly log: CallLogger;
  readonly clock: Clock;
  /** The agent hung up: the owner of the caller's call sends its BYE (and does its bookkeeping). */
  readonly hangUpCaller: () => void;
  readonly onEnded?: (end: BridgeEnd) => void;
}

/**
 * A bridged call after the hand-over: relays re-INVITEs between the legs, BYEs the other leg when one hangs up,
 * and reports the agent's handling time once.
 */
export class AgentBridge {
  private readonly answeredAt: number;
  private ended = false;

  constructor(private readonly options: AgentBridgeOptions) {
    this.answeredAt = options.clock.now();
    options.agent.on('destroy', () => this.end('agent'));
    options.agent.on('modify', (req, res) => this.relayAgentOffer(req, res));
    options.caller.on('modify', (req, res) => this.relayCallerOffer(req, res));
  }

  /**
   * Ends the bridge. `caller`: the caller hung up (BYE the agent); `agent`: the agent did (the caller's BYE is
   * the owner's, through `hangUpCaller`); `ivr`: we end both (shutdown, duration limit), the owner BYEs the caller.
   */
  end(by: BridgeEnd['endedBy']): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    const { log, agent } = this.options;
    const handlingSeconds = Math.round((this.options.clock.now() - this.answeredAt) / 100) / 10;
    log.info({ endedBy: by, handlingSeconds, group: this.options.groupId }, 'bridged call ended');
    if (by === 'agent') {
      this.options.hangUpCaller();
    } else {
      agent.destroy({ headers: byeHeaders('completed') }).catch((err: unknown) => {
        log.warn({ err }, 'BYE to the agent failed');
      });
    }
    try {
      this.options.onEnded?.({
        callId: this.options.callId,
        groupId: this.options.groupId,
        uri: this.options.uri,
        handlingSeconds,
        endedBy: by,
      });
    } catch (err) {
      log.error({ err }, 'onBridgeEnded listener failed');
    }
  }

  /** The caller re-INVITEs (hold, new address): offer it to the agent, answer with the agent's answer as ours. */
  private relayCallerOffer(req: SrfRequest, res: SrfResponse): void {
    const { caller, agent, callerOrigin, log } = this.options;
    const offer = req.body ?? '';
    if (offer === '') {
      // An offerless re-INVITE (RFC 3261 §14.2) asks for our offer: repeat our current description.
      res.send(200, undefined, { body: caller.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
      return;
    }
    agent.modify(offer).then(
      (answer) => {
        const ours = withOrigin(answer, callerOrigin.next());
        caller.local.sdp = ours;
        res.send(200, undefined, { body: ours, headers: { 'Content-Type': 'application/sdp' } });
      },
      (err: unknown) => {
        log.info({ err }, 'caller re-INVITE refused by the agent');
        res.send(sipErrorStatus(err) ?? 500, undefined, {});
      },
    );
  }

  /** The agent re-INVITEs: offer it to the caller under our origin, answer the agent with the caller's answer. */
  private relayAgentOffer(req: SrfRequest, res: SrfResponse): void {
    const { caller, agent, callerOrigin, log } = this.options;
    const offer = req.body ?? '';
    if (offer === '') {
      res.send(200, undefined, { body: agent.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
      return;
    }
    const previousLocal = caller.local.sdp;
    caller.modify(withOrigin(offer, callerOrigin.next())).then(
      (answer) => {
        agent.local.sdp = answer;
        res.send(200, undefined, { body: answer, headers: { 'Content-Type': 'application/sdp' } });
      },
      (err: unknown) => {
        caller.local.sdp = previousLocal;
        log.info({ err }, 'agent re-INVITE refused by the caller');
        res.send(sipErrorStatus(err) ?? 500, undefined, {});
      },
    );
  }
}
