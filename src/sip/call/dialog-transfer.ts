/**
 * Hands one answered call over to an agent group, whichever side placed it (an inbound caller, or a citizen the
 * callback dialer called): URI after URI of the group, a blind REFER first when the group takes REFER, a bridge
 * when it does not or when the REFER fails and the policy allows it.
 *
 *   for each uri of target.uris:
 *     refer mode (and the caller's UA has not refused a REFER yet):
 *       REFER (call-transfer.ts) ── 2xx final NOTIFY, or caller hangs up after 202 ──► transferred (refer)
 *         │ REFER refused (non-2xx: the UA will not transfer itself — no more REFERs on this call),
 *         │ final NOTIFY 4xx-6xx, no final NOTIFY within timeoutMs
 *         ▼ fallbackToBridge ? bridge this uri : next uri
 *     bridge: INVITE the agent, re-INVITE the caller (bridge-transfer.ts) ──► transferred (bridge)
 *         │ agent 4xx-6xx, no answer within timeoutMs (CANCEL), caller re-INVITE refused
 *         ▼ next uri
 *   none took it ──► failed: the caller is still connected to the IVR, which decides (next group, callback, goodbye)
 *
 * The owner of the caller's dialog routes two things here while a transfer is live: the dialog's NOTIFYs
 * (`onNotify`, for the REFER's implicit subscription, RFC 3515 §2.4.4) and its end (`onCallerEnded`, also when the
 * owner itself hangs up). It learns from `onMediaHandedOver` when the IVR must stop its own RTP for the caller,
 * and ends the caller's call itself when the agent hangs up (`hangUpCaller`).
 */
import { systemClock, type Clock } from '../../shared/clock.js';
import { AgentBridge, connectAgent } from './bridge-transfer.js';
import { PendingTransfer } from './call-transfer.js';
import { parseOrigin, SdpOriginSequence } from './sdp-origin.js';
import type {
  BridgeEnd,
  CallLogger,
  TransferAttempt,
  TransferResult,
  TransferTarget,
} from './sip-app-types.js';
import type { SrfRequest, SrfResponse } from './srf-types.js';
import { transferContextHeaders, type ContextHeaderOptions } from './transfer-context-headers.js';
import type { TransferDialog, TransferSrf } from './transfer-dialog-types.js';

export interface DialogTransferDeps {
  readonly srf: TransferSrf;
  /** The caller's confirmed dialog. */
  readonly dialog: TransferDialog;
  /** The caller's session description (its offer, or its answer to ours): what a bridged agent is offered. */
  readonly remoteSdp: string;
  /** Ours on the caller's dialog: its o= line is the origin a bridge re-INVITE continues (RFC 3264 §8). */
  readonly localSdp: string;
  readonly log: CallLogger;
  /** Our identity in Referred-By (RFC 3892), e.g. `<sip:ivr@192.0.2.10>`. */
  readonly referredBy: string;
  readonly clock?: Clock;
  /** How the context becomes headers (User-to-User size, purpose...). @default DEFAULT_CONTEXT_HEADER_OPTIONS */
  readonly contextHeaders?: Partial<ContextHeaderOptions>;
  /** Media now flows caller ⇄ agent: the IVR must stop its own RTP session for this caller (and free its port). */
  readonly onMediaHandedOver?: () => void;
  /** The agent hung up a bridged call: end the caller's call (BYE) with the owner's bookkeeping. */
  readonly hangUpCaller: () => void;
  /** A bridged call ended: the agent's handling time, for routing's load figures. */
  readonly onBridgeEnded?: (end: BridgeEnd) => void;
}

export type DialogTransferPhase = 'idle' | 'referring' | 'bridging' | 'bridged' | 'transferred' | 'failed';

/** One transfer of one call; see `transferDialog`. */
export class DialogTransfer {
  private currentPhase: DialogTransferPhase = 'idle';
  private refer: PendingTransfer | undefined;
  private bridge: AgentBridge | undefined;
  private readonly callerGone = new AbortController();
  private readonly clock: Clock;
  private readonly attempts: TransferAttempt[] = [];
  private started: Promise<TransferResult> | undefined;

