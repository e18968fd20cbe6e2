/**
 * Out-of-dialog OPTIONS (RFC 3261 §11): answered with the status an INVITE would get (so a load balancer's
 * keep-alive sees 503 while we drain or are overloaded) and, on 200, with our capabilities.
 */
import { admitOptions, type AdmissionState } from './call-admission.js';
import type { NumberDirectory } from './number-directory.js';
import { capabilityHeaders } from './sip-capabilities.js';
import type { CallLogger } from './sip-app-types.js';
import type { SrfRequest, SrfResponse } from './srf-types.js';

export interface OptionsHandlerContext {
  readonly directory: NumberDirectory;
  admissionState(): AdmissionState;
  readonly userAgent: string;
  readonly logger: CallLogger;
}

export function answerOptions(ctx: OptionsHandlerContext, req: SrfRequest, res: SrfResponse): void {
  const admission = admitOptions(req.uri, ctx.admissionState(), ctx.directory);
  // RFC 3261 §11.2: Allow, Accept and Supported SHOULD be present in the 200 (and are useful on refusals too).
  const headers: Record<string, string> = { Server: ctx.userAgent, ...capabilityHeaders() };
  if (!admission.admit) {
    ctx.logger.debug({ status: admission.status, detail: admission.detail }, 'OPTIONS refused');
    res.send(admission.status, admission.reason, { headers: { ...headers, ...admission.headers } }, (err) => {
      if (err) {
        ctx.logger.debug({ err }, 'OPTIONS response not sent');
      }
    });
    return;
  }
  res.send(200, 'OK', { headers }, (err) => {
    if (err) {
      ctx.logger.debug({ err }, 'OPTIONS response not sent');
    }
  });
}
