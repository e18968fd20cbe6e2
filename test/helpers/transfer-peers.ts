/**
 * The agent side of a transfer test, played by sipp UASes (test/fixtures/sipp/transfer-uas-agent.xml and the
 * like): the media address an agent answers with, the target a transfer is asked for, and the INVITE the agent
 * received, read back from sipp's message trace.
 */
import assert from 'node:assert/strict';
import type { TransferContext, TransferTarget } from '../../src/sip/call/sip-app-types.js';

/** The agent's media address in its answer: what the other leg's re-INVITE must carry. No RTP is sent there. */
export const AGENT_MEDIA: Readonly<Record<string, string>> = {
  agent_rtp_ip: '127.0.0.1',
  agent_rtp_port: '46780',
};

/** A transfer to the `cards` group carrying `context`: by REFER without fallback, 5 s per URI, unless `over` says. */
export function transferTarget(context: TransferContext, over: Partial<TransferTarget>): TransferTarget {
  return {
    groupId: 'cards',
    uris: [],
    mode: 'refer',
    fallbackToBridge: false,
    timeoutMs: 5000,
    context,
    ...over,
  };
}

/** The INVITE an agent received, as sipp traced it (`traceMessages`): from its request line to its blank line. */
export function agentInvite(messageLog: string): string {
  const start = messageLog.indexOf('INVITE sip:');
  assert.ok(start >= 0, 'the agent got no INVITE');
  const end = messageLog.indexOf('\n\n', start);
  return messageLog.slice(start, end > 0 ? end : undefined);
}
