import { LinkError, TimeoutError } from '../errors.js';
import { Reply } from '../protocol/constants.js';
import type { Transport } from '../transport/transport.js';
import { Deadline } from '../util/clock.js';

export interface SyncTiming {
  /** Give up after this long (the user's --timeout). */
  timeoutMs: number;
  /** How long one 0x7F waits for its answer before the next one is sent. */
  attemptMs: number;
  /** Silence that ends a burst of stale input (boot log text, answers to earlier 0x7F). */
  quietMs: number;
}

export const DEFAULT_SYNC_TIMING: SyncTiming = { timeoutMs: 10_000, attemptMs: 200, quietMs: 50 };

export interface SyncResult {
  attempts: number;
  discarded: Buffer;
}

/**
 * Explicit resync (style.md #9, an5275-uart.md "Entering the loop"): drain stale input, then send 0x7F
 * until the answer is ACK. A NACK or any other byte means the 0x7F was stale or landed mid-command
 * (or it is a stage's unsolicited NACK, or boot log text): wait for the line to go quiet, drain, and
 * send 0x7F again — waiting first so that a booting board's console is not fed a stream of 0x7F. When
 * more than one 0x7F went out, an ACK counts only if silence follows it: late answers to earlier 0x7F
 * (or a stalled command's answer) are drained and the sync goes on, so none of them can be taken for
 * the next command's ACK.
 */
export async function syncTransport(transport: Transport, timing: SyncTiming = DEFAULT_SYNC_TIMING, options: { confirm?: boolean } = {}): Promise<SyncResult> {
  const deadline = Deadline.after(transport.clock, timing.timeoutMs);
  const discarded: Buffer[] = [transport.drain()];
  let attempts = 0;
  while (!deadline.expired()) {
    attempts++;
    await transport.write(Buffer.from([Reply.INIT]));
    let byte: number;
    try {
      byte = (await transport.read(1, deadline.within(timing.attemptMs), 'the answer to sync (0x7F)'))[0]!;
    } catch (err) {
      if (err instanceof TimeoutError) continue;
      throw err;
    }
    if (byte === Reply.ACK) {
      // A first-try ACK on a freshly opened line is the loop answering INIT.
      if (attempts === 1 && !options.confirm) return { attempts, discarded: Buffer.concat(discarded) };
      // Otherwise the ACK may be a late answer, or the device, stopped mid-command, may have taken
      // the 0x7F bytes as arguments: five 0x7F are a valid Read Partition address (their XOR is
      // 0x7F), ACKed, after which the device waits for a length. Only a line that then goes quiet
      // AND answers one more 0x7F with ACK is back in the command loop.
      const late = await waitQuiet(transport, deadline, timing.quietMs);
      discarded.push(late);
      if (late.length === 0 && (await confirmAck(transport, deadline, timing))) return { attempts: attempts + 1, discarded: Buffer.concat(discarded) };
      continue;
    }
    discarded.push(Buffer.from([byte]), await waitQuiet(transport, deadline, timing.quietMs));
  }
  const junk = Buffer.concat(discarded);
  throw new LinkError(
    'SYNC_FAILED',
    `no ACK to sync (0x7F) on ${transport.name} within ${timing.timeoutMs} ms (${attempts} tries${junk.length ? `, ${junk.length} other bytes received` : ', nothing received'}): ` +
      'check the port name, TX/RX wiring, the boot pins (serial boot) or that U-Boot runs stm32prog, and --baud/--parity',
    { details: { port: transport.name, attempts, timeoutMs: timing.timeoutMs, receivedHex: junk.subarray(0, 64).toString('hex') } },
  );
}

/** One more 0x7F answered by ACK (and nothing else): the device is in its command loop. */
async function confirmAck(transport: Transport, deadline: Deadline, timing: SyncTiming): Promise<boolean> {
  await transport.write(Buffer.from([Reply.INIT]));
  try {
    const [byte] = await transport.read(1, deadline.within(timing.attemptMs), 'the answer to the confirming sync (0x7F)');
    return byte === Reply.ACK && transport.available === 0;
  } catch (err) {
    if (err instanceof TimeoutError) return false;
    throw err;
  }
}

/** Reads and discards input until nothing arrives for `quietMs` (or the deadline). */
async function waitQuiet(transport: Transport, deadline: Deadline, quietMs: number): Promise<Buffer> {
  const out: Buffer[] = [transport.drain()];
  while (!deadline.expired()) {
    try {
      out.push(await transport.read(1, deadline.within(quietMs), 'silence'));
      out.push(transport.drain());
    } catch (err) {
      if (err instanceof TimeoutError) break;
      throw err;
    }
  }
  return Buffer.concat(out);
}
