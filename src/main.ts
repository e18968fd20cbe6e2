/**
 * Composition root of `aiguilleur serve`: resolves the configuration, creates the root logger, builds and
 * starts the app, and owns the process lifecycle (signals, drain, exit). Everything testable lives in
 * `buildApp()`; this file only adds what a real process needs.
 *
 * Shutdown (SIGTERM or SIGINT): the app drains, i.e. new INVITEs get 503 + Retry-After while live calls go
 * on; once none is left or `calls.drainTimeoutSeconds` has passed, the app stops and the process exits 0.
 * A second SIGINT exits at once (130); a repeated SIGTERM is only logged, as orchestrators resend it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { buildApp, type App } from './app.js';
import { resolveConfigPath } from './config/config-file.js';
import { loadConfig } from './config/load-config.js';
import { redactConfigSecrets } from './config/redact-config.js';
import { createRootLogger } from './logging/root-logger.js';

export interface ServeOptions {
  /** `--config`; otherwise `$AIGUILLEUR_CONFIG` or the default search. */
  configFile?: string | undefined;
}

/** How often the drain loop looks at the number of live calls. */
const DRAIN_POLL_MS = 250;
/** How often a long drain reports progress. */
const DRAIN_REPORT_MS = 10_000;

/** Starts the server; resolves once it is listening. The process then ends through a signal. */
export async function serve(opts: ServeOptions): Promise<void> {
  const config = loadConfig({ file: opts.configFile });
  const logger = createRootLogger(config.log);
  watchProcessFailures(logger);

  logger.info(
    { configFile: resolveConfigPath({ file: opts.configFile, env: process.env }) },
    'aiguilleur starting',
  );
  logger.debug({ config: redactConfigSecrets(config) }, 'resolved configuration');

  let app: App;
  try {
    app = await buildApp(config, logger);
    await app.start();
  } catch (err) {
    logger.fatal({ err }, 'aiguilleur failed to start');
    exit(1);
  }
  // Actual addresses: ports configured as 0 are resolved by now.
  logger.info({ engine: config.sip.engine, addresses: app.addresses }, 'aiguilleur started');
  handleShutdownSignals(app, config.calls.drainTimeoutSeconds * 1000, logger);
}

function handleShutdownSignals(app: App, drainTimeoutMs: number, logger: Logger): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) {
      if (signal === 'SIGINT') {
        logger.warn({ signal, activeCalls: app.activeCalls() }, 'second interrupt: exiting without waiting');
        exit(130);
      }
      logger.info({ signal }, 'already draining');
      return;
    }
    draining = true;
    shutDown(app, drainTimeoutMs, logger, signal).then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP: reload the groups file and flows (new calls take a valid new version; calls in progress keep theirs),
  // reopen the call records file.
  process.on('SIGHUP', () => {
    logger.info({}, 'SIGHUP: reloading the groups file and flows, reopening the records file');
    app.reloadFlows().catch((err: unknown) => logger.error({ err }, 'flow reload failed'));
  });
}

async function shutDown(
  app: App,
  drainTimeoutMs: number,
  logger: Logger,
  signal: NodeJS.Signals,
): Promise<void> {
  logger.info({ signal, activeCalls: app.activeCalls(), drainTimeoutMs }, 'draining: new calls are refused');
  app.drain();
  const left = await drainCalls(app, drainTimeoutMs, logger);
  if (left > 0) {
    logger.warn({ activeCalls: left }, 'drain timeout: stopping with calls still up');
  }
  await app.stop();
  logger.info('aiguilleur stopped');
}

/** Waits until the app has no live call or `timeoutMs` has passed; resolves with the calls still up. */
async function drainCalls(
  app: Pick<App, 'activeCalls'>,
  timeoutMs: number,
  logger: Pick<Logger, 'info'>,
  pollMs = DRAIN_POLL_MS,
): Promise<number> {
  const start = performance.now();
  let lastReport = start;
  for (;;) {
    const active = app.activeCalls();
    const now = performance.now();
    if (active === 0 || now - start >= timeoutMs) {
      return active;
    }
    if (now - lastReport >= DRAIN_REPORT_MS) {
      logger.info({ activeCalls: active, waitedMs: Math.round(now - start) }, 'draining');
      lastReport = now;
    }
    await sleep(Math.min(pollMs, timeoutMs - (now - start)));
  }
}

function watchProcessFailures(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    // Logged with its stack so the bug gets fixed; the process keeps serving the calls in progress.
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (err) => {
    // State is unknown after a synchronous throw escaped: exit and let the supervisor restart cleanly.
    logger.fatal({ err }, 'uncaught exception');
    exit(1);
  });
}

function exit(code: number): never {
  // pino's asynchronous destination flushes synchronously on process exit.
  process.exit(code);
}
