/**
 * What a call keeps of an offer/answer result (RFC 3264): the agreed media alone, without the SDP text or the
 * `ok` flag, so that the call's snapshot and the media session see one plain `NegotiatedMedia`.
 */
import type { NegotiatedMedia } from './sdp-types.js';

/** The `NegotiatedMedia` fields of `result` (an answer we built, or an answer we checked). */
export function negotiatedMedia(result: NegotiatedMedia): NegotiatedMedia {
  const { codec, telephoneEvent, ptime, remote, direction } = result;
  // No `telephoneEvent` key at all when none was agreed: the live-calls JSON and deep comparisons show none.
  return telephoneEvent === undefined
    ? { codec, ptime, remote, direction }
    : { codec, telephoneEvent, ptime, remote, direction };
}
