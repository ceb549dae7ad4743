/**
 * The protocol-mandatory time of an exchange (issue 10), pure: no transport, no clock.
 *
 * mandatoryMs = (bytes the host sends + bytes the device sends) × 11 / baud
 *             + turnarounds × adapter latency
 *
 * - 11 bit times per byte at 8E1 (start, 8 data, parity, stop), bytes back-to-back.
 * - A turnaround is one change of direction on the line; the emulator's wire model charges the
 *   adapter latency for each, in both directions (USB OUT on the way to the board, the adapter's
 *   latency timer on the way back).
 * - The mandatory turnarounds are those the device forces: U-Boot drains its FIFO before every result
 *   byte (`stm32prog_serial_result`), so the host cannot send ahead of those answers — one round
 *   trip, two direction changes, per result the host must see before it sends on. Where the device
 *   reads on without draining (Read Partition's address ACK is a plain putc), the host can send
 *   ahead and no round trip is counted.
 */

/** Bits per byte at 8E1. */
export const BITS_PER_BYTE = 11;

export type Dir = 'tx' | 'rx';

/** What the line carried: host (tx) and device (rx) bytes, and how often the direction changed. */
export interface TrafficCounts {
  txBytes: number;
  rxBytes: number;
  turnarounds: number;
}

export interface LineSettings {
  baud: number;
  latencyMs: number;
}

/** Milliseconds one byte occupies the line. */
export function byteMs(baud: number): number {
  return (BITS_PER_BYTE * 1000) / baud;
}

/** The mandatory time of `counts` on a line. */
export function mandatoryMs(counts: TrafficCounts, line: LineSettings): number {
  return (counts.txBytes + counts.rxBytes) * byteMs(line.baud) + counts.turnarounds * line.latencyMs;
}

/**
 * Counts bytes and direction changes of a chunk sequence as a transport tap sees it. `before` is
 * the direction of the traffic that preceded the sequence (a session starts after the device's
 * unsolicited NACK, so the host's first frame is already a change of direction), 'none' for a line
 * that was silent.
 */
export function countTraffic(chunks: Iterable<{ dir: Dir; length: number }>, before: Dir | 'none' = 'rx'): TrafficCounts {
  let txBytes = 0;
  let rxBytes = 0;
  let turnarounds = 0;
  let last: Dir | undefined = before === 'none' ? undefined : before;
  for (const c of chunks) {
    if (c.length === 0) continue;
    if (c.dir === 'tx') txBytes += c.length;
    else rxBytes += c.length;
    if (last !== undefined && last !== c.dir) turnarounds++;
    last = c.dir;
  }
  return { txBytes, rxBytes, turnarounds };
}

/**
 * Round trips per command: how many times the host must stop and wait for the device before it may
 * send on (or, for the last one, before the next command may start), from U-Boot's
 * stm32prog_serial.c. Each is two direction changes.
 * - sync (0x7F) and the four queries: one — the command pair, then the whole answer (the command's
 *   ACK and the answer follow each other with nothing for the host to send between them);
 * - Read Partition: two — the command's ACK is a drained result (`stm32prog_serial_result`), so the
 *   address cannot go with the command; the address ACK is a plain putc, so the length goes ahead
 *   with the address; then the data. The next command still waits for the data: had the read been
 *   refused, the device's ABORT is a drained result that would swallow a command sent early;
 * - Read Memory: three — command, address and length are each answered with a drained result;
 * - Download: three — command, address (drained ACK) and the packet's result;
 * - Start: two — command, then the address and its result.
 */
export const ROUND_TRIPS_PER_COMMAND = {
  sync: 1,
  Get: 1,
  'Get Version': 1,
  'Get ID': 1,
  'Get Phase': 1,
  'Read Memory': 3,
  'Read Partition': 2,
  Download: 3,
  Start: 2,
} as const;

export type CountedStep = keyof typeof ROUND_TRIPS_PER_COMMAND;

/** Mandatory direction changes of a sequence of commands (and syncs). */
export function mandatoryTurnarounds(steps: Iterable<CountedStep>): number {
  let trips = 0;
  for (const s of steps) trips += ROUND_TRIPS_PER_COMMAND[s];
  return 2 * trips;
}

/** mandatory / measured, rounded to 4 decimals (1 = the wire limit). */
export function efficiency(mandatory: number, measured: number): number {
  if (!(measured > 0)) return 0;
  return Math.round((mandatory / measured) * 10_000) / 10_000;
}

/** Median, min and max of a non-empty list. */
export function summarize(values: readonly number[]): { median: number; min: number; max: number } {
  if (values.length === 0) throw new RangeError('summarize: no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}
