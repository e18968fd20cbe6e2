/**
 * SDP offer/answer for one audio stream (RFC 3264), as pure functions over SDP text.
 *
 * - `negotiateAnswer`: the caller sent an offer in the INVITE; we answer in the 200 (RFC 3264 §6).
 * - `buildOffer` + `checkAnswer`: the INVITE had no body, so we offer in the 200 and read the answer in the ACK
 *   (RFC 3261 §13.2.1, "late offer").
 *
 * We do plain RTP/AVP with G.711 and RFC 4733 telephone-event only; anything else is rejected with a 488 whose
 * warning code (RFC 3261 §20.43) tells the peer why.
 */
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import {
  STATIC_PAYLOAD_TYPES,
  TELEPHONE_EVENT,
  commonEvents,
  eventsOf,
  isCodec,
  isTelephoneEvent,
  listedPayloadTypes,
  resolveFormat,
} from './sdp-formats.js';
import type {
  AnswerCheckResult,
  AnswerResult,
  AudioCodecName,
  LocalMediaOptions,
  LocalOfferOptions,
  MediaDirection,
  NegotiatedCodec,
  NegotiatedTelephoneEvent,
  SdpRejection,
  SdpWarningCode,
} from './sdp-types.js';

const PROFILE = 'RTP/AVP';
const DEFAULT_TELEPHONE_EVENT_PT = 101;
const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** RFC 3264 §6.1: the answer's direction mirrors the offer's. */
const MIRROR: Readonly<Record<MediaDirection, MediaDirection>> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

function reject(status: 488 | 400, warning: SdpWarningCode, reason: string): SdpRejection {
  return { ok: false, status, warning, reason };
}

/** sdp-transform accepts any text; a session description must at least start with `v=0` and have `o=`. */
function parseDescription(text: string, role: 'offer' | 'answer'): SessionDescription | SdpRejection {
  const trimmed = text.trimStart();
  if (trimmed === '') {
    return reject(400, 399, `empty SDP ${role}`);
  }
  if (!/^v=0\s*(\r?\n|$)/.test(trimmed)) {
    return reject(400, 399, `SDP ${role} does not start with v=0 (RFC 4566 §5)`);
  }
  const session = parse(trimmed);
  if (session.origin === undefined) {
    return reject(400, 399, `SDP ${role} has no o= line (RFC 4566 §5.2)`);
  }
  return session;
}

function isRejection<T extends object>(value: T | SdpRejection): value is SdpRejection {
  return 'ok' in value && value.ok === false;
}

function directionOf(media: MediaDescription, session: SessionDescription): MediaDirection {
  const direction = media.direction ?? session.direction;
  return direction !== undefined && DIRECTIONS.includes(direction) ? direction : 'sendrecv';
}

/** RFC 4566 §5.7: c= at media level overrides the session level. */
function connectionOf(
  media: MediaDescription,
  session: SessionDescription,
): { version: number; ip: string } | undefined {
  return media.connection ?? session.connection;
}

function ipVersionOf(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}

/**
 * RFC 4566 §6: ptime is a hint. We follow the offer's when our packetiser can produce it (10-60 ms in 10 ms
 * steps) and it fits the offer's maxptime; otherwise ours, capped by maxptime.
 */
function choosePtime(media: MediaDescription, session: SessionDescription, ours: number): number {
  const offered = media.ptime ?? (session as { ptime?: number }).ptime;
  const maxptime = media.maxptime;
  let ptime = offered !== undefined && offered >= 10 && offered <= 60 && offered % 10 === 0 ? offered : ours;
  if (maxptime !== undefined && maxptime >= 10 && ptime > maxptime) {
    ptime = Math.floor(maxptime / 10) * 10;
  }
  return ptime;
}

/** Our preferred codec among the formats the offer lists (we choose by our order; RFC 3264 §6.1 allows it). */
function pickCodec(
  media: MediaDescription,
  preference: readonly AudioCodecName[],
): NegotiatedCodec | undefined {
  const formats = listedPayloadTypes(media)
    .map((pt) => resolveFormat(media, pt))
    .filter((format) => format !== undefined);
  for (const name of preference) {
    const match = formats.find((format) => isCodec(format, name));
    if (match !== undefined) {
      return { name, payloadType: match.payloadType, clockRate: match.clockRate };
    }
  }
  return undefined;
}

