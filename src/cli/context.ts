import type { Logger } from '../index.js';
import type { GlobalArgs } from './global-options.js';

/** What a command handler gets: its arguments, a logger, and the two output streams. */
export interface CliContext {
  args: GlobalArgs;
  json: boolean;
  logger: Logger;
  /** Results (stdout). */
  out(text: string): void;
  /** Human notes and progress (stderr). */
  note(text: string): void;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
}
