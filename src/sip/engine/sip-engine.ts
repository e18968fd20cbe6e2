/**
 * The embedded, drachtio-server-compatible SIP engine: SIP transports, RFC 3261 transactions and dialogs, and
 * the drachtio wire server a drachtio-srf app connects to (protocol doc §2.1). Pure protocol code: it knows
 * nothing of calls, numbers or flows.
 */
import { systemClock, type Clock } from '../../shared/clock.js';
import { isAigError } from '../../errors/aig-error.js';
import type { SipMessage, SipRequest, SipResponse } from './message/sip-message.js';
import { parseMessage } from './message/parser.js';
import { parseErrorReason } from './message/sip-parse-error.js';
import { validateRequest } from './message/validate-message.js';
import { getTag } from './message/name-addr.js';
import { TransportSet } from './transport/transport-set.js';
import { stampReceived } from './transport/via-routing.js';
import type { InboundGarbage, InboundMessage, Remote } from './transport/transport-types.js';
import { TransactionLayer } from './transaction/transaction-layer.js';
import { DialogStore } from './dialog/dialog-store.js';
import { WireServer } from './wire/wire-server.js';
import type { WireConnection } from './wire/wire-connection.js';
import type { WireSipMessage } from './wire/wire-types.js';
import { wireSafeText } from './wire/wire-messages.js';
import { SourceAcl } from './guard/source-acl.js';
import { SourceRateLimiter } from './guard/rate-limiter.js';
import { isScanner } from './guard/scanner-filter.js';
import { LocalAddresses } from './core/local-addresses.js';
import { CdrEmitter } from './core/cdr-emitter.js';
import {
  finishInbound,
  type EngineContext,
  type InboundPending,
  type OutboundPending,
} from './core/engine-context.js';
import { NetworkRequestHandler } from './core/network-request-handler.js';
import { AppResponseSender } from './core/app-response-sender.js';
import { AppRequestSender } from './core/app-request-sender.js';
import { buildResponse } from './core/message-factory.js';
import { newTag } from './core/identifiers.js';
import { replyToGarbage, sanitizeReason } from './core/garbage-reply.js';
import { dialogRemote } from './core/dialog-requests.js';
import {
  silentLogger,
  type EngineLogger,
  type SipEngineAddresses,
  type SipEngineOptions,
} from './core/engine-types.js';

export type { SipEngineOptions, SipEngineAddresses, EngineLogger } from './core/engine-types.js';

/** Counters for metrics, tests and the benchmark. */
export interface SipEngineStats {
  dialogs: number;
  transactions: number;
  pendingAppRequests: number;
  droppedByAcl: number;
  droppedScanners: number;
  rateLimited: number;
  floodDropped: number;
  badRequests: number;
}

const CONTENT_LENGTH_LINE = /^(?:content-length|l)[ \t]*:/i;

export class SipEngine {
  private readonly clock: Clock;
  private readonly logger: EngineLogger;
  private readonly transports: TransportSet;
  private readonly txns: TransactionLayer;
  private readonly dialogs = new DialogStore();
  private readonly acl: SourceAcl;
  private readonly limiter: SourceRateLimiter;
  private wire: WireServer | undefined;
  private ctx: EngineContext | undefined;
  private network: NetworkRequestHandler | undefined;
  private responses: AppResponseSender | undefined;
  private requests: AppRequestSender | undefined;
  private readonly counters = {
    droppedByAcl: 0,
    droppedScanners: 0,
    rateLimited: 0,
    floodDropped: 0,
    badRequests: 0,
  };

  constructor(private readonly options: SipEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.transports = new TransportSet({
      host: options.sip.host,
      port: options.sip.port,
      protocols: options.sip.transports,
      recvBufferSize: options.sip.udpReceiveBufferBytes,
      maxMessageSize: options.sip.maxMessageSize,
      idleTimeoutMs: options.sip.tcpIdleTimeoutMs,
    });
    this.txns = new TransactionLayer({
      timers: options.sip.timers,
      clock: this.clock,
      send: (message, remote) => this.transports.send(message, remote),
      onHandlerError: (err) => this.logger.error({ err }, 'SIP transaction handler failed'),
    });
    this.acl = new SourceAcl(options.protection.acl);
    this.limiter = new SourceRateLimiter(options.protection.rateLimit);
  }

