/**
 * Session descriptions shaped like what real peers send (addresses from the RFC 5737 / RFC 3849 documentation
 * ranges). Lines are joined with CRLF as on the wire.
 */
const sdp = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;

/** Asterisk chan_pjsip: static PTs with rtpmaps, GSM, telephone-event 0-16, maxptime. */
export const ASTERISK = sdp(
  'v=0',
  'o=- 1712345678 1712345678 IN IP4 192.0.2.10',
  's=Asterisk',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 17228 RTP/AVP 0 8 3 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
);

/** FreeSWITCH: G722 first, two telephone-event formats (48 kHz and 8 kHz), comfort noise. */
export const FREESWITCH = sdp(
  'v=0',
  'o=FreeSWITCH 1712340000 1712340001 IN IP4 198.51.100.7',
  's=FreeSWITCH',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 24680 RTP/AVP 9 0 8 102 101 13',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:102 telephone-event/48000',
  'a=fmtp:102 0-16',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtpmap:13 CN/8000',
  'a=ptime:20',
);

/** baresip: opus first, dynamic PTs, RTCP attributes we ignore, ptime 40. */
export const BARESIP = sdp(
  'v=0',
  'o=- 4271573434 4271573434 IN IP4 10.0.0.23',
  's=-',
  'c=IN IP4 10.0.0.23',
  't=0 0',
  'm=audio 10012 RTP/AVP 96 9 0 8 101',
  'b=AS:64',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:1360249497 cname:d4f0a1c1-7c2b-4d5e',
  'a=rtcp-rsize',
  'a=ptime:40',
);

/** Cisco CUBE: G729 preferred, PCMA before PCMU, media-level c= overriding the session one. */
export const CISCO_CUBE = sdp(
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 4133 9471 IN IP4 203.0.113.50',
  's=SIP Call',
  'c=IN IP4 203.0.113.50',
  't=0 0',
  'm=audio 16500 RTP/AVP 18 8 0 4 101 19',
  'c=IN IP4 203.0.113.51',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:4 G723/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtpmap:19 CN/8000',
  'a=ptime:20',
);

/** SRTP (SDES) only: RTP/SAVP with a crypto attribute. */
export const SRTP_ONLY = sdp(
  'v=0',
  'o=- 20518 0 IN IP4 192.0.2.44',
  's=-',
  'c=IN IP4 192.0.2.44',
  't=0 0',
  'm=audio 30000 RTP/SAVP 0 8 101',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
);

/** PCMA only, as a bare static payload type with no rtpmap at all (RFC 3551 allows it). */
export const PCMA_ONLY_STATIC = sdp(
  'v=0',
  'o=carrier 1 1 IN IP4 198.51.100.90',
  's=-',
  'c=IN IP4 198.51.100.90',
  't=0 0',
  'm=audio 40400 RTP/AVP 8',
);

export const G729_ONLY = sdp(
  'v=0',
  'o=- 7 7 IN IP4 203.0.113.9',
  's=-',
  'c=IN IP4 203.0.113.9',
  't=0 0',
  'm=audio 5004 RTP/AVP 18 101',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:101 telephone-event/8000',
);

/** A video phone: video first, then audio; session-level sendonly (music on hold source). */
export const VIDEO_THEN_AUDIO_SENDONLY = sdp(
  'v=0',
  'o=- 55 66 IN IP4 192.0.2.77',
  's=-',
  'c=IN IP4 192.0.2.77',
  't=0 0',
  'a=sendonly',
  'm=video 6000 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'm=audio 6002 RTP/AVP 8 0',
);

export const IPV6 = sdp(
  'v=0',
  'o=- 1 1 IN IP6 2001:db8::10',
  's=-',
  'c=IN IP6 2001:db8::10',
  't=0 0',
  'm=audio 7078 RTP/AVP 0 101',
  'a=rtpmap:101 telephone-event/8000',
);
