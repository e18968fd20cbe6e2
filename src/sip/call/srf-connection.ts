/**
 * Connects drachtio-srf to a drachtio wire server: the embedded engine or an external drachtio-server, which
 * the app cannot tell apart. The first connection must succeed (a clear error otherwise, and no retry loop left
 * behind); after that, drachtio-srf reconnects by itself and we only log.
 */
import type { EventEmitter } from 'node:events';
import Srf from 'drachtio-srf';
import { AigError } from '../../errors/aig-error.js';
import type { CallLogger } from './sip-app-types.js';

export interface SrfConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
}

export interface SrfConnectionOptions {
  /** Give up on the first connection after this long. @default 5000 */
  readonly timeoutMs?: number;
  readonly logger?: CallLogger;
}

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * The drachtio-srf 5.x internals that hold its reconnect loop. `Srf#disconnect` cannot stop that loop when no
 * socket is open (it asserts on a socket before setting its `closing` flag), which is exactly the state after a
 * refused first connection; so we set the flag and clear the pending retry ourselves.
 */
interface SrfReconnectInternals {
  _app?: { client?: { wp?: { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } } } };
}

/** Closes `srf` for good: no socket left open, no retry scheduled. */
function stop(srf: Srf): void {
  const wire = (srf as unknown as SrfReconnectInternals)._app?.client?.wp;
  if (wire !== undefined) {
    wire.closing = true;
    const retry = wire.reconnectVars;
    if (retry?.retryTimer) {
      clearTimeout(retry.retryTimer);
      retry.retryTimer = null;
    }
  }
  try {
    srf.disconnect();
  } catch {
    // No socket is open: nothing to close.
  }
}

export function connectSrf(target: SrfConnectionTarget, opts: SrfConnectionOptions = {}): Promise<Srf> {
  const where = `${target.host}:${target.port}`;
  const log = opts.logger;
  const srf = new Srf();
  return new Promise<Srf>((resolve, reject) => {
    let settled = false;
    const fail = (detail: string, cause?: unknown): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      stop(srf);
      // A retry already scheduled by drachtio-srf may still connect once: close it straight away.
      srf.on('connect', () => stop(srf));
      reject(new AigError('AIG_ERR_SRF_CONNECT', `${where}: ${detail}`, { cause }));
    };
    const timer = setTimeout(
      () => fail(`no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`),
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );

    // drachtio-srf emits `connect` with an error when the secret is refused (wire `NO|incorrect secret`).
    srf.on('connect', (err: Error | null, hostports?: string) => {
      if (err) {
        fail('authentication refused (check the shared secret)', err);
        return;
      }
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        log?.info({ drachtio: where, sip: hostports }, 'connected to the drachtio server');
        resolve(srf);
        return;
      }
      log?.info({ drachtio: where }, 'reconnected to the drachtio server');
    });
    // Socket errors: fatal before the first connection; afterwards drachtio-srf retries and we only log.
    // An `error` event without a listener would throw, so this listener stays for the life of `srf`.
    srf.on('error', (err: Error) => {
      if (!settled) {
        fail(err.message, err);
        return;
      }
      log?.warn({ drachtio: where, err }, 'drachtio connection error');
    });
    // The typings list only some of the events drachtio-srf forwards from its socket.
    const events: EventEmitter = srf;
    events.on('close', () => {
      if (settled) {
        log?.warn({ drachtio: where }, 'drachtio connection closed');
      }
    });
    events.on('reconnecting', (attempt: { delay?: number; attempt?: number }) => {
      if (settled) {
        log?.info({ drachtio: where, ...attempt }, 'reconnecting to the drachtio server');
      }
    });
    try {
      // Despite its typings, `connect` returns the connect app, not a promise: the events above tell the outcome.
      void srf.connect({ host: target.host, port: target.port, secret: target.secret });
    } catch (err) {
      fail('connect failed', err);
    }
  });
}