  /** Binds the SIP transports, then the wire server; resolves with what is listening where. */
  async start(): Promise<SipEngineAddresses> {
    await this.transports.listen();
    const bound = this.transports.endpoints();
    const addresses = new LocalAddresses(bound, this.options.sip.externalAddress);
    const wire = new WireServer({
      host: this.options.wire.host,
      port: this.options.wire.port,
      secret: this.options.wire.secret,
      maxFrameSize: this.options.wire.maxFrameBytes,
      hostports: () => addresses.wireHostports(true),
      localHostports: () => addresses.wireHostports(false),
      logger: this.logger,
    });
    this.wire = wire;
    const ctx: EngineContext = {
      clock: this.clock,
      timers: this.options.sip.timers,
      logger: this.logger,
      txns: this.txns,
      dialogs: this.dialogs,
      addresses,
      userAgent: this.options.sip.userAgent,
      cdr: new CdrEmitter({ select: (verb) => wire.selectConnection(verb) }),
      inbound: new Map<string, InboundPending>(),
      inboundByTxnKey: new Map<string, InboundPending>(),
      outbound: new Map<string, OutboundPending>(),
      sendStateless: (message, remote) => this.sendStateless(message, remote),
    };
    this.ctx = ctx;
    this.network = new NetworkRequestHandler(
      ctx,
      { select: (verb) => wire.selectConnection(verb) },
      this.options.appResponseTimeoutMs ?? 64_000,
    );
    this.responses = new AppResponseSender(ctx);
    this.requests = new AppRequestSender(ctx);

    this.transports.on('message', (m: InboundMessage) => this.guarded(() => this.onMessage(m)));
    this.transports.on('garbage', (g: InboundGarbage) => this.guarded(() => this.onGarbage(g)));
    wire.on('sip', (conn, msg) => this.guarded(() => this.onAppSip(conn, msg)));
    wire.on('proxy', (conn, msg) =>
      conn.reply(msg.id, 'NOK', ['proxy is not supported by the embedded engine: use createB2BUA']),
    );
    wire.on('connection-closed', (conn) => this.guarded(() => this.onAppGone(conn)));
    const wireAddress = await wire.listen();
    this.logger.info({ sip: bound, wire: wireAddress }, 'SIP engine listening');
    return { wire: wireAddress, sip: bound.map((b) => ({ ...b })) };
  }

  async stop(): Promise<void> {
    this.txns.close();
    await this.wire?.close();
    await this.transports.close();
  }

  stats(): SipEngineStats {
    return {
      dialogs: this.dialogs.size,
      transactions: this.txns.size(),
      pendingAppRequests: this.ctx?.inbound.size ?? 0,
      ...this.counters,
    };
  }

