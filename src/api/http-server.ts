/**
 * The ops HTTP server (fastify). For now: liveness and readiness probes, used by the Dockerfile HEALTHCHECK,
 * load balancers and orchestration. Later issues add the ops API, dashboard and metrics here.
 */
import Fastify from 'fastify';
import type { Logger } from 'pino';

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
  await server.listen({ host: options.host, port: options.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { port, close: () => server.close() };
}
