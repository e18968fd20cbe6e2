/**
 * drachtio wire payloads (`drachtio-wire-protocol.md` §1.2–§1.5): parsing what an app sends and formatting what
 * the server sends back. A payload is `LEADER [CRLF SIP-message]`; the leader is `|`-separated fields at fixed
 * positions (empty fields count). Field 0 is the sender's message id, field 1 the message type.
 *
 * The positions produced here are the ones drachtio-srf 5 reads in `DrachtioAgent#_onMsg`; the unit tests run
 * these frames through that code.
 */
import { randomUUID } from 'node:crypto';
import { AigError } from '../../../errors/aig-error.js';
import type {
  WireAppMessage,
  WireCdrEvent,
  WireEchoMeta,
  WireMessageMeta,
  WireProxyMessage,
  WireProxyResponseMeta,
  WireReplyStatus,
} from './wire-types.js';

const CRLF = '\r\n';

/** Reply texts the server uses for refusals (§1.3; the first two are the real server's own words). */
export const WIRE_REASON = {
  unknownType: 'Unknown message type',
  invalidFormat: 'Invalid message format',
  incorrectSecret: 'incorrect secret',
  authenticationRequired: 'authentication required',
} as const;

/** Splits a payload into its leader fields and the SIP text after the first CRLF (empty when there is none). */
export function splitPayload(payload: string): { fields: string[]; body: string } {
  const crlf = payload.indexOf(CRLF);
  const leader = crlf === -1 ? payload : payload.slice(0, crlf);
  const body = crlf === -1 ? '' : payload.slice(crlf + CRLF.length);
  return { fields: leader.split('|'), body };
}

/** Parses an app → server payload (§1.3). Never throws: anything unusable becomes an `invalid` message. */
export function parseAppMessage(payload: string): WireAppMessage {
  const { fields, body } = splitPayload(payload);
  const id = fields[0] ?? '';
  const withId = id === '' ? {} : { id };
  if (fields.length < 2) {
    return { type: 'invalid', ...withId, reason: WIRE_REASON.invalidFormat, fatal: true };
  }
  const type = fields[1];
  switch (type) {
    case 'authenticate':
      return {
        type: 'authenticate',
        id,
        secret: fields[2] ?? '',
        // drachtio-srf always sends the tags field, possibly empty (§1.3).
        tags: (fields[3] ?? '').split(',').filter((t) => t !== ''),
      };
    case 'route':
    case 'remove_route': {
      const verb = (fields[2] ?? '').trim().toLowerCase();
      if (verb === '') {
        return { type: 'invalid', ...withId, reason: `${type}: verb missing`, fatal: false };
      }
      return { type, id, verb };
    }
    case 'ping':
      return { type: 'ping', id };
    case 'sip':
      return parseSip(fields, body, id);
    case 'proxy':
      return parseProxy(fields, body, id);
    default:
      return { type: 'invalid', ...withId, reason: WIRE_REASON.unknownType, fatal: true };
  }
}

function parseSip(fields: string[], body: string, id: string): WireAppMessage {
  // The real server only asserts this (compiled out in release builds, §1.3); we refuse it.
  if (fields.length < 4) {
    return { type: 'invalid', id, reason: 'sip: expected txnId and dialogId fields', fatal: false };
  }
  if (body === '') {
    return { type: 'invalid', id, reason: 'sip: SIP message missing', fatal: false };
  }
  const routeUri = fields[4];
  return {
    type: 'sip',
    id,
    txnId: fields[2]!,
    dialogId: fields[3]!,
    ...(routeUri === undefined || routeUri === '' ? {} : { routeUri }),
    sipText: body,
  };
}

/** `1500ms` or `2s` (drachtio-srf `Request#proxy` documentation); empty means "not set". */
export function parseProxyTimeout(text: string): number | undefined | null {
  if (text === '') {
    return undefined;
  }
  const m = /^(\d{1,9})(ms|s)$/.exec(text.trim());
  if (m === null) {
    return null;
  }
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : n;
}

function parseProxy(fields: string[], body: string, id: string): WireAppMessage {
  // id|proxy|txn|remainInDialog|fullResponse|followRedirects|simultaneous|prov|final|dest1[|dest2...] (§1.3)
  if (fields.length < 10) {
    return { type: 'invalid', id, reason: 'proxy: expected at least one destination', fatal: false };
  }
  const provisionalTimeout = parseProxyTimeout(fields[7]!);
  const finalTimeout = parseProxyTimeout(fields[8]!);
  if (provisionalTimeout === null || finalTimeout === null) {
    return { type: 'invalid', id, reason: 'proxy: invalid timeout', fatal: false };
  }
  const destinations = fields.slice(9).filter((d) => d !== '');
  if (destinations.length === 0) {
    return { type: 'invalid', id, reason: 'proxy: expected at least one destination', fatal: false };
  }
  const msg: WireProxyMessage = {
    type: 'proxy',
    id,
    txnId: fields[2]!,
    remainInDialog: fields[3] === 'remainInDialog',
    fullResponse: fields[4] === 'fullResponse',
    followRedirects: fields[5] === 'followRedirects',
    simultaneous: fields[6] === 'simultaneous',
    provisionalTimeout,
    finalTimeout,
    destinations,
    sipText: body,
  };
  return msg;
}

// ---------------------------------------------------------------------------------------------------------------
// Server → app formatting

