/** Builders for test messages: header lines joined with CRLF, the blank line, then the body. */

export const CRLF = '\r\n';

/** `lines` (start line + header lines) joined with CRLF, then CRLF CRLF, then `body`. */
export function sipBytes(lines: readonly string[], body: string | Buffer = ''): Buffer {
  const head = Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

export const SDP = [
  'v=0',
  'o=- 2890844526 2890844526 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join(CRLF);

/** A typical INVITE as a desk phone sends it to the IVR. */
export function typicalInvite(): Buffer {
  return sipBytes(
    [
      'INVITE sip:3949@ivr.example.fr SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-74bf9;rport',
      'Max-Forwards: 70',
      'From: "Claire Martin" <sip:0612345678@pbx.example.fr>;tag=9fxced76sl',
      'To: <sip:3949@ivr.example.fr>',
      'Call-ID: 3848276298220188511@192.0.2.10',
      'CSeq: 1 INVITE',
      'Contact: <sip:0612345678@192.0.2.10:5060;transport=udp>',
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY',
      'Supported: replaces, timer',
      'User-Agent: TestPhone/1.0',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(SDP)}`,
    ],
    SDP,
  );
}
