/**
 * SipApp options for tests against the embedded engine: the 3646 number (French, "Assurance Maladie"), PCMU then
 * PCMA with telephone-event at 20 ms, media on loopback, up to 20 live calls, Retry-After 30 s on overload. Each
 * test file names its own RTP port range (files run in parallel), call length limit and User-Agent.
 */
import type { SipAppOptions } from '../../src/sip/call/sip-app-types.js';

export type OwnSipAppOptions = Pick<
  SipAppOptions,
  'rtpPortMin' | 'rtpPortMax' | 'maxDurationSeconds' | 'userAgent'
> &
  Partial<SipAppOptions>;

export function testSipAppOptions(own: OwnSipAppOptions): SipAppOptions {
  return {
    numbers: { '3646': { language: 'fr', label: 'Assurance Maladie' } },
    codecs: ['PCMU', 'PCMA'],
    ptime: 20,
    telephoneEvent: true,
    mediaAddress: '127.0.0.1',
    maxConcurrent: 20,
    retryAfterSeconds: 30,
    ...own,
  };
}
