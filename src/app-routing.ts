/**
 * Routing as the application runs it: the groups file (hot-reloaded), the router and its load figures in Redis,
 * callbacks (BullMQ), call records and the caller history — composed here, handed to each call's flow as a
 * `FlowRouting`, to the ops API as an `OpsRoutingApi`, and to the callback dialer as its dial handler's helpers.
 *
 * Caller numbers are personal data: they are hashed (HMAC, secret in `<dataDir>/caller-hash-secret`) before they
 * reach routing or a record, masked in records, and kept in clear only in a booked callback's job (to dial it).
 */
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AiguilleurConfig, ConversationLanguage } from './config/config-types.js';
import type { GroupView, OpsRoutingApi, RecordQuery } from './api/routing-routes.js';
import type {
  FlowCallbackBooking,
  FlowCallbackBookingRequest,
  FlowCallbackSlot,
  FlowRouteRequest,
  FlowRouting,
} from './conversation/runtime/flow-routing.js';
import { CallRouter } from './routing/call-router.js';
import { findCallbackSlots } from './routing/callbacks/find-callback-slots.js';
import { estimateWait } from './routing/estimated-wait.js';
import { isOpenAt, nextOpening, openIntervals } from './routing/opening-hours.js';
import { RoutingRegistry } from './routing/routing-registry.js';
import { groupsFilePath, staticTransferTargets } from './routing/static-targets.js';
import type { AgentGroup, RoutingConfig, RoutingDecision } from './routing/routing-types.js';
import { CallbackStore } from './store/callback-store.js';
import type { CallRecord } from './store/call-record-types.js';
import { openCallRecordStore, type RedisCallRecordStore } from './store/call-record-store.js';
import { RedisCallerHistory } from './store/caller-history.js';
import { hashCallerNumber, loadOrCreateHashSecret, maskCallerNumber } from './store/caller-number.js';
import { GroupLoadStore } from './store/group-load-store.js';

/** What one call's routing remembers for its record. */
export interface CallRoutingTrace {
  priority: number;
  priorityReasons: string[];
  group: string | null;
  finalIntent: string | null;
}

export class AppRouting {
  readonly router: CallRouter;
  readonly load: GroupLoadStore;
  readonly callbacks: CallbackStore | undefined;
  private readonly traces = new Map<string, CallRoutingTrace>();

  private constructor(
    readonly registry: RoutingRegistry,
    redis: Redis,
    private readonly secret: Buffer,
    readonly records: RedisCallRecordStore,
    private readonly config: AiguilleurConfig,
    private readonly log: Logger,
  ) {
    this.load = new GroupLoadStore(redis);
    this.router = new CallRouter({
      registry,
      load: this.load,
      history: new RedisCallerHistory(redis),
      logger: log,
    });
    this.callbacks = config.callbacks.enabled
      ? new CallbackStore({
          redis,
          policy: () => registry.current().callbacks,
          logger: log,
          queueName: config.callbacks.queue,
        })
      : undefined;
  }

  static async start(config: AiguilleurConfig, redis: Redis, logger: Logger): Promise<AppRouting> {
    const log = logger.child({ component: 'routing' });
    const file = groupsFilePath(config);
    const registry = await RoutingRegistry.open({ file, watch: config.routing.watch });
    registry.on('loaded', ({ config: routing, previousVersion, trigger }) =>
      log.info({ version: routing.version, previous: previousVersion, trigger }, 'groups file loaded'),
    );
    registry.on('rejected', ({ file: rejected, problems, keptVersion, trigger }) =>
      log.error(
        {
          file: rejected,
          kept: keptVersion,
          trigger,
          problems: problems.map((p) => `${p.line ?? '-'}:${p.column ?? '-'} ${p.path} ${p.message}`),
        },
        'groups file rejected',
      ),
    );
    const dataDir = resolve(config.dataDir);
    const secret = await loadOrCreateHashSecret(dataDir);
    const records = await openCallRecordStore({
      redis,
      filePath: resolve(config.records.file ?? join(dataDir, 'call-records.jsonl')),
      maxLen: config.records.streamMaxLength,
      logger: log,
    });
    log.info(
      { groups: registry.current().groups.size, version: registry.current().version, file },
      'routing ready',
    );
    return new AppRouting(registry, redis, secret, records, config, log);
  }

