/**
 * The sipp processes one test file starts as its SIP peers: started with the file's defaults, awaited until they
 * hold their SIP port, and all stopped together in the file's `after`, so a failed test leaves no sipp behind.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { SIPP_BINARY, describeSippRun, startSipp, type SippOptions, type SippProcess } from './sipp.js';

/** The `skip` option of a suite that needs sipp: false when it is installed, the reason otherwise. */
export const skipWithoutSipp: string | false = existsSync(SIPP_BINARY)
  ? false
  : `sipp not installed at ${SIPP_BINARY}`;

/** A running sipp and the URI that reaches it (meaningful for UAS scenarios). */
export interface SippPeer {
  readonly sipp: SippProcess;
  readonly uri: string;
}

export class SippPeers {
  private readonly started: SippProcess[] = [];

  /** @param defaults options every peer starts with unless its own say otherwise (e.g. `timeoutMs`). */
  constructor(private readonly defaults: Omit<SippOptions, 'scenario'> = {}) {}

  /**
   * Starts sipp. A UAS (no `target`) is waited for until it holds its SIP port, so it can be called at once; a UAC
   * is not, since a short scenario may be over before its port is ever seen taken.
   * @param user the user part of the returned URI. @default 'agent'
   */
  async start(options: SippOptions, user = 'agent'): Promise<SippPeer> {
    const merged = { ...this.defaults, ...options };
    const sipp = await startSipp(merged);
    this.started.push(sipp);
    if (merged.target === undefined) {
      await sipp.ready;
    }
    return { sipp, uri: `sip:${user}@127.0.0.1:${sipp.localPort}` };
  }

  /** Stops every peer this file started, one after the other (stopping a finished one is harmless). */
  async stopAll(): Promise<void> {
    for (const sipp of this.started) {
      await sipp.stop();
    }
  }
}

/** Waits for a peer's run to end, fails the test unless its scenario passed, and returns its message trace. */
export async function assertSippOk(sipp: SippProcess): Promise<string> {
  const run = await sipp.done;
  assert.equal(run.ok, true, describeSippRun(run));
  return run.messageLog ?? '';
}
