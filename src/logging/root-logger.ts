/**
 * The process's one root logger. Everything else logs through it or a child of it (`callLogger`), so
 * redaction (`redaction.ts`) applies everywhere.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogConfig } from '../config/config-types.js';
import { PrettyLogStream } from './pretty-log-stream.js';
import { censorSensitiveValue, REDACT_PATHS } from './redaction.js';

/**
 * @param options `config.log`
 * @param destination where lines go; defaults to stdout (through `PrettyLogStream` when `pretty`).
 */
export function createRootLogger(options: LogConfig, destination?: DestinationStream): Logger {
  const target = destination ?? defaultDestination(options.pretty);
  const stream = options.pretty ? new PrettyLogStream(target) : target;
  return pino(
    {
      name: 'aiguilleur',
      level: options.level,
      redact: { paths: [...REDACT_PATHS], censor: censorSensitiveValue },
    },
    stream,
  );
}

function defaultDestination(pretty: boolean): DestinationStream {
  if (pretty) {
    return process.stdout;
  }
  // Asynchronous so that a slow stdout never stalls the event loop (and media timing); pino flushes it at exit.
  return pino.destination({ dest: 1, sync: false });
}