  get current(): RoutingConfig {
    return this.registry.current();
  }

  /** Group ids and skills with a URI each: the flow validator's list and the no-routing fallback. */
  staticTargets(): Record<string, { uri: string; label: string }> {
    return staticTransferTargets(this.current);
  }

  hashNumber(number: string | null): string | null {
    return hashCallerNumber(number, this.secret);
  }

  trace(callId: string): CallRoutingTrace | undefined {
    return this.traces.get(callId);
  }

  forget(callId: string): void {
    this.traces.delete(callId);
  }

  /** The routing port of one call. */
  forCall(call: { callId: string; number: string; callerNumber: string | null }): FlowRouting {
    const callerHash = this.hashNumber(call.callerNumber);
    const trace: CallRoutingTrace = { priority: 0, priorityReasons: [], group: null, finalIntent: null };
    this.traces.set(call.callId, trace);
    return {
      route: async (request) => {
        const decision = await this.decide(request, callerHash);
        trace.priority = decision.priority.level;
        trace.priorityReasons = [...decision.priority.reasons];
        trace.group = decision.group?.id ?? null;
        trace.finalIntent = request.intent;
        return decision;
      },
      group: (groupId) => this.current.groups.get(groupId) ?? null,
      handedOver: (groupId, callId) => {
        trace.group = groupId;
        void this.router.recordHandover(groupId, callId);
      },
      callbackSlots: (groupId) => this.callbackSlots(groupId),
      bookCallback: (request) => this.bookCallback(request, call.number),
    };
  }

  private decide(request: FlowRouteRequest, callerHash: string | null): Promise<RoutingDecision> {
    const { skill, level } = this.skillOf(request.target, request.level);
    return this.router.decide({
      callId: request.callId,
      dialledNumber: request.dialledNumber,
      callerHash,
      language: request.language,
      intent: request.intent,
      confidence: request.confidence,
      entities: request.entities,
      recognitionFailures: request.recognitionFailures,
      vulnerabilityDeclared: request.vulnerabilityDeclared,
      skill,
      level,
    });
  }

  /** A flow target is a skill, or a group id (then the group's highest-level skill). */
  private skillOf(target: string | null, level: 1 | 2 | null): { skill: string | null; level: 1 | 2 | null } {
    if (target === null) {
      return { skill: null, level };
    }
    for (const group of this.current.groups.values()) {
      if (Object.hasOwn(group.skills, target)) {
        return { skill: target, level };
      }
    }
    const group = this.current.groups.get(target);
    if (group !== undefined) {
      const [skill, held] = Object.entries(group.skills).sort((a, b) => b[1] - a[1])[0] ?? [null, null];
      return { skill, level: level ?? held };
    }
    return { skill: target, level };
  }

  openIntervalsOf(group: AgentGroup): (from: Date, to: Date) => { start: Date; end: Date }[] {
    return (from, to) => openIntervals(group.hours, from, to);
  }

  private async callbackSlots(groupId: string): Promise<readonly FlowCallbackSlot[]> {
    const store = this.callbacks;
    const group = this.current.groups.get(groupId);
    if (store === undefined || group === undefined) {
      return [];
    }
    const slots = await findCallbackSlots({
      now: new Date(),
      policy: this.current.callbacks,
      openIntervals: this.openIntervalsOf(group),
      slotBookings: (page) => store.slotBookings(groupId, page),
    });
    return slots.map((slot) => ({ start: slot.start.toISOString(), end: slot.end.toISOString() }));
  }

