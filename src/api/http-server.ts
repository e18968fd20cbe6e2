/**
 * The ops HTTP server (fastify): liveness and readiness probes (Dockerfile HEALTHCHECK, load balancers,
 * orchestration) and the routing ops API (`routing-routes.ts`).
 */
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { routingRoutes, type OpsRoutingApi } from './routing-routes.js';

export interface HealthSnapshot {
  /** false while draining: load balancers should stop sending calls. */
  accepting: boolean;
  activeCalls: number;
  /** Extra figures (engine counters…) shown as they are. */
  details: Record<string, unknown>;
}

export interface HttpServerOptions {
  /** @default '127.0.0.1' */
  host: string;
  /** @default 3000 (0 = any free port) */
  port: number;
  version: string;
  health(): HealthSnapshot;
  logger: Logger;
  /** Routing ops API (`/api/...`) and the bearer token of its protected routes; absent = not served. */
  routing?: { api: OpsRoutingApi; token: string };
}

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server = Fastify({
    // Request logs only at warn: probes hit these routes every few seconds.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }),
  });
  server.get('/healthz', () => {
    const h = options.health();
    return {
      status: 'ok',
      version: options.version,
      activeCalls: h.activeCalls,
      accepting: h.accepting,
      ...h.details,
    };
  });
  // Readiness: 503 while draining, so a load balancer takes the node out before SIGTERM's drain ends.
  server.get('/readyz', (_request, reply) => {
    const h = options.health();
    return reply.code(h.accepting ? 200 : 503).send({ ready: h.accepting, activeCalls: h.activeCalls });
  });
  if (options.routing !== undefined) {
    await server.register(routingRoutes(options.routing.api, options.routing.token));
  }
  await server.listen({ host: options.host, port: options.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { port, close: () => server.close() };
}
