import { NackError } from '../errors.js';
import { Command, phaseName } from './constants.js';
import { retryOnNack, type CommandSpec } from './command-spec.js';
import { encodePacket, hex8, replyKind, xorChecksum } from './frame.js';

/** `OP P2 P1 P0 X`: target phase, 24-bit packet number, XOR of the four bytes. */
export function encodeDownloadAddress(op: number, packet: number): Buffer {
  if (!Number.isInteger(packet) || packet < 0 || packet > 0xffffff) throw new RangeError(`packet number must be 0..0xFFFFFF, got ${packet}`);
  const out = Buffer.alloc(5);
  out.writeUInt32BE((((op & 0xff) << 24) | packet) >>> 0, 0);
  out[4] = xorChecksum(out.subarray(0, 4));
  return out;
}

/**
 * Download (0x31), an5275-uart.md "Download": `→ OP P2 P1 P0 X ← 79 → N-1 data X ← 79|1F|5F`.
 * - The packet goes out as ONE write: the device gives the whole buffer 30 ms (TIMEOUT_SERIAL_BUFFER).
 * - A NACK leaves the device expecting the same packet number, so the runner may re-send it after a
 *   re-sync; an ABORT (refused to store) is never retried.
 * - Unsupported OP: the device NACKs right after ACKing the address, without reading the packet. If
 *   that NACK is already here, the packet is not sent (its bytes would land in the command loop) and
 *   the failure is final (retrying the same target cannot help).
 */
export const downloadSpec: CommandSpec<[op: number, packet: number, data: Uint8Array], void> = {
  code: Command.DOWNLOAD,
  name: 'Download',
  timeoutMs: 1000,
  retry: retryOnNack,
  describe: (op, packet, data) => ({ op: `${hex8(op)} ${phaseName(op)}`, packet, length: data.length }),
  async exchange(io, op, packet, data) {
    const frame = encodePacket(data);
    const addressFrame = encodeDownloadAddress(op, packet);
    await io.send(addressFrame, 'target and packet number', { op: hex8(op), packet, checksum: addressFrame[4] });
    await io.expectAck('the target and packet number');
    if (io.available > 0) {
      const [early] = await io.read(1, 'early answer');
      if (replyKind(early!) === 'NACK') {
        throw new NackError(`the board does not accept Download to target ${hex8(op)} (${phaseName(op)})`, { step: 'the target', op, retry: false });
      }
      // Anything else is stale or garbled: let the packet's answer decide.
    }
    await io.send(frame, 'packet', { length: data.length, checksum: frame[frame.length - 1] });
    await io.expectAck('the packet');
  },
};