  private async bookCallback(
    request: FlowCallbackBookingRequest,
    dialledNumber: string,
  ): Promise<FlowCallbackBooking> {
    const store = this.callbacks;
    if (store === undefined) {
      throw new Error('callbacks are disabled (callbacks.enabled: false)');
    }
    const booking = await store.book({
      callId: request.callId,
      groupId: request.groupId,
      intent: request.intent,
      language: request.language,
      number: request.number,
      numberHash: this.hashNumber(request.number) ?? '',
      slot: { start: new Date(request.slot.start), end: new Date(request.slot.end) },
      context: { ...request.context, dialledNumber },
      priority: request.priority,
    });
    this.log.info(
      {
        callId: request.callId,
        callbackId: booking.callbackId,
        group: request.groupId,
        slot: request.slot.start,
      },
      'callback booked',
    );
    return {
      callbackId: booking.callbackId,
      slot: { start: booking.slot.start.toISOString(), end: booking.slot.end.toISOString() },
    };
  }

  /** Writes a call record; never rejects (the store logs its own failures). */
  async writeRecord(record: CallRecord): Promise<void> {
    try {
      await this.records.write(record);
    } catch (err) {
      this.log.error({ err, callId: record.callId }, 'call record not written');
    }
  }

  masked(number: string | null): string | null {
    return maskCallerNumber(number);
  }

  /** Ops view of every group now. */
  async groupViews(): Promise<GroupView[]> {
    const config = this.current;
    const ids = [...config.groups.keys()];
    const now = new Date();
    let figures: Awaited<ReturnType<GroupLoadStore['read']>> = new Map();
    try {
      figures = await this.load.read(ids);
    } catch (err) {
      this.log.warn({ err }, 'group load not read');
    }
    return ids.map((id) => {
      const group = config.groups.get(id)!;
      const load = figures.get(id);
      const staffed = load?.staffing?.agents ?? group.defaultStaffedAgents;
      const handling = load?.averageHandlingSeconds ?? group.averageHandlingSeconds;
      const open = isOpenAt(group.hours, now);
      const wait = open
        ? estimateWait({
            arrivalsPerMinute: load?.handoversPerMinute ?? 0,
            averageHandlingSeconds: handling,
            agents: staffed,
            inProgress: load?.inProgress ?? 0,
          })
        : null;
      const opening = open ? null : nextOpening(group.hours, now);
      return {
        id,
        name: group.name,
        open,
        staffedAgents: staffed,
        staffedFrom: load?.staffing === null || load?.staffing === undefined ? 'file' : 'api',
        inProgress: load?.inProgress ?? 0,
        handoversPerMinute: load?.handoversPerMinute ?? 0,
        averageHandlingSeconds: handling,
        estimatedWaitSeconds: wait?.seconds == null ? null : Math.round(wait.seconds),
        nextOpening: opening === null ? null : opening.toISOString(),
      };
    });
  }

  opsApi(): OpsRoutingApi {
    return {
      groups: () => this.groupViews(),
      setStaffedAgents: async (groupId, agents, by) => {
        if (!this.current.groups.has(groupId)) {
          return null;
        }
        await this.load.setStaffedAgents(groupId, agents, by);
        this.log.info({ group: groupId, agents, by }, 'staffed agents set');
        return (await this.groupViews()).find((view) => view.id === groupId) ?? null;
      },
      callbacks: async (status, limit) =>
        this.callbacks === undefined
          ? []
          : this.callbacks.list({ ...(status === null ? {} : { status: status as never }), limit }),
      records: async (query: RecordQuery) => {
        const result = await this.records.search(
          {
            ...(query.intent === undefined ? {} : { intent: query.intent }),
            ...(query.outcome === undefined ? {} : { outcome: query.outcome as never }),
            ...(query.group === undefined ? {} : { group: query.group }),
            ...(query.since === undefined ? {} : { since: query.since }),
            ...(query.until === undefined ? {} : { until: query.until }),
          },
          query.limit,
        );
        return result.entries.map((entry) => entry.record);
      },
    };
  }

  /** The service number of a language (the callback's media and language settings). */
  serviceNumberFor(language: ConversationLanguage, preferred: unknown): string | null {
    if (typeof preferred === 'string' && Object.hasOwn(this.config.numbers, preferred)) {
      return preferred;
    }
    const entry = Object.entries(this.config.numbers).find(([, n]) => n.language === language);
    return entry?.[0] ?? null;
  }

  async close(): Promise<void> {
    this.registry.close();
    await this.callbacks?.close();
    await this.records.close();
  }
}
