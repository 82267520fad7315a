import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Minimum level; defaults to `TSKUBE_LOG_LEVEL` or `info`. */
  level?: string;
  /** Where JSON lines go; defaults to stderr so stdout stays free for command output. */
  destination?: NodeJS.WritableStream;
}

/** A structured JSON logger for one component; children add context with `.child({...})`. */
export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.TSKUBE_LOG_LEVEL ?? 'info';
  return pino({ name: component, level, base: { component } }, opts.destination ?? pino.destination(2));
}

/** A logger that drops everything: the default for libraries when the caller passes none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