  /** A listener error must never kill the engine (or the calls it carries). */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, 'SIP engine handler failed');
    }
  }

  private sendStateless(message: SipMessage, remote: Remote): void {
    this.txns.sendStateless(message, remote).catch((err: unknown) => {
      this.logger.warn({ err, remote: remote.address }, 'stateless send failed');
    });
  }

  private onMessage(inbound: InboundMessage): void {
    const { message, remote } = inbound;
    if (!this.acl.allows(remote.address)) {
      this.counters.droppedByAcl++;
      return;
    }
    if (message.kind === 'response') {
      if (!this.txns.receive(inbound)) {
        this.onStrayResponse(message);
      }
      return;
    }
    const request = message;
    if (isScanner(request.headers.get('user-agent'), this.options.protection.scannerUserAgents)) {
      this.counters.droppedScanners++;
      return;
    }
    stampReceived(request, remote);
    const problem = validateRequest(request);
    if (problem !== undefined) {
      this.counters.badRequests++;
      if (request.method !== 'ACK') {
        this.txns
          .createServerTransaction(inbound)
          .respond(buildResponse(request, 400, sanitizeReason(problem), newTag()));
      }
      return;
    }
    if (this.txns.receive(inbound)) {
      return;
    }
    if (
      request.method !== 'ACK' &&
      getTag(request.headers.get('to') ?? '') === undefined &&
      !this.admit(inbound)
    ) {
      return;
    }
    this.network?.handle(inbound, request);
  }

  /** Per-source rate limit on new requests: 503 while over the limit, silence for a sustained flood. */
  private admit(inbound: InboundMessage): boolean {
    const verdict = this.limiter.check(inbound.remote.address, this.clock.now());
    if (verdict === 'accept') {
      return true;
    }
    if (verdict === 'reject') {
      this.counters.rateLimited++;
      const request = inbound.message as SipRequest;
      this.sendStateless(
        buildResponse(request, 503, 'Service Unavailable', newTag(), { 'Retry-After': '5' }),
        inbound.remote,
      );
    } else {
      this.counters.floodDropped++;
    }
    return false;
  }

  private onGarbage(garbage: InboundGarbage): void {
    if (!this.acl.allows(garbage.remote.address)) {
      this.counters.droppedByAcl++;
      return;
    }
    const verdict = this.limiter.check(garbage.remote.address, this.clock.now());
    if (verdict === 'drop') {
      this.counters.floodDropped++;
      return;
    }
    this.counters.badRequests++;
    const tooLarge = isAigError(garbage.error, 'AIG_ERR_SIP_TOO_LARGE');
    const reason = tooLarge ? 'Message Too Large' : parseErrorReason(garbage.error);
    const reply = replyToGarbage(garbage.raw, tooLarge ? 513 : 400, reason || 'Bad Request', newTag());
    if (reply !== undefined) {
      this.sendStateless(reply, garbage.remote);
    }
  }

  /** A 2xx retransmitted after the client transaction ended: re-send the ACK (§13.2.2.4). */
  private onStrayResponse(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300) {
      return;
    }
    const callId = response.headers.get('call-id') ?? '';
    const fromTag = getTag(response.headers.get('from') ?? '') ?? '';
    const dialog = this.dialogs.getById(`${callId};from-tag=${fromTag}`);
    const lastAck = dialog?.uacInvite?.lastAck;
    if (dialog !== undefined && lastAck !== undefined) {
      void dialogRemote(dialog).then((remote) => this.sendStateless(lastAck, remote));
    }
  }

  private onAppSip(conn: WireConnection, msg: WireSipMessage): void {
    const reply = (status: 'OK' | 'NOK', fields: string[], sipText?: string): void => {
      conn.reply(msg.id, status, status === 'OK' ? fields : fields.map(wireSafeText), sipText);
    };
    let parsed: SipMessage;
    try {
      // drachtio-srf writes Content-Length as a character count; the engine computes its own (doc §1.6).
      parsed = parseMessage(Buffer.from(stripContentLength(msg.sipText), 'utf8'));
    } catch (err) {
      reply('NOK', [`invalid SIP message: ${sanitizeReason((err as Error).message)}`]);
      return;
    }
    const ctx = this.ctx!;
    if (parsed.kind === 'response') {
      if (msg.txnId === '') {
        conn.reply(msg.id, 'NO', ['transaction id missing']);
        return;
      }
      this.responses!.send(ctx.inbound.get(msg.txnId), parsed, reply);
      return;
    }
    const failed = (err: unknown): void => {
      this.logger.error({ err }, 'app request failed');
      reply('NOK', [`Server error: ${sanitizeReason((err as Error).message ?? String(err))}`]);
    };
    if (msg.dialogId !== '') {
      this.requests!.sendInDialog(conn, msg.dialogId, parsed, reply).catch(failed);
    } else if (msg.txnId !== '') {
      if (parsed.method === 'CANCEL') {
        this.requests!.sendCancel(msg.txnId, reply);
      } else {
        reply('NOK', [`only CANCEL may name a transaction id: ${parsed.method}`]);
      }
    } else {
      this.requests!.sendNew(conn, parsed, msg.routeUri, reply).catch(failed);
    }
  }

  /** An app went away: its unanswered requests get 503 so no caller waits on a dead app. */
  private onAppGone(conn: WireConnection): void {
    const ctx = this.ctx!;
    for (const pending of [...ctx.inbound.values()]) {
      if (pending.owner === conn && !pending.finalSent) {
        finishInbound(ctx, pending);
        pending.serverTxn.respond(
          buildResponse(pending.request, 503, 'Service Unavailable', pending.localTag ?? newTag()),
        );
      }
    }
  }
}

function stripContentLength(text: string): string {
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) {
    return text;
  }
  const head = text
    .slice(0, end)
    .split(/\r?\n/)
    .filter((line) => !CONTENT_LENGTH_LINE.test(line))
    .join('\r\n');
  return head + text.slice(end);
}
