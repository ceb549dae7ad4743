import { pino } from 'pino';
import type { Logger, LogLevel } from '../index.js';

/** pino to stderr (stdout carries only results), synchronous so nothing is lost at exit. */
export function createCliLogger(level: LogLevel): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true })) as unknown as Logger;
}
