/**
 * Ops API for routing (fastify): what the supervisors of the contact centre read and change.
 *
 *   GET  /api/groups                      every group: open now, staffed agents, calls handed over, estimated wait
 *   PUT  /api/groups/:id/staffing         { "agents": 12 } — staffed agents of a group (all IVR processes see it)
 *   GET  /api/callbacks?status=scheduled  callbacks and their attempts (numbers masked)
 *   GET  /api/records?intent=&outcome=&group=&since=&until=&limit=   call records, newest first (numbers hashed/masked)
 *
 * Every route but GET /api/groups needs `Authorization: Bearer <http.apiToken>`; a wrong or missing token is 401
 * with `AIG_ERR_API_AUTH`, a bad body 400 with `AIG_ERR_API_INPUT`, an unknown group 404 — each with a message
 * saying why. The token is compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';

export interface GroupView {
  readonly id: string;
  readonly name: string;
  readonly open: boolean;
  readonly staffedAgents: number;
  readonly staffedFrom: 'file' | 'api';
  readonly inProgress: number;
  readonly handoversPerMinute: number;
  readonly averageHandlingSeconds: number;
  readonly estimatedWaitSeconds: number | null;
  readonly nextOpening: string | null;
}

export interface RecordQuery {
  readonly intent?: string;
  readonly outcome?: string;
  readonly group?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
}

/** What the routes need, provided by the composition root. */
export interface OpsRoutingApi {
  groups(): Promise<readonly GroupView[]>;
  /** null when the group does not exist. */
  setStaffedAgents(groupId: string, agents: number, by: string): Promise<GroupView | null>;
  callbacks(status: string | null, limit: number): Promise<readonly unknown[]>;
  records(query: RecordQuery): Promise<readonly unknown[]>;
}

function problem(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: code, message });
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (match === null) {
    return false;
  }
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseDate(value: unknown): Date | undefined | null {
  if (value === undefined || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    return null;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The routes as a fastify plugin: `server.register(routingRoutes(api, token))`. */
export function routingRoutes(api: OpsRoutingApi, token: string): FastifyPluginCallback {
  return (server, _options, done) => {
    registerRoutes(server, api, token);
    done();
  };
}

function registerRoutes(
  server: Parameters<FastifyPluginCallback>[0],
  api: OpsRoutingApi,
  token: string,
): void {
  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (tokenMatches(request.headers.authorization, token)) {
      return true;
    }
    void problem(
      reply,
      401,
      'AIG_ERR_API_AUTH',
      'a valid "Authorization: Bearer <token>" header is required',
    );
    return false;
  };

  server.get('/api/groups', async () => ({ groups: await api.groups() }));

  server.put<{ Params: { id: string }; Body: unknown }>(
    '/api/groups/:id/staffing',
    async (request, reply) => {
      if (!authorized(request, reply)) {
        return reply;
      }
      const body = request.body as { agents?: unknown; by?: unknown } | null | undefined;
      const agents = body?.agents;
      if (typeof agents !== 'number' || !Number.isInteger(agents) || agents < 0 || agents > 100_000) {
        return problem(reply, 400, 'AIG_ERR_API_INPUT', '"agents" must be a whole number from 0 to 100000');
      }
      const by = typeof body?.by === 'string' && body.by.length <= 64 ? body.by : 'api';
      const view = await api.setStaffedAgents(request.params.id, agents, by);
      if (view === null) {
        return problem(reply, 404, 'AIG_ERR_API_NOT_FOUND', `no group "${request.params.id}"`);
      }
      return { group: view };
    },
  );

  server.get<{ Querystring: { status?: string; limit?: string } }>(
    '/api/callbacks',
    async (request, reply) => {
      if (!authorized(request, reply)) {
        return reply;
      }
      const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 1000);
      return { callbacks: await api.callbacks(request.query.status ?? null, limit) };
    },
  );

  server.get<{
    Querystring: {
      intent?: string;
      outcome?: string;
      group?: string;
      since?: string;
      until?: string;
      limit?: string;
    };
  }>('/api/records', async (request, reply) => {
    if (!authorized(request, reply)) {
      return reply;
    }
    const { intent, outcome, group } = request.query;
    const since = parseDate(request.query.since);
    const until = parseDate(request.query.until);
    if (since === null || until === null) {
      return problem(reply, 400, 'AIG_ERR_API_INPUT', '"since" and "until" must be ISO dates');
    }
    const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 1000);
    return {
      records: await api.records({
        limit,
        ...(intent === undefined ? {} : { intent }),
        ...(outcome === undefined ? {} : { outcome }),
        ...(group === undefined ? {} : { group }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      }),
    };
  });
}
