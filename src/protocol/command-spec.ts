import type { LinkError } from '../errors.js';
import type { CommandCode } from './constants.js';

/**
 * What a command's exchange needs from the link, and nothing else: the command modules stay free of
 * transports, deadlines and logging, and can be run against a byte script in tests. The link's
 * runner implements it on a Transport with one Deadline for the whole command.
 */
export interface CommandIo {
  /** Sends one frame as a single write; `fields` name its parts for the trace log. */
  send(frame: Uint8Array, what: string, fields?: Record<string, unknown>): Promise<void>;
  /** Exactly `n` bytes of the answer (TimeoutError at the command's deadline). */
  read(n: number, what: string, fields?: Record<string, unknown>): Promise<Buffer>;
  /** Reads one result byte: ACK returns; NACK / ABORT / any other byte throw (see `checkAck`). */
  expectAck(what: string): Promise<void>;
  /** Bytes received and not yet read (Download: did the device already answer?). */
  readonly available: number;
  /**
   * The host may send a frame before the answer to the previous one where the device reads it with
   * no drain in between (Read Partition's length after its address). Absent = lock-step.
   */
  readonly sendAhead?: boolean;
}

/**
 * Which failures may be retried after a re-sync (style.md #10): only steps that change nothing on the
 * device when repeated.
 */
export type RetryPolicy = (err: LinkError) => boolean;

/** Queries and reads: NACK, timeout or a garbled answer → re-sync and ask again. */
export const retryIdempotent: RetryPolicy = (err) => err.code === 'NACK' || err.code === 'TIMEOUT' || err.code === 'PROTOCOL';
/** Only a NACK proves the device did not act on the command (it NACKs before doing anything). */
export const retryOnNack: RetryPolicy = (err) => err.code === 'NACK' && err.details.retry !== false;
export const neverRetry: RetryPolicy = () => false;

/** One spec per command (style.md #5): code, name, timeout, retry policy, and its exchange. */
export interface CommandSpec<A extends unknown[], R> {
  readonly code: CommandCode;
  readonly name: string;
  /** The whole exchange after the command byte, worst case. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** The arguments as log fields (trace and debug lines). */
  describe(...args: A): Record<string, unknown>;
  /** Everything after the command's own ACK. */
  exchange(io: CommandIo, ...args: A): Promise<R>;
  /** The result as log fields. */
  summarize?(result: R): Record<string, unknown>;
}
