/**
 * What we tell peers we support, in one place: OPTIONS answers (RFC 3261 §11.2) and the Allow/Supported of
 * dialog-creating responses (§20.5, §20.37) must agree with what the engine and the app really do.
 */

export const SIP_CAPABILITIES = Object.freeze({
  /** RFC 3261 §20.5. INFO (RFC 6086), REFER (RFC 3515), NOTIFY (RFC 6665), PRACK (RFC 3262), UPDATE (RFC 3311). */
  allow: Object.freeze([
    'INVITE',
    'ACK',
    'CANCEL',
    'BYE',
    'OPTIONS',
    'INFO',
    'REFER',
    'NOTIFY',
    'PRACK',
    'UPDATE',
  ]),
  /** RFC 3261 §20.1: SDP, and DTMF carried in INFO bodies. */
  accept: Object.freeze(['application/sdp', 'application/dtmf-relay', 'application/dtmf']),
  /**
   * RFC 3261 §20.37: reliable provisionals (RFC 3262), which the engine sends and retransmits until PRACK. Not
   * `timer` (RFC 4028: the engine neither adds Session-Expires nor refreshes) nor `replaces` (RFC 3891: no
   * INVITE/Replaces handling): claiming them would make peers rely on behaviour we do not have.
   */
  supported: Object.freeze(['100rel']),
});

/** The capability headers, ready to add to a response. */
export function capabilityHeaders(): Record<string, string> {
  return {
    Allow: SIP_CAPABILITIES.allow.join(', '),
    Accept: SIP_CAPABILITIES.accept.join(', '),
    Supported: SIP_CAPABILITIES.supported.join(', '),
  };
}