/** A fresh server message id (field 0); the real server also uses UUID v4 (§1.2). */
export function newWireMessageId(): string {
  return randomUUID();
}

/**
 * Makes free text (a NOK reason, say) safe for a leader field: `|` would shift every later field and CR/LF would
 * end the leader, so both are replaced by spaces.
 */
export function wireSafeText(text: string): string {
  return text.replace(/[|\r\n]+/g, ' ');
}

function checkFields(fields: readonly string[]): void {
  for (const f of fields) {
    if (/[|\r\n]/.test(f)) {
      throw new AigError(
        'AIG_ERR_WIRE_FRAME',
        `leader field contains '|' or a line break: ${JSON.stringify(f)}`,
      );
    }
  }
}

function withBody(leader: string, sipText: string | undefined): string {
  return sipText === undefined ? leader : `${leader}${CRLF}${sipText}`;
}

/** Time of day in UTC as `HH:MM:SS.uuuuuu`, the drachtio `time` meta field (§1.5). */
export function wireTime(date: Date): string {
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  return (
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
    `.${pad(date.getUTCMilliseconds() * 1000, 6)}`
  );
}

/**
 * `sid|sip|source|bytes|protocol|address|port|time|txnId|dialogId|[recvHost|recvPort|]` CRLF SIP text (§1.4b).
 * The trailing `|` is part of the format; drachtio-srf reads `receivedOn` only when the leader has more than 11
 * fields, and ignores the frame when it has fewer than 10.
 */
export function formatSipFrame(meta: WireMessageMeta, sipText: string): string {
  const fields = [
    meta.source,
    String(meta.bytes),
    meta.protocol,
    meta.address,
    String(meta.port),
    meta.time,
    meta.transactionId,
    meta.dialogId,
  ];
  if (meta.receivedOn !== undefined) {
    fields.push(meta.receivedOn.host, String(meta.receivedOn.port));
  }
  checkFields(fields);
  return `${newWireMessageId()}|sip|${fields.join('|')}|${CRLF}${sipText}`;
}

/**
 * `sid|response|<app id>|<status>[|field...]` [CRLF SIP text] (§1.4a). drachtio-srf passes fields 3.. (status
 * first) to the callback waiting on `appMsgId`, and reads meta from fixed positions of the whole leader.
 */
export function formatResponseFrame(
  appMsgId: string,
  status: WireReplyStatus,
  fields: readonly string[] = [],
  sipText?: string,
): string {
  checkFields([appMsgId, ...fields]);
  const tail = fields.length === 0 ? '' : `|${fields.join('|')}`;
  return withBody(`${newWireMessageId()}|response|${appMsgId}|${status}${tail}`, sipText);
}

function echoHead(meta: WireEchoMeta): string[] {
  return [
    'application',
    String(meta.bytes),
    meta.protocol,
    meta.address,
    String(meta.port),
    meta.time,
    meta.transactionId,
  ];
}

/**
 * Fields of the echo of a SIP *response* the app sent (§1.7): `application|bytes|proto|addr|port|time|txnId|
 * dialogId||Msg sent:|`. With status `OK` in front, the dialog id lands at leader position 11, where
 * drachtio-srf's `createUAS` and `sendResponse` read it. `dialogId` is empty outside INVITE transactions and
 * dialogs.
 */
export function formatEchoFields(meta: WireEchoMeta): string[] {
  return [...echoHead(meta), meta.dialogId, '', 'Msg sent:', ''];
}

/**
 * Fields of the echo of a SIP *request* the app sent, new or inside a dialog (§1.8.3, §1.8.4): `application|bytes|
 * proto|addr|port|time|txnId|Msg sent:|`, the marker taking the dialog-id position. drachtio-srf keys the
 * request's responses on the transaction id (leader position 10) and ignores position 11 for requests.
 */
export function formatRequestEchoFields(meta: Omit<WireEchoMeta, 'dialogId'>): string[] {
  return [...echoHead({ ...meta, dialogId: '' }), 'Msg sent:', ''];
}

/**
 * Fields of one proxy progress reply, `OK|network|bytes|proto|addr|port|time|||continue` plus the final response
 * from one target (§1.8.8). `continue` at leader position 12 keeps drachtio-srf's callback alive.
 */
export function formatProxyResponseFields(meta: WireProxyResponseMeta): string[] {
  return [
    'network',
    String(meta.bytes),
    meta.protocol,
    meta.address,
    String(meta.port),
    meta.time,
    '',
    '',
    'continue',
  ];
}

/** Fields of the last proxy reply, `OK|done` (§1.8.8). */
export function formatProxyDoneFields(): string[] {
  return ['done'];
}

/**
 * `sid|cdr:attempt|source|time`, `sid|cdr:start|source|time|role`, `sid|cdr:stop|source|time|reason`, each followed
 * by CRLF and the SIP message the record is about (§1.4c).
 */
export function formatCdrFrame(cdr: WireCdrEvent, sipText: string): string {
  const fields: string[] = [cdr.source, cdr.time];
  if (cdr.kind === 'start') {
    fields.push(cdr.role);
  } else if (cdr.kind === 'stop') {
    fields.push(cdr.reason);
  }
  checkFields(fields);
  return `${newWireMessageId()}|cdr:${cdr.kind}|${fields.join('|')}${CRLF}${sipText}`;
}
