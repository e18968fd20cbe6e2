/**
 * The SIP application: registers the INVITE and OPTIONS handlers on a drachtio-srf instance (connected to the
 * embedded engine or to an external drachtio-server: the app cannot tell) and exposes the call controls the
 * composition root needs (drain, live calls, shutdown).
 */
import type Srf from 'drachtio-srf';
import { InboundCallHandler } from './inbound-call-handler.js';
import { answerOptions } from './options-handler.js';
import type { CallLogger, SipApp, SipAppDependencies, SipAppOptions } from './sip-app-types.js';
import type { SrfApp } from './srf-types.js';

/** Wires the app onto `srf`: a real `Srf`, or anything with the same surface (tests). */
export function createSipApp(
  srf: Srf | SrfApp,
  options: SipAppOptions,
  logger: CallLogger,
  deps: SipAppDependencies = {},
): SipApp {
  // drachtio-srf's typings lack the verb registrars it adds at run time (`srf.options`, delegated for every
  // SIP method) and type createUAS loosely; `SrfApp` is the exact surface used, which a real Srf has.
  const app = srf as unknown as SrfApp;
  const log = logger.child({ component: 'sip-app' });
  const handler = new InboundCallHandler(app, options, log, deps);
  app.invite((req, res) => handler.handleInvite(req, res));
  app.options((req, res) =>
    answerOptions(
      {
        directory: handler.numbers,
        admissionState: () => handler.admissionState(),
        userAgent: options.userAgent,
        logger: log,
      },
      req,
      res,
    ),
  );
  log.info(
    { numbers: handler.numbers.size, maxConcurrent: options.maxConcurrent, codecs: options.codecs },
    'SIP application ready',
  );
  return {
    drain: () => handler.drain(),
    get draining() {
      return handler.draining;
    },
    activeCalls: () => handler.activeCalls(),
    whenIdle: () => handler.whenIdle(),
    hangupAll: () => handler.hangupAll(),
  };
}