/** RFC 4733 §7.1.1: telephone-event at the codec's clock rate, with the offerer's payload type. */
function pickTelephoneEvent(
  media: MediaDescription,
  clockRate: number,
): NegotiatedTelephoneEvent | undefined {
  for (const pt of listedPayloadTypes(media)) {
    const format = resolveFormat(media, pt);
    if (format !== undefined && isTelephoneEvent(format) && format.clockRate === clockRate) {
      const events = commonEvents(eventsOf(media, pt));
      if (events !== undefined) {
        return { payloadType: pt, events };
      }
    }
  }
  return undefined;
}

function newOrigin(opts: LocalMediaOptions): SessionDescription['origin'] {
  return {
    username: '-',
    sessionId: opts.sessionId ?? String(randomInt(1, 2 ** 47)),
    sessionVersion: opts.sessionVersion ?? 1,
    netType: 'IN',
    ipVer: ipVersionOf(opts.address),
    address: opts.address,
  };
}

function audioMedia(
  opts: LocalMediaOptions,
  codecs: readonly NegotiatedCodec[],
  telephoneEvent: NegotiatedTelephoneEvent | undefined,
  ptime: number,
  direction: MediaDirection,
): MediaDescription {
  const rtp: MediaDescription['rtp'] = codecs.map((c) => ({
    payload: c.payloadType,
    codec: c.name,
    rate: c.clockRate,
  }));
  const fmtp: MediaDescription['fmtp'] = [];
  if (telephoneEvent !== undefined) {
    rtp.push({ payload: telephoneEvent.payloadType, codec: TELEPHONE_EVENT, rate: 8000 });
    fmtp.push({ payload: telephoneEvent.payloadType, config: telephoneEvent.events });
  }
  return {
    type: 'audio',
    port: opts.port,
    protocol: PROFILE,
    payloads: rtp.map((entry) => entry.payload).join(' '),
    rtp,
    fmtp,
    ptime,
    direction,
  };
}

/** RFC 3264 §6: a refused stream keeps its place with port 0 and at least one of the offered formats. */
function refusedMedia(offered: MediaDescription): MediaDescription {
  const formats = String(offered.payloads ?? '').trim();
  return {
    type: offered.type,
    port: 0,
    protocol: offered.protocol,
    payloads: formats === '' ? '0' : formats,
    rtp: [],
    fmtp: [],
  };
}

function describe(opts: LocalMediaOptions, media: MediaDescription[]): string {
  const ipVer = ipVersionOf(opts.address);
  return write({
    version: 0,
    origin: newOrigin(opts),
    name: '-',
    connection: { version: ipVer, ip: opts.address },
    timing: { start: 0, stop: 0 },
    media,
  });
}

/** Which refusal explains best why no stream was accepted (see `selectAudioStream`). */
const FAILURE_RANK: Readonly<Record<SdpWarningCode, number>> = { 399: 0, 304: 1, 302: 2, 301: 3, 305: 4 };

interface StreamCandidate {
  readonly index: number;
  readonly codec: NegotiatedCodec;
  readonly telephoneEvent: NegotiatedTelephoneEvent | undefined;
  readonly ptime: number;
  readonly remote: { address: string; port: number };
  readonly offerDirection: MediaDirection;
}

/**
 * Finds the first audio stream we can accept. When none, the rejection says why for the most telling stream:
 * a codec mismatch on a plain RTP stream beats an address family mismatch, then a wrong transport, then "no
 * audio at all".
 */
function selectAudioStream(
  session: SessionDescription,
  opts: LocalMediaOptions,
): StreamCandidate | SdpRejection {
  let failure: SdpRejection = reject(488, 304, 'offer has no active audio stream');
  const note = (candidate: SdpRejection): void => {
    if (FAILURE_RANK[candidate.warning] > FAILURE_RANK[failure.warning]) {
      failure = candidate;
    }
  };
  for (const [index, media] of session.media.entries()) {
    if (media.type !== 'audio' || media.port === 0) {
      continue;
    }
    if (media.protocol.toUpperCase() !== PROFILE) {
      note(reject(488, 302, `audio transport ${media.protocol} is not supported (only ${PROFILE})`));
      continue;
    }
    const codec = pickCodec(media, opts.codecs);
    if (codec === undefined) {
      note(reject(488, 305, `no common codec: we accept ${opts.codecs.join(', ')}`));
      continue;
    }
    const connection = connectionOf(media, session);
    if (connection === undefined || connection.ip === '') {
      return reject(400, 399, `audio stream ${index} has no c= line (RFC 4566 §5.7)`);
    }
    if (connection.version !== ipVersionOf(opts.address)) {
      note(reject(488, 301, `audio stream is IPv${connection.version}, our media address is not`));
      continue;
    }
    return {
      index,
      codec,
      telephoneEvent: opts.telephoneEvent ? pickTelephoneEvent(media, codec.clockRate) : undefined,
      ptime: choosePtime(media, session, opts.ptime),
      remote: { address: connection.ip, port: media.port },
      offerDirection: directionOf(media, session),
    };
  }
  return failure;
}