  constructor(
    private readonly deps: DialogTransferDeps,
    private readonly target: TransferTarget,
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  get phase(): DialogTransferPhase {
    return this.currentPhase;
  }

  /** True while the caller's dialog belongs to the transfer: attempts running, or bridged to an agent. */
  get holdsCall(): boolean {
    return (
      this.currentPhase === 'referring' || this.currentPhase === 'bridging' || this.currentPhase === 'bridged'
    );
  }

  /**
   * The caller is the agent side's now: bridged (or was), transferred, or a REFER the caller accepted — its hang-up
   * then means it left to the target (RFC 3515: many transferees hang up instead of sending the final NOTIFY).
   */
  get handedOver(): boolean {
    return (
      this.currentPhase === 'bridged' ||
      this.currentPhase === 'transferred' ||
      (this.currentPhase === 'referring' && this.refer?.wasAccepted === true)
    );
  }

  /** Runs the attempts once; later calls return the same result. Never rejects. */
  start(): Promise<TransferResult> {
    this.started ??= this.run().catch((err: unknown) => {
      this.deps.log.error({ err }, 'transfer failed unexpectedly');
      this.currentPhase = 'failed';
      return {
        status: 'failed' as const,
        reason: `internal error: ${err instanceof Error ? err.message : String(err)}`,
        sipStatus: null,
        attempts: [...this.attempts],
      };
    });
    return this.started;
  }

  /** A NOTIFY on the caller's dialog: for the pending REFER, else answered 200 (a late one of a finished REFER). */
  onNotify(req: SrfRequest, res: SrfResponse): void {
    if (this.refer?.pending === true) {
      this.refer.onNotify(req, res);
    } else {
      res.send(200, undefined, {});
    }
  }

  /**
   * The caller's dialog ended: the caller hung up, or the owner ended it. A pending REFER that was accepted
   * counts as transferred; a ringing agent is cancelled; a bridged agent gets BYE.
   * @param by `caller` when the caller hung up, `ivr` when the owner ends the call.
   */
  onCallerEnded(by: 'caller' | 'ivr' = 'caller'): void {
    this.callerGone.abort();
    if (this.refer?.pending === true) {
      this.refer.onDialogEnded();
    }
    this.bridge?.end(by);
  }

  private async run(): Promise<TransferResult> {
    const { log } = this.deps;
    const { headers, uui } = transferContextHeaders(this.target.context, this.deps.contextHeaders);
    if (uui === null) {
      log.warn({}, 'transfer context too large for User-to-User: sent as X- headers only');
    } else if (uui.dropped.length > 0) {
      log.info({ dropped: uui.dropped, octets: uui.octets }, 'User-to-User shortened');
    }
    if (this.target.uris.length === 0) {
      return this.fail('no URI for the group', null);
    }
    const origin = parseOrigin(this.deps.localSdp);
    const callerOrigin = origin === null ? null : new SdpOriginSequence(origin);
    let referRefused = false;
    for (const uri of this.target.uris) {
      if (this.callerGone.signal.aborted) {
        break;
      }
      let bridgeNow = this.target.mode === 'bridge';
      if (this.target.mode === 'refer' && !referRefused) {
        const attempt = await this.tryRefer(uri, headers);
        if (attempt.outcome === 'transferred') {
          this.currentPhase = 'transferred';
          return {
            status: 'transferred',
            method: 'refer',
            uri,
            sipStatus: attempt.sipStatus,
            attempts: [...this.attempts],
          };
        }
        referRefused = attempt.outcome === 'refused';
        bridgeNow = this.target.fallbackToBridge && attempt.outcome !== 'caller-gone';
      } else if (this.target.mode === 'refer') {
        bridgeNow = this.target.fallbackToBridge;
      }
      if (!bridgeNow) {
        continue;
      }
      if (callerOrigin === null) {
        this.record(uri, 'bridge', 'error', null, 0, 'our SDP towards the caller has no o= line');
        continue;
      }
      const bridged = await this.tryBridge(uri, headers, callerOrigin);
      if (bridged) {
        return {
          status: 'transferred',
          method: 'bridge',
          uri,
          sipStatus: 200,
          attempts: [...this.attempts],
        };
      }
    }
    const last = this.attempts.at(-1);
    return this.fail(last?.detail ?? 'the caller hung up', last?.sipStatus ?? null);
  }

  private async tryRefer(uri: string, headers: Readonly<Record<string, string>>): Promise<TransferAttempt> {
    const startedAt = this.clock.now();
    this.currentPhase = 'referring';
    const refer = new PendingTransfer(
      this.deps.dialog,
      { uri, headers },
      { referredBy: this.deps.referredBy, timeoutMs: this.target.timeoutMs },
    );
    this.refer = refer;
    this.deps.log.info({ uri, group: this.target.groupId }, 'transferring (REFER)');
    const result = await refer.start();
    const ms = this.clock.now() - startedAt;
    if (result.status === 'transferred') {
      return this.record(uri, 'refer', 'transferred', result.notifyStatus, ms, 'transferee reported success');
    }
    const outcome: TransferAttempt['outcome'] = !refer.wasAccepted
      ? this.callerGone.signal.aborted
        ? 'caller-gone'
        : result.sipStatus === null
          ? 'error'
          : 'refused'
      : result.sipStatus === null
        ? 'timeout'
        : 'rejected';
    return this.record(uri, 'refer', outcome, result.sipStatus, ms, result.reason);
  }

  private async tryBridge(
    uri: string,
    headers: Readonly<Record<string, string>>,
    callerOrigin: SdpOriginSequence,
  ): Promise<boolean> {
    const { deps } = this;
    const startedAt = this.clock.now();
    this.currentPhase = 'bridging';
    deps.log.info({ uri, group: this.target.groupId }, 'transferring (bridge)');
    const setup = await connectAgent(
      {
        srf: deps.srf,
        caller: deps.dialog,
        callerSdp: deps.remoteSdp,
        callerOrigin,
        log: deps.log,
        clock: this.clock,
        callerGone: this.callerGone.signal,
      },
      uri,
      headers,
      this.target.timeoutMs,
    );
    const ms = this.clock.now() - startedAt;
    if (!setup.ok) {
      this.record(uri, 'bridge', setup.outcome, setup.sipStatus, ms, setup.detail);
      return false;
    }
    this.record(uri, 'bridge', 'transferred', 200, ms, 'agent answered, media end to end');
    this.currentPhase = 'bridged';
    this.bridge = new AgentBridge({
      callId: this.target.context.callId,
      groupId: this.target.groupId,
      uri,
      caller: deps.dialog,
      agent: setup.agent,
      callerOrigin,
      log: deps.log,
      clock: this.clock,
      hangUpCaller: () => deps.hangUpCaller(),
      onEnded: (end) => {
        this.currentPhase = 'transferred';
        deps.onBridgeEnded?.(end);
      },
    });
    try {
      deps.onMediaHandedOver?.();
    } catch (err) {
      deps.log.error({ err }, 'onMediaHandedOver listener failed');
    }
    return true;
  }

  private record(
    uri: string,
    method: TransferAttempt['method'],
    outcome: TransferAttempt['outcome'],
    sipStatus: number | null,
    ms: number,
    detail: string,
  ): TransferAttempt {
    const attempt: TransferAttempt = { uri, method, outcome, sipStatus, ms: Math.round(ms), detail };
    this.attempts.push(attempt);
    this.deps.log.info({ ...attempt, group: this.target.groupId }, 'transfer attempt');
    return attempt;
  }

  private fail(reason: string, sipStatus: number | null): TransferResult {
    this.currentPhase = 'failed';
    this.refer = undefined;
    return { status: 'failed', reason, sipStatus, attempts: [...this.attempts] };
  }
}

/**
 * Starts handing the call on `deps.dialog` over to `target`. The returned transfer's `start()` result settles
 * once: `transferred` (by REFER: the IVR should now leave with BYE; by bridge: the IVR stays in the signalling
 * path until one side hangs up) or `failed` (the caller is still connected to the IVR).
 */
export function transferDialog(deps: DialogTransferDeps, target: TransferTarget): DialogTransfer {
  return new DialogTransfer(deps, target);
}
