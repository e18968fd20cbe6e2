/**
 * A small human-readable formatter for `log.pretty: true` (pino-pretty is not a dependency). pino still
 * produces its JSON line, already redacted; this stream turns each line into
 * `12:34:56.789 INFO  message key=value ...`, with an error's stack on the following lines.
 */
import type { DestinationStream } from 'pino';

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Shown in the line's head, or the same on every line. */
const HIDDEN_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

export interface TextSink {
  write(text: string): unknown;
}

export class PrettyLogStream implements DestinationStream {
  private pending = '';

  constructor(private readonly out: TextSink) {}

  write(chunk: string): void {
    this.pending += chunk;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (line !== '') {
        this.out.write(`${formatLogLine(line)}\n`);
      }
      newline = this.pending.indexOf('\n');
    }
  }
}

/** One pino JSON line → one readable line (plus stack lines). Lines that are not JSON pass through. */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return line;
    }
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? String(record.level)) : '?';
  const message = typeof record.msg === 'string' ? record.msg : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN_KEYS.has(key)) {
      continue;
    }
    if (key === 'err' && typeof value === 'object' && value !== null && 'stack' in value) {
      stack = `\n    ${String(value.stack).split('\n').join('\n    ')}`;
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  const head = [time, level.padEnd(5), message].filter((part) => part !== '').join(' ');
  return `${fields.length > 0 ? `${head} ${fields.join(' ')}` : head}${stack}`;
}
