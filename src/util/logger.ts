/**
 * The logging surface the library uses: a subset of pino's, so the CLI passes a pino logger and
 * library users pass nothing (silent) or their own. The library never prints.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

type LogFn = {
  (msg: string): void;
  (obj: Record<string, unknown>, msg?: string): void;
};

export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  isLevelEnabled(level: string): boolean;
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};

export const silentLogger: Logger = {
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  isLevelEnabled: () => false,
  child: () => silentLogger,
};