/** RFC 3264 §6: answers an offer, accepting one audio stream and refusing every other `m=` line. */
export function negotiateAnswer(offer: string, opts: LocalMediaOptions): AnswerResult {
  const session = parseDescription(offer, 'offer');
  if (isRejection(session)) {
    return session;
  }
  const chosen = selectAudioStream(session, opts);
  if (isRejection(chosen)) {
    return chosen;
  }
  const direction = MIRROR[chosen.offerDirection];
  const media = session.media.map((offered, index) =>
    index === chosen.index
      ? audioMedia(opts, [chosen.codec], chosen.telephoneEvent, chosen.ptime, direction)
      : refusedMedia(offered),
  );
  return {
    ok: true,
    sdp: describe(opts, media),
    codec: chosen.codec,
    ...(chosen.telephoneEvent === undefined ? {} : { telephoneEvent: chosen.telephoneEvent }),
    ptime: chosen.ptime,
    remote: chosen.remote,
    direction,
  };
}

/** Our offer for a late-offer call: every codec we accept, in preference order, plus telephone-event. */
export function buildOffer(opts: LocalOfferOptions): string {
  const codecs = opts.codecs.map((name) => ({
    name,
    payloadType: STATIC_PAYLOAD_TYPES[name],
    clockRate: 8000,
  }));
  const telephoneEvent = opts.telephoneEvent
    ? { payloadType: opts.telephoneEventPayloadType ?? DEFAULT_TELEPHONE_EVENT_PT, events: '0-15' }
    : undefined;
  return describe(opts, [audioMedia(opts, codecs, telephoneEvent, opts.ptime, 'sendrecv')]);
}

/**
 * Reads the answer to one of our offers (RFC 3264 §6.1, §7): same number of `m=` lines, our audio stream
 * accepted with a codec we offered. The peer sends with the payload types of the answer.
 */
export function checkAnswer(answer: string, offer: string): AnswerCheckResult {
  const ours = parseDescription(offer, 'offer');
  if (isRejection(ours)) {
    return ours;
  }
  const theirs = parseDescription(answer, 'answer');
  if (isRejection(theirs)) {
    return theirs;
  }
  if (theirs.media.length !== ours.media.length) {
    return reject(488, 399, `answer has ${theirs.media.length} m= lines, the offer had ${ours.media.length}`);
  }
  const index = ours.media.findIndex((media) => media.type === 'audio' && media.port !== 0);
  const offered = ours.media[index];
  const answered = theirs.media[index];
  if (offered === undefined || answered === undefined) {
    return reject(488, 304, 'offer has no audio stream');
  }
  if (answered.port === 0) {
    return reject(488, 304, 'answer refused the audio stream');
  }
  if (answered.protocol.toUpperCase() !== offered.protocol.toUpperCase()) {
    return reject(488, 302, `answer changed the transport to ${answered.protocol}`);
  }
  const offeredCodecs = (Object.keys(STATIC_PAYLOAD_TYPES) as AudioCodecName[]).filter((name) =>
    listedPayloadTypes(offered).some((pt) => {
      const format = resolveFormat(offered, pt);
      return format !== undefined && isCodec(format, name);
    }),
  );
  const codec = pickCodec(answered, offeredCodecs);
  if (codec === undefined) {
    return reject(488, 305, 'answer has none of the offered codecs');
  }
  const connection = connectionOf(answered, theirs);
  if (connection === undefined || connection.ip === '') {
    return reject(400, 399, 'answer has no c= line for the audio stream');
  }
  if (connection.version !== ipVersionOf(ours.origin.address)) {
    return reject(488, 301, `answer's audio stream is IPv${connection.version}, our media address is not`);
  }
  const wantsEvents = listedPayloadTypes(offered).some((pt) => {
    const format = resolveFormat(offered, pt);
    return format !== undefined && isTelephoneEvent(format);
  });
  const telephoneEvent = wantsEvents ? pickTelephoneEvent(answered, codec.clockRate) : undefined;
  const ourPtime = offered.ptime ?? 20;
  return {
    ok: true,
    codec,
    ...(telephoneEvent === undefined ? {} : { telephoneEvent }),
    ptime: choosePtime(answered, theirs, ourPtime),
    remote: { address: connection.ip, port: answered.port },
    direction: MIRROR[directionOf(answered, theirs)],
  };
}
