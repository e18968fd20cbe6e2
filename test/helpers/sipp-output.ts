/**
 * Reading what sipp leaves behind: the `-trace_stat` CSV (final cumulative counters) and the scenario screen
 * (per-message counts, retransmissions and unexpected messages, as sipp prints them at exit).
 */

export interface SippStats {
  readonly successful: number;
  readonly failed: number;
  /** Messages sipp itself retransmitted; retransmissions it received show in `SippResult.messages`. */
  readonly retransmissions: number;
  readonly outgoingCalls: number;
  readonly incomingCalls: number;
  readonly unexpectedMessages: number;
  readonly timeoutsOnReceive: number;
  readonly deadCallMessages: number;
  readonly outOfCallMessages: number;
  /** Every cumulative `(C)` counter of the CSV, by name without the suffix. */
  readonly counters: Readonly<Record<string, number>>;
}

/** One row of sipp's scenario screen: what each scenario message saw. */
export interface SippMessageRow {
  /** The method or status as sipp shows it: 'INVITE', '200', 'Pause', … */
  readonly label: string;
  readonly direction: 'sent' | 'received' | 'other';
  readonly count: number;
  readonly retransmissions: number;
  readonly timeouts: number;
  readonly unexpected: number;
}

function csvRowToStats(header: string, row: string): SippStats | undefined {
  const names = header.split(';');
  const values = row.split(';');
  const counters: Record<string, number> = {};
  names.forEach((name, i) => {
    const match = /^(.*)\(C\)$/.exec(name);
    const value = Number(values[i]);
    if (match?.[1] !== undefined && Number.isFinite(value)) {
      counters[match[1]] = value;
    }
  });
  if (!('SuccessfulCall' in counters)) {
    return undefined;
  }
  const c = (name: string): number => counters[name] ?? 0;
  return {
    successful: c('SuccessfulCall'),
    failed: c('FailedCall'),
    retransmissions: c('Retransmissions'),
    outgoingCalls: c('OutgoingCall'),
    incomingCalls: c('IncomingCall'),
    unexpectedMessages: c('FailedUnexpectedMessage'),
    timeoutsOnReceive: c('FailedTimeoutOnRecv'),
    deadCallMessages: c('DeadCallMsgs'),
    outOfCallMessages: c('OutOfCallMsgs'),
    counters,
  };
}

/** The last row of the `-trace_stat` CSV holds the final cumulative counters. */
export function parseStatsCsv(csv: string): SippStats | undefined {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0];
  const last = lines.at(-1);
  if (header === undefined || last === undefined || lines.length < 2) {
    return undefined;
  }
  return csvRowToStats(header, last);
}

// Two layouts: a UAC screen puts the label first (`INVITE ---------->` sent, `100 <----------` received), a UAS
// screen puts the arrow first (`----------> INVITE` received, `<---------- 100` sent). Counts follow, with an
// optional `B-RTD1`/`E-RTD1` marker before them.
const COUNTS = String.raw`\s+(?:[A-Z]-RTD\d+\s+)?(\d+)(?:\s+(\d+))?(?:\s+(\d+))?(?:\s+(\d+))?\s*$`;
const LABEL_FIRST = new RegExp(String.raw`^\s*(\S+)\s+(<-+|-+>)` + COUNTS);
const ARROW_FIRST = new RegExp(String.raw`^\s*(<-+|-+>)\s+(\S+)` + COUNTS);
const PAUSE = /^\s*(?:Pause\s+\[[^\]]*\]|\[[^\]]*\]\s+Pause)\s+(\d+)(?:\s+(\d+))?\s*$/;

function counts(m: RegExpExecArray, from: number): number[] {
  return [m[from], m[from + 1], m[from + 2], m[from + 3]].map((v) => (v === undefined ? 0 : Number(v)));
}

/** Parses the message table of the last scenario screen sipp printed (one row per scenario element). */
export function parseScenarioScreen(screen: string): SippMessageRow[] {
  const start = screen.lastIndexOf('Messages  Retrans');
  if (start < 0) {
    return [];
  }
  const rows: SippMessageRow[] = [];
  for (const line of screen.slice(start).split(/\r?\n/).slice(1)) {
    if (line.startsWith('---')) {
      break;
    }
    const labelFirst = LABEL_FIRST.exec(line);
    const arrowFirst = labelFirst === null ? ARROW_FIRST.exec(line) : null;
    if (labelFirst !== null || arrowFirst !== null) {
      const [label, arrow] =
        labelFirst !== null ? [labelFirst[1], labelFirst[2]] : [arrowFirst?.[2], arrowFirst?.[1]];
      const pointsRight = arrow?.endsWith('>') ?? false;
      // Label first (UAC layout): an arrow to the right is a message we sent. Arrow first (UAS layout): received.
      const received = labelFirst !== null ? !pointsRight : pointsRight;
      const [count = 0, retransmissions = 0, timeouts = 0, unexpected = 0] = counts(
        (labelFirst ?? arrowFirst) as RegExpExecArray,
        3,
      );
      rows.push({
        label: label ?? '',
        direction: received ? 'received' : 'sent',
        count,
        retransmissions,
        timeouts,
        unexpected: received ? unexpected : 0,
      });
      continue;
    }
    const pause = PAUSE.exec(line);
    if (pause !== null) {
      rows.push({
        label: 'Pause',
        direction: 'other',
        count: Number(pause[1]),
        retransmissions: 0,
        timeouts: 0,
        unexpected: Number(pause[2] ?? 0),
      });
    }
  }
  return rows;
}
