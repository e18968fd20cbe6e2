/** A logger (the pino subset the app uses) that keeps every line, with the bindings of its child chain. */
import type { CallLogger } from '../../src/sip/call/sip-app-types.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  obj: object;
  msg: string | undefined;
}

export class RecordingLogger implements CallLogger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', bindings: this.bindings, obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', bindings: this.bindings, obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', bindings: this.bindings, obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', bindings: this.bindings, obj, msg });
  }
  child(bindings: Record<string, unknown>): CallLogger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }

  find(msg: string): LogLine | undefined {
    return this.lines.find((line) => line.msg === msg);
  }
}
