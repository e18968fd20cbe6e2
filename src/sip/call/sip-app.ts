/**
 * The SIP application: registers the INVITE and OPTIONS handlers on a drachtio-srf instance (connected to the
 * embedded engine or to an external drachtio-server: the app cannot tell) and exposes the call controls the
 * composition root needs (drain, live calls, shutdown) and outbound calls (`dial`, the callback dialer).
 * Inbound and outbound calls share `maxConcurrent`, the drain and the shutdown.
 */
import type Srf from 'drachtio-srf';
import { InboundCallHandler } from './inbound-call-handler.js';
import { answerOptions } from './options-handler.js';
import { OutboundCallDialer, type SrfUacApp } from './outbound-call-dialer.js';
import type { OutboundCallingOptions } from './outbound-call-types.js';
import type { CallLogger, SipApp, SipAppDependencies, SipAppOptions } from './sip-app-types.js';
import type { SrfApp } from './srf-types.js';

/** Wires the app onto `srf`: a real `Srf`, or anything with the same surface (tests). */
export function createSipApp(
  srf: Srf | SrfApp,
  options: SipAppOptions,
  logger: CallLogger,
  deps: SipAppDependencies = {},
  outbound: OutboundCallingOptions = {},
): SipApp {
  // drachtio-srf's typings lack the verb registrars it adds at run time (`srf.options`, delegated for every
  // SIP method) and type createUAS loosely; `SrfApp` is the exact surface used, which a real Srf has.
  const app = srf as unknown as SrfApp & SrfUacApp;
  const log = logger.child({ component: 'sip-app' });
  const isOverloaded = deps.isOverloaded;
  // Live outbound calls count against `maxConcurrent` for new INVITEs too: the handler's own count only knows
  // inbound calls, so the sum is given to it as an overload signal.
  const handler: InboundCallHandler = new InboundCallHandler(app, options, log, {
    ...deps,
    isOverloaded: () =>
      (isOverloaded?.() ?? false) ||
      (dialer.size > 0 && handler.activeCalls().length + dialer.size >= options.maxConcurrent),
  });
  const dialer = new OutboundCallDialer(app, { ...options, ...outbound }, log, {
    ...(deps.media === undefined ? {} : { media: deps.media }),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    // Bridged outbound calls end like inbound ones: one handling-time report for both.
    ...(deps.onBridgeEnded === undefined ? {} : { onBridgeEnded: deps.onBridgeEnded }),
    admission: () => ({
      draining: handler.draining,
      inboundCalls: handler.activeCalls().length,
      overloaded: isOverloaded?.() ?? false,
    }),
  });
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
    activeCalls: () => [...handler.activeCalls(), ...dialer.activeCalls()],
    whenIdle: async () => {
      await Promise.all([handler.whenIdle(), dialer.whenIdle()]);
    },
    hangupAll: async () => {
      await Promise.all([handler.hangupAll(), dialer.hangupAll()]);
    },
    dial: (request) => dialer.dial(request),
  };
}
